import { gpuGroupLabel, gpuResourceName, gpuToleration } from "./scheduling";

/**
 * Warm headroom: low-priority placeholder pods that hold spare GPUs on running nodes. A serving
 * replica that scales out preempts one and starts on a node that is already up, instead of waiting
 * for a new one; the autoscaler (Karpenter or cluster-autoscaler) then replaces the evicted
 * placeholder in the background. Costs the GPUs it holds, every hour.
 */

/**
 * Below every workload's priority (the default is 0), so the scheduler evicts placeholders for any
 * real pod; `Never` keeps a placeholder from evicting anything itself.
 */
export const headroomPriorityClass = {
    name: "gpu-serving-headroom",
    value: -10,
    preemptionPolicy: "Never",
    description:
        "Warm GPU headroom placeholders: preempted by any serving pod, never preempt anything.",
} as const;

/** registry.k8s.io/pause 3.10, by digest: holds resources, does nothing, runs as 65535. */
export const defaultPlaceholderImage =
    "registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a";

/** Spare GPUs to keep warm in one GPU group. */
export interface WarmHeadroomInput {
    /** GPU group the placeholders sit in. */
    group: string;
    /** GPUs to hold spare, ≥ 1. */
    gpus: number;
    /**
     * GPUs per placeholder: the largest replica of the group, so preempting a single placeholder
     * frees room for any replica.
     */
    gpusPerPlaceholder: number;
    /**
     * CPU request of the group's largest replica, Kubernetes quantity: the autoscaler sizes the
     * placeholder's node by it, so the replica that preempts the placeholder fits on the node.
     */
    cpu: string;
    /** Memory request of the group's largest replica, GiB: the placeholder's node must fit it too. */
    memoryGiB: number;
    /**
     * Ephemeral storage of the group's largest replica, GiB: requested and limited like the replica's, so the
     * node fits the replica's scratch too and Pod Security's storage bounds hold (the pause
     * container writes nothing).
     */
    ephemeralStorageGiB: number;
}

/** Placeholders needed to hold `gpus` in pods of `gpusPerPlaceholder`. */
export function placeholderCount(input: WarmHeadroomInput): number {
    return Math.ceil(input.gpus / input.gpusPerPlaceholder);
}

/** GPUs the placeholders actually hold (whole placeholders). */
export function heldGpus(input: WarmHeadroomInput): number {
    return placeholderCount(input) * input.gpusPerPlaceholder;
}

export function headroomName(group: string): string {
    return `gpu-headroom-${group}`;
}

/** The placeholder Deployment's spec for one group. */
export function headroomDeploymentSpec(input: WarmHeadroomInput, image = defaultPlaceholderImage) {
    const labels = {
        "app.kubernetes.io/name": headroomName(input.group),
        "app.kubernetes.io/component": "gpu-headroom",
    };
    const gpus = String(input.gpusPerPlaceholder);
    return {
        replicas: placeholderCount(input),
        selector: { matchLabels: labels },
        template: {
            metadata: { labels: { ...labels, "app.kubernetes.io/part-of": "gpu-serving" } },
            spec: {
                priorityClassName: headroomPriorityClass.name,
                // Preempted placeholders must free their GPUs at once for the waiting replica.
                terminationGracePeriodSeconds: 0,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [
                                {
                                    matchExpressions: [
                                        {
                                            key: gpuGroupLabel,
                                            operator: "In",
                                            values: [input.group],
                                        },
                                    ],
                                },
                            ],
                        },
                    },
                },
                tolerations: [{ ...gpuToleration }],
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 65535,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                containers: [
                    {
                        name: "placeholder",
                        image,
                        resources: {
                            requests: {
                                cpu: input.cpu,
                                memory: `${input.memoryGiB}Gi`,
                                "ephemeral-storage": `${input.ephemeralStorageGiB}Gi`,
                                [gpuResourceName]: gpus,
                            },
                            limits: {
                                memory: `${input.memoryGiB}Gi`,
                                "ephemeral-storage": `${input.ephemeralStorageGiB}Gi`,
                                [gpuResourceName]: gpus,
                            },
                        },
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            capabilities: { drop: ["ALL"] },
                        },
                    },
                ],
            },
        },
    };
}
