import { amiFamilies, karpenterCapacityTypes, nodePoolSelectionProblems } from "./node-pool-plan";
import type { GpuNodePoolInputs, NodeClassRefInputs } from "./node-pool-types";
import { isDns1123Label } from "./names";
import { Problems } from "./problems";

/** GPU NodePool settings as validation sees them: the plain input shape, one declaration. */
export type NodePoolValidationInput = GpuNodePoolInputs;

export interface NodePoolsValidationInput {
    pools: NodePoolValidationInput[];
    existingNodeClass?: NodeClassRefInputs;
    clusterName?: unknown;
    nodeRoleName?: unknown;
    amiFamily?: string;
}

const reservedLabelPrefixes = ["gpu-serving.io/", "nvidia.com/gpu.present"];

function isWhole(value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
    return value === undefined || (Number.isInteger(value) && value >= min && value <= max);
}

function checkSizes(pool: NodePoolValidationInput, problems: Problems): void {
    problems.expect(
        isWhole(pool.gpuLimit, pool.minGpusPerNode ?? 1),
        "gpuLimit",
        `must be a whole number of GPUs, at least one node's worth (${pool.minGpusPerNode ?? 1}), got ${pool.gpuLimit}`,
    );
    problems.expect(
        isWhole(pool.minGpusPerNode, 1, 8),
        "minGpusPerNode",
        `must be 1–8, got ${pool.minGpusPerNode}`,
    );
    problems.expect(
        isWhole(pool.maxGpusPerNode, pool.minGpusPerNode ?? 1, 8),
        "maxGpusPerNode",
        `must be between minGpusPerNode (${pool.minGpusPerNode ?? 1}) and 8, got ${pool.maxGpusPerNode}`,
    );
    problems.expect(
        isWhole(pool.minInstanceGeneration, 1, 99),
        "minInstanceGeneration",
        `must be a generation number such as 5 or 6, got ${pool.minInstanceGeneration}`,
    );
    problems.expect(
        isWhole(pool.consolidateAfterSeconds, 0),
        "consolidateAfterSeconds",
        `must be whole seconds ≥ 0, got ${pool.consolidateAfterSeconds}`,
    );
    problems.expect(
        isWhole(pool.expireAfterHours, 1),
        "expireAfterHours",
        `must be whole hours ≥ 1, got ${pool.expireAfterHours}`,
    );
}

function checkBusinessHours(pool: NodePoolValidationInput, problems: Problems): void {
    const hours = pool.businessHours;
    if (!hours) return;
    problems.expect(
        /^[a-z0-9*,-]+$/.test(hours.days),
        "businessHours.days",
        `must be a cron day-of-week field such as "mon-fri" or "1-5", got "${hours.days}"`,
    );
    problems.expect(
        isWhole(hours.startHourUtc, 0, 23),
        "businessHours.startHourUtc",
        `must be an hour 0–23 (UTC), got ${hours.startHourUtc}`,
    );
    problems.expect(
        isWhole(hours.hours, 1, 24),
        "businessHours.hours",
        `must be 1–24 hours, got ${hours.hours}`,
    );
}

function checkCapacity(pool: NodePoolValidationInput, ec2: boolean, problems: Problems): void {
    const types = pool.capacityTypes ?? ["on-demand"];
    problems.expect(types.length > 0, "capacityTypes", "must list at least one capacity type");
    types.forEach((type, i) =>
        problems.expect(
            (karpenterCapacityTypes as readonly string[]).includes(type),
            `capacityTypes[${i}]`,
            `"${type}" is not a capacity type; use ${karpenterCapacityTypes.join(", ")}`,
        ),
    );
    const reservations = pool.capacityReservationIds ?? [];
    reservations.forEach((id, i) =>
        problems.expect(
            /^cr-[0-9a-f]{8,17}$/.test(id),
            `capacityReservationIds[${i}]`,
            `"${id}" is not a capacity reservation id (cr-…)`,
        ),
    );
    if (ec2 && types.includes("reserved") !== reservations.length > 0) {
        problems.add(
            "capacityReservationIds",
            types.includes("reserved")
                ? 'capacity type "reserved" needs the reservations to launch into'
                : 'reservations are only used with capacity type "reserved"; add it to capacityTypes',
        );
    }
}

