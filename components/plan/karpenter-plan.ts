import { PolicyStatement } from "./in-cluster-plan";
import { systemNodeLabels } from "./scheduling";

/**
 * Karpenter's controller on AWS: chart pin, Helm values, the IAM statements of its role and the
 * EC2 events its interruption queue receives. Pure, so the scoping is testable without AWS.
 */

/**
 * The karpenter chart (oci://public.ecr.aws/karpenter). 1.13.0 pairs with the core release the
 * local proof builds (`sigs.k8s.io/karpenter` v1.13.0, scripts/tools/karpenter): the NodePool
 * behaviour tested locally is the one deployed.
 */
export const karpenterChart = {
    repo: "oci://public.ecr.aws/karpenter",
    chart: "karpenter",
    version: "1.13.0",
    // kube-system, as Karpenter's getting-started guide installs it: the controller then runs with
    // system-cluster-critical priority and no pod of a NodePool it manages can evict it.
    namespace: "kube-system",
    releaseName: "karpenter",
    serviceAccountName: "karpenter",
};

/** Tag Karpenter's EC2NodeClasses select subnets and security groups by. */
export function discoveryTag(clusterName: string): Record<string, string> {
    return { "karpenter.sh/discovery": clusterName };
}

export interface KarpenterValuesInputs {
    clusterName: string;
    /** API server URL; set so the controller does not need eks:DescribeCluster at start-up. */
    clusterEndpoint: string;
    /**
     * AWS region, as AWS_REGION. Without it Karpenter asks IMDS for its region, which a pod on the
     * pod network cannot reach once launch templates keep the IMDS hop limit at 1
     * (aws/karpenter-provider-aws issue 8155, pkg/operator/operator.go).
     */
    region: string;
    /** SQS queue name for spot interruptions, rebalance and health events. */
    interruptionQueueName: string;
}

/**
 * Helm values: two replicas on the system nodes (never on a node Karpenter itself manages, or a
 * consolidation could remove the controller doing it), DNS from the node so a CoreDNS outage
 * cannot stop node provisioning, and the service account the Pod Identity association names.
 */
export function karpenterValues(inputs: KarpenterValuesInputs): Record<string, unknown> {
    return {
        settings: {
            clusterName: inputs.clusterName,
            clusterEndpoint: inputs.clusterEndpoint,
            interruptionQueue: inputs.interruptionQueueName,
        },
        serviceAccount: { create: true, name: karpenterChart.serviceAccountName },
        replicas: 2,
        nodeSelector: { ...systemNodeLabels },
        dnsPolicy: "Default",
        controller: {
            env: [{ name: "AWS_REGION", value: inputs.region }],
            // The chart's own recommendation for production: requests equal to limits so the
            // controller is never throttled or OOM-killed mid-provisioning.
            resources: {
                requests: { cpu: "1", memory: "1Gi" },
                limits: { cpu: "1", memory: "1Gi" },
            },
        },
    };
}

/** A trust policy statement: who may assume the role, on which conditions. */
export interface TrustStatement extends Omit<PolicyStatement, "resources"> {
    principals: { type: string; identifiers: string[] }[];
}

/** The Pod Identity session tags (EKS user guide, "Enable or disable session tags"). */
export const podIdentitySessionTags = {
    clusterArn: "eks-cluster-arn",
    namespace: "kubernetes-namespace",
    serviceAccount: "kubernetes-service-account",
} as const;

/**
 * Trust for EKS Pod Identity, scoped by the session tags it sets to Karpenter's service account in
 * this cluster (EKS user guide, "Create IAM role with trust policy required by EKS Pod Identity",
 * "Setting Conditions"): the association picks the service account, and the conditions keep anyone
 * who may create associations from handing the role to another one.
 */
export function podIdentityTrustStatements(scope: KarpenterIamScope): TrustStatement[] {
    const tag = (key: string, value: string) =>
        condition("StringEquals", `aws:RequestTag/${key}`, [value]);
    return [
        {
            sid: "AllowEksPodIdentityForKarpenter",
            actions: ["sts:AssumeRole", "sts:TagSession"],
            principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }],
            conditions: [
                tag(podIdentitySessionTags.clusterArn, clusterArn(scope)),
                tag(podIdentitySessionTags.namespace, karpenterChart.namespace),
                tag(podIdentitySessionTags.serviceAccount, karpenterChart.serviceAccountName),
            ],
        },
    ];
}

function clusterArn(scope: KarpenterIamScope): string {
    return `arn:${scope.partition}:eks:${scope.region}:${scope.accountId}:cluster/${scope.clusterName}`;
}

