import type { GpuClusterArgs, GpuNodeGroupArgs, SystemNodeGroupArgs } from "../gpu-cluster";

/** Versions of the EKS managed add-ons, `v<version>-eksbuild.<n>`. */
export interface AddonVersions {
    vpcCni: string;
    coredns: string;
    kubeProxy: string;
    podIdentityAgent: string;
    efsCsiDriver: string;
}

/**
 * Pins per Kubernetes minor version. Add-on builds are ones EKS published for that minor, as pinned
 * by public EKS configurations for it; check `aws eks describe-addon-versions --kubernetes-version
 * <v>` before adding a row. The cluster-autoscaler image must match the
 * control-plane minor (kubernetes/autoscaler README, "Releases"); 1.33.3 and 1.34.2 were promoted
 * together in kubernetes/k8s.io PR 8815.
 */
export const kubernetesVersionPins: Readonly<
    Record<string, { addons: AddonVersions; clusterAutoscalerImageTag: string }>
> = {
    "1.33": {
        addons: {
            vpcCni: "v1.20.1-eksbuild.1",
            coredns: "v1.12.2-eksbuild.4",
            kubeProxy: "v1.33.3-eksbuild.4",
            podIdentityAgent: "v1.3.8-eksbuild.2",
            efsCsiDriver: "v2.1.10-eksbuild.1",
        },
        clusterAutoscalerImageTag: "v1.33.3",
    },
    "1.34": {
        addons: {
            vpcCni: "v1.20.4-eksbuild.2",
            coredns: "v1.12.3-eksbuild.1",
            kubeProxy: "v1.34.0-eksbuild.2",
            podIdentityAgent: "v1.3.10-eksbuild.2",
            efsCsiDriver: "v2.1.15-eksbuild.1",
        },
        clusterAutoscalerImageTag: "v1.34.2",
    },
};

export const capacityTypes = ["ON_DEMAND", "SPOT"] as const;
export const systemAmiType = "AL2023_x86_64_STANDARD";
export const gpuAmiType = "AL2023_x86_64_NVIDIA";
/** The AL2023 EKS AMIs boot from this device; a mapping under another name adds a second, unused disk. */
export const rootDeviceName = "/dev/xvda";
/** GPU root volumes hold serving images of 10–25 GB unpacked (vllm/vllm-openai ≈ 12 GB compressed), and containerd keeps the compressed layers beside the unpacked snapshot. */
export const minGpuRootVolumeSizeGiB = 50;
/** The AL2023 EKS AMI snapshot is 20 GiB; a smaller root volume cannot be launched. */
export const minSystemRootVolumeSizeGiB = 20;
/** gp3 maximum volume size. */
export const maxRootVolumeSizeGiB = 16384;
/**
 * EKS appends a 26-character unique suffix to `nodeGroupNamePrefix` and caps names at 63, so a
 * changed group can be created before the old one is deleted; `<group>-` must fit in 37.
 */
export const maxGpuGroupNameLength = 36;
/** Values CloudWatch Logs accepts for `retentionInDays`. */
export const logRetentionDays = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
export const controlPlaneLogTypes = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/** GpuClusterArgs with every default applied (`clusterName` defaults to the component name). */
export interface ClusterSettings {
    clusterName: string;
    kubernetesVersion: string;
    endpointPublicAccess: boolean;
    publicAccessCidrs: string[];
    controlPlaneLogRetentionDays: number;
    addonVersions: AddonVersions;
    systemNodeGroup: Required<SystemNodeGroupArgs>;
    gpuNodeGroups: Required<GpuNodeGroupArgs>[];
    protect: boolean;
    tags: Record<string, string>;
}

export function resolveClusterSettings(name: string, args: GpuClusterArgs): ClusterSettings {
    const kubernetesVersion = args.kubernetesVersion ?? "1.34";
    const pins = kubernetesVersionPins[kubernetesVersion]?.addons;
    const system = args.systemNodeGroup ?? {};
    const systemMinSize = system.minSize ?? 2;
    return {
        clusterName: args.clusterName ?? name,
        kubernetesVersion,
        endpointPublicAccess: args.endpointPublicAccess ?? false,
        publicAccessCidrs: args.publicAccessCidrs ?? [],
        controlPlaneLogRetentionDays: args.controlPlaneLogRetentionDays ?? 90,
        // An unsupported version leaves the pins empty; validation reports the version itself.
        addonVersions: { ...(pins ?? ({} as AddonVersions)), ...(args.addonVersions ?? {}) },
        systemNodeGroup: {
            instanceTypes: system.instanceTypes ?? ["m6i.large"],
            minSize: systemMinSize,
            desiredSize: system.desiredSize ?? systemMinSize,
            maxSize: system.maxSize ?? 3,
            rootVolumeSizeGiB: system.rootVolumeSizeGiB ?? 50,
        },
        gpuNodeGroups: (args.gpuNodeGroups ?? []).map((group) => ({
            name: group.name,
            instanceTypes: group.instanceTypes ?? [],
            capacityType: group.capacityType ?? "ON_DEMAND",
            minSize: group.minSize ?? 0,
            desiredSize: group.desiredSize ?? group.minSize ?? 0,
            maxSize: group.maxSize,
            rootVolumeSizeGiB: group.rootVolumeSizeGiB ?? 200,
            maxUnavailable: group.maxUnavailable ?? 1,
            labels: group.labels ?? {},
        })),
        protect: args.protect ?? true,
        tags: args.tags ?? {},
    };
}
