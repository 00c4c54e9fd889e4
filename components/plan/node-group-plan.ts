import type { ClusterSettings, GpuNodeGroupInputs } from "./cluster-types";
import type { NodeGroupReservation } from "./capacity-reservation-plan";
import { gpusPerNode } from "./gpu-instances";
import {
    gpuNodeLabels,
    gpuResourceName,
    gpuTaint,
    gpuTaintEks,
    systemNodeLabels,
} from "./scheduling";

export const systemAmiType = "AL2023_x86_64_STANDARD";
export const gpuAmiType = "AL2023_x86_64_NVIDIA";
/** The AL2023 EKS AMIs boot from this device; a mapping under another name adds a second, unused disk. */
export const rootDeviceName = "/dev/xvda";

/** What one managed node group and its launch template are made of. */
export interface NodeGroupPlan {
    /** Child-name role: `system` or `gpu-<group>`. */
    role: string;
    nodeGroupNamePrefix: string;
    instanceTypes: string[];
    capacityType: string;
    amiType: string;
    labels: Record<string, string>;
    taints: { key: string; value: string; effect: string }[];
    scaling: { minSize: number; desiredSize: number; maxSize: number };
    maxUnavailable: number;
    rootVolumeSizeGiB: number;
    /** The reservation every instance launches into, when the group has one. */
    reservation?: NodeGroupReservation;
    /** Tags on the node group resource (auto-discovery and node templates). */
    tags: Record<string, string>;
    /** The node-template subset, which must also sit on the group's Auto Scaling group. */
    nodeTemplateTags: Record<string, string>;
}

export function systemNodeGroupPlan(settings: ClusterSettings): NodeGroupPlan {
    const group = settings.systemNodeGroup;
    return {
        role: "system",
        nodeGroupNamePrefix: "system-",
        instanceTypes: group.instanceTypes,
        capacityType: "ON_DEMAND",
        amiType: systemAmiType,
        labels: { ...systemNodeLabels },
        taints: [],
        scaling: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
        maxUnavailable: 1,
        rootVolumeSizeGiB: group.rootVolumeSizeGiB,
        tags: { ...settings.tags },
        nodeTemplateTags: {},
    };
}

export function gpuNodeGroupPlan(
    settings: ClusterSettings,
    group: Required<GpuNodeGroupInputs>,
): NodeGroupPlan {
    const labels = { ...group.labels, ...gpuNodeLabels(group.name) };
    const nodeTemplateTags = autoscalerNodeTemplateTags(labels, gpusPerNode(group.instanceTypes));
    return {
        role: `gpu-${group.name}`,
        nodeGroupNamePrefix: `${group.name}-`,
        instanceTypes: group.instanceTypes,
        capacityType: group.capacityType,
        reservation:
            group.capacityReservationId === ""
                ? undefined
                : {
                      capacityReservationId: group.capacityReservationId,
                      capacityBlock: group.capacityType === "CAPACITY_BLOCK",
                  },
        amiType: gpuAmiType,
        labels,
        taints: [{ ...gpuTaintEks }],
        scaling: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
        maxUnavailable: group.maxUnavailable,
        rootVolumeSizeGiB: group.rootVolumeSizeGiB,
        tags: {
            ...settings.tags,
            ...autoscalerDiscoveryTags(settings.clusterName),
            ...nodeTemplateTags,
        },
        nodeTemplateTags,
    };
}

/** The tags cluster-autoscaler's `--node-group-auto-discovery=asg:tag=…` looks for. */
export function autoscalerDiscoveryTags(clusterName: string): Record<string, string> {
    return {
        "k8s.io/cluster-autoscaler/enabled": "true",
        [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
    };
}

/**
 * A group at 0 nodes has no node for the autoscaler to copy, so it predicts the node from these
 * tags (cluster-autoscaler AWS README, "Auto-Discovery Setup"). Without the taint and GPU count a
 * pending GPU pod never triggers a scale-up from zero.
 */
export function autoscalerNodeTemplateTags(
    labels: Record<string, string>,
    gpus: number,
): Record<string, string> {
    const prefix = "k8s.io/cluster-autoscaler/node-template";
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(labels)) tags[`${prefix}/label/${key}`] = value;
    tags[`${prefix}/taint/${gpuTaint.key}`] = `${gpuTaint.value}:${gpuTaint.effect}`;
    tags[`${prefix}/resources/${gpuResourceName}`] = String(gpus);
    return tags;
}

/** Root volume for the launch template; a node group's own `diskSize` is ignored once a template is used. */
export function launchTemplateBlockDeviceMappings(rootVolumeSizeGiB: number) {
    return [
        {
            deviceName: rootDeviceName,
            ebs: {
                volumeSize: rootVolumeSizeGiB,
                volumeType: "gp3",
                encrypted: "true",
                deleteOnTermination: "true",
            },
        },
    ];
}
