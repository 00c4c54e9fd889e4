import * as pulumi from "@pulumi/pulumi";
import { GpuCluster } from "../components/gpu-cluster";
import { ModelStore } from "../components/model-store";
import { Network } from "../components/network";
import { Observability } from "../components/observability";
import { ServingNamespace } from "../components/serving-namespace";
import {
    gpuClusterArgs,
    networkArgs,
    observabilityArgs,
    privateSubnetCount,
} from "./component-args";
import type { StackConfig } from "./config-schema";
import type { ServingPlatform } from "./existing-platform";
import type { LoadBalancerSubnets } from "./serving-plan";

/** Subnet ids one per AZ: ModelStore needs a known count to create a mount target in each. */
function perZone(ids: pulumi.Output<string[]>, count: number): pulumi.Output<string>[] {
    return Array.from({ length: count }, (_, i) => ids.apply((all) => all[i]));
}

/**
 * Load balancers of either scheme go into the public subnets, which hold nothing but NAT gateways
 * and load balancers: the servers' NetworkPolicy can then admit the NLB's health checks from those
 * subnets without admitting any pod (pods live in the private subnets). An internal NLB there still
 * gets private addresses only.
 */
function loadBalancerSubnets(
    config: StackConfig,
    network: Network,
): LoadBalancerSubnets | undefined {
    const count =
        config.network.existingVpcId === undefined
            ? privateSubnetCount(config)
            : (config.network.existingPublicSubnetIds?.length ?? 0);
    if (count === 0) return undefined;
    return {
        ids: perZone(network.publicSubnetIds, count),
        cidrs: perZone(network.publicSubnetCidrs, count),
    };
}

/** VPC, EKS with GPU node groups, EFS model store and the monitoring stack on AWS. */
export function provisionAwsPlatform(config: StackConfig, stack: string): ServingPlatform {
    const network = new Network("network", networkArgs(config, stack));
    const subnetCount = privateSubnetCount(config);
    // One entry per subnet: Karpenter's discovery tags go on each.
    const privateSubnetIds = perZone(network.privateSubnetIds, subnetCount);
    const cluster = new GpuCluster(
        "cluster",
        gpuClusterArgs(config, stack, network.vpcId, privateSubnetIds),
    );
    const provider = cluster.provider;
    const namespace = new ServingNamespace(
        "serving",
        { name: config.serving.namespace },
        { providers: { kubernetes: provider } },
    );
    const store = new ModelStore(
        "model-store",
        {
            vpcId: network.vpcId,
            privateSubnetIds,
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
        // The namespace component: its policies exist before any pod of the serving half starts.
        readiness: [cluster, namespace, store, ...(observability ? [observability] : [])],
        loadBalancerSubnets: loadBalancerSubnets(config, network),
        irsa: {
            oidcProviderArn: cluster.oidcProviderArn,
            oidcProviderUrl: cluster.oidcProviderUrl,
        },
    };
}
