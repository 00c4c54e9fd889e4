import type {
    ClusterInputs,
    ClusterSettings,
    GpuNodeGroupInputs,
    SystemNodeGroupInputs,
} from "./cluster-types";
import { gpuInstanceTypeProblem, gpuInstanceTypes } from "./gpu-instances";
import { dns1123LabelReason, isDns1123Label, isEksClusterName } from "./names";
import { capacityReservationIdPattern } from "./capacity-reservation-plan";
import { gpuNodePoolProblems } from "./node-pool-validation";
import { Problems, isKnown } from "./problems";
import { kubernetesVersionPins } from "./kubernetes-versions";
import { systemAmiType } from "./node-group-plan";
import { gpuGroupLabel, gpuPresentLabel, nodeRoleLabel } from "./scheduling";

export const capacityTypes = ["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"] as const;
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

/** Every problem with the plain inputs, collected into `problems` (nothing thrown). */
export function validateClusterSettings(
    settings: ClusterSettings,
    args: ClusterInputs,
    problems: Problems,
): void {
    problems.expect(
        isEksClusterName(settings.clusterName),
        "clusterName",
        `"${settings.clusterName}" is not an EKS cluster name: 1–100 letters, digits, '-' and '_', starting with a letter or digit`,
    );
    const supported = Object.keys(kubernetesVersionPins);
    if (
        problems.expect(
            supported.includes(settings.kubernetesVersion),
            "kubernetesVersion",
            `"${settings.kubernetesVersion}" has no pinned add-on and autoscaler versions; supported: ${supported.join(", ")} (add a row to kubernetesVersionPins)`,
        )
    ) {
        problems.expect(
            settings.addonVersions.kubeProxy.startsWith(`v${settings.kubernetesVersion}.`),
            "addonVersions.kubeProxy",
            `"${settings.addonVersions.kubeProxy}" does not match kubernetesVersion ${settings.kubernetesVersion}; kube-proxy must run the control plane's minor version`,
        );
    }
    if (isKnown(args.privateSubnetIds)) {
        problems.expect(
            args.privateSubnetIds.length >= 2,
            "privateSubnetIds",
            `got ${args.privateSubnetIds.length} subnet(s); EKS needs subnets in at least two Availability Zones`,
        );
    }
    validateEndpointAccess(settings, problems);
    validateAdminPrincipals(args.adminPrincipalArns ?? [], problems);
    problems.expect(
        logRetentionDays.includes(settings.controlPlaneLogRetentionDays),
        "controlPlaneLogRetentionDays",
        `${settings.controlPlaneLogRetentionDays} is not a CloudWatch Logs retention; allowed: ${logRetentionDays.join(", ")}`,
    );
    validateSystemGroup(settings.systemNodeGroup, problems.scoped("systemNodeGroup."));
    validateCapacityEngine(settings, problems);
    if (settings.gpuNodeGroups.length > 0) {
        const seen = new Set<string>();
        settings.gpuNodeGroups.forEach((group, index) => {
            const scoped = problems.scoped(`gpuNodeGroups[${index}].`);
            if (seen.has(group.name))
                scoped.add(
                    "name",
                    `"${group.name}" is used by an earlier group; group names must be unique`,
                );
            seen.add(group.name);
            validateGpuGroup(group, scoped);
        });
    }
}

/** A reservation is on-demand capacity: spot cannot use it, and a Capacity Block needs its id. */
function validateReservation(group: Required<GpuNodeGroupInputs>, problems: Problems): void {
    const id = group.capacityReservationId;
    if (id !== "")
        problems.expect(
            capacityReservationIdPattern.test(id),
            "capacityReservationId",
            `"${id}" is not a capacity reservation id (cr-…)`,
        );
    if (group.capacityType === "CAPACITY_BLOCK")
        problems.expect(
            id !== "",
            "capacityReservationId",
            'is required with capacityType "CAPACITY_BLOCK": the id of the Capacity Block',
        );
    if (group.capacityType === "SPOT")
        problems.expect(
            id === "",
            "capacityReservationId",
            'reservations hold on-demand capacity; use capacityType "ON_DEMAND" or "CAPACITY_BLOCK"',
        );
}

