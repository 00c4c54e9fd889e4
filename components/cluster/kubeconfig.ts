import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderKubeconfig } from "../plan/in-cluster-plan";

/**
 * The exec-based kubeconfig, marked secret: it holds no credential, but it names the endpoint and
 * stack outputs are often shared more widely than the account is.
 */
export function clusterKubeconfig(
    cluster: aws.eks.Cluster,
    region: pulumi.Input<string>,
): pulumi.Output<string> {
    const kubeconfig = pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority, region])
        .apply(([clusterName, endpoint, certificateAuthority, resolvedRegion]) =>
            renderKubeconfig({
                clusterName,
                endpoint,
                certificateAuthorityData: certificateAuthority.data,
                region: resolvedRegion,
            }),
        );
    return pulumi.secret(kubeconfig);
}

export function createKubernetesProvider(
    resourceName: string,
    kubeconfig: pulumi.Input<string>,
    parent: pulumi.Resource,
): k8s.Provider {
    return new k8s.Provider(resourceName, { kubeconfig }, { parent });
}
