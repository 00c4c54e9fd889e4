import { gpuNodeRole, gpuToleration, nodeRoleLabel, systemNodeLabels } from "./scheduling";

/** NVIDIA device plugin chart, https://nvidia.github.io/k8s-device-plugin. */
export const devicePluginChart = {
    repo: "https://nvidia.github.io/k8s-device-plugin",
    chart: "nvidia-device-plugin",
    version: "0.18.2",
    namespace: "nvidia-device-plugin",
    releaseName: "nvidia-device-plugin",
};

/**
 * cluster-autoscaler chart. 9.53.0 ships autoscaler 1.34.2 (kubernetes/autoscaler issue 8891 lists
 * chart → app versions); the image tag is still set per cluster version, since the autoscaler must
 * match the control-plane minor.
 */
export const clusterAutoscalerChart = {
    repo: "https://kubernetes.github.io/autoscaler",
    chart: "cluster-autoscaler",
    version: "9.53.0",
    namespace: "kube-system",
    releaseName: "cluster-autoscaler",
    serviceAccountName: "cluster-autoscaler",
};

/** The EFS CSI controller's service account, fixed by the aws-efs-csi-driver add-on. */
export const efsCsiControllerServiceAccount = {
    namespace: "kube-system",
    name: "efs-csi-controller-sa",
};

/** `system:serviceaccount:<ns>:<name>`, the `sub` claim EKS puts in a pod's projected token. */
export function serviceAccountSubject(account: { namespace: string; name: string }): string {
    return `system:serviceaccount:${account.namespace}:${account.name}`;
}

export interface KubeconfigInputs {
    clusterName: string;
    endpoint: string;
    certificateAuthorityData: string;
    region: string;
}

/**
 * A kubeconfig that fetches a short-lived token with the caller's AWS credentials on each use
 * (tokens expire after 15 minutes), so it embeds no credential of its own. JSON is valid YAML.
 */
export function renderKubeconfig(inputs: KubeconfigInputs): string {
    const { clusterName, endpoint, certificateAuthorityData, region } = inputs;
    const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: clusterName,
                cluster: {
                    server: endpoint,
                    "certificate-authority-data": certificateAuthorityData,
                },
            },
        ],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [
            {
                name: clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: [
                            "eks",
                            "get-token",
                            "--cluster-name",
                            clusterName,
                            "--region",
                            region,
                            "--output",
                            "json",
                        ],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    };
    return JSON.stringify(kubeconfig, null, 2);
}

/** Matches GPU nodes only: the plugin fails its health checks on nodes without an NVIDIA driver. */
const gpuNodeAffinity = {
    nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
                {
                    matchExpressions: [
                        { key: nodeRoleLabel, operator: "In", values: [gpuNodeRole] },
                    ],
                },
            ],
        },
    },
};

export function devicePluginValues(): Record<string, unknown> {
    return {
        nodeSelector: { [nodeRoleLabel]: gpuNodeRole },
        // Replaces the chart's default affinity, which keys on NVIDIA feature-discovery labels we do not install.
        affinity: gpuNodeAffinity,
        tolerations: [{ ...gpuToleration }, { key: "CriticalAddonsOnly", operator: "Exists" }],
        priorityClassName: "system-node-critical",
    };
}

export interface ClusterAutoscalerValuesInputs {
    clusterName: string;
    region: string;
    imageTag: string;
}

export function clusterAutoscalerValues(
    inputs: ClusterAutoscalerValuesInputs,
): Record<string, unknown> {
    return {
        cloudProvider: "aws",
        awsRegion: inputs.region,
        autoDiscovery: { clusterName: inputs.clusterName },
        image: { tag: inputs.imageTag },
        fullnameOverride: clusterAutoscalerChart.releaseName,
        // GpuCluster creates the account itself so its IRSA annotation and the role's trust subject share one name.
        rbac: {
            serviceAccount: { create: false, name: clusterAutoscalerChart.serviceAccountName },
        },
        nodeSelector: { ...systemNodeLabels },
        extraArgs: {
            // Picks the GPU group that leaves the fewest idle GPUs/CPUs after the pending pods land.
            expander: "least-waste",
            // Spreads scale-ups across the per-AZ twins of a group instead of filling one AZ first.
            "balance-similar-node-groups": true,
        },
    };
}

/** IAM statement in `aws.iam.getPolicyDocument` form. */
export interface PolicyStatement {
    sid: string;
    actions: string[];
    resources: string[];
    conditions?: { test: string; variable: string; values: string[] }[];
}

/**
 * Least privilege from the cluster-autoscaler AWS README: it may resize or shrink only Auto Scaling
 * groups tagged as this cluster's (EKS tags its managed groups `…/<cluster>: owned`), and describe anything.
 */
export function clusterAutoscalerPolicyStatements(clusterName: string): PolicyStatement[] {
    return [
        {
            sid: "ScaleOwnNodeGroups",
            actions: [
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ],
            resources: ["*"],
            conditions: [
                {
                    test: "StringEquals",
                    variable: `aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`,
                    values: ["owned"],
                },
            ],
        },
        {
            sid: "DescribeScalingState",
            actions: [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                // Lets it read a managed group's labels and taints when the group is at zero nodes.
                "eks:DescribeNodegroup",
            ],
            resources: ["*"],
        },
    ];
}
