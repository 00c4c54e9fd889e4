import { strict as assert } from "assert";
import { KarpenterController } from "../components/karpenter-controller";
import { karpenterValues, interruptionRules } from "../components/plan/karpenter-plan";
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

// What the controller's and the nodes' roles may and may not do is evaluated by iam-simulate in the
// IAM access matrix (test/iam-access.spec.ts), on the roles the prod stack renders.
describe("KarpenterController", () => {
    let resources: Rendered;

    before(async () => {
        resources = await renderController();
    });

    it("trusts EKS Pod Identity for Karpenter's service account in this cluster, which the association names", () => {
        const role = resources.one(types.role, "controller-role");
        const [statement] = JSON.parse(role.inputs.assumeRolePolicy).Statement;
        assert.deepEqual(statement.Principal, { Service: ["pods.eks.amazonaws.com"] });
        assert.deepEqual(statement.Condition.StringEquals, {
            "aws:RequestTag/eks-cluster-arn": [arn("eks", `cluster/${cluster}`)],
            "aws:RequestTag/kubernetes-namespace": ["kube-system"],
            "aws:RequestTag/kubernetes-service-account": ["karpenter"],
        });
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

    it("queues the four interruption event kinds for 300 s, encrypted, sent by EventBridge (TLS only: the IAM access matrix)", () => {
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
        const policy = JSON.parse(resources.one(types.queuePolicy).inputs.policy);
        assert.deepEqual(policy.Statement[0].Principal, {
            Service: ["events.amazonaws.com", "sqs.amazonaws.com"],
        });
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
        // The region from the provider, not IMDS: pods cannot reach IMDS at hop limit 1.
        assert.deepEqual(release.inputs.values.controller.env, [
            { name: "AWS_REGION", value: mockRegion },
        ]);
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
            region: "eu-west-1",
            interruptionQueueName: "q",
        });
        assert.equal(values.replicas, 2);
        assert.equal(values.dnsPolicy, "Default");
    });
});
