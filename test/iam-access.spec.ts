import { strict as assert } from "assert";
import { ModelWeightsAccess } from "../components/model-weights-access";
import { parseS3Source } from "../components/plan/weights-access-plan";
import { projectConfig, readStackFile } from "../stacks/stack-files";
import {
    Decision,
    IamRole,
    Request,
    actAs,
    anonymousRequest,
    assumeAsService,
    assumeWithPodIdentity,
    assumeWithWebIdentity,
    iamRoles,
    serviceRequest,
} from "./harness/iam";
import { mockAccountId, mockOidcIssuer, mockRegion } from "./harness/mocks";
import { render, Rendered } from "./harness/render";
import { renderStack } from "./harness/stacks";

/**
 * The access matrix: every IAM role the prod stack renders, with its trust policy evaluated for its
 * exact ServiceAccount (or AWS service) and its policies, the real AWS managed documents included,
 * evaluated by an IAM policy simulator for what it must do (allowed) and must not (denied).
 */

const account = mockAccountId;
const region = mockRegion;
const issuerHostPath = mockOidcIssuer.replace("https://", "");
const providerArn = `arn:aws:iam::${account}:oidc-provider/${issuerHostPath}`;
const servingNamespace = "models";
/** A key of someone else's data in the account: no role may decrypt with it. */
const weightsKeyArn = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

interface ModelWeights {
    name: string;
    bucket: string;
    prefix: string;
    kmsKeyArn?: string;
    /** vLLM with the Run:ai streamer: the server reads S3 itself and nothing is staged. */
    streams: boolean;
}

const prodModels: ModelWeights[] = (
    projectConfig(readStackFile("prod")).models as {
        name: string;
        runtime: string;
        loadFormat?: string;
        weights: { source: string; kmsKeyArn?: string };
    }[]
).map((m) => ({
    name: m.name,
    ...parseS3Source(m.weights.source)!,
    kmsKeyArn: m.weights.kmsKeyArn,
    streams: m.runtime === "vllm" && m.loadFormat === "runai_streamer",
}));
const stagedModels = prodModels.filter((m) => !m.streams);
const streamingModels = prodModels.filter((m) => m.streams);

