/**
 * The model store's file-system policy. Nodes mount without IAM authorization, so EFS evaluates
 * their NFS clients as the anonymous principal (EFS user guide, "Using IAM to control file system
 * data access"): the policy admits that principal only through a mount target (never a peered VPC's
 * address outside it) and only over TLS, for mount and write. ClientRootAccess stays out, so uid 0
 * on a node is squashed; the pods run as uid 1000 through the access point anyway.
 */
export function efsFileSystemPolicy(fileSystemArn: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "MountAndWriteThroughMountTargets",
                Effect: "Allow",
                Principal: { AWS: "*" },
                Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                Resource: fileSystemArn,
                Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
            },
            {
                Sid: "DenyWithoutTls",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "*",
                Resource: fileSystemArn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/**
 * Mount options of the EFS StorageClass: `tls` makes efs-utils wrap NFS in TLS (its stunnel), which
 * the file-system policy requires; access-point mounts need it anyway.
 */
export const efsMountOptions: readonly string[] = ["tls"];
