import { ResourceValidationPolicy } from "@pulumi/policy";
import { gpuInstanceType } from "../../components/plan/gpu-instances";
import {
    gpuGroupLabel,
    gpuNodeRole,
    gpuPresentLabel,
    gpuResourceName,
    gpuTaint,
    nodeRoleLabel,
} from "../../components/plan/scheduling";
import {
    arrayOf,
    containersOf,
    cronJobType,
    deploymentType,
    describeWorkload,
    isObject,
    Json,
    jobType,
    podSpecOf,
    podType,
    statefulSetType,
} from "./workloads";

/**
 * Workloads that are scheduled onto nodes to do work. DaemonSets are left out: node agents (NVIDIA
 * device plugin, DCGM exporter) legitimately select GPU nodes without claiming a GPU.
 */
const gpuWorkloadTypes: readonly string[] = [
    deploymentType,
    statefulSetType,
    jobType,
    cronJobType,
    podType,
];

/** GPUs in a resource map (`requests` or `limits`); undefined when the key is absent. */
function gpuQuantity(resources: unknown): number | undefined {
    if (!isObject(resources) || resources[gpuResourceName] === undefined) return undefined;
    const quantity = Number(resources[gpuResourceName]);
    // A quantity that is not a plain number ("1k", an unknown) is still a claim on GPUs.
    return Number.isNaN(quantity) ? Number.POSITIVE_INFINITY : quantity;
}

function requestsGpus(container: Json): boolean {
    const resources = isObject(container.resources) ? container.resources : {};
    return (gpuQuantity(resources.requests) ?? 0) > 0 || (gpuQuantity(resources.limits) ?? 0) > 0;
}

/** Kubernetes toleration matching (k8s.io/api core/v1 Toleration.ToleratesTaint). */
export function toleratesGpuTaint(podSpec: Json): boolean {
    return arrayOf(podSpec.tolerations).some((toleration) => {
        const effect = toleration.effect ?? "";
        if (effect !== "" && effect !== gpuTaint.effect) return false;
        const key = toleration.key ?? "";
        if (key !== "" && key !== gpuTaint.key) return false;
        const operator = toleration.operator ?? "Equal";
        if (operator === "Exists") return true;
        return operator === "Equal" && key !== "" && toleration.value === gpuTaint.value;
    });
}

/** Whether a node label `key=value` exists only on GPU nodes. */
function isGpuNodeLabel(key: string, value: string | undefined): boolean {
    switch (key) {
        case gpuGroupLabel:
        case "nvidia.com/gpu.product":
        case "nvidia.com/gpu.count":
            return true;
        case gpuPresentLabel:
            return value === undefined || value === "true";
        case nodeRoleLabel:
            return value === gpuNodeRole;
        case "node.kubernetes.io/instance-type":
            return value !== undefined && gpuInstanceType(value) !== undefined;
        default:
            return false;
    }
}

function isGpuNodeExpression(expression: Json): boolean {
    const key = String(expression.key ?? "");
    const values: string[] = Array.isArray(expression.values) ? expression.values.map(String) : [];
    switch (expression.operator) {
        case "In":
            return values.length > 0 && values.every((value) => isGpuNodeLabel(key, value));
        case "Exists":
            return isGpuNodeLabel(key, undefined);
        case "Gt":
            return key === "nvidia.com/gpu.count";
        default:
            return false;
    }
}

/** Whether the pod can only be scheduled on GPU nodes (nodeSelector or required node affinity). */
export function targetsGpuNodes(podSpec: Json): boolean {
    const nodeSelector = isObject(podSpec.nodeSelector) ? podSpec.nodeSelector : {};
    if (Object.entries(nodeSelector).some(([key, value]) => isGpuNodeLabel(key, String(value))))
        return true;
    const required = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const terms = arrayOf(isObject(required) ? required.nodeSelectorTerms : undefined);
    // Terms are ORed: the pod is bound to GPU nodes only when every term selects them.
    return (
        terms.length > 0 &&
        terms.every((term) => arrayOf(term.matchExpressions).some(isGpuNodeExpression))
    );
}

