import { strict as assert } from "assert";
import { conditionLines, ExpectedStatement, itGrantsExactly } from "./harness/policy-statements";
import {
    discoveryTag,
    interruptionRules,
    karpenterControllerStatements,
    karpenterValues,
    podIdentityTrustStatements,
} from "../components/plan/karpenter-plan";

const scope = {
    partition: "aws",
    region: "eu-west-1",
    accountId: "123456789012",
    clusterName: "gpu",
    nodeRoleArn: "arn:aws:iam::123456789012:role/gpu-node",
    interruptionQueueArn: "arn:aws:sqs:eu-west-1:123456789012:gpu-karpenter",
};

/**
 * Karpenter's reference CloudFormation policies (karpenter.sh, "Getting Started with Karpenter",
 * cloudformation.yaml) for cluster "gpu" in eu-west-1, statement by statement.
 */
const expectedStatements: Record<string, ExpectedStatement> = {
    AllowScopedEC2InstanceAccessActions: {
        actions: ["ec2:RunInstances", "ec2:CreateFleet"],
        resources: [
            "arn:aws:ec2:eu-west-1::image/*",
            "arn:aws:ec2:eu-west-1::snapshot/*",
            "arn:aws:ec2:eu-west-1:*:security-group/*",
            "arn:aws:ec2:eu-west-1:*:subnet/*",
            "arn:aws:ec2:eu-west-1:*:capacity-reservation/*",
        ],
    },
    AllowScopedEC2LaunchTemplateAccessActions: {
        actions: ["ec2:RunInstances", "ec2:CreateFleet"],
        resources: ["arn:aws:ec2:eu-west-1:*:launch-template/*"],
        conditions: [
            "StringEquals aws:ResourceTag/kubernetes.io/cluster/gpu owned",
            "StringLike aws:ResourceTag/karpenter.sh/nodepool *",
        ],
    },
    AllowScopedEC2InstanceActionsWithTags: {
        actions: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
        resources: [
            "arn:aws:ec2:eu-west-1:*:fleet/*",
            "arn:aws:ec2:eu-west-1:*:instance/*",
            "arn:aws:ec2:eu-west-1:*:volume/*",
            "arn:aws:ec2:eu-west-1:*:network-interface/*",
            "arn:aws:ec2:eu-west-1:*:launch-template/*",
            "arn:aws:ec2:eu-west-1:*:spot-instances-request/*",
        ],
        conditions: [
            "StringEquals aws:RequestTag/kubernetes.io/cluster/gpu owned",
            "StringEquals aws:RequestTag/eks:eks-cluster-name gpu",
            "StringLike aws:RequestTag/karpenter.sh/nodepool *",
        ],
    },
    AllowScopedResourceCreationTagging: {
        actions: ["ec2:CreateTags"],
        resources: [
            "arn:aws:ec2:eu-west-1:*:fleet/*",
            "arn:aws:ec2:eu-west-1:*:instance/*",
            "arn:aws:ec2:eu-west-1:*:volume/*",
            "arn:aws:ec2:eu-west-1:*:network-interface/*",
            "arn:aws:ec2:eu-west-1:*:launch-template/*",
            "arn:aws:ec2:eu-west-1:*:spot-instances-request/*",
        ],
        conditions: [
            "StringEquals aws:RequestTag/kubernetes.io/cluster/gpu owned",
            "StringEquals aws:RequestTag/eks:eks-cluster-name gpu",
            "StringEquals ec2:CreateAction RunInstances|CreateFleet|CreateLaunchTemplate",
            "StringLike aws:RequestTag/karpenter.sh/nodepool *",
        ],
    },
    AllowScopedResourceTagging: {
        actions: ["ec2:CreateTags"],
        resources: ["arn:aws:ec2:eu-west-1:*:instance/*"],
        conditions: [
            "StringEquals aws:ResourceTag/kubernetes.io/cluster/gpu owned",
            "StringLike aws:ResourceTag/karpenter.sh/nodepool *",
            "StringEqualsIfExists aws:RequestTag/eks:eks-cluster-name gpu",
            "ForAllValues:StringEquals aws:TagKeys eks:eks-cluster-name|karpenter.sh/nodeclaim|Name",
        ],
    },
    AllowScopedDeletion: {
        actions: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
        resources: [
            "arn:aws:ec2:eu-west-1:*:instance/*",
            "arn:aws:ec2:eu-west-1:*:launch-template/*",
        ],
        conditions: [
            "StringEquals aws:ResourceTag/kubernetes.io/cluster/gpu owned",
            "StringLike aws:ResourceTag/karpenter.sh/nodepool *",
        ],
    },
    AllowPassingInstanceRole: {
        actions: ["iam:PassRole"],
        resources: ["arn:aws:iam::123456789012:role/gpu-node"],
        conditions: ["StringEquals iam:PassedToService ec2.amazonaws.com"],
    },
    AllowScopedInstanceProfileCreationActions: {
        actions: ["iam:CreateInstanceProfile"],
        resources: ["arn:aws:iam::123456789012:instance-profile/*"],
        conditions: [
            "StringEquals aws:RequestTag/kubernetes.io/cluster/gpu owned",
            "StringEquals aws:RequestTag/eks:eks-cluster-name gpu",
            "StringEquals aws:RequestTag/topology.kubernetes.io/region eu-west-1",
            "StringLike aws:RequestTag/karpenter.k8s.aws/ec2nodeclass *",
        ],
    },
    AllowScopedInstanceProfileTagActions: {
        actions: ["iam:TagInstanceProfile"],
        resources: ["arn:aws:iam::123456789012:instance-profile/*"],
        conditions: [
            "StringEquals aws:ResourceTag/kubernetes.io/cluster/gpu owned",
            "StringEquals aws:ResourceTag/topology.kubernetes.io/region eu-west-1",
            "StringEquals aws:RequestTag/kubernetes.io/cluster/gpu owned",
            "StringEquals aws:RequestTag/eks:eks-cluster-name gpu",
            "StringEquals aws:RequestTag/topology.kubernetes.io/region eu-west-1",
            "StringLike aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass *",
            "StringLike aws:RequestTag/karpenter.k8s.aws/ec2nodeclass *",
        ],
    },
    AllowScopedInstanceProfileActions: {
        actions: [
            "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile",
            "iam:DeleteInstanceProfile",
        ],
        resources: ["arn:aws:iam::123456789012:instance-profile/*"],
        conditions: [
            "StringEquals aws:ResourceTag/kubernetes.io/cluster/gpu owned",
            "StringEquals aws:ResourceTag/topology.kubernetes.io/region eu-west-1",
            "StringLike aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass *",
        ],
    },
    AllowAPIServerEndpointDiscovery: {
        actions: ["eks:DescribeCluster"],
        resources: ["arn:aws:eks:eu-west-1:123456789012:cluster/gpu"],
    },
    AllowInterruptionQueueActions: {
        actions: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        resources: ["arn:aws:sqs:eu-west-1:123456789012:gpu-karpenter"],
    },
    AllowRegionalReadActions: {
        actions: [
            "ec2:DescribeCapacityReservations",
            "ec2:DescribeImages",
            "ec2:DescribeInstances",
            "ec2:DescribeInstanceTypeOfferings",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplates",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSpotPriceHistory",
            "ec2:DescribeSubnets",
        ],
        resources: ["*"],
        conditions: ["StringEquals aws:RequestedRegion eu-west-1"],
    },
    AllowSSMReadActions: {
        actions: ["ssm:GetParameter"],
        resources: ["arn:aws:ssm:eu-west-1::parameter/aws/service/*"],
    },
    AllowPricingReadActions: { actions: ["pricing:GetProducts"], resources: ["*"] },
    AllowUnscopedInstanceProfileListAction: {
        actions: ["iam:ListInstanceProfiles"],
        resources: ["*"],
    },
    AllowInstanceProfileReadActions: {
        actions: ["iam:GetInstanceProfile"],
        resources: ["arn:aws:iam::123456789012:instance-profile/*"],
    },
};
const expectedTrust = [
    {
        sid: "AllowEksPodIdentityForKarpenter",
        actions: ["sts:AssumeRole", "sts:TagSession"],
        principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }],
        conditions: [
            "StringEquals aws:RequestTag/eks-cluster-arn arn:aws:eks:eu-west-1:123456789012:cluster/gpu",
            "StringEquals aws:RequestTag/kubernetes-namespace kube-system",
            "StringEquals aws:RequestTag/kubernetes-service-account karpenter",
        ],
    },
];

