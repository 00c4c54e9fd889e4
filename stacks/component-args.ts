import type * as pulumi from "@pulumi/pulumi";
import type { GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import type { NetworkArgs } from "../components/network";
import type { ObservabilityArgs } from "../components/observability";
import { networkDefaults } from "../components/plan/network-plan";
import type { GpuNodePoolArgs } from "../components/gpu-node-pools";
import { poolPlanInput } from "./capacity-plan";
import type { GpuNodePoolConfig, ModelConfig, StackConfig } from "./config-schema";

// Component args derived from stack config. Pure, so the validator checks exactly the args the
// program will pass, before anything exists.

/** ECR repository of a model built from a context, unless `image.repository` names one. */
export function imageRepositoryName(model: ModelConfig): string {
    return `gpu-serving/${model.name}`;
}

/** `cluster.name`, or `gpu-serving-<stack>`. */
export function clusterName(config: StackConfig, stack: string): string {
    return config.cluster.name ?? `gpu-serving-${stack}`;
}

/** Private subnets the cluster and the model store use: one per AZ of a created VPC, or the given ones. */
export function privateSubnetCount(config: StackConfig): number {
    const { network } = config;
    return (
        network.existingPrivateSubnetIds?.length ??
        network.availabilityZoneCount ??
        networkDefaults.availabilityZoneCount
    );
}

export function networkArgs(config: StackConfig, stack: string): NetworkArgs {
    const { network, tags } = config;
    return {
        clusterName: clusterName(config, stack),
        cidrBlock: network.cidrBlock,
        availabilityZoneCount: network.availabilityZoneCount,
        natGatewayPerAz: network.natGatewayPerAz,
        existingVpcId: network.existingVpcId,
        existingPrivateSubnetIds: network.existingPrivateSubnetIds,
        existingPublicSubnetIds: network.existingPublicSubnetIds,
        flowLogRetentionDays: network.flowLogs ? network.flowLogRetentionDays : undefined,
        tags,
    };
}

/** Whether any model is exposed through a load balancer, which needs the AWS Load Balancer Controller. */
export function servesThroughLoadBalancers(config: StackConfig): boolean {
    // Also called on a config that failed its schema, where sections may be missing.
    const shared = config.serving?.serviceType ?? "ClusterIP";
    return (config.models ?? []).some((model) => (model?.serviceType ?? shared) !== "ClusterIP");
}

export function gpuClusterArgs(
    config: StackConfig,
    stack: string,
    vpcId: pulumi.Input<string> = "",
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]> = [],
): GpuClusterArgs {
    const { cluster } = config;
    return {
        clusterName: clusterName(config, stack),
        kubernetesVersion: cluster.kubernetesVersion,
        vpcId,
        privateSubnetIds,
        endpointPublicAccess: cluster.endpointPublicAccess,
        publicAccessCidrs: cluster.publicAccessCidrs,
        adminPrincipalArns: cluster.adminPrincipalArns,
        systemNodeGroup: cluster.systemNodeGroup,
        capacityEngine: cluster.capacityEngine,
        gpuNodeGroups: cluster.gpuNodeGroups.map((group) => ({
            ...group,
            desiredSize: group.desiredSize ?? group.minSize,
        })),
        gpuNodePools: cluster.gpuNodePools.map((pool) => gpuNodePoolArgs(config, pool)),
        karpenter: {
            amiFamily: cluster.karpenter.amiFamily,
            amiVersion: cluster.karpenter.amiVersion,
        },
        loadBalancerController: servesThroughLoadBalancers(config),
        protect: config.protect,
        tags: config.tags,
    };
}

/** A GPU NodePool's args: the GPU floor from its models, consolidation after their cold start. */
export function gpuNodePoolArgs(config: StackConfig, pool: GpuNodePoolConfig): GpuNodePoolArgs {
    const planned = poolPlanInput(config, pool);
    return {
        name: pool.name,
        instanceFamilies: pool.instanceFamilies,
        minInstanceGeneration: pool.minInstanceGeneration,
        minGpusPerNode: planned.minGpusPerNode,
        maxGpusPerNode: pool.maxGpusPerNode,
        capacityTypes: pool.capacityTypes,
        gpuLimit: pool.gpuLimit,
        consolidateAfterSeconds: planned.consolidateAfterSeconds,
        businessHours: pool.businessHours,
        expireAfterHours: pool.expireAfterHours,
        labels: pool.labels,
        rootVolumeSizeGiB: pool.rootVolumeSizeGiB,
        dataVolumeSizeGiB: pool.dataVolumeSizeGiB,
        imageCacheSnapshotId: pool.imageCacheSnapshotId,
        capacityReservationIds: pool.capacityReservationIds,
    };
}

export function observabilityArgs(
    config: StackConfig,
    stack: string,
    cluster?: Pick<GpuCluster, "clusterName" | "oidcProviderArn" | "oidcProviderUrl">,
): ObservabilityArgs {
    return {
        clusterName: cluster?.clusterName ?? clusterName(config, stack),
        oidcProviderArn: cluster?.oidcProviderArn ?? "",
        oidcProviderUrl: cluster?.oidcProviderUrl ?? "",
        logRetentionDays: config.observability.logRetentionDays,
        tags: config.tags,
    };
}
