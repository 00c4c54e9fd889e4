import { GpuInstanceType, gpuInstanceFamilies, gpuInstanceTypes } from "./gpu-instances";
import { rootDeviceName } from "./node-group-plan";
import { gpuNodeLabels, gpuResourceName, gpuTaint } from "./scheduling";

/**
 * Karpenter NodePools and EC2NodeClasses for GPU groups, as plain objects (karpenter.sh/v1 and
 * karpenter.k8s.aws/v1). The same NodePool runs on EKS and, with a KWOKNodeClass, on the local
 * simulated cluster: its requirements use only AWS's well-known instance labels, which the local
 * instance-types file also carries.
 */

export const karpenterCapacityTypes = ["reserved", "on-demand", "spot"] as const;
export type KarpenterCapacityType = (typeof karpenterCapacityTypes)[number];

/** Karpenter's well-known instance labels on AWS (karpenter.sh, "Scheduling: Well-Known Labels"). */
export const instanceLabels = {
    family: "karpenter.k8s.aws/instance-family",
    generation: "karpenter.k8s.aws/instance-generation",
    gpuCount: "karpenter.k8s.aws/instance-gpu-count",
    gpuName: "karpenter.k8s.aws/instance-gpu-name",
    capacityType: "karpenter.sh/capacity-type",
    instanceType: "node.kubernetes.io/instance-type",
} as const;

/** Which node class a NodePool's nodes are launched from. */
export interface NodeClassRef {
    group: string;
    kind: string;
    name: string;
}

/** The EC2NodeClass API group and kind, for NodePools this program gives their own class. */
export const ec2NodeClassKind = { group: "karpenter.k8s.aws", kind: "EC2NodeClass" } as const;

/** Hours (UTC) when serving nodes must not be consolidated or replaced for drift. */
export interface BusinessHours {
    /** Cron day-of-week field, e.g. `mon-fri`. */
    days: string;
    /** First hour, 0–23, UTC (Karpenter evaluates budget schedules in UTC). */
    startHourUtc: number;
    /** Length of the window, hours, 1–24. */
    hours: number;
}

/** One GPU group served by a Karpenter NodePool. */
export interface GpuNodePoolInput {
    /** The GPU group: NodePool name and `gpu-serving.io/gpu-group` label value. */
    name: string;
    /** Instance families from the GPU catalogue, e.g. `["g6e", "g6"]`. */
    instanceFamilies: string[];
    /** Oldest instance generation allowed (g5 is 5, g6e is 6). @default any */
    minInstanceGeneration?: number;
    /** Fewest GPUs a node may have: the group's largest replica must fit on any node. @default 1 */
    minGpusPerNode?: number;
    /** Largest node in GPUs, e.g. 1 keeps the pool on single-GPU sizes. @default any */
    maxGpusPerNode?: number;
    /** Capacity types in Karpenter's spelling; Karpenter prefers reserved, then spot, then on-demand by price. */
    capacityTypes: KarpenterCapacityType[];
    /** `limits.nvidia.com/gpu`: GPUs of all the pool's nodes together. */
    gpuLimit: number;
    /** Idle time before an empty or underused node is consolidated, seconds; at least the cold start. */
    consolidateAfterSeconds: number;
    /** Window that keeps serving nodes in place (no consolidation of busy nodes, no drift replacement). */
    businessHours?: BusinessHours;
    /** Node lifetime before Karpenter replaces it (picks up new AMIs), hours. @default 720 */
    expireAfterHours?: number;
    /** Extra node labels. */
    labels: Record<string, string>;
    nodeClassRef: NodeClassRef;
}

/** "g6e" → 6, "p4de" → 4: the digit run after the category letters. */
export function instanceGeneration(family: string): number {
    const match = /^[a-z]+(\d+)/.exec(family);
    return match ? Number(match[1]) : 0;
}

function familyOf(instanceType: string): string {
    return instanceType.split(".")[0];
}

/** GPUs one node needs so that every model's replica on the group fits on it. */
export function minGpusPerNode(gpusPerReplica: readonly number[]): number {
    return Math.max(1, ...gpusPerReplica);
}

/**
 * Catalogue types the pool may launch for replicas of `minGpus` GPUs, fewest GPUs first then by
 * vCPUs: the order Karpenter's price-first choice follows within a family.
 */
export function fittingInstanceTypes(
    pool: Pick<GpuNodePoolInput, "instanceFamilies" | "minInstanceGeneration" | "maxGpusPerNode">,
    minGpus: number,
): string[] {
    const fits = ([name, type]: [string, GpuInstanceType]) =>
        pool.instanceFamilies.includes(familyOf(name)) &&
        instanceGeneration(familyOf(name)) >= (pool.minInstanceGeneration ?? 0) &&
        type.gpus >= minGpus &&
        type.gpus <= (pool.maxGpusPerNode ?? Number.POSITIVE_INFINITY);
    return Object.entries(gpuInstanceTypes)
        .filter(fits)
        .sort(([a, x], [b, y]) => x.gpus - y.gpus || x.vcpus - y.vcpus || a.localeCompare(b))
        .map(([name]) => name);
}

