import { strict as assert } from "assert";
import { ExpectedStatement, itGrantsExactly } from "./harness/policy-statements";
import {
    loadBalancerControllerPolicyStatements,
    loadBalancerControllerValues,
} from "../components/plan/load-balancer-controller-plan";

/**
 * The controller's policy for v2.17.1 (`docs/install/iam_policy.json`) in the aws-cn partition,
 * statement by statement, so each ARN carries the partition it is given.
 */
const expectedStatements: Record<string, ExpectedStatement> = {
    CreateElbServiceLinkedRole: {
        actions: ["iam:CreateServiceLinkedRole"],
        resources: ["*"],
        conditions: ["StringEquals iam:AWSServiceName elasticloadbalancing.amazonaws.com"],
    },
    DescribeNetworkAndLoadBalancers: {
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
    CertificatesFirewallsAndShield: {
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
    AllowNlbTrafficToNodes: {
        actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
        resources: ["*"],
    },
    CreateSecurityGroups: { actions: ["ec2:CreateSecurityGroup"], resources: ["*"] },
    TagSecurityGroupsAtCreation: {
        actions: ["ec2:CreateTags"],
        resources: ["arn:aws-cn:ec2:*:*:security-group/*"],
        conditions: [
            "StringEquals ec2:CreateAction CreateSecurityGroup",
            "Null aws:RequestTag/elbv2.k8s.aws/cluster false",
        ],
    },
    RetagOwnSecurityGroups: {
        actions: ["ec2:CreateTags", "ec2:DeleteTags"],
        resources: ["arn:aws-cn:ec2:*:*:security-group/*"],
        conditions: [
            "Null aws:RequestTag/elbv2.k8s.aws/cluster true",
            "Null aws:ResourceTag/elbv2.k8s.aws/cluster false",
        ],
    },
    ManageOwnSecurityGroups: {
        actions: [
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:DeleteSecurityGroup",
        ],
        resources: ["*"],
        conditions: ["Null aws:ResourceTag/elbv2.k8s.aws/cluster false"],
    },
    CreateTaggedLoadBalancers: {
        actions: [
            "elasticloadbalancing:CreateLoadBalancer",
            "elasticloadbalancing:CreateTargetGroup",
        ],
        resources: ["*"],
        conditions: ["Null aws:RequestTag/elbv2.k8s.aws/cluster false"],
    },
    ManageListenersAndRules: {
        actions: [
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteRule",
        ],
        resources: ["*"],
    },
    RetagOwnLoadBalancers: {
        actions: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
        resources: [
            "arn:aws-cn:elasticloadbalancing:*:*:targetgroup/*/*",
            "arn:aws-cn:elasticloadbalancing:*:*:loadbalancer/net/*/*",
            "arn:aws-cn:elasticloadbalancing:*:*:loadbalancer/app/*/*",
        ],
        conditions: [
            "Null aws:RequestTag/elbv2.k8s.aws/cluster true",
            "Null aws:ResourceTag/elbv2.k8s.aws/cluster false",
        ],
    },
    TagListenersAndRules: {
        actions: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
        resources: [
            "arn:aws-cn:elasticloadbalancing:*:*:listener/net/*/*/*",
            "arn:aws-cn:elasticloadbalancing:*:*:listener/app/*/*/*",
            "arn:aws-cn:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
            "arn:aws-cn:elasticloadbalancing:*:*:listener-rule/app/*/*/*",
        ],
    },
    TagLoadBalancersAtCreation: {
        actions: ["elasticloadbalancing:AddTags"],
        resources: [
            "arn:aws-cn:elasticloadbalancing:*:*:targetgroup/*/*",
            "arn:aws-cn:elasticloadbalancing:*:*:loadbalancer/net/*/*",
            "arn:aws-cn:elasticloadbalancing:*:*:loadbalancer/app/*/*",
        ],
        conditions: [
            "StringEquals elasticloadbalancing:CreateAction CreateTargetGroup|CreateLoadBalancer",
            "Null aws:RequestTag/elbv2.k8s.aws/cluster false",
        ],
    },
    ModifyOwnLoadBalancers: {
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
        conditions: ["Null aws:ResourceTag/elbv2.k8s.aws/cluster false"],
    },
    RegisterPodTargets: {
        actions: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        resources: ["arn:aws-cn:elasticloadbalancing:*:*:targetgroup/*/*"],
    },
    ModifyListeners: {
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
};

describe("AWS Load Balancer Controller plan", () => {
    itGrantsExactly(
        "the release",
        () => loadBalancerControllerPolicyStatements("aws-cn"),
        expectedStatements,
    );

    it("sets cluster, region and VPC explicitly, tags what it creates, and runs on system nodes", () => {
        assert.deepEqual(
            loadBalancerControllerValues({
                clusterName: "gpu",
                region: "eu-west-1",
                vpcId: "vpc-1",
                tags: { team: "ml" },
            }),
            {
                clusterName: "gpu",
                region: "eu-west-1",
                vpcId: "vpc-1",
                serviceAccount: { create: false, name: "aws-load-balancer-controller" },
                nodeSelector: { "gpu-serving.io/node-role": "system" },
                podDisruptionBudget: { maxUnavailable: 1 },
                resources: { requests: { cpu: "100m", memory: "128Mi" } },
                webhookBindPort: 9443,
                defaultTags: { team: "ml" },
            },
        );
    });
});
