import { ResourceValidationPolicy } from "@pulumi/policy";
import { gpuTaintEks } from "../../components/plan/scheduling";
import { arrayOf, isObject } from "./workloads";

export const launchTemplatesRequireImdsv2: ResourceValidationPolicy = {
    name: "launch-templates-require-imdsv2",
    description:
        "IMDSv1 answers any HTTP GET, so an SSRF in a served model's HTTP stack can read the node role's credentials; " +
        "IMDSv2 (httpTokens: required) needs a PUT-issued session token that such requests cannot obtain. " +
        "EC2 defaults httpTokens to optional.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:ec2/launchTemplate:LaunchTemplate") return;
        const metadataOptions = isObject(args.props.metadataOptions)
            ? args.props.metadataOptions
            : {};
        if (metadataOptions.httpTokens !== "required") {
            reportViolation(
                `Launch template "${args.name}" allows IMDSv1 (metadataOptions.httpTokens is ` +
                    `${JSON.stringify(metadataOptions.httpTokens ?? null)}); set metadataOptions.httpTokens: "required".`,
            );
        }
    },
};

export const launchTemplatesKeepImdsOnTheNode: ResourceValidationPolicy = {
    name: "launch-templates-keep-imds-on-the-node",
    description:
        "With an IMDSv2 hop limit above 1 the token response reaches pods in their own network namespace, and " +
        "any pod can then read the node role's credentials (ECR, EKS, SSM rights shared by every pod on the node). " +
        "Pods that call AWS get IRSA roles instead; host-network agents are one hop away and unaffected. " +
        "EC2 defaults httpPutResponseHopLimit to 1; a launch template must not raise it.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:ec2/launchTemplate:LaunchTemplate") return;
        const metadataOptions = isObject(args.props.metadataOptions)
            ? args.props.metadataOptions
            : {};
        const hopLimit = metadataOptions.httpPutResponseHopLimit;
        if (hopLimit !== undefined && Number(hopLimit) > 1) {
            reportViolation(
                `Launch template "${args.name}" lets pods reach the node's instance metadata ` +
                    `(metadataOptions.httpPutResponseHopLimit is ${hopLimit}); set it to 1 and give pods IRSA roles.`,
            );
        }
    },
};

/** EKS AMI types with the NVIDIA driver (EKS API Nodegroup.amiType). */
export function isNvidiaAmiType(amiType: unknown): boolean {
    return (
        typeof amiType === "string" && (amiType.includes("NVIDIA") || amiType === "AL2_x86_64_GPU")
    );
}

export const gpuNodeGroupsTainted: ResourceValidationPolicy = {
    name: "gpu-node-groups-tainted",
    description:
        `GPU node groups should carry the taint ${gpuTaintEks.key}=${gpuTaintEks.value}:${gpuTaintEks.effect}, or ` +
        "CPU-only pods fill nodes that cost 10-100x a CPU node and leave GPUs stranded. Advisory: a group dedicated " +
        "by other means (its own cluster, a scheduler profile) may leave it out deliberately.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:eks/nodeGroup:NodeGroup" || !isNvidiaAmiType(args.props.amiType))
            return;
        const tainted = arrayOf(args.props.taints).some(
            (taint) =>
                taint.key === gpuTaintEks.key &&
                taint.value === gpuTaintEks.value &&
                taint.effect === gpuTaintEks.effect,
        );
        if (!tainted) {
            reportViolation(
                `Node group "${args.name}" runs the ${args.props.amiType} AMI without the taint ` +
                    `{ key: "${gpuTaintEks.key}", value: "${gpuTaintEks.value}", effect: "${gpuTaintEks.effect}" }.`,
            );
        }
    },
};

export const nodePolicies: ResourceValidationPolicy[] = [
    launchTemplatesRequireImdsv2,
    launchTemplatesKeepImdsOnTheNode,
    gpuNodeGroupsTainted,
];