/** Problems with a pool's instance selection, each with the key to change. */
export function nodePoolSelectionProblems(
    pool: Pick<
        GpuNodePoolInput,
        "instanceFamilies" | "minInstanceGeneration" | "minGpusPerNode" | "maxGpusPerNode"
    >,
): { propertyPath: string; reason: string }[] {
    const minGpus = pool.minGpusPerNode ?? 1;
    const problems: { propertyPath: string; reason: string }[] = [];
    pool.instanceFamilies.forEach((family, i) => {
        if (!gpuInstanceFamilies.includes(family))
            problems.push({
                propertyPath: `instanceFamilies[${i}]`,
                reason: `unknown GPU instance family "${family}"; supported families: ${gpuInstanceFamilies.join(", ")}`,
            });
    });
    // No family at all is its own problem ("must list a family"); only named families can fit none.
    const named = pool.instanceFamilies.length > 0;
    if (problems.length === 0 && named && fittingInstanceTypes(pool, minGpus).length === 0) {
        problems.push({
            propertyPath: "instanceFamilies",
            reason: `no ${pool.instanceFamilies.join(", ")} type has ${minGpus}${pool.maxGpusPerNode ? `–${pool.maxGpusPerNode}` : " or more"} GPUs${pool.minInstanceGeneration ? ` at generation ≥ ${pool.minInstanceGeneration}` : ""}; widen the families or raise maxGpusPerNode`,
        });
    }
    return problems;
}

/** Seconds as a Karpenter duration (`90s`, `5m`, `2h`), exact, in the largest whole unit. */
export function karpenterDuration(seconds: number): string {
    const whole = Math.ceil(seconds);
    if (whole % 3600 === 0 && whole > 0) return `${whole / 3600}h`;
    if (whole % 60 === 0 && whole > 0) return `${whole / 60}m`;
    return `${whole}s`;
}

interface Requirement {
    key: string;
    operator: "In" | "NotIn" | "Gt" | "Lt" | "Exists";
    values?: string[];
}

