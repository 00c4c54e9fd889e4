import type * as pulumi from "@pulumi/pulumi";
import type { GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import type { NetworkArgs } from "../components/network";
import type { ObservabilityArgs } from "../components/observability";
import { networkDefaults } from "../components/plan/network-plan";
import type { ModelConfig, StackConfig } from "./config-schema";

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
        tags,
    };
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
        gpuNodeGroups: cluster.gpuNodeGroups.map((group) => ({
            ...group,
            desiredSize: group.desiredSize ?? group.minSize,
        })),
        protect: config.protect,
        tags: config.tags,
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
