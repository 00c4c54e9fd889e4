import type { ClusterInputs, ClusterSettings } from "./cluster-types";
import { karpenterChart } from "./karpenter-plan";
import { AddonVersions, kubernetesVersionPins } from "./kubernetes-versions";

// One entry point for callers (the stack config validation uses both).
export type { AddonVersions } from "./kubernetes-versions";
export type { ClusterSettings } from "./cluster-types";
export { kubernetesVersionPins } from "./kubernetes-versions";
export { validateClusterSettings } from "./cluster-validation";

export const controlPlaneLogTypes = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/** Applies every default of `args`; `clusterName` defaults to the component name. */
export function resolveClusterSettings(name: string, args: ClusterInputs): ClusterSettings {
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
            // "" when none: the settings carry every key.
            capacityReservationId: group.capacityReservationId ?? "",
            minSize: group.minSize ?? 0,
            desiredSize: group.desiredSize ?? group.minSize ?? 0,
            maxSize: group.maxSize,
            rootVolumeSizeGiB: group.rootVolumeSizeGiB ?? 200,
            maxUnavailable: group.maxUnavailable ?? 1,
            labels: group.labels ?? {},
        })),
        capacityEngine: args.capacityEngine ?? "node-groups",
        gpuNodePools: args.gpuNodePools ?? [],
        karpenter: {
            amiFamily: args.karpenter?.amiFamily ?? "AL2023",
            amiVersion: args.karpenter?.amiVersion ?? "latest",
            chartVersion: args.karpenter?.chartVersion ?? karpenterChart.version,
        },
        loadBalancerController: args.loadBalancerController ?? false,
        protect: args.protect ?? true,
        tags: args.tags ?? {},
    };
}
