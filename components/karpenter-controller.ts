import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { roleWithManagedPolicies, serviceTrustPolicy } from "./cluster/iam";
import { inheritedDependsOn } from "./shared/depends-on";
import { createInterruptionQueue } from "./karpenter/interruption";
import {
    discoveryTag,
    karpenterChart,
    karpenterControllerStatements,
    karpenterValues,
    podIdentityTrustStatements,
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

type IamScope = Parameters<typeof karpenterControllerStatements>[0];

/** The role Karpenter's nodes run as, and the access entry that lets them join the cluster. */
function createNodeRole(
    name: string,
    clusterName: pulumi.Input<string>,
    context: {
        parent: pulumi.Resource;
        partition: pulumi.Input<string>;
        tags: Record<string, string>;
    },
) {
    const { role } = roleWithManagedPolicies(
        `${name}-node-role`,
        serviceTrustPolicy("ec2.amazonaws.com", context.parent),
        // No AmazonEKS_CNI_Policy: aws-node takes its ENI rights from its own IRSA role on every
        // node (GpuCluster), so no pod that reaches IMDS could borrow them from the node role.
        [
            "AmazonEKSWorkerNodePolicy",
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonSSMManagedInstanceCore",
        ],
        context,
    );
    // Managed node groups get their access entry from EKS; Karpenter's nodes need their own
    // (a second role, so this entry never collides with the managed groups' one).
    const access = new aws.eks.AccessEntry(
        `${name}-node-access`,
        { clusterName, principalArn: role.arn, type: "EC2_LINUX", tags: context.tags },
        { parent: context.parent },
    );
    return { role, access };
}

/** The controller's role, trusted by EKS Pod Identity and bound to Karpenter's service account only. */
function createControllerRole(
    name: string,
    inputs: {
        scope: pulumi.Output<IamScope>;
        clusterName: pulumi.Input<string>;
        tags: Record<string, string>;
    },
    parent: pulumi.Resource,
) {
    const trust = aws.iam.getPolicyDocumentOutput(
        { statements: inputs.scope.apply(podIdentityTrustStatements) },
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
function tagForDiscovery(
    name: string,
    args: KarpenterControllerArgs,
    parent: pulumi.Resource,
): aws.ec2.Tag[] {
    const value = pulumi
        .output(args.clusterName)
        .apply((cluster) => discoveryTag(cluster)["karpenter.sh/discovery"]);
    const tag = (resourceName: string, resourceId: pulumi.Input<string>) =>
        new aws.ec2.Tag(
            resourceName,
            { resourceId, key: "karpenter.sh/discovery", value },
            { parent },
        );
    return [
        tag(`${name}-discovery-sg`, args.clusterSecurityGroupId),
        ...args.privateSubnetIds.map((id, i) => tag(`${name}-discovery-subnet-${i}`, id)),
    ];
}

/** The Karpenter chart on the system nodes, after everything it needs at start-up exists. */
function installKarpenter(
    name: string,
    inputs: {
        clusterName: pulumi.Input<string>;
        clusterEndpoint: pulumi.Input<string>;
        region: pulumi.Input<string>;
        queueName: pulumi.Input<string>;
        chartVersion: string;
        dependsOn: pulumi.ResourceOptions["dependsOn"];
    },
    parent: pulumi.Resource,
): k8s.helm.v3.Release {
    const values = pulumi
        .all([inputs.clusterName, inputs.clusterEndpoint, inputs.region, inputs.queueName])
        .apply(([clusterName, clusterEndpoint, region, interruptionQueueName]) =>
            karpenterValues({ clusterName, clusterEndpoint, region, interruptionQueueName }),
        );
    return new k8s.helm.v3.Release(
        `${name}-release`,
        {
            name: karpenterChart.releaseName,
            chart: `${karpenterChart.repo}/${karpenterChart.chart}`,
            version: inputs.chartVersion,
            namespace: karpenterChart.namespace,
            values,
        },
        { parent, dependsOn: inputs.dependsOn },
    );
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

        const node = createNodeRole(name, args.clusterName, { parent, partition, tags });
        const queue = createInterruptionQueue(
            name,
            pulumi.interpolate`${args.clusterName}-karpenter`,
            { parent, tags },
        );
        const scope = pulumi
            .all([partition, region, accountId, args.clusterName, node.role.arn, queue.arn])
            .apply(([p, r, a, c, n, q]) => ({
                partition: p,
                region: r,
                accountId: a,
                clusterName: c,
                nodeRoleArn: n,
                interruptionQueueArn: q,
            }));
        const controller = createControllerRole(
            name,
            { scope, clusterName: args.clusterName, tags },
            parent,
        );
        const discovery = tagForDiscovery(name, args, parent);
        installKarpenter(
            name,
            {
                clusterName: args.clusterName,
                clusterEndpoint: args.clusterEndpoint,
                region,
                queueName: queue.name,
                chartVersion,
                dependsOn: inheritedDependsOn(opts, [
                    controller.association,
                    controller.policy,
                    node.access,
                    ...discovery,
                ]),
            },
            parent,
        );

        this.nodeRoleName = node.role.name;
        this.nodeRoleArn = node.role.arn;
        this.controllerRoleArn = controller.role.arn;
        this.interruptionQueueName = queue.name;
        this.registerOutputs({
            nodeRoleName: this.nodeRoleName,
            nodeRoleArn: this.nodeRoleArn,
            controllerRoleArn: this.controllerRoleArn,
            interruptionQueueName: this.interruptionQueueName,
        });
    }
}
