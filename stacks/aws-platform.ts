import * as pulumi from "@pulumi/pulumi";
import { GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import { ModelStore } from "../components/model-store";
import { Network, NetworkArgs } from "../components/network";
import { Observability, ObservabilityArgs } from "../components/observability";
import { ServingNamespace } from "../components/serving-namespace";
import { ServingPlatform } from "./existing-platform";
import { clusterName, StackConfig } from "./validate";

/** Component args derived from stack config; pure, so the validator can check them before anything exists. */
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
    cluster?: GpuCluster,
): ObservabilityArgs {
    return {
        clusterName: cluster?.clusterName ?? clusterName(config, stack),
        oidcProviderArn: cluster?.oidcProviderArn ?? "",
        oidcProviderUrl: cluster?.oidcProviderUrl ?? "",
        logRetentionDays: config.observability.logRetentionDays,
        tags: config.tags,
    };
}

/** Subnet ids one per AZ: ModelStore needs a known count to create a mount target in each. */
function perZone(ids: pulumi.Output<string[]>, count: number): pulumi.Output<string>[] {
    return Array.from({ length: count }, (_, i) => ids.apply((all) => all[i]));
}

/** VPC, EKS with GPU node groups, EFS model store and the monitoring stack on AWS. */
export function provisionAwsPlatform(config: StackConfig, stack: string): ServingPlatform {
    const network = new Network("network", networkArgs(config, stack));
    const cluster = new GpuCluster(
        "cluster",
        gpuClusterArgs(config, stack, network.vpcId, network.privateSubnetIds),
    );
    const provider = cluster.provider;
    const namespace = new ServingNamespace(
        "serving",
        { name: config.serving.namespace },
        { providers: { kubernetes: provider } },
    );
    const subnetCount =
        config.network.existingPrivateSubnetIds?.length ?? config.network.availabilityZoneCount;
    const store = new ModelStore(
        "model-store",
        {
            vpcId: network.vpcId,
            privateSubnetIds: perZone(network.privateSubnetIds, subnetCount),
            nodeSecurityGroupId: cluster.nodeSecurityGroupId,
            namespace: namespace.name,
            claimName: config.modelStore.claimName,
            throughputMode: config.modelStore.throughputMode,
            backup: config.modelStore.backup,
            protect: config.protect,
            tags: config.tags,
        },
        { providers: { kubernetes: provider } },
    );
    const observability = config.observability.enabled
        ? new Observability("observability", observabilityArgs(config, stack, cluster), {
              providers: { kubernetes: provider },
          })
        : undefined;
    return {
        provider,
        namespace: namespace.name,
        modelClaimName: store.claimName,
        prometheusUrl: observability?.prometheusUrl,
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        readiness: observability ? [cluster, store, observability] : [cluster, store],
        irsa: {
            oidcProviderArn: cluster.oidcProviderArn,
            oidcProviderUrl: cluster.oidcProviderUrl,
        },
    };
}