describe("Karpenter controller plan", () => {
    itGrantsExactly(
        "the reference template",
        () => karpenterControllerStatements(scope),
        expectedStatements,
    );

    it("trusts EKS Pod Identity only for Karpenter's service account in this cluster", () => {
        const [trust] = podIdentityTrustStatements(scope);
        assert.deepEqual(
            [{ ...trust, conditions: conditionLines(trust.conditions) }],
            expectedTrust,
        );
    });

    it("tags subnets and security groups for discovery with the cluster name", () => {
        assert.deepEqual(discoveryTag("gpu"), { "karpenter.sh/discovery": "gpu" });
    });

    it("sets the cluster, endpoint, queue and region in the chart values, and pins the controller to system nodes", () => {
        assert.deepEqual(
            karpenterValues({
                clusterName: "gpu",
                clusterEndpoint: "https://gpu.eks.example",
                region: "eu-west-1",
                interruptionQueueName: "gpu-karpenter",
            }),
            {
                settings: {
                    clusterName: "gpu",
                    clusterEndpoint: "https://gpu.eks.example",
                    interruptionQueue: "gpu-karpenter",
                },
                serviceAccount: { create: true, name: "karpenter" },
                replicas: 2,
                nodeSelector: { "gpu-serving.io/node-role": "system" },
                dnsPolicy: "Default",
                controller: {
                    env: [{ name: "AWS_REGION", value: "eu-west-1" }],
                    resources: {
                        requests: { cpu: "1", memory: "1Gi" },
                        limits: { cpu: "1", memory: "1Gi" },
                    },
                },
            },
        );
    });

    it("feeds the queue health, spot interruption, rebalance and state-change events", () => {
        assert.deepEqual(
            interruptionRules.map((r) => [
                r.name,
                r.eventPattern.source,
                r.eventPattern["detail-type"],
            ]),
            [
                ["scheduled-change", ["aws.health"], ["AWS Health Event"]],
                ["spot-interruption", ["aws.ec2"], ["EC2 Spot Instance Interruption Warning"]],
                ["rebalance", ["aws.ec2"], ["EC2 Instance Rebalance Recommendation"]],
                ["instance-state-change", ["aws.ec2"], ["EC2 Instance State-change Notification"]],
            ],
        );
    });
});
