import { strict as assert } from "assert";
import { committedStacks } from "../stacks/stack-files";
import { gpuTaintEks } from "../components/plan/scheduling";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { Rendered, valueOf, isSecret } from "./harness/render";
import { renderStack } from "./harness/stacks";

const nodeGroupType = "aws:eks/nodeGroup:NodeGroup";
const deploymentType = "kubernetes:apps/v1:Deployment";

type Rendering = Awaited<ReturnType<typeof renderStack>>;
const renders: Record<string, Rendering> = {};

async function stack(name: string): Promise<Rendering> {
    renders[name] ??= await renderStack(name);
    return renders[name];
}

function gpuNodeGroups(resources: Rendered) {
    return resources
        .ofType(nodeGroupType)
        .filter((g) => (g.inputs.taints ?? []).some((t: any) => t.key === gpuTaintEks.key));
}

describe("stacks", () => {
    for (const name of committedStacks) {
        it(`${name}: renders only schema-valid Kubernetes objects`, async () => {
            const { resources } = await stack(name);
            assert.ok((await validateRenderedKubernetesObjects(resources)) > 5);
        });
    }

    it("dev: one spot GPU node normally, one NAT gateway, one model, no deletion protection", async () => {
        const { resources } = await stack("dev");
        const [group] = gpuNodeGroups(resources);
        assert.equal(gpuNodeGroups(resources).length, 1);
        assert.equal(group.inputs.capacityType, "SPOT");
        assert.equal(group.inputs.scalingConfig.desiredSize, 1);
        assert.equal(resources.ofType("aws:ec2/natGateway:NatGateway").length, 1);
        assert.equal(
            resources.ofType(deploymentType).filter((d) => d.inputs.metadata.namespace === "models")
                .length,
            1,
        );
        assert.equal(resources.one("aws:efs/fileSystem:FileSystem").protect, false);
    });

    it("prod: at least two on-demand GPU nodes per group, NAT per AZ, private endpoint, protection on", async () => {
        const { resources } = await stack("prod");
        const groups = gpuNodeGroups(resources);
        assert.equal(groups.length, 2);
        for (const group of groups) {
            assert.equal(group.inputs.capacityType, "ON_DEMAND");
            assert.ok(group.inputs.scalingConfig.minSize >= 2, `${group.name} minSize`);
        }
        assert.equal(resources.ofType("aws:ec2/natGateway:NatGateway").length, 3);
        const cluster = resources.one("aws:eks/cluster:Cluster");
        assert.equal(cluster.inputs.vpcConfig.endpointPublicAccess, false);
        const stateful = [
            "aws:eks/cluster:Cluster",
            "aws:efs/fileSystem:FileSystem",
            "aws:ecr/repository:Repository",
        ].flatMap((type) =>
            resources.ofType(type).map((r) => [r.inputs.name ?? r.name, r.protect]),
        );
        // One cluster, one file system and one repository per model.
        assert.deepEqual(stateful, [
            ["gpu-serving-prod", true],
            ["model-store-filesystem", true],
            ["gpu-serving/llama-3-1-8b", true],
            ["gpu-serving/llama-3-1-70b", true],
            ["gpu-serving/resnet-classifier", true],
        ]);
    });

    it("prod: every model runs at least two replicas spread across zones", async () => {
        const { resources } = await stack("prod");
        const deployments = resources
            .ofType(deploymentType)
            .filter((d) => d.inputs.metadata.namespace === "models");
        assert.equal(deployments.length, 3);
        for (const deployment of deployments) {
            assert.ok(deployment.inputs.spec.replicas >= 2, `${deployment.name} replicas`);
            const keys = deployment.inputs.spec.template.spec.topologySpreadConstraints.map(
                (c: any) => c.topologyKey,
            );
            assert.ok(keys.includes("topology.kubernetes.io/zone"));
        }
    });

    it("staging: NAT per AZ and on-demand GPUs with protection on", async () => {
        const { resources } = await stack("staging");
        assert.equal(resources.ofType("aws:ec2/natGateway:NatGateway").length, 3);
        assert.deepEqual(
            gpuNodeGroups(resources).map((g) => [
                g.inputs.nodeGroupNamePrefix,
                g.inputs.capacityType,
            ]),
            [["inference-", "ON_DEMAND"]],
        );
        assert.ok(resources.one("aws:efs/fileSystem:FileSystem").protect);
    });

    it("local: creates no AWS resources and uses the image digest from config", async () => {
        const { resources, result } = await stack("local");
        assert.equal(resources.all.filter((r) => r.type.startsWith("aws:")).length, 0);
        const digests = await valueOf(result.imageDigests);
        assert.match(digests["llama-3-1-8b"], /@sha256:[0-9a-f]{64}$/);
        const claim = resources.one("kubernetes:core/v1:PersistentVolumeClaim").inputs;
        assert.equal(
            claim.spec.volumeName,
            resources.one("kubernetes:core/v1:PersistentVolume").inputs.metadata.name,
        );
    });

    it("exports endpoints and image digests per model, the kubeconfig and API keys as secrets", async () => {
        const { result } = await stack("prod");
        const endpoints = await valueOf(result.endpoints);
        assert.deepEqual(Object.keys(endpoints).sort(), [
            "llama-3-1-70b",
            "llama-3-1-8b",
            "resnet-classifier",
        ]);
        assert.match(
            endpoints["llama-3-1-8b"],
            /^http:\/\/llama-3-1-8b\.models\.svc\.cluster\.local:8000$/,
        );
        assert.ok(await isSecret(result.kubeconfig!));
        assert.ok(await isSecret(result.apiKeys));
        const digests = await valueOf(result.imageDigests);
        assert.match(
            digests["resnet-classifier"],
            /\.dkr\.ecr\.us-west-2\.amazonaws\.com\/gpu-serving\/resnet-classifier@sha256:/,
        );
    });

    it("exports a plan: GPUs requested vs available per group and a cold start per model", async () => {
        const { result } = await stack("prod");
        const requestedVsAvailable = result.plan.gpuGroups.map((g) => [
            g.group,
            g.gpusRequestedAtMax,
            g.gpusAvailableAtMax,
        ]);
        assert.deepEqual(requestedVsAvailable, [
            // llama-3-1-8b: (4 + 1 surge) × 1 GPU; resnet-classifier: (2 + 1) × 1; 8 × g6e.2xlarge (1 GPU).
            ["inference", 8, 8],
            // llama-3-1-70b: (2 + 1 surge) × 4 GPUs; 3 × g6e.12xlarge (4 GPUs).
            ["large", 12, 12],
        ]);
        // Node launch 120 s; image pull at 50 MiB/s: vLLM's 12 GiB 246 s, the custom server's
        // 10 GiB 205 s; weights at prod's 800 MiB/s: 15 GiB 20 s, 132 GiB 169 s, 0.1 GiB 1 s;
        // warm-up: vLLM's 195 s default, 200 s set for the 70B, 30 s for a custom server.
        const coldStarts = result.plan.models.map((m) => [
            m.model,
            m.coldStart.map((stage) => stage.seconds),
            m.coldStartSeconds,
        ]);
        assert.deepEqual(coldStarts, [
            ["llama-3-1-8b", [120, 246, 20, 195], 581],
            ["llama-3-1-70b", [120, 246, 169, 200], 735],
            ["resnet-classifier", [120, 205, 1, 30], 356],
        ]);
    });

    it("renders identical resource inputs on two runs of the same stack", async () => {
        const first = await renderStack("staging");
        const second = await renderStack("staging");
        const inputs = (r: Rendering) =>
            r.resources.all.map((x) => [x.type, x.name, JSON.stringify(x.inputs)]);
        assert.deepEqual(inputs(second), inputs(first));
    });

    it("fails before registering anything when the plan does not fit the GPU groups", async () => {
        const tooMany = {
            "gpu-serving-infra:models": [{ ...(await prodModel(0)), maxReplicas: 12 }],
        };
        await assert.rejects(renderStack("prod", tooMany), (error: Error) => {
            assert.match(
                error.message,
                /cluster\.gpuNodeGroups\[0\]\.maxSize: plan needs 13 nodes .* but maxSize is 8/,
            );
            return true;
        });
    });
});

async function prodModel(index: number): Promise<Record<string, unknown>> {
    const { readStackFile } = await import("../stacks/stack-files");
    return (readStackFile("prod")["gpu-serving-infra:models"] as Record<string, unknown>[])[index];
}
