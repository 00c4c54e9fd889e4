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
}

const prodModels: ModelWeights[] = (
    projectConfig(readStackFile("prod")).models as {
        name: string;
        weights: { source: string; kmsKeyArn?: string };
    }[]
).map((m) => ({
    name: m.name,
    ...parseS3Source(m.weights.source)!,
    kmsKeyArn: m.weights.kmsKeyArn,
}));

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

const staging = (m: ModelWeights): Identity => ({
    label: `staging Job of ${m.name}`,
    role: `${m.name}-weights-staging`,
    trustedBy: { serviceAccount: `${servingNamespace}:${m.name}-staging` },
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
        trustedBy: { serviceAccount: "monitoring:fluent-bit" },
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
    ...prodModels.map(staging),
];

/** Every ServiceAccount a pod of the stack runs as, serving ones included (they have no role). */
const serviceAccounts = [
    ...identities.flatMap((i) =>
        "serviceAccount" in i.trustedBy ? [i.trustedBy.serviceAccount] : [],
    ),
    ...prodModels.map((m) => `${servingNamespace}:${m.name}`),
    "kube-system:default",
    `${servingNamespace}:default`,
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
            for (const template of resources.ofType("aws:ec2/launchTemplate:LaunchTemplate"))
                assert.equal(
                    template.inputs.metadataOptions.httpPutResponseHopLimit,
                    1,
                    template.name,
                );
        });

        it("runs each staging Job as the ServiceAccount its role trusts, annotated with that role", () => {
            for (const m of prodModels) {
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

        it("gives the serving pods no AWS identity: their ServiceAccounts carry no role and no role trusts them", async () => {
            const servingAccounts = resources
                .ofType("kubernetes:core/v1:ServiceAccount")
                .filter((sa) => prodModels.some((m) => sa.inputs.metadata.name === m.name));
            assert.equal(servingAccounts.length, prodModels.length);
            for (const sa of servingAccounts)
                assert.equal(
                    sa.inputs.metadata.annotations?.["eks.amazonaws.com/role-arn"],
                    undefined,
                    sa.name,
                );
            const results = [];
            for (const role of roles.values()) {
                for (const m of prodModels)
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

    describe("ModelWeightsAccess with SSE-KMS and a server that streams from S3", function () {
        this.timeout(60_000);
        const model: ModelWeights = {
            name: "llama",
            bucket: "ml-weights",
            prefix: "llama/2024-07-23",
        };
        let roles: Map<string, IamRole>;

        before(async () => {
            const { resources } = await render(
                () =>
                    new ModelWeightsAccess("llama", {
                        modelName: "llama",
                        namespace: "models",
                        weightsSource: "s3://ml-weights/llama/2024-07-23",
                        oidcProviderArn: providerArn,
                        oidcProviderUrl: mockOidcIssuer,
                        kmsKeyArn: weightsKeyArn,
                        servingReadsFromS3: true,
                    }),
            );
            roles = iamRoles(resources);
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
