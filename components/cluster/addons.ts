import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AddonVersions } from "../plan/cluster-plan";

export interface AddonContext {
    parent: pulumi.Resource;
    clusterName: pulumi.Input<string>;
    versions: AddonVersions;
    tags: Record<string, string>;
}

function addon(
    resourceName: string,
    addonName: string,
    addonVersion: string,
    context: AddonContext,
    extra: { serviceAccountRoleArn?: pulumi.Input<string>; dependsOn?: pulumi.Resource[] } = {},
): aws.eks.Addon {
    return new aws.eks.Addon(
        resourceName,
        {
            clusterName: context.clusterName,
            addonName,
            addonVersion,
            serviceAccountRoleArn: extra.serviceAccountRoleArn,
            // Pulumi owns add-on configuration; a hand edit in the cluster is drift to overwrite.
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: context.tags,
        },
        { parent: context.parent, dependsOn: extra.dependsOn },
    );
}

/**
 * Add-ons nodes need before they can go Ready (the cluster skips EKS's self-managed copies). They
 * are DaemonSets, so they reach ACTIVE with no node yet; node groups depend on them.
 */
export function createNodeBootstrapAddons(name: string, context: AddonContext): aws.eks.Addon[] {
    const { versions } = context;
    return [
        // AmazonEKS_CNI_Policy sits on the node role rather than IRSA: aws-node must work before
        // any pod identity machinery runs on a fresh node.
        addon(`${name}-vpc-cni`, "vpc-cni", versions.vpcCni, context),
        addon(`${name}-kube-proxy`, "kube-proxy", versions.kubeProxy, context),
        addon(
            `${name}-pod-identity-agent`,
            "eks-pod-identity-agent",
            versions.podIdentityAgent,
            context,
        ),
    ];
}

/**
 * Add-ons with Deployments: created before any node exists they stay DEGRADED and the create call
 * times out, so they wait for the system node group.
 */
export function createWorkloadAddons(
    name: string,
    context: AddonContext,
    systemNodeGroup: aws.eks.NodeGroup,
    efsCsiRoleArn: pulumi.Input<string>,
): aws.eks.Addon[] {
    const { versions } = context;
    const dependsOn = [systemNodeGroup];
    return [
        addon(`${name}-coredns`, "coredns", versions.coredns, context, { dependsOn }),
        // Its node DaemonSet tolerates every taint by default, so GPU nodes can mount the model cache.
        addon(`${name}-efs-csi-driver`, "aws-efs-csi-driver", versions.efsCsiDriver, context, {
            dependsOn,
            serviceAccountRoleArn: efsCsiRoleArn,
        }),
    ];
}
