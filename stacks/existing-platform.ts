import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuNodePools } from "../components/gpu-node-pools";
import { ServingNamespace } from "../components/serving-namespace";
import { gpuNodePoolArgs } from "./component-args";
import type { StackConfig } from "./config-schema";
import type { LoadBalancerSubnets } from "./serving-plan";

export interface ServingPlatform {
    provider: k8s.Provider;
    /** Namespace of the serving workloads, created by the platform. */
    namespace: pulumi.Output<string>;
    /** The ReadWriteMany claim holding model weights, in `namespace`. */
    modelClaimName: pulumi.Output<string>;
    /** Where KEDA reads queue depth; undefined when the platform has no Prometheus of ours. */
    prometheusUrl?: pulumi.Output<string>;
    clusterName: pulumi.Output<string>;
    kubeconfig?: pulumi.Output<string>;
    /** Resources the serving half must wait for (node groups, CSI driver, device plugin). */
    readiness: pulumi.Resource[];
    /** Subnets the load balancers sit in (no pods there); undefined when the platform has none. */
    loadBalancerSubnets?: LoadBalancerSubnets;
    /** The cluster's IAM OIDC provider, when pods can take IAM roles (IRSA); undefined elsewhere. */
    irsa?: { oidcProviderArn: pulumi.Output<string>; oidcProviderUrl: pulumi.Output<string> };
}

/**
 * "Bring your own cluster": the serving half on a cluster reached through a kubeconfig. Storage is
 * a static volume on a node path when the cluster has no RWX driver (local clusters), else a claim
 * on the named storage class.
 */
export function useExistingCluster(config: StackConfig, stack: string): ServingPlatform {
    const { cluster, modelStore, serving } = config;
    const provider = new k8s.Provider("cluster", {
        kubeconfig: cluster.kubeconfigPath,
        context: cluster.kubeContext,
    });
    const opts = { provider };
    const namespace = new ServingNamespace(
        "serving",
        { name: serving.namespace },
        { providers: { kubernetes: provider } },
    );
    const namespaceName = namespace.name;
    let volume: k8s.core.v1.PersistentVolume | undefined;
    if (modelStore.hostPath !== undefined) {
        volume = new k8s.core.v1.PersistentVolume(
            "model-cache-volume",
            {
                metadata: { name: `${serving.namespace}-${modelStore.claimName}` },
                spec: {
                    capacity: { storage: "1Ti" },
                    accessModes: ["ReadWriteMany"],
                    storageClassName: modelStore.storageClassName,
                    // Staged weights are expensive to fetch again: keep them when the claim goes.
                    persistentVolumeReclaimPolicy: "Retain",
                    hostPath: { path: modelStore.hostPath, type: "DirectoryOrCreate" },
                    claimRef: { namespace: serving.namespace, name: modelStore.claimName },
                },
            },
            opts,
        );
    }
    const claim = new k8s.core.v1.PersistentVolumeClaim(
        "model-cache-claim",
        {
            metadata: { name: modelStore.claimName, namespace: namespaceName },
            spec: {
                accessModes: ["ReadWriteMany"],
                storageClassName: modelStore.storageClassName,
                volumeName: volume?.metadata.name,
                resources: { requests: { storage: "1Ti" } },
            },
        },
        { ...opts, protect: config.protect },
    );
    const pools = existingNodePools(config, provider);
    return {
        provider,
        namespace: namespaceName,
        modelClaimName: claim.metadata.name,
        clusterName: pulumi.output(cluster.kubeContext ?? `existing-${stack}`),
        // The namespace component, so its policies exist before any pod of the serving half
        // starts, and the NodePools the GPU pods land on.
        readiness: pools ? [namespace, pools] : [namespace],
    };
}

/** The GPU NodePools of an existing cluster that runs Karpenter, launching from its own node class. */
function existingNodePools(config: StackConfig, provider: k8s.Provider): GpuNodePools | undefined {
    const { cluster } = config;
    if (cluster.capacityEngine !== "karpenter" || !cluster.karpenter.nodeClass) return undefined;
    return new GpuNodePools(
        "gpu-pools",
        {
            pools: cluster.gpuNodePools.map((pool) => gpuNodePoolArgs(config, pool)),
            existingNodeClass: cluster.karpenter.nodeClass,
        },
        { provider },
    );
}
