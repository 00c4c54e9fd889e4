import * as pulumi from "@pulumi/pulumi";
import { dns1123LabelReason, isDns1123Label } from "./names";
import { isKnown, Problems } from "./problems";

export const allowedThroughputModes: readonly string[] = ["elastic", "bursting", "provisioned"];

export const defaultStorageClassName = "efs-models";
export const defaultClaimName = "model-cache";
export const defaultClaimSizeGiB = 1024;
export const defaultThroughputMode = "elastic";

/** NFS, the only port EFS mount targets listen on. */
export const nfsPort = 2049;

/**
 * The uid/gid the serving images run as (images/vllm, images/custom-server). Access points create
 * their directories owned by it; a pod running as another uid cannot read the weights.
 */
export const modelVolumeOwnerId = "1000";

/** Directory on the file system under which each claim gets its own access-point directory. */
export const modelVolumeBasePath = "/models";

/**
 * Parameters of the EFS CSI driver's dynamic provisioning (`provisioningMode: efs-ap`): one EFS
 * access point per claim, rooted at `<basePath>/<pv name>`, owned by uid/gid 1000, mode 700.
 * Source: aws-efs-csi-driver docs/README.md, "Storage Class Parameters for Dynamic Provisioning"
 * (https://github.com/kubernetes-sigs/aws-efs-csi-driver/blob/master/docs/README.md).
 */
export function efsStorageClassParameters(fileSystemId: string): Record<string, string> {
    return {
        provisioningMode: "efs-ap",
        fileSystemId,
        directoryPerms: "700",
        uid: modelVolumeOwnerId,
        gid: modelVolumeOwnerId,
        basePath: modelVolumeBasePath,
    };
}

/** Kubernetes quantity for a size in GiB. */
export function gibQuantity(sizeGiB: number): string {
    return `${sizeGiB}Gi`;
}

/** The plain inputs of ModelStore that program-time validation can see. */
export interface ModelStorePlainArgs {
    privateSubnetIds: pulumi.Input<string>[];
    storageClassName: string;
    claimName: string;
    claimSizeGiB: number;
    throughputMode: string;
    provisionedThroughputMiBps?: number;
}

/** Records every problem with ModelStore's plain args under its property path. */
export function checkModelStoreArgs(args: ModelStorePlainArgs, problems: Problems): void {
    problems.expect(
        args.privateSubnetIds.length > 0,
        "privateSubnetIds",
        "must list at least one subnet: pods can mount EFS only in AZs with a mount target",
    );
    const seen = new Map<string, number>();
    args.privateSubnetIds.forEach((subnetId, index) => {
        if (!isKnown(subnetId)) return;
        const first = seen.get(subnetId);
        if (first !== undefined) {
            problems.add(
                `privateSubnetIds[${index}]`,
                `"${subnetId}" repeats privateSubnetIds[${first}]; ` +
                    "EFS allows one mount target per Availability Zone",
            );
        } else {
            seen.set(subnetId, index);
        }
    });
    // StorageClass and claim names are DNS-1123 subdomains; the label form is a safe subset.
    for (const [field, value] of [
        ["storageClassName", args.storageClassName],
        ["claimName", args.claimName],
    ]) {
        problems.expect(isDns1123Label(value, 253), field, dns1123LabelReason(value, 253));
    }
    problems.expect(
        Number.isInteger(args.claimSizeGiB) && args.claimSizeGiB >= 1,
        "claimSizeGiB",
        `must be a whole number of GiB >= 1, got ${args.claimSizeGiB}`,
    );
    const knownMode = problems.expect(
        allowedThroughputModes.includes(args.throughputMode),
        "throughputMode",
        `"${args.throughputMode}" is not one of ${allowedThroughputModes.join(", ")}`,
    );
    const provisioned = args.provisionedThroughputMiBps;
    if (knownMode && args.throughputMode === "provisioned") {
        if (provisioned === undefined) {
            problems.add(
                "provisionedThroughputMiBps",
                'is required when throughputMode is "provisioned"',
            );
        }
    } else if (knownMode && provisioned !== undefined) {
        problems.add(
            "provisionedThroughputMiBps",
            `applies only to throughputMode "provisioned", not "${args.throughputMode}"`,
        );
    }
    if (provisioned !== undefined) {
        problems.expect(
            Number.isFinite(provisioned) && provisioned >= 1,
            "provisionedThroughputMiBps",
            `must be at least 1 MiB/s, got ${provisioned}`,
        );
    }
}
