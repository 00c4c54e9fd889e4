import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { efsFileSystemPolicy, efsMountOptions } from "./plan/efs-policy";
import { Problems } from "./plan/problems";
import {
    checkModelStoreArgs,
    defaultClaimName,
    defaultClaimSizeGiB,
    defaultStorageClassName,
    defaultThroughputMode,
    efsStorageClassParameters,
    gibQuantity,
    nfsPort,
} from "./plan/store-plan";

export interface ModelStoreArgs {
    /** VPC of the cluster; the mount targets' security group lives here. */
    vpcId: pulumi.Input<string>;
    /**
     * Subnets that get one EFS mount target each, normally the cluster's private subnets. EFS
     * allows one mount target per AZ, so list at most one subnet per AZ.
     */
    privateSubnetIds: pulumi.Input<string>[];
    /** Security group of the nodes; the only source allowed to reach NFS (TCP 2049). */
    nodeSecurityGroupId: pulumi.Input<string>;
    /** Namespace of the claim: the namespace the serving pods run in. It must exist. */
    namespace: pulumi.Input<string>;
    /** Name of the EFS StorageClass. @default "efs-models" */
    storageClassName?: string;
    /** Name of the ReadWriteMany claim pods mount the weights from. @default "model-cache" */
    claimName?: string;
    /**
     * Requested size of the claim in GiB. EFS grows without a limit and ignores it, but the
     * Kubernetes API requires a request on every claim. @default 1024
     */
    claimSizeGiB?: number;
    /**
     * EFS throughput mode: "elastic" (scales with reads, pay per GiB transferred; up to 1,500 MiB/s
     * per client), "bursting" (50 MiB/s baseline per TiB stored: a few hundred GiB of weights gets
     * a small baseline) or "provisioned". EFS allows one mode change or decrease per 24 hours.
     * @default "elastic"
     */
    throughputMode?: string;
    /** Throughput in MiB/s; required with, and only valid with, throughputMode "provisioned". */
    provisionedThroughputMiBps?: number;
    /** AWS Backup's daily backup of the file system (`aws.efs.BackupPolicy`). @default true */
    backup?: boolean;
    /** Protect the file system and the claim from deletion and replacement. @default true */
    protect?: boolean;
    /** Tags for the file system and security group. @default {} */
    tags?: Record<string, string>;
}

/**
 * Shared, encrypted EFS storage for model weights: a mount target per subnet reachable only from
 * the nodes, a StorageClass that provisions one access point per claim, and the ReadWriteMany
 * claim every serving replica mounts. Weights are staged once and read by all replicas.
 */
export class ModelStore extends pulumi.ComponentResource {
    /** EFS file system id (`fs-…`). */
    public readonly fileSystemId: pulumi.Output<string>;
    /** ARN of the EFS file system, for backup and IAM policies. */
    public readonly fileSystemArn: pulumi.Output<string>;
    /** Security group of the mount targets; allows NFS from the nodes only. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** Name of the EFS StorageClass (access-point provisioning). */
    public readonly storageClassName: pulumi.Output<string>;
    /** Name of the ReadWriteMany claim holding model weights. */
    public readonly claimName: pulumi.Output<string>;

    constructor(name: string, args: ModelStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        const storageClassName = args.storageClassName ?? defaultStorageClassName;
        const claimName = args.claimName ?? defaultClaimName;
        const claimSizeGiB = args.claimSizeGiB ?? defaultClaimSizeGiB;
        const throughputMode = args.throughputMode ?? defaultThroughputMode;
        const backup = args.backup ?? true;
        const protect = args.protect ?? true;
        const tags = args.tags ?? {};

        const problems = new Problems();
        checkModelStoreArgs(
            {
                privateSubnetIds: args.privateSubnetIds,
                storageClassName,
                claimName,
                claimSizeGiB,
                throughputMode,
                provisionedThroughputMiBps: args.provisionedThroughputMiBps,
            },
            problems,
        );
        // Before super(): a rejected component registers nothing, not even itself.
        problems.throwIfAny(`ModelStore "${name}"`);
        super("gpu-serving:index:ModelStore", name, {}, opts);

        const parent = this;
        const fileSystem = createFileSystem(name, args, {
            throughputMode,
            backup,
            tags,
            protect,
            parent,
        });
        const securityGroup = createNfsSecurityGroup(name, args, tags, parent);
        const mountTargets = args.privateSubnetIds.map(
            (subnetId, index) =>
                new aws.efs.MountTarget(
                    `${name}-mount-${index}`,
                    { fileSystemId: fileSystem.id, subnetId, securityGroups: [securityGroup.id] },
                    { parent },
                ),
        );
        const { storageClass, claim } = createClaim(name, fileSystem, mountTargets, {
            storageClassName,
            claimName,
            claimSizeGiB,
            namespace: args.namespace,
            protect,
            parent,
        });

        this.fileSystemId = fileSystem.id;
        this.fileSystemArn = fileSystem.arn;
        this.securityGroupId = securityGroup.id;
        this.storageClassName = storageClass.metadata.name;
        this.claimName = claim.metadata.name;

        this.registerOutputs({
            fileSystemId: this.fileSystemId,
            fileSystemArn: this.fileSystemArn,
            securityGroupId: this.securityGroupId,
            storageClassName: this.storageClassName,
            claimName: this.claimName,
        });
    }
}