function checkVolumes(pool: NodePoolValidationInput, ec2: boolean, problems: Problems): void {
    const ec2Only = [
        "rootVolumeSizeGiB",
        "dataVolumeSizeGiB",
        "imageCacheSnapshotId",
        "capacityReservationIds",
    ] as const;
    if (!ec2) {
        const isSet = (value: unknown) =>
            value !== undefined && !(Array.isArray(value) && value.length === 0);
        for (const key of ec2Only)
            if (isSet(pool[key]))
                problems.add(key, "is an EC2NodeClass setting; remove it with existingNodeClass");
        return;
    }
    problems.expect(
        isWhole(pool.rootVolumeSizeGiB, 4),
        "rootVolumeSizeGiB",
        `must be whole GiB ≥ 4, got ${pool.rootVolumeSizeGiB}`,
    );
    problems.expect(
        isWhole(pool.dataVolumeSizeGiB, 50),
        "dataVolumeSizeGiB",
        `must be whole GiB ≥ 50 (serving images are 10–25 GB unpacked), got ${pool.dataVolumeSizeGiB}`,
    );
    if (pool.imageCacheSnapshotId !== undefined)
        problems.expect(
            /^snap-[0-9a-f]{8,17}$/.test(pool.imageCacheSnapshotId),
            "imageCacheSnapshotId",
            `"${pool.imageCacheSnapshotId}" is not an EBS snapshot id (snap-…)`,
        );
}

function checkPool(pool: NodePoolValidationInput, ec2: boolean, problems: Problems): void {
    problems.expect(
        isDns1123Label(pool.name, 36),
        "name",
        `"${pool.name}" must be a DNS-1123 label of at most 36 characters`,
    );
    problems.expect(pool.instanceFamilies.length > 0, "instanceFamilies", "must list a family");
    checkSizes(pool, problems);
    for (const problem of nodePoolSelectionProblems(pool))
        problems.add(problem.propertyPath, problem.reason);
    checkBusinessHours(pool, problems);
    checkCapacity(pool, ec2, problems);
    checkVolumes(pool, ec2, problems);
    for (const key of Object.keys(pool.labels ?? {}))
        problems.expect(
            !reservedLabelPrefixes.some((prefix) => key.startsWith(prefix)),
            `labels.${key}`,
            "is reserved: GpuNodePools sets the gpu-serving.io labels and nvidia.com/gpu.present",
        );
}

/** Every problem with a set of GPU NodePools, under the argument path to fix. */
export function gpuNodePoolProblems(
    input: NodePoolsValidationInput,
    problems: Problems,
    poolsKey = "pools",
): void {
    const ec2 = input.existingNodeClass === undefined;
    problems.expect(input.pools.length > 0, poolsKey, "must list at least one GPU pool");
    if (ec2) {
        problems.expect(
            input.clusterName !== undefined,
            "clusterName",
            "is required to create EC2NodeClasses",
        );
        problems.expect(
            input.nodeRoleName !== undefined,
            "nodeRoleName",
            "is required to create EC2NodeClasses",
        );
        problems.expect(
            (amiFamilies as readonly string[]).includes(input.amiFamily ?? "AL2023"),
            "amiFamily",
            `"${input.amiFamily}" is not supported; use ${amiFamilies.join(" or ")}`,
        );
    }
    const seen = new Set<string>();
    input.pools.forEach((pool, i) => {
        problems.expect(
            !seen.has(pool.name),
            `${poolsKey}[${i}].name`,
            `"${pool.name}" is listed twice`,
        );
        seen.add(pool.name);
        checkPool(pool, ec2, problems.scoped(`${poolsKey}[${i}].`));
    });
}