/** Everything the controller's IAM statements are scoped by. */
export interface KarpenterIamScope {
    partition: string;
    region: string;
    accountId: string;
    clusterName: string;
    /** ARN of the role Karpenter's nodes run as: the only role it may pass. */
    nodeRoleArn: string;
    /** ARN of the interruption queue: the only queue it may read. */
    interruptionQueueArn: string;
}

function condition(test: string, variable: string, values: string[]) {
    return { test, variable, values };
}

/** ARN builders and the tag conditions every scoped statement shares. */
function scoping(scope: KarpenterIamScope) {
    const clusterTag = `kubernetes.io/cluster/${scope.clusterName}`;
    const tagged = (key: "RequestTag" | "ResourceTag", name: string) =>
        condition("StringLike", `aws:${key}/${name}`, ["*"]);
    return {
        ec2: (resource: string) => `arn:${scope.partition}:ec2:${scope.region}:*:${resource}/*`,
        regional: (resource: string) => `arn:${scope.partition}:ec2:${scope.region}::${resource}/*`,
        instanceProfiles: `arn:${scope.partition}:iam::${scope.accountId}:instance-profile/*`,
        ownedRequest: [
            condition("StringEquals", `aws:RequestTag/${clusterTag}`, ["owned"]),
            condition("StringEquals", "aws:RequestTag/eks:eks-cluster-name", [scope.clusterName]),
        ],
        ownedResource: condition("StringEquals", `aws:ResourceTag/${clusterTag}`, ["owned"]),
        anyNodePool: (key: "RequestTag" | "ResourceTag") => tagged(key, "karpenter.sh/nodepool"),
        anyNodeClass: (key: "RequestTag" | "ResourceTag") =>
            tagged(key, "karpenter.k8s.aws/ec2nodeclass"),
        inRegion: (key: "RequestTag" | "ResourceTag") =>
            condition("StringEquals", `aws:${key}/topology.kubernetes.io/region`, [scope.region]),
    };
}

/** Launch, tag and terminate: only with this cluster's tags and a NodePool's. */
function instanceLifecycleStatements(scope: KarpenterIamScope): PolicyStatement[] {
    const { ec2, regional, ownedRequest, ownedResource, anyNodePool } = scoping(scope);
    const launched = ["fleet", "instance", "volume", "network-interface", "launch-template"]
        .concat("spot-instances-request")
        .map(ec2);
    return [
        {
            sid: "AllowScopedEC2InstanceAccessActions",
            actions: ["ec2:RunInstances", "ec2:CreateFleet"],
            resources: [
                regional("image"),
                regional("snapshot"),
                ec2("security-group"),
                ec2("subnet"),
                ec2("capacity-reservation"),
            ],
        },
        {
            sid: "AllowScopedEC2LaunchTemplateAccessActions",
            actions: ["ec2:RunInstances", "ec2:CreateFleet"],
            resources: [ec2("launch-template")],
            conditions: [ownedResource, anyNodePool("ResourceTag")],
        },
        {
            sid: "AllowScopedEC2InstanceActionsWithTags",
            actions: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            resources: launched,
            conditions: [...ownedRequest, anyNodePool("RequestTag")],
        },
        {
            sid: "AllowScopedResourceCreationTagging",
            actions: ["ec2:CreateTags"],
            resources: launched,
            conditions: [
                ...ownedRequest,
                condition("StringEquals", "ec2:CreateAction", [
                    "RunInstances",
                    "CreateFleet",
                    "CreateLaunchTemplate",
                ]),
                anyNodePool("RequestTag"),
            ],
        },
        {
            sid: "AllowScopedResourceTagging",
            actions: ["ec2:CreateTags"],
            resources: [ec2("instance")],
            conditions: [
                ownedResource,
                anyNodePool("ResourceTag"),
                condition("StringEqualsIfExists", "aws:RequestTag/eks:eks-cluster-name", [
                    scope.clusterName,
                ]),
                condition("ForAllValues:StringEquals", "aws:TagKeys", [
                    "eks:eks-cluster-name",
                    "karpenter.sh/nodeclaim",
                    "Name",
                ]),
            ],
        },
        {
            sid: "AllowScopedDeletion",
            actions: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            resources: [ec2("instance"), ec2("launch-template")],
            conditions: [ownedResource, anyNodePool("ResourceTag")],
        },
    ];
}