/** Requirements every node of the pool satisfies: families, generation, GPU count, capacity types. */
export function nodePoolRequirements(pool: GpuNodePoolInput): Requirement[] {
    const minGpus = pool.minGpusPerNode ?? 1;
    const requirements: Requirement[] = [
        { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
        { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
        { key: instanceLabels.family, operator: "In", values: [...pool.instanceFamilies] },
        { key: instanceLabels.gpuCount, operator: "Gt", values: [String(minGpus - 1)] },
        { key: instanceLabels.capacityType, operator: "In", values: [...pool.capacityTypes] },
    ];
    if (pool.maxGpusPerNode !== undefined) {
        requirements.splice(4, 0, {
            key: instanceLabels.gpuCount,
            operator: "Lt",
            values: [String(pool.maxGpusPerNode + 1)],
        });
    }
    if (pool.minInstanceGeneration !== undefined) {
        requirements.splice(3, 0, {
            key: instanceLabels.generation,
            operator: "Gt",
            values: [String(pool.minInstanceGeneration - 1)],
        });
    }
    return requirements;
}

/** Reasons a busy serving node may be disrupted voluntarily; empty nodes are always fair game. */
export const busyNodeDisruptionReasons = ["Underutilized", "Drifted"] as const;

/**
 * One node at a time at most (each replacement costs a replica's cold start), and during business
 * hours none of the busy ones: consolidation of underused nodes and drift replacement wait for the
 * window to close. Empty nodes (no serving pod) are still removed then: nobody is served from them.
 */
export function disruptionBudgets(pool: GpuNodePoolInput) {
    const budgets: Record<string, unknown>[] = [{ nodes: "1" }];
    const hours = pool.businessHours;
    if (hours) {
        budgets.push({
            nodes: "0",
            reasons: [...busyNodeDisruptionReasons],
            schedule: `0 ${hours.startHourUtc} * * ${hours.days}`,
            duration: `${hours.hours}h`,
        });
    }
    return budgets;
}

/** The NodePool spec (karpenter.sh/v1) for one GPU group. */
export function nodePoolSpec(pool: GpuNodePoolInput) {
    return {
        template: {
            metadata: { labels: { ...pool.labels, ...gpuNodeLabels(pool.name) } },
            spec: {
                nodeClassRef: { ...pool.nodeClassRef },
                requirements: nodePoolRequirements(pool),
                taints: [{ ...gpuTaint }],
                expireAfter: karpenterDuration((pool.expireAfterHours ?? 720) * 3600),
            },
        },
        limits: { [gpuResourceName]: String(pool.gpuLimit) },
        disruption: {
            // Underutilized too: a node left with one small replica after a scale-in is repacked.
            consolidationPolicy: "WhenEmptyOrUnderutilized",
            consolidateAfter: karpenterDuration(pool.consolidateAfterSeconds),
            budgets: disruptionBudgets(pool),
        },
    };
}

export const amiFamilies = ["AL2023", "Bottlerocket"] as const;
export type AmiFamily = (typeof amiFamilies)[number];

/** The AMI alias per family; Karpenter resolves the NVIDIA variant itself for GPU instance types. */
export function amiAlias(family: AmiFamily, version = "latest"): string {
    return `${family === "AL2023" ? "al2023" : "bottlerocket"}@${version}`;
}

/** Bottlerocket boots from a small OS volume and keeps images on a second, data volume. */
export const bottlerocketDataDeviceName = "/dev/xvdb";
/** AL2023's second volume, mounted over containerd's root by the node's user data. */
export const al2023DataDeviceName = "/dev/xvdb";

/** Inputs of one GPU group's EC2NodeClass. */
export interface Ec2NodeClassInput {
    clusterName: string;
    /** Name of the IAM role the nodes run as (Karpenter makes the instance profile). */
    nodeRoleName: string;
    amiFamily: AmiFamily;
    /** AMI alias version, e.g. `v20251120`; `latest` follows new AMIs through drift. @default "latest" */
    amiVersion?: string;
    /** OS volume, GiB. */
    rootVolumeSizeGiB: number;
    /** Image volume, GiB; restored from `imageCacheSnapshotId` when set. */
    dataVolumeSizeGiB: number;
    /** EBS snapshot with the serving images pre-pulled (the ml-container-cache pattern). */
    imageCacheSnapshotId?: string;
    /** On-demand Capacity Reservations or Capacity Blocks the pool may launch into, by id. */
    capacityReservationIds: string[];
    tags: Record<string, string>;
}

function gp3(sizeGiB: number, snapshotId?: string) {
    return {
        volumeSize: `${sizeGiB}Gi`,
        volumeType: "gp3",
        encrypted: true,
        deleteOnTermination: true,
        ...(snapshotId ? { snapshotID: snapshotId } : {}),
    };
}

/**
 * AL2023 keeps containerd on the root volume; a second volume (the image cache) is formatted when
 * blank and mounted over /var/lib/containerd before nodeadm starts containerd. A restored snapshot
 * keeps its file system, so the pre-pulled images are there at first boot.
 */
export function al2023DataVolumeUserData(): string {
    const device = al2023DataDeviceName;
    const script = [
        "#!/bin/bash",
        "set -euo pipefail",
        // amazon-ec2-utils' udev rules link the NVMe device to its mapping name; it may lag boot.
        `for _ in $(seq 1 60); do [ -e ${device} ] && break; sleep 1; done`,
        `blkid ${device} >/dev/null || mkfs.xfs -q ${device}`,
        // Whether containerd already started depends on the AMI build; images must land on the
        // volume either way, so stop it around the mount and start it again if it was running.
        "running=0; systemctl is-active --quiet containerd && running=1 && systemctl stop containerd",
        "mkdir -p /var/lib/containerd",
        `mount ${device} /var/lib/containerd`,
        `echo "${device} /var/lib/containerd xfs defaults,nofail 0 2" >> /etc/fstab`,
        '[ "$running" = 0 ] || systemctl start containerd',
    ].join("\n");
    return [
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="BOUNDARY"',
        "",
        "--BOUNDARY",
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        "",
        script,
        "",
        "--BOUNDARY--",
        "",
    ].join("\n");
}

/**
 * The EC2NodeClass spec (karpenter.k8s.aws/v1): NVIDIA AMI family by alias, subnets and security
 * groups found by the cluster's discovery tag, IMDSv2 only with a hop limit of 1 (pods cannot reach
 * the node role's credentials; pods get their own through Pod Identity or IRSA), encrypted gp3
 * root and image volumes, and the reservations to launch into.
 */
export function ec2NodeClassSpec(input: Ec2NodeClassInput) {
    const bottlerocket = input.amiFamily === "Bottlerocket";
    const discovery = { "karpenter.sh/discovery": input.clusterName };
    const spec: Record<string, unknown> = {
        role: input.nodeRoleName,
        amiSelectorTerms: [{ alias: amiAlias(input.amiFamily, input.amiVersion) }],
        subnetSelectorTerms: [{ tags: { ...discovery } }],
        securityGroupSelectorTerms: [{ tags: { ...discovery } }],
        metadataOptions: {
            httpEndpoint: "enabled",
            httpProtocolIPv6: "disabled",
            httpPutResponseHopLimit: 1,
            httpTokens: "required",
        },
        blockDeviceMappings: [
            {
                deviceName: bottlerocket ? "/dev/xvda" : rootDeviceName,
                rootVolume: !bottlerocket,
                ebs: gp3(input.rootVolumeSizeGiB),
            },
            {
                deviceName: bottlerocket ? bottlerocketDataDeviceName : al2023DataDeviceName,
                rootVolume: bottlerocket,
                ebs: gp3(input.dataVolumeSizeGiB, input.imageCacheSnapshotId),
            },
        ],
        tags: { ...input.tags },
    };
    if (!bottlerocket) spec.userData = al2023DataVolumeUserData();
    if (input.capacityReservationIds.length > 0) {
        spec.capacityReservationSelectorTerms = input.capacityReservationIds.map((id) => ({ id }));
    }
    return spec;
}