export const capacityEngines = ["node-groups", "karpenter"] as const;

/**
 * Node groups come with the cluster-autoscaler, NodePools with Karpenter: a cluster runs one engine,
 * so its GPU capacity is either all node groups or all NodePools.
 */
function validateCapacityEngine(settings: ClusterSettings, problems: Problems): void {
    const engine = settings.capacityEngine;
    if (
        !problems.expect(
            (capacityEngines as readonly string[]).includes(engine),
            "capacityEngine",
            `"${engine}" is not a capacity engine; use ${capacityEngines.join(" or ")}`,
        )
    )
        return;
    if (engine === "node-groups") {
        problems.expect(
            settings.gpuNodeGroups.length > 0,
            "gpuNodeGroups",
            'at least one GPU node group is required with capacity engine "node-groups"',
        );
        problems.expect(
            settings.gpuNodePools.length === 0,
            "gpuNodePools",
            'are scaled by Karpenter; set capacityEngine: "karpenter" or move them to gpuNodeGroups',
        );
        return;
    }
    problems.expect(
        settings.gpuNodeGroups.length === 0,
        "gpuNodeGroups",
        'would have no autoscaler with capacity engine "karpenter"; move them to gpuNodePools',
    );
    gpuNodePoolProblems(
        {
            pools: settings.gpuNodePools,
            clusterName: settings.clusterName,
            nodeRoleName: "node-role",
            amiFamily: settings.karpenter.amiFamily,
        },
        problems,
        "gpuNodePools",
    );
}

function validateEndpointAccess(settings: ClusterSettings, problems: Problems): void {
    if (!settings.endpointPublicAccess) {
        problems.expect(
            settings.publicAccessCidrs.length === 0,
            "publicAccessCidrs",
            "set while endpointPublicAccess is false; the CIDRs would have no effect",
        );
        return;
    }
    problems.expect(
        settings.publicAccessCidrs.length > 0,
        "publicAccessCidrs",
        'required when endpointPublicAccess is true; list the networks that may reach the API (write "0.0.0.0/0" to allow the whole internet on purpose)',
    );
    settings.publicAccessCidrs.forEach((cidr, index) =>
        problems.expect(
            isIpv4Cidr(cidr),
            `publicAccessCidrs[${index}]`,
            `"${cidr}" is not an IPv4 CIDR like 203.0.113.0/24`,
        ),
    );
}

function validateAdminPrincipals(arns: readonly unknown[], problems: Problems): void {
    const seen = new Set<string>();
    arns.forEach((arn, index) => {
        if (typeof arn !== "string") return;
        problems.expect(
            /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(arn),
            `adminPrincipalArns[${index}]`,
            `"${arn}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); use the role ARN, not an sts assumed-role ARN`,
        );
        problems.expect(
            !seen.has(arn),
            `adminPrincipalArns[${index}]`,
            `"${arn}" is listed twice; EKS allows one access entry per principal`,
        );
        seen.add(arn);
    });
}

function validateScaling(
    group: { minSize: number; desiredSize: number; maxSize: number },
    problems: Problems,
    minimumMinSize: number,
    why: string,
): void {
    const { minSize, desiredSize, maxSize } = group;
    const integers = [
        problems.expect(
            Number.isInteger(minSize) && minSize >= minimumMinSize,
            "minSize",
            `${minSize} must be an integer ≥ ${minimumMinSize}${why}`,
        ),
        problems.expect(
            Number.isInteger(maxSize) && maxSize >= 1,
            "maxSize",
            `${maxSize} must be an integer ≥ 1; a group of at most 0 nodes can never run anything`,
        ),
        problems.expect(
            Number.isInteger(desiredSize),
            "desiredSize",
            `${desiredSize} must be an integer`,
        ),
    ];
    if (!integers.every(Boolean)) return;
    if (problems.expect(minSize <= maxSize, "minSize", `${minSize} exceeds maxSize ${maxSize}`)) {
        problems.expect(
            desiredSize >= minSize && desiredSize <= maxSize,
            "desiredSize",
            `${desiredSize} is outside [minSize ${minSize}, maxSize ${maxSize}]`,
        );
    }
}

