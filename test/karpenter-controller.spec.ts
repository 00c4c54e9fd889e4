import { strict as assert } from "assert";
import { KarpenterController } from "../components/karpenter-controller";
import { karpenterValues, interruptionRules } from "../components/plan/karpenter-plan";
import { evaluateIam, IamRequest } from "./harness/iam-simulator";
import { mockAccountId, mockRegion } from "./harness/mocks";
import { render, Rendered } from "./harness/render";

const cluster = "gpu-serving-prod";
const types = {
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    association: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    tag: "aws:ec2/tag:Tag",
    release: "kubernetes:helm.sh/v3:Release",
};

async function renderController(): Promise<Rendered> {
    const { resources } = await render(
        () =>
            new KarpenterController("karpenter", {
                clusterName: cluster,
                clusterEndpoint: "https://ABC.gr7.us-west-2.eks.amazonaws.com",
                clusterSecurityGroupId: "sg-0123456789abcdef0",
                privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
                tags: { environment: "prod" },
            }),
    );
    return resources;
}

const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${mockRegion}:${mockAccountId}:${resource}`;
const nodeRoleArn = `arn:aws:iam::${mockAccountId}:role/karpenter-node-role`;
const owned = {
    [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: "owned",
    "aws:RequestTag/eks:eks-cluster-name": cluster,
    "aws:RequestTag/karpenter.sh/nodepool": "inference",
};
const ownedResource = {
    [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned",
    "aws:ResourceTag/karpenter.sh/nodepool": "inference",
};

describe("KarpenterController", () => {
    let resources: Rendered;
    let controllerPolicy: string;

    before(async () => {
        resources = await renderController();
        controllerPolicy = resources.one(types.rolePolicy, "controller-policy").inputs.policy;
    });

    const decide = (request: IamRequest) => evaluateIam(controllerPolicy, request);

    describe("controller permissions (what Karpenter's reference template allows)", () => {
        it("launches instances into this cluster's NodePools only", () => {
            const launch = {
                action: "ec2:CreateFleet",
                resource: arn("ec2", "instance/*"),
            };
            assert.equal(decide({ ...launch, context: owned }), "Allow");
            assert.equal(
                decide({
                    ...launch,
                    context: {
                        ...owned,
                        [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: "shared",
                    },
                }),
                "ImplicitDeny",
            );
            const { ["aws:RequestTag/karpenter.sh/nodepool"]: _, ...noPool } = owned;
            assert.equal(decide({ ...launch, context: noPool }), "ImplicitDeny");
        });

        it("terminates only instances its NodePools launched in this cluster", () => {
            const terminate = {
                action: "ec2:TerminateInstances",
                resource: arn("ec2", "instance/i-1"),
            };
            assert.equal(decide({ ...terminate, context: ownedResource }), "Allow");
            assert.equal(
                decide({
                    ...terminate,
                    context: { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned" },
                }),
                "ImplicitDeny",
            );
            assert.equal(
                decide({
                    ...terminate,
                    context: {
                        "aws:ResourceTag/kubernetes.io/cluster/other": "owned",
                        "aws:ResourceTag/karpenter.sh/nodepool": "inference",
                    },
                }),
                "ImplicitDeny",
            );
        });

        it("passes only its node role, and only to EC2", () => {
            const pass = { action: "iam:PassRole", resource: nodeRoleArn };
            assert.equal(
                decide({ ...pass, context: { "iam:PassedToService": "ec2.amazonaws.com" } }),
                "Allow",
            );
            assert.equal(
                decide({ ...pass, context: { "iam:PassedToService": "lambda.amazonaws.com" } }),
                "ImplicitDeny",
            );
            assert.equal(
                decide({
                    action: "iam:PassRole",
                    resource: `arn:aws:iam::${mockAccountId}:role/cluster-admin`,
                    context: { "iam:PassedToService": "ec2.amazonaws.com" },
                }),
                "ImplicitDeny",
            );
        });

        it("reads and deletes messages of its own interruption queue only", () => {
            const own = arn("sqs", `${cluster}-karpenter`);
            assert.equal(decide({ action: "sqs:ReceiveMessage", resource: own }), "Allow");
            assert.equal(decide({ action: "sqs:DeleteMessage", resource: own }), "Allow");
            assert.equal(
                decide({ action: "sqs:ReceiveMessage", resource: arn("sqs", "payments") }),
                "ImplicitDeny",
            );
            assert.equal(decide({ action: "sqs:SendMessage", resource: own }), "ImplicitDeny");
        });

        it("describes EC2 in its own region only, and never touches IAM roles or other services", () => {
            const describeTypes = { action: "ec2:DescribeInstanceTypes", resource: "*" };
            assert.equal(
                decide({ ...describeTypes, context: { "aws:RequestedRegion": mockRegion } }),
                "Allow",
            );
            assert.equal(
                decide({ ...describeTypes, context: { "aws:RequestedRegion": "eu-west-1" } }),
                "ImplicitDeny",
            );
            for (const action of [
                "iam:CreateRole",
                "iam:AttachRolePolicy",
                "s3:GetObject",
                "ec2:DeleteVpc",
            ])
                assert.equal(decide({ action, resource: "*" }), "ImplicitDeny", action);
        });

        it("manages instance profiles tagged for this cluster's node classes only", () => {
            const profile = `arn:aws:iam::${mockAccountId}:instance-profile/gpu-inference`;
            const create = {
                action: "iam:CreateInstanceProfile",
                resource: profile,
                context: {
                    [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: "owned",
                    "aws:RequestTag/eks:eks-cluster-name": cluster,
                    "aws:RequestTag/topology.kubernetes.io/region": mockRegion,
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "gpu-inference",
                },
            };
            assert.equal(decide(create), "Allow");
            assert.equal(
                decide({
                    ...create,
                    context: {
                        ...create.context,
                        "aws:RequestTag/topology.kubernetes.io/region": "eu-west-1",
                    },
                }),
                "ImplicitDeny",
            );
        });
    });

    it("lets only EKS Pod Identity assume the controller role, bound to Karpenter's service account", () => {
        const role = resources.one(types.role, "controller-role");
        const trust = JSON.parse(role.inputs.assumeRolePolicy);
        assert.deepEqual(trust.Statement, [
            {
                Effect: "Allow",
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Principal: { Service: ["pods.eks.amazonaws.com"] },
            },
        ]);
        const association = resources.one(types.association).inputs;
        assert.deepEqual(
            [association.clusterName, association.namespace, association.serviceAccount],
            [cluster, "kube-system", "karpenter"],
        );
    });

    it("gives its nodes their own role with an EC2_LINUX access entry", () => {
        const entry = resources.one(types.accessEntry).inputs;
        assert.equal(entry.type, "EC2_LINUX");
        assert.equal(entry.principalArn, nodeRoleArn);
    });

    it("queues the four interruption event kinds for 300 s, encrypted, refusing non-TLS access", () => {
        const queue = resources.one(types.queue).inputs;
        assert.deepEqual(
            [queue.name, queue.messageRetentionSeconds, queue.sqsManagedSseEnabled],
            [`${cluster}-karpenter`, 300, true],
        );
        const patterns = resources.ofType(types.rule).map((r) => JSON.parse(r.inputs.eventPattern));
        assert.deepEqual(patterns.map((p) => p["detail-type"][0]).sort(), [
            "AWS Health Event",
            "EC2 Instance Rebalance Recommendation",
            "EC2 Instance State-change Notification",
            "EC2 Spot Instance Interruption Warning",
        ]);
        const targets = resources.ofType(types.target).map((t) => t.inputs.arn);
        assert.deepEqual(
            targets,
            Array(interruptionRules.length).fill(arn("sqs", `${cluster}-karpenter`)),
        );
        const policy = resources.one(types.queuePolicy).inputs.policy;
        // The simulator ignores principals: the first statement names EventBridge and SQS as senders.
        assert.deepEqual(JSON.parse(policy).Statement[0].Principal, {
            Service: ["events.amazonaws.com", "sqs.amazonaws.com"],
        });
        const send = (secure: string) =>
            evaluateIam(JSON.parse(policy), {
                action: "sqs:SendMessage",
                resource: arn("sqs", `${cluster}-karpenter`),
                context: { "aws:SecureTransport": secure },
            });
        assert.equal(send("true"), "Allow");
        assert.equal(send("false"), "ExplicitDeny");
    });

    it("tags the three subnets and the node security group for discovery", () => {
        const tags = resources
            .ofType(types.tag)
            .map((t) => [t.inputs.resourceId, t.inputs.key, t.inputs.value]);
        assert.deepEqual(tags, [
            ["sg-0123456789abcdef0", "karpenter.sh/discovery", cluster],
            ["subnet-a", "karpenter.sh/discovery", cluster],
            ["subnet-b", "karpenter.sh/discovery", cluster],
            ["subnet-c", "karpenter.sh/discovery", cluster],
        ]);
    });

    it("installs the pinned chart on the system nodes, with its queue, after its permissions exist", () => {
        const release = resources.one(types.release);
        assert.deepEqual(
            [release.inputs.chart, release.inputs.version, release.inputs.namespace],
            ["oci://public.ecr.aws/karpenter/karpenter", "1.13.0", "kube-system"],
        );
        assert.deepEqual(release.inputs.values.settings, {
            clusterName: cluster,
            clusterEndpoint: "https://ABC.gr7.us-west-2.eks.amazonaws.com",
            interruptionQueue: `${cluster}-karpenter`,
        });
        assert.deepEqual(release.inputs.values.nodeSelector, {
            "gpu-serving.io/node-role": "system",
        });
        const association = resources.one(types.association);
        const policy = resources.one(types.rolePolicy, "controller-policy");
        assert.ok(release.dependencies.includes(association.urn));
        assert.ok(release.dependencies.includes(policy.urn));
    });

    it("runs two controller replicas with DNS from the node, so CoreDNS trouble cannot stop provisioning", () => {
        const values = karpenterValues({
            clusterName: "c",
            clusterEndpoint: "https://e",
            interruptionQueueName: "q",
        });
        assert.equal(values.replicas, 2);
        assert.equal(values.dnsPolicy, "Default");
    });
});