interface FileSystemSettings {
    throughputMode: string;
    backup: boolean;
    tags: Record<string, string>;
    protect: boolean;
    parent: ModelStore;
}

/** The encrypted EFS file system and its backup policy. */
function createFileSystem(
    name: string,
    args: ModelStoreArgs,
    { throughputMode, backup, tags, protect, parent }: FileSystemSettings,
): aws.efs.FileSystem {
    // No lifecyclePolicies (transition to Infrequent Access after 30 days): a running server
    // keeps its weights in GPU memory and never re-reads them, so after a quiet month every
    // file looks cold and moves to IA. The next scale-out, usually during a traffic spike,
    // then pays IA's per-GiB read charge and slower first reads for the whole model, on
    // every new replica.
    // encrypted and performanceMode are fixed at creation: changing them replaces the file
    // system and its data, which `protect` refuses.
    const fileSystem = new aws.efs.FileSystem(
        `${name}-filesystem`,
        {
            encrypted: true,
            performanceMode: "generalPurpose",
            throughputMode,
            provisionedThroughputInMibps: args.provisionedThroughputMiBps,
            tags: { Name: `${name}-models`, ...tags },
        },
        { parent, protect },
    );
    // Always declared, so backups switched on or off outside Pulumi are reverted; the EFS API
    // default for a regional file system is off.
    new aws.efs.BackupPolicy(
        `${name}-backup`,
        {
            fileSystemId: fileSystem.id,
            backupPolicy: { status: backup ? "ENABLED" : "DISABLED" },
        },
        { parent },
    );
    new aws.efs.FileSystemPolicy(
        `${name}-policy`,
        {
            fileSystemId: fileSystem.id,
            policy: fileSystem.arn.apply((arn) => JSON.stringify(efsFileSystemPolicy(arn))),
        },
        { parent },
    );
    return fileSystem;
}

/** The mount targets' security group: NFS in from the cluster nodes, nothing else. */
function createNfsSecurityGroup(
    name: string,
    args: ModelStoreArgs,
    tags: Record<string, string>,
    parent: ModelStore,
): aws.ec2.SecurityGroup {
    const securityGroup = new aws.ec2.SecurityGroup(
        `${name}-nfs`,
        {
            vpcId: args.vpcId,
            description: "EFS mount targets for model weights: NFS from cluster nodes only",
            tags: { Name: `${name}-nfs`, ...tags },
        },
        { parent },
    );
    // No egress rule: NFS replies ride the tracked inbound connection, and mount targets never
    // open connections of their own.
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-nfs-from-nodes`,
        {
            securityGroupId: securityGroup.id,
            referencedSecurityGroupId: args.nodeSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: nfsPort,
            toPort: nfsPort,
            description: "NFS from cluster nodes",
        },
        { parent },
    );
    return securityGroup;
}

interface ClaimSettings {
    storageClassName: string;
    claimName: string;
    claimSizeGiB: number;
    namespace: pulumi.Input<string>;
    protect: boolean;
    parent: ModelStore;
}

/** The EFS StorageClass (an access point per volume) and the ReadWriteMany claim of the weights. */
function createClaim(
    name: string,
    fileSystem: aws.efs.FileSystem,
    mountTargets: aws.efs.MountTarget[],
    { storageClassName, claimName, claimSizeGiB, namespace, protect, parent }: ClaimSettings,
) {
    // Retain: a released volume keeps its access point and data, because restaging hundreds
    // of GiB of weights costs more than the storage. Immediate: EFS is regional, so waiting
    // for the first pod buys no placement, and Pulumi then waits for the claim to bind, so a
    // missing CSI driver fails `pulumi up` instead of the first GPU pod.
    const storageClass = new k8s.storage.v1.StorageClass(
        `${name}-storage-class`,
        {
            metadata: { name: storageClassName },
            provisioner: "efs.csi.aws.com",
            parameters: fileSystem.id.apply(efsStorageClassParameters),
            reclaimPolicy: "Retain",
            volumeBindingMode: "Immediate",
            mountOptions: [...efsMountOptions],
        },
        { parent },
    );
    // Protected like the file system: deleting the claim keeps the data (Retain) but leaves a
    // Released volume no new claim binds to, so a recreated claim gets a fresh, empty access
    // point and every model must be staged again. It waits for the mount targets so that
    // consumers of `claimName` never start pods that cannot mount yet.
    const claim = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-claim`,
        {
            metadata: { name: claimName, namespace },
            spec: {
                accessModes: ["ReadWriteMany"],
                storageClassName: storageClass.metadata.name,
                resources: { requests: { storage: gibQuantity(claimSizeGiB) } },
            },
        },
        { parent, protect, dependsOn: mountTargets },
    );
    return { storageClass, claim };
}
