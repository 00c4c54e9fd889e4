import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    AmiFamily,
    ec2NodeClassKind,
    ec2NodeClassSpec,
    GpuNodePoolInput,
    KarpenterCapacityType,
    nodePoolSpec,
} from "./plan/node-pool-plan";
import type {
    BusinessHoursInputs,
    GpuNodePoolInputs,
    NodeClassRefInputs,
} from "./plan/node-pool-types";
import { inheritedDependsOn } from "./shared/depends-on";
import { gpuNodePoolProblems } from "./plan/node-pool-validation";
import { Problems } from "./plan/problems";

/** UTC window in which busy serving nodes are neither consolidated nor replaced for drift. */
export interface BusinessHoursArgs extends BusinessHoursInputs {}

/** One GPU group as a Karpenter NodePool; workloads pick it by the `gpu-serving.io/gpu-group` label. */
export interface GpuNodePoolArgs extends GpuNodePoolInputs<BusinessHoursArgs> {}

/** A node class by API group, kind and name. */
export interface NodeClassRefArgs extends NodeClassRefInputs {}

export interface GpuNodePoolsArgs {
    /** The GPU groups, one NodePool each. */
    pools: GpuNodePoolArgs[];
    /**
     * Launch from an existing node class instead of creating an EC2NodeClass per pool, e.g.
     * `{group: "karpenter.kwok.sh", kind: "KWOKNodeClass", name: "local"}` on a simulated cluster.
     */
    existingNodeClass?: NodeClassRefArgs;
    /** EKS cluster name: the discovery tag of subnets and security groups. Required without existingNodeClass. */
    clusterName?: pulumi.Input<string>;
    /** IAM role of the nodes (KarpenterController's nodeRoleName). Required without existingNodeClass. */
    nodeRoleName?: pulumi.Input<string>;
    /** "AL2023" or "Bottlerocket"; either resolves to its NVIDIA variant on GPU types. @default "AL2023" */
    amiFamily?: string;
    /** AMI alias version, e.g. "v20251120"; "latest" rolls nodes onto new AMIs through drift. @default "latest" */
    amiVersion?: string;
    /** Tags on the EC2 instances and volumes Karpenter launches. @default {} */
    tags?: Record<string, string>;
}

function poolInput(pool: GpuNodePoolArgs, nodeClassRef: NodeClassRefArgs): GpuNodePoolInput {
    return {
        name: pool.name,
        instanceFamilies: pool.instanceFamilies,
        minInstanceGeneration: pool.minInstanceGeneration,
        minGpusPerNode: pool.minGpusPerNode,
        maxGpusPerNode: pool.maxGpusPerNode,
        capacityTypes: (pool.capacityTypes ?? ["on-demand"]) as KarpenterCapacityType[],
        gpuLimit: pool.gpuLimit,
        consolidateAfterSeconds: pool.consolidateAfterSeconds,
        businessHours: pool.businessHours,
        expireAfterHours: pool.expireAfterHours,
        labels: pool.labels ?? {},
        nodeClassRef,
    };
}

/**
 * GPU capacity that Karpenter scales: per GPU group a NodePool (families, generations, capacity
 * types, the GPU taint and group label, a GPU limit, consolidation after the cold start and
 * business-hours disruption budgets) and, on EKS, the EC2NodeClass it launches from.
 */
export class GpuNodePools extends pulumi.ComponentResource {
    /** NodePool names, in `pools` order. */
    public readonly nodePoolNames: pulumi.Output<string[]>;

    constructor(name: string, args: GpuNodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
        const amiFamily = (args.amiFamily ?? "AL2023") as AmiFamily;
        const tags = args.tags ?? {};
        const problems = new Problems();
        gpuNodePoolProblems(args, problems);
        problems.throwIfAny(`GpuNodePools "${name}"`);
        super("gpu-serving:index:GpuNodePools", name, {}, opts);
        const parent = this;
        // The CRDs come with Karpenter's chart: every object waits for what the component waits for.

        const nodePools = args.pools.map((pool) => {
            const nodeClassRef = args.existingNodeClass ?? {
                ...ec2NodeClassKind,
                name: `gpu-${pool.name}`,
            };
            const nodeClass = args.existingNodeClass
                ? undefined
                : new k8s.apiextensions.CustomResource(
                      `${name}-${pool.name}-node-class`,
                      {
                          apiVersion: `${ec2NodeClassKind.group}/v1`,
                          kind: ec2NodeClassKind.kind,
                          metadata: { name: nodeClassRef.name },
                          spec: pulumi
                              .all([args.clusterName!, args.nodeRoleName!])
                              .apply(([clusterName, nodeRoleName]) =>
                                  ec2NodeClassSpec({
                                      clusterName,
                                      nodeRoleName,
                                      amiFamily,
                                      amiVersion: args.amiVersion,
                                      rootVolumeSizeGiB:
                                          pool.rootVolumeSizeGiB ??
                                          (amiFamily === "Bottlerocket" ? 4 : 50),
                                      dataVolumeSizeGiB: pool.dataVolumeSizeGiB ?? 200,
                                      imageCacheSnapshotId: pool.imageCacheSnapshotId,
                                      capacityReservationIds: pool.capacityReservationIds ?? [],
                                      tags: { ...tags, "gpu-serving.io/gpu-group": pool.name },
                                  }),
                              ),
                      },
                      { parent, dependsOn: inheritedDependsOn(opts) },
                  );
            return new k8s.apiextensions.CustomResource(
                `${name}-${pool.name}`,
                {
                    apiVersion: "karpenter.sh/v1",
                    kind: "NodePool",
                    metadata: { name: pool.name },
                    spec: nodePoolSpec(poolInput(pool, nodeClassRef)),
                },
                { parent, dependsOn: inheritedDependsOn(opts, nodeClass ? [nodeClass] : []) },
            );
        });

        this.nodePoolNames = pulumi.all(nodePools.map((pool) => pool.metadata.name));
        this.registerOutputs({ nodePoolNames: this.nodePoolNames });
    }
}
