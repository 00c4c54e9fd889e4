import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceInputs } from "../components/serving/model-service-types";
import { GpuGroupCapacity, planGpuCapacity } from "../components/plan/capacity";
import { ColdStartEstimate } from "../components/plan/cold-start";
import { ScenarioComparison, TargetCheck } from "../components/plan/cold-start-cuts";
import { planPoolCapacity, PoolCapacity } from "../components/plan/node-pool-capacity";
import { coldStartFor } from "../components/serving/settings";
import {
    compileCacheKeyFor,
    gpuDemands,
    modelColdStarts,
    modelTargets,
    poolConfigOf,
    poolPlanInput,
    stagedCopyReadMiBps,
    staticNodesFor,
} from "./capacity-plan";
import type { GpuNodeGroupConfig, ModelConfig, StackConfig } from "./config-schema";

export { gpuDemands, rolloutSurgeReplicas } from "./capacity-plan";

/** What the serving half is wired to; placeholders suffice for validation. */
export interface ServingWiring {
    namespace: pulumi.Input<string>;
    image: pulumi.Input<string>;
    modelClaimName: pulumi.Input<string>;
    prometheusUrl?: pulumi.Input<string>;
    apiKey?: pulumi.Input<string>;
    /** Static S3 keys (config `weightsCredentials`), for models with `weights.endpoint` only. */
    weightsCredentials?: ModelServiceInputs["weightsCredentials"];
    /** IRSA role of the model's staging Job (an S3 source on a platform with IRSA). */
    stagingRoleArn?: pulumi.Input<string>;
    /** IRSA role of the server, when it streams its S3 source itself. */
    servingRoleArn?: pulumi.Input<string>;
    /** Gated repositories' token; handed only to hf:// models. */
    huggingFaceToken?: pulumi.Input<string>;
    /** Subnets the load balancers sit in. */
    loadBalancerSubnets?: LoadBalancerSubnets;
}

/** Subnets for the NLBs: ids to place them, CIDRs for the servers' NetworkPolicy. */
export interface LoadBalancerSubnets {
    ids: pulumi.Input<string>[];
    cidrs: pulumi.Input<string>[];
}

export function modelServiceArgs(
    config: StackConfig,
    model: ModelConfig,
    wiring: ServingWiring,
): ModelServiceInputs {
    return {
        modelName: model.name,
        namespace: wiring.namespace,
        image: wiring.image,
        runtime: model.runtime,
        modelVersion: model.version,
        weightsSource: model.weights.source,
        weightsRevision: model.weights.revision,
        weightsSizeGiB: model.weights.sizeGiB,
        weightsEndpoint: model.weights.endpoint,
        weightsCredentials: model.weights.endpoint ? wiring.weightsCredentials : undefined,
        stagingImage: config.serving.stagingImage,
        modelClaimName: wiring.modelClaimName,
        gpuGroup: model.gpuGroup,
        gpusPerReplica: model.gpusPerReplica,
        minReplicas: model.minReplicas,
        maxReplicas: model.maxReplicas,
        cpu: model.cpu,
        memoryGiB: model.memoryGiB,
        shmSizeGiB: model.shmSizeGiB,
        storageReadMiBps: stagedCopyReadMiBps(config),
        warmupSeconds: model.warmupSeconds,
        nodeLaunchSeconds: poolConfigOf(config, model.gpuGroup)?.nodeLaunchSeconds,
        imageCache: config.coldStart?.imageCache,
        compileCacheGpuModel: compileCacheModel(config, model),
        loadFormat: model.loadFormat,
        tensorParallelSize: model.tensorParallelSize,
        maxModelLen: model.maxModelLen,
        port: model.port,
        healthPath: model.healthPath,
        readinessPath: model.readinessPath,
        metricsPath: model.metricsPath,
        extraArgs: model.extraArgs,
        queueDepthTarget: model.queueDepthTarget,
        cooldownSeconds: model.cooldownSeconds,
        prometheusUrl: wiring.prometheusUrl,
        hpaCpuUtilization: model.hpaCpuUtilization,
        ...accessArgs(config, model, wiring),
        allowedNamespaces: config.serving.allowedNamespaces,
        apiKey: wiring.apiKey,
        monitoring: config.serving.monitoring,
        autoscaling: config.serving.autoscaling,
    };
}