/** The node role: passed to EC2 only, through instance profiles tagged for this cluster's node classes. */
function instanceProfileStatements(scope: KarpenterIamScope): PolicyStatement[] {
    const { instanceProfiles, ownedRequest, ownedResource, anyNodeClass, inRegion } =
        scoping(scope);
    return [
        {
            sid: "AllowPassingInstanceRole",
            actions: ["iam:PassRole"],
            resources: [scope.nodeRoleArn],
            conditions: [condition("StringEquals", "iam:PassedToService", ["ec2.amazonaws.com"])],
        },
        {
            sid: "AllowScopedInstanceProfileCreationActions",
            actions: ["iam:CreateInstanceProfile"],
            resources: [instanceProfiles],
            conditions: [...ownedRequest, inRegion("RequestTag"), anyNodeClass("RequestTag")],
        },
        {
            sid: "AllowScopedInstanceProfileTagActions",
            actions: ["iam:TagInstanceProfile"],
            resources: [instanceProfiles],
            conditions: [
                ownedResource,
                inRegion("ResourceTag"),
                ...ownedRequest,
                inRegion("RequestTag"),
                anyNodeClass("ResourceTag"),
                anyNodeClass("RequestTag"),
            ],
        },
        {
            sid: "AllowScopedInstanceProfileActions",
            actions: [
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
            ],
            resources: [instanceProfiles],
            conditions: [ownedResource, inRegion("ResourceTag"), anyNodeClass("ResourceTag")],
        },
    ];
}

/** Discovery: the cluster endpoint, its own queue, regional EC2 reads, AMI parameters, prices. */
function discoveryStatements(scope: KarpenterIamScope): PolicyStatement[] {
    const { instanceProfiles } = scoping(scope);
    return [
        {
            sid: "AllowAPIServerEndpointDiscovery",
            actions: ["eks:DescribeCluster"],
            resources: [clusterArn(scope)],
        },
        {
            sid: "AllowInterruptionQueueActions",
            actions: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            resources: [scope.interruptionQueueArn],
        },
        {
            sid: "AllowRegionalReadActions",
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
            conditions: [condition("StringEquals", "aws:RequestedRegion", [scope.region])],
        },
        {
            // The AL2023 and Bottlerocket aliases resolve to AMI ids through AWS's public parameters.
            sid: "AllowSSMReadActions",
            actions: ["ssm:GetParameter"],
            resources: [`arn:${scope.partition}:ssm:${scope.region}::parameter/aws/service/*`],
        },
        { sid: "AllowPricingReadActions", actions: ["pricing:GetProducts"], resources: ["*"] },
        {
            sid: "AllowUnscopedInstanceProfileListAction",
            actions: ["iam:ListInstanceProfiles"],
            resources: ["*"],
        },
        {
            sid: "AllowInstanceProfileReadActions",
            actions: ["iam:GetInstanceProfile"],
            resources: [instanceProfiles],
        },
    ];
}

/**
 * The controller's permissions as Karpenter's reference CloudFormation template scopes them
 * (karpenter.sh, "Getting Started with Karpenter", cloudformation.yaml, the five
 * KarpenterController*Policy documents): it launches only into this cluster's tags, tags only
 * what it launched, terminates only instances of its own NodePools, passes only the node role, and
 * reads only its own queue.
 */
export function karpenterControllerStatements(scope: KarpenterIamScope): PolicyStatement[] {
    return [
        ...instanceLifecycleStatements(scope),
        ...instanceProfileStatements(scope),
        ...discoveryStatements(scope),
    ];
}

/** An EventBridge rule feeding the interruption queue. */
export interface InterruptionRule {
    /** Child-name suffix. */
    name: string;
    description: string;
    eventPattern: { source: string[]; "detail-type": string[] };
}

/**
 * The events Karpenter drains a node ahead of (karpenter.sh, "Disruption: Interruption"): a spot
 * interruption gives 2 minutes, a rebalance recommendation earlier warning, a scheduled health
 * event days, a state change catches instances stopped outside Karpenter.
 */
export const interruptionRules: readonly InterruptionRule[] = [
    {
        name: "scheduled-change",
        description: "AWS Health scheduled changes (maintenance, retirement) for Karpenter",
        eventPattern: { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
    },
    {
        name: "spot-interruption",
        description: "EC2 spot interruption warnings for Karpenter",
        eventPattern: {
            source: ["aws.ec2"],
            "detail-type": ["EC2 Spot Instance Interruption Warning"],
        },
    },
    {
        name: "rebalance",
        description: "EC2 instance rebalance recommendations for Karpenter",
        eventPattern: {
            source: ["aws.ec2"],
            "detail-type": ["EC2 Instance Rebalance Recommendation"],
        },
    },
    {
        name: "instance-state-change",
        description: "EC2 instance state changes for Karpenter",
        eventPattern: {
            source: ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
        },
    },
];

/**
 * Seconds an interruption message stays queued: Karpenter's template keeps 300, longer than the
 * 2-minute spot warning, so a stale message never drains a node that has already gone.
 */
export const interruptionQueueRetentionSeconds = 300;
