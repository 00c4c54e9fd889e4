import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { roleWithManagedPolicies, serviceTrustPolicy } from "./cluster/iam";
import { createInterruptionQueue } from "./karpenter/interruption";
import {
    discoveryTag,
    karpenterChart,
    karpenterControllerStatements,
    karpenterValues,
} from "./plan/karpenter-plan";

export interface KarpenterControllerArgs {
    /** EKS cluster name; scopes every IAM permission, names the interruption queue and the discovery tag. */
    clusterName: pulumi.Input<string>;
    /** API server URL handed to the controller (and through it to the nodes it launches). */
    clusterEndpoint: pulumi.Input<string>;
    /** The EKS cluster security group every node carries; tagged so EC2NodeClasses find it. */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** Private subnets nodes launch into; tagged so EC2NodeClasses find them. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Exact karpenter chart version. @default "1.13.0" */
    chartVersion?: string;
    /** Tags for the AWS resources (roles, queue, rules). @default {} */
    tags?: Record<string, string>;
}

/**
 * Karpenter's controller on EKS: its IAM role through EKS Pod Identity with the permissions its
 * reference template scopes, the role and access entry of the nodes it launches, the interruption
 * queue with its EventBridge rules, discovery tags on subnets and the node security group, and the
 * Helm release on the system nodes. NodePools and node classes come from GpuNodePools.
 */
export class KarpenterController extends pulumi.ComponentResource {
    /** Name of the IAM role Karpenter's nodes run as (EC2NodeClass `role`). */
    public readonly nodeRoleName: pulumi.Output<string>;
    /** ARN of that role. */
    public readonly nodeRoleArn: pulumi.Output<string>;
    /** ARN of the controller's IAM role. */
    public readonly controllerRoleArn: pulumi.Output<string>;
    /** Name of the SQS interruption queue. */
    public readonly interruptionQueueName: pulumi.Output<string>;

    constructor(
        name: string,
        args: KarpenterControllerArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        const chartVersion = args.chartVersion ?? karpenterChart.version;
        const tags = args.tags ?? {};
        super("gpu-serving:index:KarpenterController", name, {}, opts);
        const parent = this;
        const partition = aws.getPartitionOutput({}, { parent }).partition;
        const region = aws.getRegionOutput({}, { parent }).region;
        const accountId = aws.getCallerIdentityOutput({}, { parent }).accountId;
        const queueName = pulumi.interpolate`${args.clusterName}-karpenter`;

        const nodeRole = roleWithManagedPolicies(
            `${name}-node-role`,
            serviceTrustPolicy("ec2.amazonaws.com", parent),
            [
                "AmazonEKSWorkerNodePolicy",
                "AmazonEC2ContainerRegistryReadOnly",
                "AmazonEKS_CNI_Policy",
                "AmazonSSMManagedInstanceCore",
            ],
            { parent, partition, tags },
        );
        // Managed node groups get their access entry from EKS; Karpenter's nodes need their own
        // (a second role, so this entry never collides with the managed groups' one).
        const nodeAccess = new aws.eks.AccessEntry(
            `${name}-node-access`,
            {
                clusterName: args.clusterName,
                principalArn: nodeRole.role.arn,
                type: "EC2_LINUX",
                tags,
            },
            { parent },
        );
        const queue = createInterruptionQueue(name, queueName, { parent, tags });
        const controllerRole = this.controllerRole(name, {
            scope: pulumi
                .all([partition, region, accountId, args.clusterName, nodeRole.role.arn, queue.arn])
                .apply(([p, r, a, c, n, q]) => ({
                    partition: p,
                    region: r,
                    accountId: a,
                    clusterName: c,
                    nodeRoleArn: n,
                    interruptionQueueArn: q,
                })),
            clusterName: args.clusterName,
            tags,
        });
        const discovery = this.tagForDiscovery(name, args);

        const values = pulumi
            .all([args.clusterName, args.clusterEndpoint, queue.name])
            .apply(([clusterName, clusterEndpoint, interruptionQueueName]) =>
                karpenterValues({ clusterName, clusterEndpoint, interruptionQueueName }),
            );
        new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: karpenterChart.releaseName,
                chart: `${karpenterChart.repo}/${karpenterChart.chart}`,
                version: chartVersion,
                namespace: karpenterChart.namespace,
                values,
            },
            {
                parent,
                dependsOn: [
                    controllerRole.association,
                    controllerRole.policy,
                    nodeAccess,
                    ...discovery,
                ],
            },
        );

        this.nodeRoleName = nodeRole.role.name;
        this.nodeRoleArn = nodeRole.role.arn;
        this.controllerRoleArn = controllerRole.role.arn;
        this.interruptionQueueName = queue.name;
        this.registerOutputs({
            nodeRoleName: this.nodeRoleName,
            nodeRoleArn: this.nodeRoleArn,
            controllerRoleArn: this.controllerRoleArn,
            interruptionQueueName: this.interruptionQueueName,
        });
    }

    /** The controller's role, trusted by EKS Pod Identity and bound to Karpenter's service account only. */
    private controllerRole(
        name: string,
        inputs: {
            scope: pulumi.Output<Parameters<typeof karpenterControllerStatements>[0]>;
            clusterName: pulumi.Input<string>;
            tags: Record<string, string>;
        },
    ) {
        const parent = this;
        const trust = aws.iam.getPolicyDocumentOutput(
            {
                statements: [
                    {
                        // Pod Identity tags the session with the pod's cluster, namespace and
                        // service account; the association below decides which account gets it.
                        actions: ["sts:AssumeRole", "sts:TagSession"],
                        principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }],
                    },
                ],
            },
            { parent },
        ).json;
        const role = new aws.iam.Role(
            `${name}-controller-role`,
            { assumeRolePolicy: trust, tags: inputs.tags },
            { parent },
        );
        const document = aws.iam.getPolicyDocumentOutput(
            { statements: inputs.scope.apply(karpenterControllerStatements) },
            { parent },
        ).json;
        const policy = new aws.iam.RolePolicy(
            `${name}-controller-policy`,
            { role: role.id, policy: document },
            { parent },
        );
        const association = new aws.eks.PodIdentityAssociation(
            `${name}-pod-identity`,
            {
                clusterName: inputs.clusterName,
                namespace: karpenterChart.namespace,
                serviceAccount: karpenterChart.serviceAccountName,
                roleArn: role.arn,
                tags: inputs.tags,
            },
            { parent },
        );
        return { role, policy, association };
    }

    /** `karpenter.sh/discovery: <cluster>` on the subnets and the node security group. */
    private tagForDiscovery(name: string, args: KarpenterControllerArgs): aws.ec2.Tag[] {
        const parent = this;
        const tag = (resourceName: string, resourceId: pulumi.Input<string>) =>
            new aws.ec2.Tag(
                resourceName,
                {
                    resourceId,
                    key: "karpenter.sh/discovery",
                    value: pulumi
                        .output(args.clusterName)
                        .apply((cluster) => discoveryTag(cluster)["karpenter.sh/discovery"]),
                },
                { parent },
            );
        return [
            tag(`${name}-discovery-sg`, args.clusterSecurityGroupId),
            ...args.privateSubnetIds.map((id, i) => tag(`${name}-discovery-subnet-${i}`, id)),
        ];
    }
}