export const gpuWorkloadsTolerateGpuTaint: ResourceValidationPolicy = {
    name: "gpu-workloads-tolerate-gpu-taint",
    description:
        `GPU nodes carry the taint ${gpuTaint.key}=${gpuTaint.value}:${gpuTaint.effect} so that pods without a GPU ` +
        "stay off nodes that cost 10-100x a CPU node; a pod that asks for a GPU without tolerating it stays Pending forever.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!gpuWorkloadTypes.includes(args.type)) return;
        const podSpec = podSpecOf(args.type, args.props);
        if (!podSpec || !containersOf(podSpec).some((ref) => requestsGpus(ref.container))) return;
        if (!toleratesGpuTaint(podSpec)) {
            reportViolation(
                `${describeWorkload(args.type, args.props, args.name)} requests ${gpuResourceName} but does not tolerate ` +
                    `the GPU taint ${gpuTaint.key}=${gpuTaint.value}:${gpuTaint.effect}; add the toleration ` +
                    `{ key: "${gpuTaint.key}", operator: "Equal", value: "${gpuTaint.value}", effect: "${gpuTaint.effect}" }.`,
            );
        }
    },
};

export const gpuRequestsSetLimits: ResourceValidationPolicy = {
    name: "gpu-requests-set-limits",
    description:
        `Kubernetes allocates extended resources such as ${gpuResourceName} from limits: a request alone is rejected ` +
        "by the API server, and a request that differs from the limit is too, so GPUs must be stated in limits.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!gpuWorkloadTypes.includes(args.type)) return;
        const podSpec = podSpecOf(args.type, args.props);
        if (!podSpec) return;
        const workload = describeWorkload(args.type, args.props, args.name);
        for (const { container, label } of containersOf(podSpec)) {
            const resources = isObject(container.resources) ? container.resources : {};
            const requested = gpuQuantity(resources.requests);
            const limited = gpuQuantity(resources.limits);
            const requestText = String(resources.requests?.[gpuResourceName]);
            const limitText = String(resources.limits?.[gpuResourceName]);
            if (requested !== undefined && requested > 0 && limited === undefined) {
                reportViolation(
                    `${workload} ${label} requests ${requestText} ${gpuResourceName} without a limit; ` +
                        `set resources.limits["${gpuResourceName}"] (the request may then be omitted).`,
                );
            } else if (
                requested !== undefined &&
                limited !== undefined &&
                requestText !== limitText
            ) {
                reportViolation(
                    `${workload} ${label} requests ${requestText} ${gpuResourceName} but limits ${limitText}; ` +
                        "extended resources cannot be overcommitted, so they must be equal.",
                );
            }
        }
    },
};

export const gpuNodePodsLimitGpus: ResourceValidationPolicy = {
    name: "gpu-node-pods-limit-gpus",
    description:
        "A pod pinned to GPU nodes without a GPU limit holds a node that costs 10-100x a CPU node while the " +
        "scheduler and the autoscaler count its GPUs as free, so GPU-bound pods must claim the GPUs they use.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!gpuWorkloadTypes.includes(args.type)) return;
        const podSpec = podSpecOf(args.type, args.props);
        if (!podSpec || !targetsGpuNodes(podSpec)) return;
        const claimsGpu = arrayOf(podSpec.containers).some((container) => {
            const resources = isObject(container.resources) ? container.resources : {};
            return (gpuQuantity(resources.limits) ?? 0) > 0;
        });
        if (!claimsGpu) {
            reportViolation(
                `${describeWorkload(args.type, args.props, args.name)} selects GPU nodes (nodeSelector or required ` +
                    `node affinity) but no container sets resources.limits["${gpuResourceName}"].`,
            );
        }
    },
};

export const gpuSchedulingPolicies: ResourceValidationPolicy[] = [
    gpuWorkloadsTolerateGpuTaint,
    gpuRequestsSetLimits,
    gpuNodePodsLimitGpus,
];
