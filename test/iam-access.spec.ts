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
    assumeWithWebIdentity,
    iamRoles,
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
const clusterName = "gpu-serving-prod";
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

const arn = {
    object: (m: ModelWeights, key = "model-00001-of-00004.safetensors") =>
        `arn:aws:s3:::${m.bucket}/${m.prefix}/${key}`,
    bucket: (m: ModelWeights) => `arn:aws:s3:::${m.bucket}`,
    cluster: `arn:aws:eks:${region}:${account}:cluster/${clusterName}`,
    nodegroup: `arn:aws:eks:${region}:${account}:nodegroup/${clusterName}/inference-1/abc`,
    repository: `arn:aws:ecr:${region}:${account}:repository/gpu-serving/llama-3-1-8b`,
    instance: `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`,
    networkInterface: `arn:aws:ec2:${region}:${account}:network-interface/eni-0123456789abcdef0`,
    volume: `arn:aws:ec2:${region}:${account}:volume/vol-0123456789abcdef0`,
    subnet: `arn:aws:ec2:${region}:${account}:subnet/subnet-0123456789abcdef0`,
    fileSystem: `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0123456789abcdef0`,
    accessPoint: `arn:aws:elasticfilesystem:${region}:${account}:access-point/fsap-0123456789abcdef0`,
    asg: `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/eks-inference-1`,
    secretsKey: `arn:aws:kms:${region}:${account}:key/cluster-secrets-key`,
    containerLogs: `arn:aws:logs:${region}:${account}:log-group:/aws/eks/${clusterName}/containers`,
    controlPlaneLogs: `arn:aws:logs:${region}:${account}:log-group:/aws/eks/${clusterName}/cluster`,
    flowLogs: `arn:aws:logs:${region}:${account}:log-group:/aws/vpc/network/flow-logs`,
    otherRole: `arn:aws:iam::${account}:role/admin`,
    loadBalancer: `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/net/k8s-models-llama318-0a1b2c3d4e/0123456789abcdef`,
    targetGroup: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/k8s-models-llama318-0a1b2c3d4e/0123456789abcdef`,
    listener: `arn:aws:elasticloadbalancing:${region}:${account}:listener/net/k8s-models-llama318-0a1b2c3d4e/0123456789abcdef/fedcba9876543210`,
    /** The NLB's own security group, which the controller created and tagged. */
    nlbSecurityGroup: `arn:aws:ec2:${region}:${account}:security-group/sg-0a0a0a0a0a0a0a0a0`,
    /** The EKS cluster security group on every node: not the controller's. */
    nodeSecurityGroup: `arn:aws:ec2:${region}:${account}:security-group/sg-0b0b0b0b0b0b0b0b0`,
    elbServiceLinkedRole: `arn:aws:iam::${account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
    secret: `arn:aws:secretsmanager:${region}:${account}:secret:prod/db-AbCdEf`,
    parameter: `arn:aws:ssm:${region}:${account}:parameter/prod/db-password`,
};

const to = (action: string, resource: string, context?: Request["context"]): Request => ({
    action,
    resource,
    context,
});

/** What no identity of the platform may do, whatever else it needs: escalation and data. */
function forbiddenToAll(exceptModel?: string): Request[] {
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
    /** The ServiceAccount IRSA must admit, or the AWS service (and its request context) that assumes the role. */
    trustedBy: { serviceAccount: string } | { service: string; context?: Request["context"] };
    allowed: Request[];
    denied: Request[];
}

/**
 * The one reader of a model's weights: its staging Job, or its server when the server streams them
 * from S3 (then nothing is staged and no staging role exists).
 */
const weightsReader = (m: ModelWeights): Identity => ({
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
        ...forbiddenToAll(m.name),
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
const ownTag = { [`aws:ResourceTag/${controllerTag}`]: clusterName };
const tagging = {
    [`aws:RequestTag/${controllerTag}`]: clusterName,
    "aws:TagKeys": [controllerTag],
};

const loadBalancerController: Identity = {
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
        ...forbiddenToAll(),
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

const identities: Identity[] = [
    {
        label: "nodes (kubelet, host-network agents)",
        role: "cluster-node-role",
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
            ...forbiddenToAll(),
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
        ],
    },
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
        denied: forbiddenToAll(),
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
            ...forbiddenToAll(),
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
            ...forbiddenToAll(),
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
            ...forbiddenToAll(),
            to("ec2:DeleteVolume", arn.volume),
            to("ec2:CreateVolume", arn.volume),
        ],
    },
    {
        label: "cluster-autoscaler",
        role: "cluster-cluster-autoscaler-role",
        trustedBy: { serviceAccount: "kube-system:cluster-autoscaler" },
        allowed: [
            to("autoscaling:SetDesiredCapacity", arn.asg, {
                [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
            }),
            to("autoscaling:TerminateInstanceInAutoScalingGroup", arn.asg, {
                [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
            }),
            to("autoscaling:DescribeAutoScalingGroups", "*"),
            to("ec2:DescribeInstanceTypes", "*"),
            to("ec2:DescribeLaunchTemplateVersions", "*"),
            to("eks:DescribeNodegroup", arn.nodegroup),
        ],
        denied: [
            ...forbiddenToAll(),
            // Another cluster's groups in the same account.
            to("autoscaling:SetDesiredCapacity", arn.asg, {
                "aws:ResourceTag/k8s.io/cluster-autoscaler/other-cluster": "owned",
            }),
            to("autoscaling:UpdateAutoScalingGroup", arn.asg, {
                [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
            }),
            to("autoscaling:CreateAutoScalingGroup", arn.asg),
        ],
    },
    {
        label: "fluent-bit",
        role: "observability-fluent-bit",
        trustedBy: { serviceAccount: "monitoring-agents:fluent-bit" },
        allowed: [
            to("logs:CreateLogStream", `${arn.containerLogs}:log-stream:fluentbit-kube.var.log`),
            to("logs:PutLogEvents", `${arn.containerLogs}:log-stream:fluentbit-kube.var.log`),
            to("logs:DescribeLogStreams", arn.containerLogs),
        ],
        denied: [
            ...forbiddenToAll(),
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
            ...forbiddenToAll(),
            to("logs:PutLogEvents", `${arn.containerLogs}:log-stream:fluentbit-x`),
            to("logs:PutLogEvents", `${arn.controlPlaneLogs}:log-stream:kube-apiserver-audit`),
        ],
    },
    loadBalancerController,
    ...prodModels.map(weightsReader),
];

/** Every ServiceAccount a pod of the stack runs as, serving ones included (they have no role). */
const serviceAccounts = [
    ...new Set([
        ...identities.flatMap((i) =>
            "serviceAccount" in i.trustedBy ? [i.trustedBy.serviceAccount] : [],
        ),
        ...prodModels.map((m) => `${servingNamespace}:${m.name}`),
        ...prodModels.map((m) => `${servingNamespace}:${m.name}-staging`),
        "kube-system:default",
        `${servingNamespace}:default`,
    ]),
];

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
    const action = what.startsWith("assume") ? "sts:AssumeRoleWithWebIdentity" : what.split(" ")[0];
    const check = { identity, action, what, expected, got: await decide };
    checks.push(check);
    return check;
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

    describe("IAM access matrix (prod)", function () {
        this.timeout(120_000);
        let roles: Map<string, IamRole>;
        let resources: Rendered;

        before(async () => {
            ({ resources } = await renderStack("prod"));
            roles = iamRoles(resources);
        });

        it("covers every IAM role the prod stack creates, and no more", () => {
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

                if ("service" in identity.trustedBy) {
                    const { service, context } = identity.trustedBy;
                    it(`may be assumed by ${service} and by no other service`, async () => {
                        const other =
                            service === "ec2.amazonaws.com"
                                ? "eks.amazonaws.com"
                                : "ec2.amazonaws.com";
                        const by = (who: string, ctx = context) =>
                            assumeAsService(role(), who, ctx);
                        const results = [
                            await run(
                                identity.label,
                                `sts:AssumeRole by ${service}`,
                                "Allowed",
                                by(service),
                            ),
                            await run(
                                identity.label,
                                `sts:AssumeRole by ${other}`,
                                "denied",
                                by(other),
                            ),
                            await run(
                                identity.label,
                                "sts:AssumeRole by lambda.amazonaws.com",
                                "denied",
                                by("lambda.amazonaws.com"),
                            ),
                        ];
                        if (context?.["aws:SourceAccount"])
                            results.push(
                                await run(
                                    identity.label,
                                    `sts:AssumeRole by ${service} for another account`,
                                    "denied",
                                    by(service, {
                                        ...context,
                                        "aws:SourceAccount": "210987654321",
                                    }),
                                ),
                            );
                        assert.deepEqual(failures(results), []);
                    });
                } else {
                    const own = identity.trustedBy.serviceAccount;
                    it(`may be assumed through IRSA by ${own} with an STS-audience token only`, async () => {
                        const results = [
                            await run(
                                identity.label,
                                `sts:AssumeRoleWithWebIdentity as ${own}`,
                                "Allowed",
                                assumeWithWebIdentity(role(), token(own)),
                            ),
                            await run(
                                identity.label,
                                `sts:AssumeRoleWithWebIdentity as ${own} for audience vault`,
                                "denied",
                                assumeWithWebIdentity(role(), token(own, "vault")),
                            ),
                        ];
                        for (const other of serviceAccounts.filter((sa) => sa !== own)) {
                            results.push(
                                await run(
                                    identity.label,
                                    `sts:AssumeRoleWithWebIdentity as ${other}`,
                                    "denied",
                                    assumeWithWebIdentity(role(), token(other)),
                                ),
                            );
                        }
                        assert.deepEqual(failures(results), []);
                    });
                }

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
            });
        }

        it("gives every pod-network AWS caller an IRSA role and an explicit region, so none needs IMDS", () => {
            const arnOf = (role: string) => roles.get(role)!.arn;
            const addon = (name: string) =>
                resources.ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === name)!
                    .inputs;
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
                    .find((r) => r.inputs.name === name)!.inputs;
            const autoscaler = release("cluster-autoscaler").values;
            assert.equal(autoscaler.awsRegion, region);
            const autoscalerAccount = resources
                .ofType("kubernetes:core/v1:ServiceAccount")
                .find((sa) => sa.inputs.metadata.name === autoscaler.rbac.serviceAccount.name)!;
            assert.equal(
                autoscalerAccount.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
                arnOf("cluster-cluster-autoscaler-role"),
            );
            const fluentBit = release("aws-for-fluent-bit").values;
            assert.equal(fluentBit.cloudWatchLogs.region, region);
            assert.equal(
                fluentBit.serviceAccount.annotations["eks.amazonaws.com/role-arn"],
                arnOf("observability-fluent-bit"),
            );
            const templates = resources.ofType("aws:ec2/launchTemplate:LaunchTemplate");
            // The system group and the two GPU groups of prod.
            assert.equal(templates.length, 3);
            for (const template of templates)
                assert.equal(
                    template.inputs.metadataOptions.httpPutResponseHopLimit,
                    1,
                    template.name,
                );
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
                for (const m of stagedModels)
                    results.push(
                        await run(
                            "serving pods",
                            `assume ${role.resourceName} as ${servingNamespace}:${m.name}`,
                            "denied",
                            assumeWithWebIdentity(role, token(`${servingNamespace}:${m.name}`)),
                        ),
                    );
            }
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
            const results = [
                await run(
                    "NFS client",
                    "elasticfilesystem:ClientMount over TLS",
                    "Allowed",
                    anonymousRequest(policy, nfs("ClientMount", true)),
                ),
                await run(
                    "NFS client",
                    "elasticfilesystem:ClientWrite over TLS",
                    "Allowed",
                    anonymousRequest(policy, nfs("ClientWrite", true)),
                ),
                await run(
                    "NFS client",
                    "elasticfilesystem:ClientMount in clear",
                    "denied",
                    anonymousRequest(policy, nfs("ClientMount", false)),
                ),
                await run(
                    "NFS client",
                    "elasticfilesystem:ClientWrite in clear",
                    "denied",
                    anonymousRequest(policy, nfs("ClientWrite", false)),
                ),
                await run(
                    "NFS client",
                    "elasticfilesystem:ClientMount not via a mount target",
                    "denied",
                    anonymousRequest(policy, nfs("ClientMount", true, false)),
                ),
                await run(
                    "NFS client",
                    "elasticfilesystem:ClientRootAccess over TLS",
                    "denied",
                    anonymousRequest(policy, nfs("ClientRootAccess", true)),
                ),
            ];
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
