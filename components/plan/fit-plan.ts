/**
 * Whether one replica fits one node of its GPU group: its share of the weights in GPU memory, and
 * its CPU and memory requests in what the kubelet leaves allocatable. Pure, with the arithmetic in
 * every message so a user can check it.
 */
import { gpuInstanceType } from "./gpu-instances";

/** Memory of one GPU of `instanceType`, GiB (the catalogue's, from EC2's MiB); undefined when unknown. */
export function gpuMemoryGiBOf(instanceType: string): number | undefined {
    return gpuInstanceType(instanceType)?.gpuMemoryGiB;
}

/**
 * vLLM takes this share of each GPU (`--gpu-memory-utilization`, default 0.9); the rest is left to
 * the CUDA context and other processes.
 */
export const vllmGpuMemoryUtilization = 0.9;

/**
 * Beyond its weights a replica needs GPU memory for the KV cache (at least one sequence of
 * max-model-len, or vLLM refuses to start) and activations: budgeted at 20 % of the weights per GPU,
 * at least 1 GiB. A budget, not a measurement: long contexts on large models need more.
 */
export const kvCacheHeadroomShare = 0.2;
export const kvCacheHeadroomMinGiB = 1;

export interface GpuFitInput {
    runtime: string;
    weightsSizeGiB: number;
    /** GPUs one replica spreads its weights over: tensor × pipeline parallel. */
    gpusPerReplica: number;
    /** The group's instance types; the one with the least GPU memory decides. */
    instanceTypes: readonly string[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;
/** Down to the hundredth: an allocatable figure shown rounded up would invite a request that fails. */
const floor2 = (value: number) => Math.floor(value * 100) / 100;

/** KV-cache and activation headroom for `weightsPerGpuGiB` of weights on one GPU, GiB. */
export function kvCacheHeadroomGiB(weightsPerGpuGiB: number): number {
    return Math.max(kvCacheHeadroomMinGiB, weightsPerGpuGiB * kvCacheHeadroomShare);
}

/** Why the weights do not fit, with the arithmetic; undefined when they fit or the types are unknown. */
export function gpuMemoryFitProblem(input: GpuFitInput): string | undefined {
    const sized = input.instanceTypes
        .map((type) => ({ type, gib: gpuMemoryGiBOf(type) }))
        .filter((t): t is { type: string; gib: number } => t.gib !== undefined);
    if (sized.length === 0 || input.gpusPerReplica < 1) return undefined;
    const smallest = sized.reduce((a, b) => (b.gib < a.gib ? b : a));
    const share = input.runtime === "vllm" ? vllmGpuMemoryUtilization : 1;
    const usable = smallest.gib * share;
    const perGpu = input.weightsSizeGiB / input.gpusPerReplica;
    const headroom = kvCacheHeadroomGiB(perGpu);
    const needed = perGpu + headroom;
    if (needed <= usable) return undefined;
    const gpuModel = gpuInstanceType(smallest.type)!.gpuModel;
    const usableText =
        share === 1
            ? `${round2(usable)} GiB`
            : `${round2(usable)} GiB usable (${share * 100} % of ${round2(smallest.gib)} GiB)`;
    const minGpus = Math.ceil((input.weightsSizeGiB * (1 + kvCacheHeadroomShare)) / usable);
    return (
        `${input.weightsSizeGiB} GiB of weights ÷ ${input.gpusPerReplica} GPU(s) = ${round2(perGpu)} GiB per GPU, ` +
        `+ ${round2(headroom)} GiB KV-cache and activation headroom (${kvCacheHeadroomShare * 100} %, at least ` +
        `${kvCacheHeadroomMinGiB} GiB) = ${round2(needed)} GiB, more than the ${gpuModel} of ${smallest.type} ` +
        `offers: ${usableText}. Spread the replica over more GPUs (gpusPerReplica ≥ ${Math.max(minGpus, input.gpusPerReplica + 1)} of this GPU) ` +
        "on an instance type that has them, or pick a GPU group with more memory per GPU"
    );
}

/**
 * Pods the kubelet is configured for, as an upper bound: EKS caps max pods at 110 on instances
 * with fewer than 30 vCPUs and 250 above (EKS user guide, "Amazon EKS recommended maximum Pods for
 * each Amazon EC2 instance type"); the ENI limit is often lower, which reserves less memory.
 */
export function maxPodsUpperBound(vcpus: number): number {
    return vcpus < 30 ? 110 : 250;
}

/**
 * CPU the kubelet reserves, millicores: 6 % of the first core, 1 % of the second, 0.5 % of the
 * third and fourth, 0.25 % of the rest (awslabs/amazon-eks-ami, nodeadm/internal/kubelet/config.go,
 * getCPUMillicoresToReserve).
 */
export function kubeReservedCpuMillicores(vcpus: number): number {
    const tiers: [from: number, to: number, share: number][] = [
        [0, 1, 0.06],
        [1, 2, 0.01],
        [2, 4, 0.005],
        [4, Infinity, 0.0025],
    ];
    return tiers.reduce(
        (sum, [from, to, share]) => sum + Math.max(0, Math.min(vcpus, to) - from) * 1000 * share,
        0,
    );
}

/** Memory the kubelet reserves, MiB: 11 MiB per pod + 255 MiB (same file, getMemoryMebibytesToReserve). */
export function kubeReservedMemoryMiB(maxPods: number): number {
    return 11 * maxPods + 255;
}

/** nodeadm's default hard eviction threshold, memory.available, MiB. */
export const evictionHardMemoryMiB = 100;

export interface Allocatable {
    instanceType: string;
    cpuMillicores: number;
    memoryGiB: number;
}

/** CPU and memory a pod can request on one node of `instanceType` (AL2023 EKS AMI), before DaemonSets. */
export function allocatableOf(instanceType: string): Allocatable | undefined {
    const info = gpuInstanceType(instanceType);
    if (!info) return undefined;
    const reservedMiB =
        kubeReservedMemoryMiB(maxPodsUpperBound(info.vcpus)) + evictionHardMemoryMiB;
    return {
        instanceType,
        cpuMillicores: info.vcpus * 1000 - kubeReservedCpuMillicores(info.vcpus),
        memoryGiB: (info.memoryGiB * 1024 - reservedMiB) / 1024,
    };
}

/** Kubernetes CPU quantity ("4", "3.5", "3500m") in millicores; undefined when malformed. */
export function cpuMillicores(quantity: string): number | undefined {
    const match = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(quantity);
    if (!match) return undefined;
    return match[2] === "m" ? Number(match[1]) : Number(match[1]) * 1000;
}

export interface RequestFitInput {
    cpuMillicores: number;
    memoryGiB: number;
    instanceTypes: readonly string[];
}

/**
 * Problems of a replica's requests against the smallest allocatable CPU and memory among the
 * group's instance types, keyed "cpu" and "memoryGiB". DaemonSets (CNI, CSI node plugins, log
 * shipper, exporters) take a little more, so a request right at the limit may still not schedule.
 */
export function requestFitProblems(input: RequestFitInput): { cpu?: string; memoryGiB?: string } {
    const nodes = input.instanceTypes
        .map(allocatableOf)
        .filter((a): a is Allocatable => a !== undefined);
    if (nodes.length === 0) return {};
    const cpuNode = nodes.reduce((a, b) => (b.cpuMillicores < a.cpuMillicores ? b : a));
    const memoryNode = nodes.reduce((a, b) => (b.memoryGiB < a.memoryGiB ? b : a));
    const problems: { cpu?: string; memoryGiB?: string } = {};
    if (input.cpuMillicores > cpuNode.cpuMillicores) {
        const vcpus = gpuInstanceType(cpuNode.instanceType)!.vcpus;
        problems.cpu =
            `requests ${input.cpuMillicores}m but ${cpuNode.instanceType} has ${cpuNode.cpuMillicores}m allocatable ` +
            `(${vcpus} vCPUs = ${vcpus * 1000}m − ${kubeReservedCpuMillicores(vcpus)}m kube-reserved); ` +
            `request at most ${cpuNode.cpuMillicores}m or use a larger instance type`;
    }
    if (input.memoryGiB > memoryNode.memoryGiB) {
        const info = gpuInstanceType(memoryNode.instanceType)!;
        const maxPods = maxPodsUpperBound(info.vcpus);
        problems.memoryGiB =
            `${input.memoryGiB} GiB exceeds the ${floor2(memoryNode.memoryGiB)} GiB allocatable on ` +
            `${memoryNode.instanceType} (${info.memoryGiB} GiB − ${kubeReservedMemoryMiB(maxPods)} MiB kube-reserved ` +
            `for ${maxPods} pods − ${evictionHardMemoryMiB} MiB eviction threshold); request at most ` +
            `${floor2(memoryNode.memoryGiB)} GiB or use a larger instance type`;
    }
    return problems;
}