/** Exposure and identities: who reaches the model, and as whom it reads its weights. */
function accessArgs(config: StackConfig, model: ModelConfig, wiring: ServingWiring) {
    const serviceType = model.serviceType ?? config.serving.serviceType;
    return {
        serviceType,
        loadBalancerSourceRanges: config.serving.loadBalancerSourceRanges,
        tlsCertificateArn: config.serving.tlsCertificateArn,
        loadBalancerSubnetIds: wiring.loadBalancerSubnets?.ids,
        loadBalancerSubnetCidrs: wiring.loadBalancerSubnets?.cidrs,
        stagingRoleArn: wiring.stagingRoleArn,
        serviceAccountRoleArn: wiring.servingRoleArn,
        huggingFaceToken: model.weights.source.startsWith("hf://")
            ? wiring.huggingFaceToken
            : undefined,
    };
}

/** ModelService arg names → the config keys a user edits, so errors point at the YAML. */
export const modelConfigPaths: Readonly<Record<string, string>> = {
    modelName: "name",
    modelVersion: "version",
    image: "image.reference",
    weightsSource: "weights.source",
    weightsRevision: "weights.revision",
    weightsSizeGiB: "weights.sizeGiB",
    weightsEndpoint: "weights.endpoint",
    stagingImage: "=serving.stagingImage",
    storageReadMiBps: "=modelStore.readThroughputMiBps",
    imageCache: "=coldStart.imageCache",
    compileCacheGpuModel: "=coldStart.compileCache",
    // Shared by every model: reported once, where the user wrote it.
    allowedNamespaces: "=serving.allowedNamespaces",
    loadBalancerSourceRanges: "=serving.loadBalancerSourceRanges",
    tlsCertificateArn: "=serving.tlsCertificateArn",
};

export function capacityGroups(groups: readonly GpuNodeGroupConfig[]) {
    return groups.map((g) => ({
        name: g.name,
        instanceTypes: g.instanceTypes,
        minSize: g.minSize,
        maxSize: g.maxSize,
    }));
}

export interface ModelPlanSummary {
    model: string;
    gpuGroup: string;
    /** New-node cold start with the stack's cuts, seconds. */
    coldStartSeconds: number;
    coldStart: ColdStartEstimate["stages"];
    /** Each scenario before and after the cuts. */
    comparisons: ScenarioComparison[];
    targets: TargetCheck[];
}

/** The plan exported as a stack output: GPUs requested vs available per group, cold start per model. */
export interface ServingPlanSummary {
    /** Node groups (capacity engine "node-groups"). */
    gpuGroups: GpuGroupCapacity[];
    /** NodePools (capacity engine "karpenter"), with the static nodes of an existing cluster. */
    gpuNodePools: PoolCapacity[];
    models: ModelPlanSummary[];
}

function compileCacheModel(config: StackConfig, model: ModelConfig): string | undefined {
    const key = compileCacheKeyFor(config, model);
    return key && "gpuModel" in key ? key.gpuModel : undefined;
}

export function servingPlanSummary(config: StackConfig): ServingPlanSummary {
    const placeholder: ServingWiring = {
        namespace: config.serving.namespace,
        image: "",
        modelClaimName: "",
    };
    const demands = gpuDemands(config.models);
    const karpenter = config.cluster.capacityEngine === "karpenter";
    return {
        gpuGroups: karpenter
            ? []
            : planGpuCapacity(capacityGroups(config.cluster.gpuNodeGroups), demands),
        gpuNodePools: config.cluster.gpuNodePools.map((pool) =>
            planPoolCapacity(
                poolPlanInput(config, pool),
                demands,
                staticNodesFor(config, pool.name),
            ),
        ),
        models: config.models.map((model) => {
            const estimate = coldStartFor(modelServiceArgs(config, model, placeholder));
            const comparisons = modelColdStarts(config, model);
            return {
                model: model.name,
                gpuGroup: model.gpuGroup,
                coldStartSeconds: estimate.totalSeconds,
                coldStart: estimate.stages,
                comparisons,
                targets: modelTargets(model, comparisons),
            };
        }),
    };
}
