import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Cluster-admin for each principal through EKS access entries (the cluster runs in API mode, so
 * the aws-auth ConfigMap is ignored). Entries are keyed by position: reordering the list
 * recreates them, which briefly revokes access.
 */
export function grantClusterAdmins(
    name: string,
    cluster: aws.eks.Cluster,
    principalArns: pulumi.Input<string>[],
    context: {
        parent: pulumi.Resource;
        partition: pulumi.Input<string>;
        tags: Record<string, string>;
    },
): void {
    const { parent, partition, tags } = context;
    const policyArn = pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;
    principalArns.forEach((principalArn, index) => {
        const entry = new aws.eks.AccessEntry(
            `${name}-admin-${index}`,
            { clusterName: cluster.name, principalArn, type: "STANDARD", tags },
            { parent },
        );
        new aws.eks.AccessPolicyAssociation(
            `${name}-admin-${index}-policy`,
            {
                clusterName: cluster.name,
                principalArn: entry.principalArn,
                policyArn,
                accessScope: { type: "cluster" },
            },
            { parent },
        );
    });
}
