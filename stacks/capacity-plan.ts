import type { ModelGpuDemand } from "../components/plan/capacity";
import {
    checkTarget,
    ColdStartCuts,
    compareColdStarts,
    compileCacheGpuModel,
    ScenarioComparison,
    TargetCheck,
    weightsCutFor,
    weightsReadMiBps,
} from "../components/plan/cold-start-cuts";
import { ColdStartInput, defaultWarmupSeconds } from "../components/plan/cold-start";
import { gpusPerNode } from "../components/plan/gpu-instances";
import type { StaticGpuNodes } from "../components/plan/node-pool-capacity";
import {
    fittingInstanceTypes,
    GpuNodePoolInput,
    KarpenterCapacityType,
    minGpusPerNode,
    NodeClassRef,
} from "../components/plan/node-pool-plan";
import type { WarmHeadroomInput } from "../components/plan/warm-headroom";
import type { WeightsPathInput } from "../components/plan/weights-access-plan";
import { runtimePresets, scratchSizesGiB } from "../components/serving/runtimes";
import type { GpuNodePoolConfig, ModelConfig, StackConfig } from "./config-schema";

/**
 * What the stack's capacity engine and cold-start cuts mean for each model and GPU group: the cuts
 * a model gets, its cold start before and after them, the NodePool a group becomes and the warm
 * headroom it holds. Pure; the validator, the component args and the plan report all read it.
 */

/** ModelService rolls with maxSurge 1: one extra replica per model during an upgrade. */
export const rolloutSurgeReplicas = 1;

export function gpuDemands(models: readonly ModelConfig[]): ModelGpuDemand[] {
    return models.map((m) => ({
        modelName: m.name,
        gpuGroup: m.gpuGroup,
        gpusPerReplica: m.gpusPerReplica,
        minReplicas: m.minReplicas,
        maxReplicas: m.maxReplicas,
        surge: rolloutSurgeReplicas,
    }));
}

export function poolConfigOf(config: StackConfig, group: string): GpuNodePoolConfig | undefined {
    return config.cluster?.gpuNodePools?.find((p) => p.name === group);
}

function modelsOn(config: StackConfig, group: string): ModelConfig[] {
    return (config.models ?? []).filter((m) => m.gpuGroup === group);
}

/** The instance types a group may run: its NodePool's fitting types or its node group's list. */
export function groupInstanceTypes(config: StackConfig, group: string): string[] {
    const pool = poolConfigOf(config, group);
    if (pool) {
        const minGpus = minGpusPerNode(modelsOn(config, group).map((m) => m.gpusPerReplica));
        return fittingInstanceTypes(pool, minGpus);
    }
    return config.cluster?.gpuNodeGroups.find((g) => g.name === group)?.instanceTypes ?? [];
}

/** The GPU model a vLLM model's compile cache is keyed by, or why the group cannot have one. */
export function compileCacheKeyFor(
    config: StackConfig,
    model: ModelConfig,
): { gpuModel: string } | { problem: string } | undefined {
    if (!config.coldStart?.compileCache || model.runtime !== "vllm") return undefined;
    return compileCacheGpuModel(groupInstanceTypes(config, model.gpuGroup));
}

/** What decides where the model's server reads its weights (`serverStreamsFromS3`). */
export function weightsPathOf(model: ModelConfig): WeightsPathInput {
    return {
        runtime: model.runtime,
        loadFormat: model.loadFormat,
        weightsSource: model.weights.source,
        weightsEndpoint: model.weights.endpoint,
    };
}

/**
 * The rate a staged copy is read at, MiB/s: `coldStart.weightsReadMiBps` (capped at EFS Elastic's
 * per-client ceiling, as the plan's EFS cut is) or the store's configured rate. ModelService gets
 * it as `storageReadMiBps`, so its estimate and the plan's read a staged copy alike.
 */
export function stagedCopyReadMiBps(config: StackConfig): number {
    const provisioned = config.coldStart?.weightsReadMiBps;
    return weightsReadMiBps(
        provisioned === undefined ? undefined : { kind: "efs", readMiBps: provisioned },
        config.modelStore.readThroughputMiBps,
    );
}

/**
 * The cuts one model gets from the stack's `coldStart` section, and the weights stage its server
 * runs: streamed from S3 when it streams (whatever `coldStart.weightsReadMiBps` says, since it reads
 * no staged copy), else the staged copy at that EFS rate.
 */
export function modelCuts(config: StackConfig, model: ModelConfig): ColdStartCuts {
    const section = config.coldStart ?? {};
    const cache = compileCacheKeyFor(config, model);
    return {
        imageCache:
            section.imageCache === "ebs-snapshot" || section.imageCache === "soci-parallel-pull"
                ? { kind: section.imageCache }
                : undefined,
        weights: weightsCutFor({
            ...weightsPathOf(model),
            efsReadMiBps: section.weightsReadMiBps,
        }),
        compileCache: cache !== undefined && "gpuModel" in cache,
    };
}

