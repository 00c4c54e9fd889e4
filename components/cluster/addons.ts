import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AddonVersions } from "../plan/cluster-plan";

export interface AddonContext {
    parent: pulumi.Resource;
    clusterName: pulumi.Input<string>;
    versions: AddonVersions;
    tags: Record<string, string>;
}

interface AddonExtras {
    serviceAccountRoleArn?: pulumi.Input<string>;
    /** JSON matching the add-on version's configuration schema (DescribeAddonConfiguration). */
    configurationValues?: string;
    dependsOn?: pulumi.Resource[];
}

function addon(
    resourceName: string,
    addonName: string,
    addonVersion: string,
    context: AddonContext,
    extra: AddonExtras = {},
): aws.eks.Addon {
    return new aws.eks.Addon(
        resourceName,
        {
            clusterName: context.clusterName,
            addonName,
            addonVersion,
            serviceAccountRoleArn: extra.serviceAccountRoleArn,
            configurationValues: extra.configurationValues,
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
export function createNodeBootstrapAddons(
    name: string,
    context: AddonContext,
    vpcCniRole: { arn: pulumi.Input<string>; grants: pulumi.CustomResource[] },
): aws.eks.Addon[] {
    const { versions } = context;
    return [
        // IRSA works for aws-node on a fresh node: the pod identity webhook runs in the control
        // plane, and aws-node (host network) reaches STS before any pod network exists.
        addon(`${name}-vpc-cni`, "vpc-cni", versions.vpcCni, context, {
            serviceAccountRoleArn: vpcCniRole.arn,
            configurationValues: JSON.stringify(vpcCniConfiguration),
            dependsOn: vpcCniRole.grants,
        }),
        addon(`${name}-kube-proxy`, "kube-proxy", versions.kubeProxy, context),
        addon(
            `${name}-pod-identity-agent`,
            "eks-pod-identity-agent",
            versions.podIdentityAgent,
            context,
        ),
    ];
}

/** aws-node's service account, fixed by the vpc-cni add-on. */
export const vpcCniServiceAccount = { namespace: "kube-system", name: "aws-node" };

/**
 * VPC CNI add-on configuration. Network policy is off by default: without its node agent every
 * NetworkPolicy is stored and ignored. The managed add-on takes the flag as the string "true"
 * (EKS user guide, "Restrict pod network traffic with Kubernetes network policies").
 */
export const vpcCniConfiguration = { enableNetworkPolicy: "true" } as const;

/** The EBS CSI controller's service account, fixed by the aws-ebs-csi-driver add-on. */
export const ebsCsiControllerServiceAccount = {
    namespace: "kube-system",
    name: "ebs-csi-controller-sa",
};

/** IRSA roles the CSI drivers' controllers run as. */
export interface CsiDriverRoleArns {
    efsCsi: pulumi.Input<string>;
    ebsCsi: pulumi.Input<string>;
}

/**
 * Add-ons with Deployments: created before any node exists they stay DEGRADED and the create call
 * times out, so they wait for the system node group.
 */
export function createWorkloadAddons(
    name: string,
    context: AddonContext,
    systemNodeGroup: aws.eks.NodeGroup,
    roleArns: CsiDriverRoleArns,
): aws.eks.Addon[] {
    const { versions } = context;
    const dependsOn = [systemNodeGroup];
    return [
        addon(`${name}-coredns`, "coredns", versions.coredns, context, { dependsOn }),
        // Its node DaemonSet tolerates every taint by default, so GPU nodes can mount the model cache.
        addon(`${name}-efs-csi-driver`, "aws-efs-csi-driver", versions.efsCsiDriver, context, {
            dependsOn,
            serviceAccountRoleArn: roleArns.efsCsi,
        }),
        // Kubernetes 1.27 removed the in-tree EBS volume plugin, so no gp3 volume (Observability's
        // Prometheus storage class, provisioner ebs.csi.aws.com) is created without this driver.
        addon(`${name}-ebs-csi-driver`, "aws-ebs-csi-driver", versions.ebsCsiDriver, context, {
            dependsOn,
            serviceAccountRoleArn: roleArns.ebsCsi,
        }),
    ];
}
