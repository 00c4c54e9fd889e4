import type { PolicyStatement } from "./in-cluster-plan";
import { systemNodeLabels } from "./scheduling";

/**
 * AWS Load Balancer Controller, which turns LoadBalancer Services into NLBs. Chart 1.17.1 ships
 * controller v2.17.1 (aws/eks-charts; the same pairing as aws-cdk-lib's `AlbControllerVersion.V2_17_1`,
 * "v2.17.1" ↔ chart "1.17.1"). The IAM statements below follow that release's
 * `docs/install/iam_policy.json`; bump both together.
 */
export const loadBalancerControllerChart = {
    repo: "https://aws.github.io/eks-charts",
    chart: "aws-load-balancer-controller",
    version: "1.17.1",
    appVersion: "v2.17.1",
    namespace: "kube-system",
    releaseName: "aws-load-balancer-controller",
    serviceAccountName: "aws-load-balancer-controller",
};

/**
 * The controller's admission webhooks (Service mutator, pod readiness gates, TargetGroupBinding
 * validation): the API server calls the chart's `aws-load-balancer-webhook-service` on 443, which
 * forwards to the pods' `webhookBindPort`. A NetworkPolicy selecting the controller's pods must admit
 * that port, or no LoadBalancer Service can be created (the Service webhook fails closed).
 */
export const loadBalancerControllerWebhook = {
    serviceName: "aws-load-balancer-webhook-service",
    servicePort: 443,
    podPort: 9443,
} as const;

/** The tag the controller puts on every NLB, target group and security group it creates. */
export const controllerClusterTag = "elbv2.k8s.aws/cluster";

export interface LoadBalancerControllerValuesInputs {
    clusterName: string;
    /** Explicit: with an IMDS hop limit of 1 the controller cannot read them from the node. */
    region: string;
    vpcId: string;
    /** Tags for every AWS resource the controller creates. */
    tags: Record<string, string>;
}

export function loadBalancerControllerValues(
    inputs: LoadBalancerControllerValuesInputs,
): Record<string, unknown> {
    return {
        clusterName: inputs.clusterName,
        // Without these the controller asks IMDS, which a pod cannot reach at one hop
        // (aws-load-balancer-controller issue 3695), and exits.
        region: inputs.region,
        vpcId: inputs.vpcId,
        // GpuCluster creates the account so its IRSA annotation and the role's trust subject share one name.
        serviceAccount: { create: false, name: loadBalancerControllerChart.serviceAccountName },
        nodeSelector: { ...systemNodeLabels },
        // Two replicas (the chart's default) behind leader election; drains take one at a time, so
        // the fail-closed Service webhook keeps an answering pod.
        podDisruptionBudget: { maxUnavailable: 1 },
        // The chart's own suggestion; requests keep it off the first-evicted BestEffort class.
        resources: { requests: { cpu: "100m", memory: "128Mi" } },
        webhookBindPort: loadBalancerControllerWebhook.podPort,
        defaultTags: inputs.tags,
    };
}

/** Statements that hold only for resources the controller tagged as its own. */
const ownedByController = (variable: "aws:ResourceTag" | "aws:RequestTag") => ({
    test: "Null",
    variable: `${variable}/${controllerClusterTag}`,
    values: ["false"],
});

