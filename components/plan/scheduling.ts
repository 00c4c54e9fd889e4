/**
 * The contract between GPU node groups and the workloads scheduled on them. GpuCluster applies these
 * labels and the taint to nodes; ModelService selects and tolerates them; the local kwok nodes copy
 * them. Changing a value here is a breaking change for running clusters.
 */
export const nodeRoleLabel = "gpu-serving.io/node-role";
export const gpuGroupLabel = "gpu-serving.io/gpu-group";
/** Set by GpuCluster as well as by NVIDIA's feature discovery, so it also matches clusters we did not make. */
export const gpuPresentLabel = "nvidia.com/gpu.present";
export const gpuResourceName = "nvidia.com/gpu";

export const systemNodeRole = "system";
export const gpuNodeRole = "gpu";

/** Keeps pods that did not ask for a GPU off GPU nodes, which cost 10–100× a CPU node. */
export const gpuTaint = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;
/** The same taint in the EKS API's spelling. */
export const gpuTaintEks = {
    key: gpuTaint.key,
    value: gpuTaint.value,
    effect: "NO_SCHEDULE",
} as const;

/** The toleration a pod needs to land on a GPU node. */
export const gpuToleration = {
    key: gpuTaint.key,
    operator: "Equal",
    value: gpuTaint.value,
    effect: gpuTaint.effect,
} as const;

export function gpuNodeLabels(groupName: string): Record<string, string> {
    return {
        [nodeRoleLabel]: gpuNodeRole,
        [gpuGroupLabel]: groupName,
        [gpuPresentLabel]: "true",
    };
}

export const systemNodeLabels: Record<string, string> = { [nodeRoleLabel]: systemNodeRole };
