import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    loadBalancerControllerChart,
    loadBalancerControllerValues,
} from "../plan/load-balancer-controller-plan";
import type { InClusterContext } from "./in-cluster";

export interface LoadBalancerControllerInputs {
    clusterName: pulumi.Input<string>;
    region: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    tags: Record<string, string>;
    /** Its IRSA role, granted: the controller's first reconcile fails without the policy. */
    roleArn: pulumi.Input<string>;
    /** The system node group it runs on and the role's grants. */
    dependsOn: pulumi.Resource[];
}

/**
 * The AWS Load Balancer Controller, on the system nodes under its own ServiceAccount and IRSA role.
 * The release waits until the controller is ready, so a Service that depends on it finds the
 * webhook answering.
 */
export function installLoadBalancerController(
    name: string,
    context: InClusterContext,
    inputs: LoadBalancerControllerInputs,
): k8s.helm.v3.Release {
    const { parent, provider } = context;
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${name}-load-balancer-controller-sa`,
        {
            metadata: {
                name: loadBalancerControllerChart.serviceAccountName,
                namespace: loadBalancerControllerChart.namespace,
                annotations: { "eks.amazonaws.com/role-arn": inputs.roleArn },
            },
        },
        { parent, provider },
    );
    const values = pulumi
        .all([inputs.clusterName, inputs.region, inputs.vpcId])
        .apply(([clusterName, region, vpcId]) =>
            loadBalancerControllerValues({ clusterName, region, vpcId, tags: inputs.tags }),
        );
    return new k8s.helm.v3.Release(
        `${name}-load-balancer-controller`,
        {
            name: loadBalancerControllerChart.releaseName,
            chart: loadBalancerControllerChart.chart,
            version: loadBalancerControllerChart.version,
            repositoryOpts: { repo: loadBalancerControllerChart.repo },
            namespace: loadBalancerControllerChart.namespace,
            values,
        },
        { parent, provider, dependsOn: [serviceAccount, ...inputs.dependsOn] },
    );
}