/** Describe calls and the read-only lookups of ACM, WAF and Shield the controller makes. */
function readStatements(): PolicyStatement[] {
    return [
        {
            sid: "DescribeNetworkAndLoadBalancers",
            actions: [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            resources: ["*"],
        },
        {
            sid: "CertificatesFirewallsAndShield",
            actions: [
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            resources: ["*"],
        },
    ];
}

/**
 * Security groups: it creates the NLB's own group, tags it as its own at creation, and may delete or
 * re-tag only groups carrying its tag. It adds and removes ingress rules on any group, because the
 * rules that let an NLB reach pods go on the nodes' (EKS-created, untagged) security group.
 */
function securityGroupStatements(partition: string): PolicyStatement[] {
    const securityGroups = `arn:${partition}:ec2:*:*:security-group/*`;
    return [
        {
            sid: "AllowNlbTrafficToNodes",
            actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            resources: ["*"],
        },
        { sid: "CreateSecurityGroups", actions: ["ec2:CreateSecurityGroup"], resources: ["*"] },
        {
            sid: "TagSecurityGroupsAtCreation",
            actions: ["ec2:CreateTags"],
            resources: [securityGroups],
            conditions: [
                {
                    test: "StringEquals",
                    variable: "ec2:CreateAction",
                    values: ["CreateSecurityGroup"],
                },
                ownedByController("aws:RequestTag"),
            ],
        },
        {
            sid: "RetagOwnSecurityGroups",
            actions: ["ec2:CreateTags", "ec2:DeleteTags"],
            resources: [securityGroups],
            conditions: [
                {
                    test: "Null",
                    variable: `aws:RequestTag/${controllerClusterTag}`,
                    values: ["true"],
                },
                ownedByController("aws:ResourceTag"),
            ],
        },
        {
            sid: "ManageOwnSecurityGroups",
            actions: [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
            ],
            resources: ["*"],
            conditions: [ownedByController("aws:ResourceTag")],
        },
    ];
}

/** ARNs of the load balancers and target groups the controller tags (NLB and ALB alike). */
function balancerArns(partition: string): string[] {
    const prefix = `arn:${partition}:elasticloadbalancing:*:*`;
    return [
        `${prefix}:targetgroup/*/*`,
        `${prefix}:loadbalancer/net/*/*`,
        `${prefix}:loadbalancer/app/*/*`,
    ];
}

/** Creating load balancers and target groups, and tagging them, only with its cluster tag. */
function createAndTagStatements(partition: string): PolicyStatement[] {
    const prefix = `arn:${partition}:elasticloadbalancing:*:*`;
    return [
        {
            sid: "CreateTaggedLoadBalancers",
            actions: [
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:CreateTargetGroup",
            ],
            resources: ["*"],
            conditions: [ownedByController("aws:RequestTag")],
        },
        {
            sid: "ManageListenersAndRules",
            actions: [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            resources: ["*"],
        },
        {
            sid: "RetagOwnLoadBalancers",
            actions: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            resources: balancerArns(partition),
            conditions: [
                {
                    test: "Null",
                    variable: `aws:RequestTag/${controllerClusterTag}`,
                    values: ["true"],
                },
                ownedByController("aws:ResourceTag"),
            ],
        },
        {
            sid: "TagListenersAndRules",
            actions: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            resources: [
                `${prefix}:listener/net/*/*/*`,
                `${prefix}:listener/app/*/*/*`,
                `${prefix}:listener-rule/net/*/*/*`,
                `${prefix}:listener-rule/app/*/*/*`,
            ],
        },
        {
            sid: "TagLoadBalancersAtCreation",
            actions: ["elasticloadbalancing:AddTags"],
            resources: balancerArns(partition),
            conditions: [
                {
                    test: "StringEquals",
                    variable: "elasticloadbalancing:CreateAction",
                    values: ["CreateTargetGroup", "CreateLoadBalancer"],
                },
                ownedByController("aws:RequestTag"),
            ],
        },
    ];
}

/** Changing and deleting its own load balancers and target groups, and registering pod targets. */
function modifyStatements(partition: string): PolicyStatement[] {
    return [
        {
            sid: "ModifyOwnLoadBalancers",
            actions: [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            resources: ["*"],
            conditions: [ownedByController("aws:ResourceTag")],
        },
        {
            sid: "RegisterPodTargets",
            actions: [
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
            ],
            resources: [`arn:${partition}:elasticloadbalancing:*:*:targetgroup/*/*`],
        },
        {
            sid: "ModifyListeners",
            actions: [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            resources: ["*"],
        },
    ];
}

/**
 * The controller's IAM policy as typed statements: the statements of v2.17.1's
 * `docs/install/iam_policy.json` (ARNs in `partition`), no more. The service-linked role it may create
 * is Elastic Load Balancing's only.
 */
export function loadBalancerControllerPolicyStatements(partition: string): PolicyStatement[] {
    return [
        {
            sid: "CreateElbServiceLinkedRole",
            actions: ["iam:CreateServiceLinkedRole"],
            resources: ["*"],
            conditions: [
                {
                    test: "StringEquals",
                    variable: "iam:AWSServiceName",
                    values: ["elasticloadbalancing.amazonaws.com"],
                },
            ],
        },
        ...readStatements(),
        ...securityGroupStatements(partition),
        ...createAndTagStatements(partition),
        ...modifyStatements(partition),
    ];
}
