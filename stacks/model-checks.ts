import { kmsKeyArnProblem } from "../components/plan/access-validation";
import {
    Allocatable,
    allocatableOf,
    cpuMillicores,
    gpuMemoryFitProblem,
    requestFitProblems,
} from "../components/plan/fit-plan";
import { runtimePresets } from "../components/serving/runtimes";
import { groupInstanceTypes, poolConfigOf } from "./capacity-plan";
import type { ModelConfig, StackConfig } from "./config-schema";

/** A problem under the config key that holds the value. */
export interface KeyedProblem {
    propertyPath: string;
    reason: string;
}

/**
 * What only the stack can check about a model, knowing its GPU group's instance types: the weights
 * fit the GPUs of one replica, its requests fit one node, its KMS key is a key ARN.
 */
export function modelPlacementProblems(
    config: StackConfig,
    model: ModelConfig,
    index: number,
): KeyedProblem[] {
    const path = `models[${index}]`;
    const problems: KeyedProblem[] = [];
    const group = config.cluster.gpuNodeGroups.find((g) => g.name === model.gpuGroup);
    const pool = poolConfigOf(config, model.gpuGroup);
    if (runtimePresets[model.runtime]) {
        // A node group may launch any of its types: the smallest must hold a replica.
        if (group) {
            problems.push(...gpuMemoryProblems(model, path, group.instanceTypes));
            problems.push(...requestProblems(model, path, group.instanceTypes));
        }
        // Karpenter picks a type that fits the pod's requests, but knows nothing of GPU memory:
        // every type the pool may launch must hold the weights, and one must fit the requests.
        if (pool) {
            const poolTypes = groupInstanceTypes(config, model.gpuGroup);
            problems.push(...gpuMemoryProblems(model, path, poolTypes));
            problems.push(...poolRequestProblems(model, path, poolTypes));
        }
    }
    const key = model.weights.kmsKeyArn;
    if (key !== undefined) {
        const reason = model.weights.source.startsWith("s3://")
            ? kmsKeyArnProblem(key)
            : "applies to s3:// sources only (SSE-KMS objects)";
        if (reason) problems.push({ propertyPath: `${path}.weights.kmsKeyArn`, reason });
    }
    return problems;
}

function gpuMemoryProblems(
    model: ModelConfig,
    path: string,
    instanceTypes: readonly string[],
): KeyedProblem[] {
    const memory = gpuMemoryFitProblem({
        runtime: model.runtime,
        weightsSizeGiB: model.weights.sizeGiB,
        gpusPerReplica: model.gpusPerReplica,
        instanceTypes,
    });
    return memory ? [{ propertyPath: `${path}.gpusPerReplica`, reason: memory }] : [];
}

/**
 * A NodePool's requests check: fine when one type the pool may launch fits them, else the
 * problems against the type with the most allocatable CPU (the nearest miss).
 */
function poolRequestProblems(
    model: ModelConfig,
    path: string,
    poolTypes: readonly string[],
): KeyedProblem[] {
    if (poolTypes.some((type) => requestProblems(model, path, [type]).length === 0)) return [];
    const sized = poolTypes.map(allocatableOf).filter((a): a is Allocatable => a !== undefined);
    if (sized.length === 0) return [];
    const largest = sized.reduce((a, b) =>
        b.cpuMillicores > a.cpuMillicores ||
        (b.cpuMillicores === a.cpuMillicores && b.memoryGiB > a.memoryGiB)
            ? b
            : a,
    );
    return requestProblems(model, path, [largest.instanceType]);
}

/** CPU and memory requests, given or the runtime's per-GPU defaults, against one node. */
function requestProblems(
    model: ModelConfig,
    path: string,
    instanceTypes: readonly string[],
): KeyedProblem[] {
    const preset = runtimePresets[model.runtime];
    const gpus = model.gpusPerReplica;
    const cpu = model.cpu !== undefined ? cpuMillicores(model.cpu) : preset.cpuPerGpu * gpus * 1000;
    if (cpu === undefined) return []; // ModelService reports the malformed quantity.
    const memoryGiB = model.memoryGiB ?? preset.memoryGiBPerGpu * gpus;
    const found = requestFitProblems({ cpuMillicores: cpu, memoryGiB, instanceTypes });
    const defaulted = (key: "cpu" | "memoryGiB", perGpu: number, unit: string) =>
        model[key] === undefined
            ? `the ${model.runtime} default (${perGpu}${unit} per GPU × ${gpus}) `
            : "";
    const problems: KeyedProblem[] = [];
    if (found.cpu)
        problems.push({
            propertyPath: `${path}.cpu`,
            reason: defaulted("cpu", preset.cpuPerGpu, " cores") + found.cpu,
        });
    if (found.memoryGiB)
        problems.push({
            propertyPath: `${path}.memoryGiB`,
            reason: defaulted("memoryGiB", preset.memoryGiBPerGpu, " GiB") + found.memoryGiB,
        });
    return problems;
}

/** Load balancers go into the public subnets (apart from the pods); an existing VPC must name them. */
export function loadBalancerSubnetProblems(config: StackConfig): KeyedProblem[] {
    const usesLoadBalancer = config.models.some(
        (m) => (m.serviceType ?? config.serving.serviceType) !== "ClusterIP",
    );
    const { network } = config;
    if (!usesLoadBalancer || config.platform !== "eks" || network.existingVpcId === undefined)
        return [];
    if ((network.existingPublicSubnetIds ?? []).length > 0) return [];
    return [
        {
            propertyPath: "network.existingPublicSubnetIds",
            reason:
                "is required for a load balancer service type: NLBs are placed in these subnets, apart " +
                "from the pods, so the servers' NetworkPolicy can admit their health checks and no pod",
        },
    ];
}

/** The plain-text spelling of a secret key: a string in the file, or not in the engine's secret list. */
export function plainTextSecretProblems(
    raw: Record<string, unknown>,
    keys: readonly string[],
    secretKeys: ReadonlySet<string> | undefined,
): KeyedProblem[] {
    return keys
        .filter((key) => raw[key] !== undefined)
        .filter((key) => (secretKeys ? !secretKeys.has(key) : typeof raw[key] === "string"))
        .map((key) => ({
            propertyPath: key,
            reason:
                "is stored in plain text in Pulumi.<stack>.yaml, readable by everyone who can read the " +
                `repository; remove it (\`pulumi config rm ${key}\`) and set it encrypted: ` +
                `\`pulumi config set --secret ${key} <value>\``,
        }));
}