/** ARNs of one cluster's account and region; `clusterName` is the stack's EKS cluster. */
function arnsOf(clusterName: string) {
    const ec2 = (resource: string) => `arn:aws:ec2:${region}:${account}:${resource}`;
    return {
        object: (m: ModelWeights, key = "model-00001-of-00004.safetensors") =>
            `arn:aws:s3:::${m.bucket}/${m.prefix}/${key}`,
        bucket: (m: ModelWeights) => `arn:aws:s3:::${m.bucket}`,
        cluster: `arn:aws:eks:${region}:${account}:cluster/${clusterName}`,
        otherCluster: `arn:aws:eks:${region}:${account}:cluster/${clusterName}-shadow`,
        nodegroup: `arn:aws:eks:${region}:${account}:nodegroup/${clusterName}/inference-1/abc`,
        repository: `arn:aws:ecr:${region}:${account}:repository/gpu-serving/llama-3-1-8b`,
        instance: ec2("instance/i-0123456789abcdef0"),
        fleet: ec2("fleet/fleet-0123456789abcdef0"),
        launchTemplate: ec2("launch-template/lt-0123456789abcdef0"),
        securityGroup: ec2("security-group/sg-0123456789abcdef0"),
        image: `arn:aws:ec2:${region}::image/ami-0123456789abcdef0`,
        networkInterface: ec2("network-interface/eni-0123456789abcdef0"),
        volume: ec2("volume/vol-0123456789abcdef0"),
        subnet: ec2("subnet/subnet-0123456789abcdef0"),
        instanceProfile: `arn:aws:iam::${account}:instance-profile/${clusterName}_123456789`,
        fileSystem: `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0123456789abcdef0`,
        accessPoint: `arn:aws:elasticfilesystem:${region}:${account}:access-point/fsap-0123456789abcdef0`,
        asg: `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/eks-inference-1`,
        secretsKey: `arn:aws:kms:${region}:${account}:key/cluster-secrets-key`,
        containerLogs: `arn:aws:logs:${region}:${account}:log-group:/aws/eks/${clusterName}/containers`,
        controlPlaneLogs: `arn:aws:logs:${region}:${account}:log-group:/aws/eks/${clusterName}/cluster`,
        flowLogs: `arn:aws:logs:${region}:${account}:log-group:/aws/vpc/network/flow-logs`,
        interruptionQueue: `arn:aws:sqs:${region}:${account}:${clusterName}-karpenter`,
        otherQueue: `arn:aws:sqs:${region}:${account}:payments-events`,
        otherRole: `arn:aws:iam::${account}:role/admin`,
        loadBalancer: `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/net/k8s-models-llama318-0a1b2c3d4e/0123456789abcdef`,
        targetGroup: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/k8s-models-llama318-0a1b2c3d4e/0123456789abcdef`,
        listener: `arn:aws:elasticloadbalancing:${region}:${account}:listener/net/k8s-models-llama318-0a1b2c3d4e/0123456789abcdef/fedcba9876543210`,
        /** The NLB's own security group, which the controller created and tagged. */
        nlbSecurityGroup: ec2("security-group/sg-0a0a0a0a0a0a0a0a0"),
        /** The EKS cluster security group on every node: not the controller's. */
        nodeSecurityGroup: ec2("security-group/sg-0b0b0b0b0b0b0b0b0"),
        elbServiceLinkedRole: `arn:aws:iam::${account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
        secret: `arn:aws:secretsmanager:${region}:${account}:secret:prod/db-AbCdEf`,
        parameter: `arn:aws:ssm:${region}:${account}:parameter/prod/db-password`,
    };
}

type Arns = ReturnType<typeof arnsOf>;

const to = (action: string, resource: string, context?: Request["context"]): Request => ({
    action,
    resource,
    context,
});

/** What no identity of the platform may do, whatever else it needs: escalation and data. */
function forbiddenToAll(arn: Arns, exceptModel?: string): Request[] {
    return [
        to("iam:CreateRole", `arn:aws:iam::${account}:role/new`),
        to("iam:PassRole", arn.otherRole),
        to("iam:AttachRolePolicy", arn.otherRole),
        to("iam:PutRolePolicy", arn.otherRole),
        to("sts:AssumeRole", arn.otherRole),
        to("eks:CreateAccessEntry", arn.cluster),
        to("ec2:RunInstances", arn.instance),
        to("ec2:TerminateInstances", arn.instance),
        to("secretsmanager:GetSecretValue", arn.secret),
        to("kms:Decrypt", weightsKeyArn, { "kms:ViaService": `s3.${region}.amazonaws.com` }),
        to("ecr:PutImage", arn.repository),
        to("logs:DeleteLogGroup", arn.containerLogs),
        ...prodModels
            .filter((m) => m.name !== exceptModel)
            .flatMap((m) => [
                to("s3:GetObject", arn.object(m)),
                to("s3:ListBucket", arn.bucket(m), { "s3:prefix": `${m.prefix}/` }),
            ]),
        ...prodModels.map((m) => to("s3:PutObject", arn.object(m))),
    ];
}

interface Identity {
    /** Who, for humans. */
    label: string;
    /** The role's Pulumi resource name. */
    role: string;
    /**
     * The ServiceAccount IRSA must admit, the ServiceAccount EKS Pod Identity must admit, or the AWS
     * service (and its request context) that assumes the role.
     */
    trustedBy:
        | { serviceAccount: string }
        | { podIdentity: string }
        | { service: string; context?: Request["context"] };
    allowed: Request[];
    denied: Request[];
}

/**
 * The one reader of a model's weights: its staging Job, or its server when the server streams them
 * from S3 (then nothing is staged and no staging role exists).
 */
const weightsReader = (arn: Arns, m: ModelWeights): Identity => ({
    label: m.streams ? `server of ${m.name} (streams from S3)` : `staging Job of ${m.name}`,
    role: `${m.name}-weights-${m.streams ? "serving" : "staging"}`,
    trustedBy: {
        serviceAccount: `${servingNamespace}:${m.name}${m.streams ? "" : "-staging"}`,
    },
    allowed: [
        to("s3:ListBucket", arn.bucket(m), { "s3:prefix": `${m.prefix}/` }),
        to("s3:GetObject", arn.object(m)),
        to("s3:GetObject", arn.object(m, "nested/dir/config.json")),
        ...(m.kmsKeyArn
            ? [to("kms:Decrypt", m.kmsKeyArn, { "kms:ViaService": `s3.${region}.amazonaws.com` })]
            : []),
    ],
    denied: [
        ...forbiddenToAll(arn, m.name),
        ...(m.kmsKeyArn ? [to("kms:Decrypt", m.kmsKeyArn), to("kms:Encrypt", m.kmsKeyArn)] : []),
        // A sibling prefix starting with the same characters is another model's.
        to("s3:ListBucket", arn.bucket(m), { "s3:prefix": `${m.prefix}-old/` }),
        to("s3:GetObject", `arn:aws:s3:::${m.bucket}/${m.prefix}-old/x.safetensors`),
        to("s3:ListBucket", arn.bucket(m), { "s3:prefix": "" }),
        to("s3:DeleteObject", arn.object(m)),
        to("s3:PutObjectAcl", arn.object(m)),
        to("s3:PutBucketPolicy", arn.bucket(m)),
    ],
});

/** The tag the load balancer controller puts on, and requires of, everything it owns. */
const controllerTag = "elbv2.k8s.aws/cluster";

/** The AWS Load Balancer Controller, in a stack that serves through load balancers. */
function loadBalancerControllerIdentity(arn: Arns, clusterName: string): Identity {
    const ownTag = { [`aws:ResourceTag/${controllerTag}`]: clusterName };
    const tagging = {
        [`aws:RequestTag/${controllerTag}`]: clusterName,
        "aws:TagKeys": [controllerTag],
    };
    return {
        label: "AWS Load Balancer Controller",
        role: "cluster-load-balancer-controller-role",
        trustedBy: { serviceAccount: "kube-system:aws-load-balancer-controller" },
        allowed: [
            to("elasticloadbalancing:CreateLoadBalancer", arn.loadBalancer, tagging),
            to("elasticloadbalancing:CreateTargetGroup", arn.targetGroup, tagging),
            to("elasticloadbalancing:AddTags", arn.loadBalancer, {
                ...tagging,
                "elasticloadbalancing:CreateAction": "CreateLoadBalancer",
            }),
            to("elasticloadbalancing:CreateListener", arn.loadBalancer),
            to("elasticloadbalancing:ModifyListener", arn.listener),
            to("elasticloadbalancing:DeleteListener", arn.listener),
            to("elasticloadbalancing:ModifyLoadBalancerAttributes", arn.loadBalancer, ownTag),
            to("elasticloadbalancing:SetSecurityGroups", arn.loadBalancer, ownTag),
            to("elasticloadbalancing:DeleteLoadBalancer", arn.loadBalancer, ownTag),
            to("elasticloadbalancing:ModifyTargetGroupAttributes", arn.targetGroup, ownTag),
            to("elasticloadbalancing:DeleteTargetGroup", arn.targetGroup, ownTag),
            to("elasticloadbalancing:RegisterTargets", arn.targetGroup),
            to("elasticloadbalancing:DeregisterTargets", arn.targetGroup),
            to("ec2:CreateSecurityGroup", arn.nlbSecurityGroup),
            to("ec2:CreateTags", arn.nlbSecurityGroup, {
                ...tagging,
                "ec2:CreateAction": "CreateSecurityGroup",
            }),
            to("ec2:AuthorizeSecurityGroupIngress", arn.nlbSecurityGroup, ownTag),
            to("ec2:DeleteSecurityGroup", arn.nlbSecurityGroup, ownTag),
            // The rule that lets the NLB reach pods goes on the nodes' group.
            to("ec2:AuthorizeSecurityGroupIngress", arn.nodeSecurityGroup),
            to("ec2:RevokeSecurityGroupIngress", arn.nodeSecurityGroup),
            to("iam:CreateServiceLinkedRole", arn.elbServiceLinkedRole, {
                "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com",
            }),
            to("ec2:DescribeSubnets", "*"),
            to("ec2:DescribeSecurityGroups", "*"),
            to("ec2:DescribeVpcs", "*"),
            to("elasticloadbalancing:DescribeLoadBalancers", "*"),
            to("elasticloadbalancing:DescribeTargetHealth", "*"),
            to("elasticloadbalancing:DescribeListenerAttributes", "*"),
            to(
                "acm:DescribeCertificate",
                `arn:aws:acm:${region}:${account}:certificate/5f2b7c1e-0a9d-4e3b-8c6f-2d1e0b9a7c44`,
            ),
        ],
        denied: [
            ...forbiddenToAll(arn),
            // Security groups it did not create and tag: the nodes' own, or anyone's.
            to("ec2:DeleteSecurityGroup", arn.nodeSecurityGroup),
            to("ec2:CreateTags", arn.nodeSecurityGroup, tagging),
            to("ec2:CreateTags", arn.instance, tagging),
            // Load balancers and target groups without its tag: another team's, or untagged.
            to("elasticloadbalancing:CreateLoadBalancer", arn.loadBalancer),
            to("elasticloadbalancing:DeleteLoadBalancer", arn.loadBalancer),
            to("elasticloadbalancing:ModifyLoadBalancerAttributes", arn.loadBalancer),
            to("elasticloadbalancing:DeleteTargetGroup", arn.targetGroup),
            to("elasticloadbalancing:AddTags", arn.loadBalancer),
            to("iam:CreateServiceLinkedRole", arn.elbServiceLinkedRole, {
                "iam:AWSServiceName": "autoscaling.amazonaws.com",
            }),
            to("iam:DeleteServiceLinkedRole", arn.elbServiceLinkedRole),
            to("ec2:CreateVpc", `arn:aws:ec2:${region}:${account}:vpc/vpc-0123456789abcdef0`),
            to("ec2:DeleteSubnet", arn.subnet),
        ],
    };
}

/** A node role: what the kubelet and host-network agents need through IMDS, nothing a pod could use. */
const nodes = (arn: Arns, label: string, role: string, clusterName: string): Identity => ({
    label,
    role,
    trustedBy: { service: "ec2.amazonaws.com" },
    allowed: [
        to("eks:DescribeCluster", arn.cluster),
        to("ec2:DescribeInstances", "*"),
        to("ecr:GetAuthorizationToken", "*"),
        to("ecr:BatchGetImage", arn.repository),
        to("ecr:GetDownloadUrlForLayer", arn.repository),
        to("eks-auth:AssumeRoleForPodIdentity", arn.cluster),
        to("ssm:UpdateInstanceInformation", arn.instance),
        to("ssmmessages:OpenControlChannel", "*"),
    ],
    denied: [
        ...forbiddenToAll(arn),
        // The CNI's ENI rights moved to aws-node's own role.
        to("ec2:CreateNetworkInterface", arn.networkInterface),
        to("ec2:AssignPrivateIpAddresses", arn.networkInterface),
        to("autoscaling:SetDesiredCapacity", arn.asg, {
            [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
        }),
        to("ec2:CreateVolume", arn.volume, {
            "aws:RequestTag/ebs.csi.aws.com/cluster": "true",
        }),
        to("elasticfilesystem:CreateAccessPoint", arn.fileSystem),
        to("ec2:CreateFleet", arn.fleet),
        to("sqs:ReceiveMessage", arn.interruptionQueue),
    ],
});

/** The identities every EKS stack has, whatever its capacity engine. */
function platformIdentities(arn: Arns, clusterName: string): Identity[] {
    return [
        nodes(arn, "nodes (kubelet, host-network agents)", "cluster-node-role", clusterName),
        {
            label: "EKS control plane",
            role: "cluster-cluster-role",
            trustedBy: { service: "eks.amazonaws.com" },
            allowed: [
                to("kms:Encrypt", arn.secretsKey),
                to("kms:Decrypt", arn.secretsKey),
                to("ec2:DescribeSubnets", "*"),
                to("elasticloadbalancing:DescribeLoadBalancers", "*"),
            ],
            denied: forbiddenToAll(arn),
        },
        {
            label: "VPC CNI (aws-node)",
            role: "cluster-vpc-cni-role",
            trustedBy: { serviceAccount: "kube-system:aws-node" },
            allowed: [
                to("ec2:CreateNetworkInterface", arn.networkInterface),
                to("ec2:CreateNetworkInterface", arn.subnet),
                to("ec2:AttachNetworkInterface", arn.instance),
                to("ec2:AssignPrivateIpAddresses", arn.networkInterface),
                to("ec2:UnassignPrivateIpAddresses", arn.networkInterface),
                to("ec2:DescribeNetworkInterfaces", "*"),
                to("ec2:CreateTags", arn.networkInterface),
            ],
            denied: [
                ...forbiddenToAll(arn),
                to("ec2:CreateTags", arn.instance),
                to("ec2:DeleteVolume", arn.volume),
            ],
        },
        {
            label: "EFS CSI controller",
            role: "cluster-efs-csi-role",
            trustedBy: { serviceAccount: "kube-system:efs-csi-controller-sa" },
            allowed: [
                to("elasticfilesystem:DescribeFileSystems", arn.fileSystem),
                to("elasticfilesystem:DescribeMountTargets", arn.fileSystem),
                to("elasticfilesystem:CreateAccessPoint", arn.fileSystem, {
                    "aws:RequestTag/efs.csi.aws.com/cluster": "true",
                    "aws:TagKeys": ["efs.csi.aws.com/cluster"],
                }),
                to("elasticfilesystem:DeleteAccessPoint", arn.accessPoint, {
                    "aws:ResourceTag/efs.csi.aws.com/cluster": "true",
                }),
            ],
            denied: [
                ...forbiddenToAll(arn),
                to("elasticfilesystem:CreateAccessPoint", arn.fileSystem),
                to("elasticfilesystem:DeleteAccessPoint", arn.accessPoint),
                to("elasticfilesystem:DeleteFileSystem", arn.fileSystem),
                to("elasticfilesystem:ClientRootAccess", arn.fileSystem),
            ],
        },
        {
            label: "EBS CSI controller",
            role: "cluster-ebs-csi-role",
            trustedBy: { serviceAccount: "kube-system:ebs-csi-controller-sa" },
            allowed: [
                to("ec2:CreateVolume", arn.volume, {
                    "aws:RequestTag/ebs.csi.aws.com/cluster": "true",
                }),
                to("ec2:AttachVolume", arn.volume),
                to("ec2:AttachVolume", arn.instance),
                to("ec2:DeleteVolume", arn.volume, {
                    "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true",
                }),
                to("ec2:DescribeVolumes", "*"),
            ],
            denied: [
                ...forbiddenToAll(arn),
                to("ec2:DeleteVolume", arn.volume),
                to("ec2:CreateVolume", arn.volume),
            ],
        },
        {
            label: "fluent-bit",
            role: "observability-fluent-bit",
            trustedBy: { serviceAccount: "monitoring-agents:fluent-bit" },
            allowed: [
                to(
                    "logs:CreateLogStream",
                    `${arn.containerLogs}:log-stream:fluentbit-kube.var.log`,
                ),
                to("logs:PutLogEvents", `${arn.containerLogs}:log-stream:fluentbit-kube.var.log`),
                to("logs:DescribeLogStreams", arn.containerLogs),
            ],
            denied: [
                ...forbiddenToAll(arn),
                to("logs:PutLogEvents", `${arn.controlPlaneLogs}:log-stream:kube-apiserver-audit`),
                to("logs:CreateLogGroup", arn.controlPlaneLogs),
                to("logs:PutRetentionPolicy", arn.containerLogs),
            ],
        },
        {
            label: "VPC flow logs delivery",
            role: "network-flow-logs",
            trustedBy: {
                service: "vpc-flow-logs.amazonaws.com",
                context: {
                    "aws:SourceAccount": account,
                    "aws:SourceArn": `arn:aws:ec2:${region}:${account}:vpc-flow-log/fl-0123456789abcdef0`,
                },
            },
            allowed: [
                to("logs:CreateLogStream", `${arn.flowLogs}:log-stream:eni-0123-all`),
                to("logs:PutLogEvents", `${arn.flowLogs}:log-stream:eni-0123-all`),
                to("logs:DescribeLogStreams", arn.flowLogs),
            ],
            denied: [
                ...forbiddenToAll(arn),
                to("logs:PutLogEvents", `${arn.containerLogs}:log-stream:fluentbit-x`),
                to("logs:PutLogEvents", `${arn.controlPlaneLogs}:log-stream:kube-apiserver-audit`),
            ],
        },
    ];
}

/** The node-groups engine: cluster-autoscaler resizes this cluster's Auto Scaling groups only. */
function autoscalerIdentity(arn: Arns, clusterName: string): Identity {
    const owned = { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" };
    return {
        label: "cluster-autoscaler",
        role: "cluster-cluster-autoscaler-role",
        trustedBy: { serviceAccount: "kube-system:cluster-autoscaler" },
        allowed: [
            to("autoscaling:SetDesiredCapacity", arn.asg, owned),
            to("autoscaling:TerminateInstanceInAutoScalingGroup", arn.asg, owned),
            to("autoscaling:DescribeAutoScalingGroups", "*"),
            to("ec2:DescribeInstanceTypes", "*"),
            to("ec2:DescribeLaunchTemplateVersions", "*"),
            to("eks:DescribeNodegroup", arn.nodegroup),
        ],
        denied: [
            ...forbiddenToAll(arn),
            // Another cluster's groups in the same account.
            to("autoscaling:SetDesiredCapacity", arn.asg, {
                "aws:ResourceTag/k8s.io/cluster-autoscaler/other-cluster": "owned",
            }),
            to("autoscaling:UpdateAutoScalingGroup", arn.asg, owned),
            to("autoscaling:CreateAutoScalingGroup", arn.asg),
        ],
    };
}

/**
 * The Karpenter engine: its controller (EKS Pod Identity) with what Karpenter's reference
 * CloudFormation template allows, and the role of the nodes it launches.
 */
function karpenterIdentities(arn: Arns, clusterName: string): Identity[] {
    const clusterTag = `kubernetes.io/cluster/${clusterName}`;
    const request = {
        [`aws:RequestTag/${clusterTag}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": clusterName,
        "aws:RequestTag/karpenter.sh/nodepool": "inference",
    };
    const resource = {
        [`aws:ResourceTag/${clusterTag}`]: "owned",
        "aws:ResourceTag/karpenter.sh/nodepool": "inference",
    };
    const inRegion = { "aws:RequestedRegion": region };
    const profileRequest = {
        [`aws:RequestTag/${clusterTag}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": clusterName,
        "aws:RequestTag/topology.kubernetes.io/region": region,
        "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "gpu-inference",
    };
    const profileResource = {
        [`aws:ResourceTag/${clusterTag}`]: "owned",
        "aws:ResourceTag/topology.kubernetes.io/region": region,
        "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "gpu-inference",
    };
    const nodeRole = `arn:aws:iam::${account}:role/cluster-karpenter-node-role`;
    const toEc2 = { "iam:PassedToService": "ec2.amazonaws.com" };
    const { ["aws:RequestTag/karpenter.sh/nodepool"]: _pool, ...requestWithoutPool } = request;
    return [
        {
            label: "Karpenter controller",
            role: "cluster-karpenter-controller-role",
            trustedBy: { podIdentity: "kube-system:karpenter" },
            allowed: [
                // Launch: the fleet and instance carry this cluster's and a NodePool's tags.
                to("ec2:CreateFleet", arn.fleet, request),
                to("ec2:CreateFleet", arn.instance, request),
                to("ec2:RunInstances", arn.instance, request),
                to("ec2:RunInstances", arn.image),
                to("ec2:RunInstances", arn.subnet),
                to("ec2:RunInstances", arn.securityGroup),
                to("ec2:RunInstances", arn.launchTemplate, resource),
                to("ec2:CreateLaunchTemplate", arn.launchTemplate, request),
                to("ec2:CreateTags", arn.instance, {
                    ...request,
                    "ec2:CreateAction": "RunInstances",
                }),
                // After launch: the NodeClaim name and the Name tag on its own instances.
                to("ec2:CreateTags", arn.instance, {
                    ...resource,
                    "aws:TagKeys": ["karpenter.sh/nodeclaim", "Name"],
                }),
                // Terminate: instances and templates of this cluster's NodePools.
                to("ec2:TerminateInstances", arn.instance, resource),
                to("ec2:DeleteLaunchTemplate", arn.launchTemplate, resource),
                to("iam:PassRole", nodeRole, toEc2),
                to("iam:CreateInstanceProfile", arn.instanceProfile, profileRequest),
                to("iam:AddRoleToInstanceProfile", arn.instanceProfile, profileResource),
                to("iam:GetInstanceProfile", arn.instanceProfile),
                // Interruption messages from its own queue.
                to("sqs:ReceiveMessage", arn.interruptionQueue),
                to("sqs:DeleteMessage", arn.interruptionQueue),
                to("sqs:GetQueueUrl", arn.interruptionQueue),
                to("ec2:DescribeInstanceTypes", "*", inRegion),
                to("ec2:DescribeSubnets", "*", inRegion),
                to("pricing:GetProducts", "*"),
                to("eks:DescribeCluster", arn.cluster),
            ],
            denied: [
                ...forbiddenToAll(arn),
                // Instances of another cluster, of no NodePool, or of nothing tagged at all.
                to("ec2:TerminateInstances", arn.instance, {
                    "aws:ResourceTag/kubernetes.io/cluster/other-cluster": "owned",
                    "aws:ResourceTag/karpenter.sh/nodepool": "inference",
                }),
                to("ec2:TerminateInstances", arn.instance, {
                    [`aws:ResourceTag/${clusterTag}`]: "owned",
                }),
                to("ec2:DeleteLaunchTemplate", arn.launchTemplate),
                to("ec2:CreateFleet", arn.instance, requestWithoutPool),
                to("ec2:CreateFleet", arn.instance, {
                    ...request,
                    [`aws:RequestTag/${clusterTag}`]: "shared",
                }),
                to("ec2:RunInstances", arn.launchTemplate),
                // Retagging its instances into another cluster.
                to("ec2:CreateTags", arn.instance, {
                    ...resource,
                    "aws:TagKeys": [clusterTag],
                }),
                // Passing any role but its nodes', or its nodes' to another service.
                to("iam:PassRole", `arn:aws:iam::${account}:role/cluster-node-role`, toEc2),
                to("iam:PassRole", nodeRole, { "iam:PassedToService": "lambda.amazonaws.com" }),
                to("iam:CreateInstanceProfile", arn.instanceProfile, {
                    ...profileRequest,
                    "aws:RequestTag/topology.kubernetes.io/region": "eu-west-1",
                }),
                to("iam:AddRoleToInstanceProfile", arn.instanceProfile),
                to("sqs:ReceiveMessage", arn.otherQueue),
                to("sqs:SendMessage", arn.interruptionQueue),
                to("sqs:DeleteQueue", arn.interruptionQueue),
                to("ec2:DescribeInstanceTypes", "*", { "aws:RequestedRegion": "eu-west-1" }),
                to("eks:DescribeCluster", arn.otherCluster),
                // Its own account's parameters. The AMI alias's public ones it may read
                // (`arn:aws:ssm:<region>::parameter/aws/service/*`) carry no account, which
                // iam-simulate 0.1.173 matches to no resource type, so that allow is not evaluated.
                to("ssm:GetParameter", arn.parameter),
                to("s3:ListAllMyBuckets", "*"),
                to("ec2:DeleteVolume", arn.volume),
                to("ec2:CreateNetworkInterface", arn.networkInterface),
            ],
        },
        nodes(arn, "Karpenter's nodes", "cluster-karpenter-node-role", clusterName),
    ];
}

/** A stack the matrix evaluates, with the identities its roles must be exactly. */
interface MatrixStack {
    stack: string;
    clusterName: string;
    capacityEngine: "karpenter" | "node-groups";
    identities: Identity[];
}

const prodArns = arnsOf("gpu-serving-prod");
const devArns = arnsOf("gpu-serving-dev");

const matrixStacks: MatrixStack[] = [
    {
        stack: "prod",
        clusterName: "gpu-serving-prod",
        capacityEngine: "karpenter",
        identities: [
            ...platformIdentities(prodArns, "gpu-serving-prod"),
            ...karpenterIdentities(prodArns, "gpu-serving-prod"),
            loadBalancerControllerIdentity(prodArns, "gpu-serving-prod"),
            ...prodModels.map((m) => weightsReader(prodArns, m)),
        ],
    },
    {
        // dev stays on node groups: the cluster-autoscaler's role is only there.
        stack: "dev",
        clusterName: "gpu-serving-dev",
        capacityEngine: "node-groups",
        identities: [
            ...platformIdentities(devArns, "gpu-serving-dev"),
            autoscalerIdentity(devArns, "gpu-serving-dev"),
        ],
    },
];

/** Every ServiceAccount a pod of the stack runs as, serving ones included (they have no role). */
function serviceAccountsOf(identities: Identity[]): string[] {
    return [
        ...new Set([
            ...identities.flatMap((i) =>
                "serviceAccount" in i.trustedBy
                    ? [i.trustedBy.serviceAccount]
                    : "podIdentity" in i.trustedBy
                      ? [i.trustedBy.podIdentity]
                      : [],
            ),
            ...prodModels.map((m) => `${servingNamespace}:${m.name}`),
            ...prodModels.map((m) => `${servingNamespace}:${m.name}-staging`),
            "kube-system:default",
            `${servingNamespace}:default`,
        ]),
    ];
}

function token(serviceAccount: string, audience = "sts.amazonaws.com") {
    return {
        providerArn,
        issuerHostPath,
        subject: `system:serviceaccount:${serviceAccount}`,
        audience,
    };
}

interface Check {
    identity: string;
    /** The IAM action evaluated, e.g. `s3:GetObject` or `sts:AssumeRoleWithWebIdentity`. */
    action: string;
    what: string;
    expected: "Allowed" | "denied";
    got: Decision;
}

const checks: Check[] = [];

function failures(list: Check[]): string[] {
    return list
        .filter((c) => (c.expected === "Allowed") !== (c.got === "Allowed"))
        .map((c) => `${c.identity}: ${c.what} should be ${c.expected}, is ${c.got}`);
}

async function run(
    identity: string,
    what: string,
    expected: Check["expected"],
    decide: Promise<Decision>,
) {
    const action = what.startsWith("assume")
        ? "sts:AssumeRoleWithWebIdentity"
        : what.startsWith("Pod Identity")
          ? "sts:AssumeRole"
          : what.split(" ")[0];
    const check = { identity, action, what, expected, got: await decide };
    checks.push(check);
    return check;
}

/** The trust checks of a role assumed by an AWS service. */
function serviceTrustSpec(label: string, role: () => IamRole, trustedBy: Identity["trustedBy"]) {
    const { service, context } = trustedBy as { service: string; context?: Request["context"] };
    it(`may be assumed by ${service} and by no other service`, async () => {
        const other = service === "ec2.amazonaws.com" ? "eks.amazonaws.com" : "ec2.amazonaws.com";
        const by = (who: string, ctx = context) => assumeAsService(role(), who, ctx);
        const results = [
            await run(label, `sts:AssumeRole by ${service}`, "Allowed", by(service)),
            await run(label, `sts:AssumeRole by ${other}`, "denied", by(other)),
            await run(
                label,
                "sts:AssumeRole by lambda.amazonaws.com",
                "denied",
                by("lambda.amazonaws.com"),
            ),
            await run(
                label,
                "sts:AssumeRole by pods.eks.amazonaws.com",
                "denied",
                by("pods.eks.amazonaws.com"),
            ),
        ];
        if (context?.["aws:SourceAccount"])
            results.push(
                await run(
                    label,
                    `sts:AssumeRole by ${service} for another account`,
                    "denied",
                    by(service, { ...context, "aws:SourceAccount": "210987654321" }),
                ),
            );
        assert.deepEqual(failures(results), []);
    });
}

/** The trust checks of an IRSA role: its own ServiceAccount, STS audience, nobody else. */
function irsaTrustSpec(
    label: string,
    role: () => IamRole,
    own: string,
    serviceAccounts: string[],
    clusterArn: string,
) {
    it(`may be assumed through IRSA by ${own} with an STS-audience token only`, async () => {
        const results = [
            await run(
                label,
                `sts:AssumeRoleWithWebIdentity as ${own}`,
                "Allowed",
                assumeWithWebIdentity(role(), token(own)),
            ),
            await run(
                label,
                `sts:AssumeRoleWithWebIdentity as ${own} for audience vault`,
                "denied",
                assumeWithWebIdentity(role(), token(own, "vault")),
            ),
            await run(
                label,
                `Pod Identity as ${own}`,
                "denied",
                assumeWithPodIdentity(role(), { clusterArn, serviceAccount: own }),
            ),
        ];
        for (const other of serviceAccounts.filter((sa) => sa !== own)) {
            results.push(
                await run(
                    label,
                    `sts:AssumeRoleWithWebIdentity as ${other}`,
                    "denied",
                    assumeWithWebIdentity(role(), token(other)),
                ),
            );
        }
        assert.deepEqual(failures(results), []);
    });
}

/** The trust checks of a Pod Identity role: its own ServiceAccount in this cluster only. */
function podIdentityTrustSpec(
    label: string,
    role: () => IamRole,
    own: string,
    serviceAccounts: string[],
    clusterArn: string,
    otherClusterArn: string,
) {
    it(`may be assumed through EKS Pod Identity by ${own} in this cluster only`, async () => {
        const session = (serviceAccount: string, cluster = clusterArn) =>
            assumeWithPodIdentity(role(), { clusterArn: cluster, serviceAccount });
        const [namespace, name] = own.split(":");
        const results = [
            await run(label, `Pod Identity as ${own}`, "Allowed", session(own)),
            await run(
                label,
                `Pod Identity as ${own} of another cluster`,
                "denied",
                session(own, otherClusterArn),
            ),
            await run(
                label,
                `Pod Identity as ${name} in namespace default`,
                "denied",
                session(`default:${name}`),
            ),
            await run(
                label,
                `Pod Identity as ${namespace}:${name}-webhook`,
                "denied",
                session(`${namespace}:${name}-webhook`),
            ),
            await run(
                label,
                `sts:AssumeRoleWithWebIdentity as ${own}`,
                "denied",
                assumeWithWebIdentity(role(), token(own)),
            ),
            await run(
                label,
                "sts:AssumeRole by ec2.amazonaws.com",
                "denied",
                assumeAsService(role(), "ec2.amazonaws.com"),
            ),
        ];
        for (const other of serviceAccounts.filter((sa) => sa !== own))
            results.push(await run(label, `Pod Identity as ${other}`, "denied", session(other)));
        assert.deepEqual(failures(results), []);
    });
}

/** Allowed and denied requests of one identity through its role's policies. */
function actionSpecs(identity: Identity, role: () => IamRole) {
    it(`is allowed the ${identity.allowed.length} actions it needs`, async () => {
        const results = [];
        for (const request of identity.allowed)
            results.push(
                await run(
                    identity.label,
                    `${request.action} on ${request.resource}`,
                    "Allowed",
                    actAs(role(), request),
                ),
            );
        assert.ok(results.length > 0);
        assert.deepEqual(failures(results), []);
    });

    it(`is denied ${identity.denied.length} actions it must not take`, async () => {
        const results = [];
        for (const request of identity.denied)
            results.push(
                await run(
                    identity.label,
                    `${request.action} on ${request.resource}`,
                    "denied",
                    actAs(role(), request),
                ),
            );
        assert.ok(results.length > 0);
        assert.deepEqual(failures(results), []);
    });
}

describe("IAM access, evaluated by iam-simulate", () => {
    after(() => {
        const who = new Set(checks.map((c) => c.identity));
        const actions = new Set(checks.map((c) => c.action));
        const allowed = checks.filter((c) => c.expected === "Allowed").length;
        console.log(
            `      IAM access matrix: ${who.size} identities × ${actions.size} actions, ` +
                `${checks.length} evaluations (${allowed} allowed, ${checks.length - allowed} denied)`,
        );
    });

    for (const matrix of matrixStacks) {
        const { identities } = matrix;
        const arn = arnsOf(matrix.clusterName);
        const serviceAccounts = serviceAccountsOf(identities);

        describe(`IAM access matrix (${matrix.stack}, ${matrix.capacityEngine})`, function () {
            this.timeout(120_000);
            let roles: Map<string, IamRole>;
            let resources: Rendered;

            before(async () => {
                ({ resources } = await renderStack(matrix.stack));
                roles = iamRoles(resources);
            });

            it(`covers every IAM role the ${matrix.stack} stack creates, and no more`, () => {
                assert.deepEqual([...roles.keys()].sort(), identities.map((i) => i.role).sort());
            });

            it("lets no role carry a wildcard action, in its own or an attached AWS managed policy", () => {
                const wildcards: string[] = [];
                for (const role of roles.values()) {
                    const documents = [
                        ...role.inlinePolicies.map((p) => [p.name, p.policy] as const),
                        ...role.managedPolicies.map(
                            (p) => [`${p.arn} ${p.versionId}`, p.document] as const,
                        ),
                    ];
                    for (const [name, document] of documents) {
                        for (const statement of (document as any).Statement) {
                            const actions = [statement.Action ?? statement.NotAction].flat();
                            for (const action of actions)
                                if (statement.NotAction || /(^\*$|:\*$)/.test(action))
                                    wildcards.push(`${role.resourceName} (${name}): ${action}`);
                        }
                    }
                }
                assert.deepEqual(wildcards, []);
            });

            for (const identity of identities) {
                describe(identity.label, () => {
                    const role = () => {
                        const found = roles.get(identity.role);
                        assert.ok(found, `no role ${identity.role}`);
                        return found;
                    };
                    const { trustedBy } = identity;
                    if ("service" in trustedBy) serviceTrustSpec(identity.label, role, trustedBy);
                    else if ("podIdentity" in trustedBy)
                        podIdentityTrustSpec(
                            identity.label,
                            role,
                            trustedBy.podIdentity,
                            serviceAccounts,
                            arn.cluster,
                            arn.otherCluster,
                        );
                    else
                        irsaTrustSpec(
                            identity.label,
                            role,
                            trustedBy.serviceAccount,
                            serviceAccounts,
                            arn.cluster,
                        );
                    actionSpecs(identity, role);
                });
            }

            it("gives every pod-network AWS caller its own role (IRSA or Pod Identity) and an explicit region, so none needs IMDS", () => {
                const arnOf = (role: string) => roles.get(role)!.arn;
                const addon = (name: string) =>
                    resources
                        .ofType("aws:eks/addon:Addon")
                        .find((a) => a.inputs.addonName === name)!.inputs;
                assert.equal(addon("vpc-cni").serviceAccountRoleArn, arnOf("cluster-vpc-cni-role"));
                assert.equal(
                    addon("aws-efs-csi-driver").serviceAccountRoleArn,
                    arnOf("cluster-efs-csi-role"),
                );
                assert.equal(
                    addon("aws-ebs-csi-driver").serviceAccountRoleArn,
                    arnOf("cluster-ebs-csi-role"),
                );
                const release = (name: string) =>
                    resources
                        .ofType("kubernetes:helm.sh/v3:Release")
                        .find((r) => r.inputs.name === name)?.inputs;
                if (matrix.capacityEngine === "karpenter") {
                    assert.equal(release("cluster-autoscaler"), undefined);
                    const karpenter = release("karpenter")!.values;
                    assert.deepEqual(karpenter.controller.env, [
                        { name: "AWS_REGION", value: region },
                    ]);
                    const association = resources.one(
                        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
                    ).inputs;
                    assert.deepEqual(
                        [association.namespace, association.serviceAccount, association.roleArn],
                        [
                            "kube-system",
                            karpenter.serviceAccount.name,
                            arnOf("cluster-karpenter-controller-role"),
                        ],
                    );
                } else {
                    assert.equal(release("karpenter"), undefined);
                    const autoscaler = release("cluster-autoscaler")!.values;
                    assert.equal(autoscaler.awsRegion, region);
                    const autoscalerAccount = resources
                        .ofType("kubernetes:core/v1:ServiceAccount")
                        .find(
                            (sa) => sa.inputs.metadata.name === autoscaler.rbac.serviceAccount.name,
                        )!;
                    assert.equal(
                        autoscalerAccount.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
                        arnOf("cluster-cluster-autoscaler-role"),
                    );
                }
                const fluentBit = release("aws-for-fluent-bit")!.values;
                assert.equal(fluentBit.cloudWatchLogs.region, region);
                assert.equal(
                    fluentBit.serviceAccount.annotations["eks.amazonaws.com/role-arn"],
                    arnOf("observability-fluent-bit"),
                );
                const templates = resources.ofType("aws:ec2/launchTemplate:LaunchTemplate");
                // The system group, plus one per GPU node group on node-groups (dev: inference);
                // Karpenter's nodes take theirs from the EC2NodeClass (checked with the pools).
                assert.equal(templates.length, matrix.capacityEngine === "karpenter" ? 1 : 2);
                for (const template of templates)
                    assert.equal(
                        template.inputs.metadataOptions.httpPutResponseHopLimit,
                        1,
                        template.name,
                    );
            });
        });
    }

    describe("IAM access matrix (prod): pods and queues", function () {
        this.timeout(120_000);
        const arn = prodArns;
        let roles: Map<string, IamRole>;
        let resources: Rendered;

        before(async () => {
            ({ resources } = await renderStack("prod"));
            roles = iamRoles(resources);
        });
        it("runs each staging Job as the ServiceAccount its role trusts, annotated with that role", () => {
            assert.ok(stagedModels.length > 0);
            for (const m of stagedModels) {
                const job = resources
                    .ofType("kubernetes:batch/v1:Job")
                    .find((j) => j.inputs.metadata.name.startsWith(`${m.name}-stage-`))!;
                const pod = job.inputs.spec.template.spec;
                const account = resources
                    .ofType("kubernetes:core/v1:ServiceAccount")
                    .find((sa) => sa.inputs.metadata.name === pod.serviceAccountName)!;
                const role = roles.get(`${m.name}-weights-staging`)!;
                assert.equal(pod.serviceAccountName, `${m.name}-staging`);
                assert.equal(pod.automountServiceAccountToken, false);
                assert.equal(
                    account.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
                    role.arn,
                );
                const subject = Object.values(
                    role.trustPolicy.Statement[0].Condition.StringEquals,
                )[0];
                assert.deepEqual(subject, [
                    `system:serviceaccount:${servingNamespace}:${pod.serviceAccountName}`,
                ]);
            }
        });

        it("stages nothing for a server that streams from S3: no Job, no staging ServiceAccount or role", () => {
            assert.ok(streamingModels.length > 0);
            for (const m of streamingModels) {
                const jobs = resources
                    .ofType("kubernetes:batch/v1:Job")
                    .filter((j) => j.inputs.metadata.name.startsWith(`${m.name}-stage-`));
                const accounts = resources
                    .ofType("kubernetes:core/v1:ServiceAccount")
                    .filter((sa) => sa.inputs.metadata.name === `${m.name}-staging`);
                assert.deepEqual([jobs.length, accounts.length], [0, 0], m.name);
                assert.equal(roles.has(`${m.name}-weights-staging`), false);
            }
        });

        it("gives a server that streams from S3 its role through its own ServiceAccount, and to any other no role", () => {
            const servingAccount = (m: ModelWeights) =>
                resources
                    .ofType("kubernetes:core/v1:ServiceAccount")
                    .find((sa) => sa.inputs.metadata.name === m.name)!;
            for (const m of prodModels) {
                const annotation =
                    servingAccount(m).inputs.metadata.annotations?.["eks.amazonaws.com/role-arn"];
                const expected = m.streams
                    ? roles.get(`${m.name}-weights-serving`)!.arn
                    : undefined;
                assert.equal(annotation, expected, m.name);
            }
        });

        it("lets no role be assumed by the pods of a server that reads the staged copy", async () => {
            assert.ok(stagedModels.length > 0);
            const results = [];
            for (const role of roles.values()) {
                for (const m of stagedModels) {
                    const serviceAccount = `${servingNamespace}:${m.name}`;
                    results.push(
                        await run(
                            "serving pods",
                            `assume ${role.resourceName} as ${serviceAccount}`,
                            "denied",
                            assumeWithWebIdentity(role, token(serviceAccount)),
                        ),
                        await run(
                            "serving pods",
                            `Pod Identity ${role.resourceName} as ${serviceAccount}`,
                            "denied",
                            assumeWithPodIdentity(role, {
                                clusterArn: arn.cluster,
                                serviceAccount,
                            }),
                        ),
                    );
                }
            }
            assert.deepEqual(failures(results), []);
        });

        it("lets only EventBridge send to Karpenter's interruption queue, and only over TLS", async () => {
            const policy = JSON.parse(
                resources.one("aws:sqs/queuePolicy:QueuePolicy").inputs.policy,
            );
            const send = (service: string, secure: boolean) =>
                serviceRequest(
                    service,
                    policy,
                    to("sqs:SendMessage", arn.interruptionQueue, {
                        "aws:SecureTransport": String(secure),
                    }),
                );
            const label = "interruption queue";
            const results = [
                await run(
                    label,
                    "sqs:SendMessage by EventBridge over TLS",
                    "Allowed",
                    send("events.amazonaws.com", true),
                ),
                await run(
                    label,
                    "sqs:SendMessage by EventBridge in clear",
                    "denied",
                    send("events.amazonaws.com", false),
                ),
                await run(
                    label,
                    "sqs:SendMessage by SNS",
                    "denied",
                    send("sns.amazonaws.com", true),
                ),
                await run(
                    label,
                    "sqs:SendMessage unsigned",
                    "denied",
                    anonymousRequest(
                        policy,
                        to("sqs:SendMessage", arn.interruptionQueue, {
                            "aws:SecureTransport": "true",
                        }),
                    ),
                ),
            ];
            assert.deepEqual(failures(results), []);
        });
    });

    describe("EFS file-system policy (prod)", function () {
        this.timeout(60_000);
        let policy: unknown;
        let fileSystemArn: string;

        before(async () => {
            const { resources } = await renderStack("prod");
            const record = resources.one("aws:efs/fileSystemPolicy:FileSystemPolicy");
            policy = JSON.parse(record.inputs.policy);
            fileSystemArn = (policy as any).Statement[0].Resource;
        });

        const nfs = (action: string, secure: boolean, viaMountTarget = true) =>
            to(`elasticfilesystem:${action}`, fileSystemArn, {
                "aws:SecureTransport": String(secure),
                "elasticfilesystem:AccessedViaMountTarget": String(viaMountTarget),
            });

        it("lets a node's NFS client mount and write over TLS through a mount target only", async () => {
            const cases: [string, boolean, boolean, Check["expected"]][] = [
                ["ClientMount", true, true, "Allowed"],
                ["ClientWrite", true, true, "Allowed"],
                ["ClientMount", false, true, "denied"],
                ["ClientWrite", false, true, "denied"],
                ["ClientMount", true, false, "denied"],
                ["ClientRootAccess", true, true, "denied"],
            ];
            const results = [];
            for (const [action, tls, viaMountTarget, expected] of cases) {
                const how = `${tls ? "over TLS" : "in clear"}${viaMountTarget ? "" : " not via a mount target"}`;
                results.push(
                    await run(
                        "NFS client",
                        `elasticfilesystem:${action} ${how}`,
                        expected,
                        anonymousRequest(policy, nfs(action, tls, viaMountTarget)),
                    ),
                );
            }
            assert.equal(results.length, 6);
            assert.deepEqual(failures(results), []);
        });
    });

    describe("ModelWeightsAccess with SSE-KMS, staged or streamed", function () {
        this.timeout(60_000);
        const model: ModelWeights = {
            name: "llama",
            bucket: "ml-weights",
            prefix: "llama/2024-07-23",
            streams: false,
        };
        const arn = prodArns;
        const roles = new Map<string, IamRole>();

        before(async () => {
            for (const servingReadsFromS3 of [false, true]) {
                const { resources } = await render(
                    () =>
                        new ModelWeightsAccess("llama", {
                            modelName: "llama",
                            namespace: "models",
                            weightsSource: "s3://ml-weights/llama/2024-07-23",
                            oidcProviderArn: providerArn,
                            oidcProviderUrl: mockOidcIssuer,
                            kmsKeyArn: weightsKeyArn,
                            servingReadsFromS3,
                        }),
                );
                const rendered = iamRoles(resources);
                // One reader: the staging Job's role or the server's, never both.
                assert.equal(rendered.size, 1);
                for (const [name, role] of rendered) roles.set(name, role);
            }
        });

        for (const [role, serviceAccount] of [
            ["llama-staging", "models:llama-staging"],
            ["llama-serving", "models:llama"],
        ]) {
            it(`${role}: only ${serviceAccount} assumes it; it reads and decrypts its prefix through S3 only`, async () => {
                const r = roles.get(role)!;
                const ok = { "kms:ViaService": `s3.${region}.amazonaws.com` };
                const results = [
                    await run(
                        role,
                        `assume as ${serviceAccount}`,
                        "Allowed",
                        assumeWithWebIdentity(r, token(serviceAccount)),
                    ),
                    await run(
                        role,
                        "assume as models:default",
                        "denied",
                        assumeWithWebIdentity(r, token("models:default")),
                    ),
                    await run(
                        role,
                        "s3:GetObject own prefix",
                        "Allowed",
                        actAs(r, to("s3:GetObject", arn.object(model))),
                    ),
                    await run(
                        role,
                        "kms:Decrypt through S3",
                        "Allowed",
                        actAs(r, to("kms:Decrypt", weightsKeyArn, ok)),
                    ),
                    await run(
                        role,
                        "kms:Decrypt directly",
                        "denied",
                        actAs(r, to("kms:Decrypt", weightsKeyArn)),
                    ),
                    await run(
                        role,
                        "kms:Decrypt through SQS",
                        "denied",
                        actAs(
                            r,
                            to("kms:Decrypt", weightsKeyArn, {
                                "kms:ViaService": `sqs.${region}.amazonaws.com`,
                            }),
                        ),
                    ),
                    await run(
                        role,
                        "kms:Decrypt another key",
                        "denied",
                        actAs(r, to("kms:Decrypt", arn.secretsKey, ok)),
                    ),
                    await run(
                        role,
                        "kms:Encrypt",
                        "denied",
                        actAs(r, to("kms:Encrypt", weightsKeyArn, ok)),
                    ),
                    await run(
                        role,
                        "s3:PutObject own prefix",
                        "denied",
                        actAs(r, to("s3:PutObject", arn.object(model))),
                    ),
                ];
                assert.deepEqual(failures(results), []);
            });
        }
    });
});
