import { ResourceValidationPolicy } from "@pulumi/policy";
import { gpuResourceName, gpuTaint } from "../../components/plan/scheduling";
import { arrayOf, isObject } from "./workloads";

const nodePoolType = "kubernetes:karpenter.sh/v1:NodePool";
const ec2NodeClassType = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

/** Whether a NodePool's requirements or labels say its nodes have GPUs. */
function launchesGpus(spec: Record<string, any>): boolean {
    const template = isObject(spec.template) ? spec.template : {};
    const labels = isObject(template.metadata?.labels) ? template.metadata.labels : {};
    const requirements = arrayOf(template.spec?.requirements);
    return (
        labels["nvidia.com/gpu.present"] === "true" ||
        requirements.some(
            (r) =>
                String(r.key).startsWith("karpenter.k8s.aws/instance-gpu") &&
                !(r.operator === "In" && arrayOf(r.values).every((v: unknown) => v === "0")),
        )
    );
}

export const gpuNodePoolsLimited: ResourceValidationPolicy = {
    name: "gpu-node-pools-limited",
    description:
        `A GPU NodePool without limits["${gpuResourceName}"] lets Karpenter add GPU nodes without bound: one pending ` +
        "pod loop or a bad replica count runs up a bill of tens of thousands of dollars a day. Set the GPU limit.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== nodePoolType || !launchesGpus(args.props.spec ?? {})) return;
        const limit = Number(args.props.spec?.limits?.[gpuResourceName]);
        if (!(limit > 0)) {
            reportViolation(
                `NodePool "${args.props.metadata?.name ?? args.name}" launches GPU nodes without ` +
                    `spec.limits["${gpuResourceName}"]; set it to the most GPUs the pool may hold.`,
            );
        }
    },
};

export const gpuNodePoolsTainted: ResourceValidationPolicy = {
    name: "gpu-node-pools-tainted",
    description:
        `GPU NodePools should taint their nodes ${gpuTaint.key}=${gpuTaint.value}:${gpuTaint.effect}, or CPU-only pods ` +
        "land on GPU nodes and keep them from consolidating. Advisory, like the node-group rule.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== nodePoolType || !launchesGpus(args.props.spec ?? {})) return;
        const tainted = arrayOf(args.props.spec?.template?.spec?.taints).some(
            (t) =>
                t.key === gpuTaint.key &&
                t.value === gpuTaint.value &&
                t.effect === gpuTaint.effect,
        );
        if (!tainted)
            reportViolation(
                `NodePool "${args.props.metadata?.name ?? args.name}" launches GPU nodes without the taint ` +
                    `{ key: "${gpuTaint.key}", value: "${gpuTaint.value}", effect: "${gpuTaint.effect}" }.`,
            );
    },
};

export const ec2NodeClassesRequireImdsv2: ResourceValidationPolicy = {
    name: "ec2-node-classes-require-imdsv2",
    description:
        "Nodes Karpenter launches from an EC2NodeClass must require IMDSv2 tokens with a hop limit of 1, so a pod " +
        "(one network hop away) cannot read the node role's credentials from the instance metadata service.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== ec2NodeClassType) return;
        const options = isObject(args.props.spec?.metadataOptions)
            ? args.props.spec.metadataOptions
            : {};
        if (options.httpTokens !== "required" || options.httpPutResponseHopLimit !== 1) {
            reportViolation(
                `EC2NodeClass "${args.props.metadata?.name ?? args.name}" has metadataOptions ` +
                    `${JSON.stringify(options)}; set httpTokens: "required" and httpPutResponseHopLimit: 1.`,
            );
        }
    },
};

export const nodePoolPolicies: ResourceValidationPolicy[] = [
    gpuNodePoolsLimited,
    gpuNodePoolsTainted,
    ec2NodeClassesRequireImdsv2,
];