function validateRootVolume(size: number, minimum: number, why: string, problems: Problems): void {
    problems.expect(
        Number.isInteger(size) && size >= minimum && size <= maxRootVolumeSizeGiB,
        "rootVolumeSizeGiB",
        `${size} GiB must be an integer in [${minimum}, ${maxRootVolumeSizeGiB}]${why}`,
    );
}

function validateSystemGroup(group: Required<SystemNodeGroupInputs>, problems: Problems): void {
    if (
        problems.expect(
            group.instanceTypes.length > 0,
            "instanceTypes",
            "at least one instance type is required",
        )
    ) {
        group.instanceTypes.forEach((type, index) =>
            problems.expect(
                gpuInstanceTypes[type] === undefined,
                `instanceTypes[${index}]`,
                `"${type}" is a GPU type; the system group runs CPU-only add-ons on the ${systemAmiType} AMI`,
            ),
        );
    }
    validateScaling(
        group,
        problems,
        1,
        " (the system group hosts CoreDNS and the cluster-autoscaler, which cannot scale it up from zero)",
    );
    validateRootVolume(
        group.rootVolumeSizeGiB,
        minSystemRootVolumeSizeGiB,
        " (the AL2023 AMI snapshot is 20 GiB)",
        problems,
    );
}

function validateGpuGroup(group: Required<GpuNodeGroupInputs>, problems: Problems): void {
    if (problems.expect(isDns1123Label(group.name), "name", dns1123LabelReason(group.name))) {
        problems.expect(
            group.name.length <= maxGpuGroupNameLength,
            "name",
            `"${group.name}" has ${group.name.length} characters; at most ${maxGpuGroupNameLength} fit before the unique suffix EKS node group names need`,
        );
    }
    if (
        problems.expect(
            group.instanceTypes.length > 0,
            "instanceTypes",
            "at least one GPU instance type is required",
        )
    ) {
        group.instanceTypes.forEach((type, index) => {
            const problem = gpuInstanceTypeProblem(type);
            if (problem) problems.add(`instanceTypes[${index}]`, problem);
        });
    }
    problems.expect(
        (capacityTypes as readonly string[]).includes(group.capacityType),
        "capacityType",
        `"${group.capacityType}" is not one of ${capacityTypes.join(", ")}`,
    );
    validateReservation(group, problems);
    validateScaling(group, problems, 0, "");
    validateRootVolume(
        group.rootVolumeSizeGiB,
        minGpuRootVolumeSizeGiB,
        " (serving images are 10–25 GB unpacked, stored twice by containerd)",
        problems,
    );
    problems.expect(
        Number.isInteger(group.maxUnavailable) &&
            group.maxUnavailable >= 1 &&
            group.maxUnavailable <= 100,
        "maxUnavailable",
        `${group.maxUnavailable} must be an integer in [1, 100] (EKS update limit)`,
    );
    const reserved = [nodeRoleLabel, gpuGroupLabel, gpuPresentLabel];
    for (const key of Object.keys(group.labels)) {
        problems.expect(
            !reserved.includes(key),
            `labels["${key}"]`,
            `is set by GpuCluster for workload scheduling and cannot be overridden`,
        );
    }
}

function isIpv4Cidr(value: string): boolean {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!match) return false;
    const octets = match.slice(1, 5).map(Number);
    return octets.every((o) => o <= 255) && Number(match[5]) <= 32;
}