/** The cold-start inputs without any cut: the store's configured read rate, the uncached warm-up. */
export function baselineColdStartInput(config: StackConfig, model: ModelConfig): ColdStartInput {
    return {
        runtime: model.runtime,
        imageSizeGiB: runtimePresets[model.runtime].imageSizeGiB,
        weightsSizeGiB: model.weights.sizeGiB,
        storageReadMiBps: config.modelStore.readThroughputMiBps,
        warmupSeconds: model.warmupSeconds ?? defaultWarmupSeconds(model.runtime),
        nodeLaunchSeconds: poolConfigOf(config, model.gpuGroup)?.nodeLaunchSeconds,
    };
}

/** Each scenario's stages before and after the model's cuts. */
export function modelColdStarts(config: StackConfig, model: ModelConfig): ScenarioComparison[] {
    return compareColdStarts(baselineColdStartInput(config, model), modelCuts(config, model));
}

/** The model's configured targets checked against its after-cuts estimates. */
export function modelTargets(
    model: ModelConfig,
    comparisons: readonly ScenarioComparison[],
): TargetCheck[] {
    const targets = model.coldStartTargets ?? {};
    const scenario = (name: ScenarioComparison["scenario"]) =>
        comparisons.find((c) => c.scenario === name)!;
    const checks: TargetCheck[] = [];
    if (targets.newNodeSeconds !== undefined)
        checks.push(checkTarget(scenario("new-node"), targets.newNodeSeconds));
    if (targets.warmRestartSeconds !== undefined)
        checks.push(checkTarget(scenario("warm-restart"), targets.warmRestartSeconds));
    return checks;
}

/** The longest new-node cold start (after the cuts) among a group's models: the least consolidateAfter. */
export function groupColdStartSeconds(config: StackConfig, group: string): number {
    return Math.max(
        0,
        ...modelsOn(config, group).map(
            (m) => modelColdStarts(config, m).find((c) => c.scenario === "new-node")!.afterSeconds,
        ),
    );
}

/** Static nodes carrying the group's label outside Karpenter (an existing cluster's node group). */
export function staticNodesFor(config: StackConfig, group: string): StaticGpuNodes | undefined {
    const nodes = config.cluster?.gpuNodeGroups.find((g) => g.name === group);
    return nodes && { count: nodes.maxSize, gpusPerNode: gpusPerNode(nodes.instanceTypes) };
}

/** A pool as the plan reads it: the GPU floor from its models, consolidation after their cold start. */
export function poolPlanInput(
    config: StackConfig,
    pool: GpuNodePoolConfig,
    nodeClassRef: NodeClassRef = { group: "", kind: "", name: "" },
): GpuNodePoolInput {
    return {
        name: pool.name,
        instanceFamilies: pool.instanceFamilies,
        minInstanceGeneration: pool.minInstanceGeneration,
        minGpusPerNode: minGpusPerNode(modelsOn(config, pool.name).map((m) => m.gpusPerReplica)),
        maxGpusPerNode: pool.maxGpusPerNode,
        capacityTypes: pool.capacityTypes as KarpenterCapacityType[],
        gpuLimit: pool.gpuLimit,
        consolidateAfterSeconds:
            pool.consolidateAfterSeconds ?? groupColdStartSeconds(config, pool.name),
        businessHours: pool.businessHours,
        expireAfterHours: pool.expireAfterHours,
        labels: pool.labels,
        nodeClassRef,
    };
}

/** The group's warm headroom, sized to hold its largest replica; undefined without headroom. */
export function headroomFor(
    config: StackConfig,
    pool: GpuNodePoolConfig,
): WarmHeadroomInput | undefined {
    const models = modelsOn(config, pool.name);
    if (pool.warmHeadroomGpus === 0 || models.length === 0) return undefined;
    const largest = [...models].sort((a, b) => b.gpusPerReplica - a.gpusPerReplica)[0];
    const preset = runtimePresets[largest.runtime];
    return {
        group: pool.name,
        gpus: pool.warmHeadroomGpus,
        gpusPerPlaceholder: largest.gpusPerReplica,
        cpu: largest.cpu ?? String(preset.cpuPerGpu * largest.gpusPerReplica),
        memoryGiB: largest.memoryGiB ?? preset.memoryGiBPerGpu * largest.gpusPerReplica,
        ephemeralStorageGiB: scratchSizesGiB(
            largest.runtime,
            largest.tensorParallelSize ?? largest.gpusPerReplica,
        ).ephemeralStorage,
    };
}
