import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    clusterAutoscalerChart,
    clusterAutoscalerValues,
    devicePluginChart,
    devicePluginValues,
} from "../plan/in-cluster-plan";

/** The cluster's own Kubernetes provider and where in-cluster children hang. */
export interface InClusterContext {
    parent: pulumi.Resource;
    provider: k8s.Provider;
}

/** Advertises `nvidia.com/gpu` on GPU nodes; the AL2023 NVIDIA AMI ships the driver but not this plugin. */
export function installNvidiaDevicePlugin(
    name: string,
    context: InClusterContext,
): k8s.helm.v3.Release {
    const { parent, provider } = context;
    const namespace = new k8s.core.v1.Namespace(
        `${name}-device-plugin-ns`,
        { metadata: { name: devicePluginChart.namespace } },
        { parent, provider },
    );
    return new k8s.helm.v3.Release(
        `${name}-device-plugin`,
        {
            name: devicePluginChart.releaseName,
            chart: devicePluginChart.chart,
            version: devicePluginChart.version,
            repositoryOpts: { repo: devicePluginChart.repo },
            namespace: namespace.metadata.name,
            values: devicePluginValues(),
        },
        { parent, provider },
    );
}

export interface ClusterAutoscalerInputs {
    clusterName: pulumi.Input<string>;
    region: pulumi.Input<string>;
    imageTag: string;
    roleArn: pulumi.Input<string>;
    /** The system node group it runs on. */
    dependsOn: pulumi.Resource[];
}

export function installClusterAutoscaler(
    name: string,
    context: InClusterContext,
    inputs: ClusterAutoscalerInputs,
): k8s.helm.v3.Release {
    const { parent, provider } = context;
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${name}-cluster-autoscaler-sa`,
        {
            metadata: {
                name: clusterAutoscalerChart.serviceAccountName,
                namespace: clusterAutoscalerChart.namespace,
                annotations: { "eks.amazonaws.com/role-arn": inputs.roleArn },
            },
        },
        { parent, provider },
    );
    const values = pulumi
        .all([inputs.clusterName, inputs.region])
        .apply(([clusterName, region]) =>
            clusterAutoscalerValues({ clusterName, region, imageTag: inputs.imageTag }),
        );
    return new k8s.helm.v3.Release(
        `${name}-cluster-autoscaler`,
        {
            name: clusterAutoscalerChart.releaseName,
            chart: clusterAutoscalerChart.chart,
            version: clusterAutoscalerChart.version,
            repositoryOpts: { repo: clusterAutoscalerChart.repo },
            namespace: clusterAutoscalerChart.namespace,
            values,
        },
        { parent, provider, dependsOn: [serviceAccount, ...inputs.dependsOn] },
    );
}
