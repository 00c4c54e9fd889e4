import { strict as assert } from "assert";
import { committedStacks, projectConfig, readStackFile } from "../stacks/stack-files";
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

    it("prod: on-demand GPU NodePools with GPU limits, NAT per AZ, private endpoint, protection on", async () => {
        const { resources } = await stack("prod");
        assert.equal(gpuNodeGroups(resources).length, 0);
        const pools = resources.ofType("kubernetes:karpenter.sh/v1:NodePool").map((p) => p.inputs);
        assert.deepEqual(
            pools.map((p) => [p.metadata.name, p.spec.limits["nvidia.com/gpu"]]),
            [
                ["inference", "8"],
                ["large", "12"],
            ],
        );
        for (const pool of pools) {
            const capacity = pool.spec.template.spec.requirements.find(
                (r: any) => r.key === "karpenter.sh/capacity-type",
            );
            assert.deepEqual(capacity.values, ["on-demand"], pool.metadata.name);
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

    it("prod: Karpenter replaces the cluster-autoscaler; busy nodes stay put 13:00–24:00 UTC on weekdays", async () => {
        const { resources } = await stack("prod");
        const releases = resources
            .ofType("kubernetes:helm.sh/v3:Release")
            .map((r) => r.inputs.name);
        assert.ok(releases.includes("karpenter"));
        assert.ok(!releases.includes("cluster-autoscaler"));
        const inference = resources.one("kubernetes:karpenter.sh/v1:NodePool", "inference").inputs;
        assert.deepEqual(inference.spec.disruption.budgets[1], {
            nodes: "0",
            reasons: ["Underutilized", "Drifted"],
            schedule: "0 13 * * mon-fri",
            duration: "11h",
        });
        // The group's longest new-node cold start after the cuts: llama-3-1-8b, which streams its
        // weights from S3, 120 + 5 + 16 + 20 = 161 s (resnet-classifier, staged: 156 s).
        assert.equal(inference.spec.disruption.consolidateAfter, "161s");
    });

    it("prod: one warm-headroom placeholder sized like llama-3-1-8b's replica, in the closed namespace", async () => {
        const { resources } = await stack("prod");
        const placeholder = resources
            .ofType(deploymentType)
            .find((d) => d.inputs.metadata.name === "gpu-headroom-inference")!;
        const [container] = placeholder.inputs.spec.template.spec.containers;
        // vLLM on 1 GPU: 3 cores and 12 GiB per GPU; scratch (2 + 2·1) /cache + 1 /tmp + 1 = 6 GiB.
        assert.deepEqual(container.resources.requests, {
            cpu: "3",
            memory: "12Gi",
            "ephemeral-storage": "6Gi",
            "nvidia.com/gpu": "1",
        });
        assert.equal(container.resources.limits["ephemeral-storage"], "6Gi");
        assert.equal(placeholder.inputs.metadata.namespace, "models");
    });

    for (const [name, readiness] of [
        [
            "prod",
            [
                "gpu-serving:index:GpuCluster",
                "gpu-serving:index:ServingNamespace",
                "gpu-serving:index:ModelStore",
                "gpu-serving:index:Observability",
            ],
        ],
        ["local", ["gpu-serving:index:ServingNamespace", "gpu-serving:index:GpuNodePools"]],
    ] as const) {
        it(`${name}: every model's staging Job, Deployment and load balancer Service wait for each resource of the platform's readiness (${readiness.map((t) => t.split(":").pop()).join(", ")})`, async () => {
            const { resources } = await stack(name);
            const descendants = (urn: string): string[] =>
                resources.all
                    .filter((r) => r.parent === urn)
                    .flatMap((r) => [...(r.custom ? [r.urn] : []), ...descendants(r.urn)]);
            const platform = readiness.flatMap((type) => descendants(resources.one(type).urn));
            assert.ok(platform.length > (name === "prod" ? 50 : 0), `${platform.length} resources`);
            const children = [
                ...resources.ofType("kubernetes:batch/v1:Job"),
                ...resources.ofType(deploymentType).filter((d) => d.name.endsWith("-deployment")),
                ...resources
                    .ofType("kubernetes:core/v1:Service")
                    .filter((s) => s.name.endsWith("-load-balancer")),
            ];
            const config = projectConfig(readStackFile(name)) as any;
            const models = config.models as { loadFormat?: string; serviceType?: string }[];
            // A Deployment per model, a staging Job per model that does not stream from S3, and a
            // load balancer Service per model exposed through one.
            const staged = models.filter((m) => m.loadFormat !== "runai_streamer").length;
            const balanced = models.filter(
                (m) =>
                    (m.serviceType ?? config.serving?.serviceType ?? "ClusterIP") !== "ClusterIP",
            ).length;
            assert.equal(children.length, models.length + staged + balanced);
            assert.ok(name !== "prod" || balanced > 0, "prod serves through load balancers");
            const missing = children.flatMap((child) =>
                platform
                    .filter((urn) => !child.dependencies.includes(urn))
                    .map((urn) => `${child.name} → ${urn.split("::").pop()}`),
            );
            assert.deepEqual(missing, []);
        });
    }

    it("prod: every model runs at least two replicas spread across zones", async () => {
        const { resources } = await stack("prod");
        const deployments = resources
            .ofType(deploymentType)
            .filter(
                (d) =>
                    d.inputs.metadata.namespace === "models" &&
                    d.inputs.spec.template.metadata.labels["app.kubernetes.io/component"] ===
                        "model-server",
            );
        assert.equal(deployments.length, 3);
        for (const deployment of deployments) {
            assert.ok(deployment.inputs.spec.replicas >= 2, `${deployment.name} replicas`);
            const keys = deployment.inputs.spec.template.spec.topologySpreadConstraints.map(
                (c: any) => c.topologyKey,
            );
            assert.ok(keys.includes("topology.kubernetes.io/zone"));
        }
    });

    it("staging: NAT per AZ, a spot-first GPU NodePool with on-demand fallback, protection on", async () => {
        const { resources } = await stack("staging");
        assert.equal(resources.ofType("aws:ec2/natGateway:NatGateway").length, 3);
        const pool = resources.one("kubernetes:karpenter.sh/v1:NodePool").inputs;
        const capacity = pool.spec.template.spec.requirements.find(
            (r: any) => r.key === "karpenter.sh/capacity-type",
        );
        assert.deepEqual(capacity.values, ["spot", "on-demand"]);
        assert.ok(resources.one("aws:efs/fileSystem:FileSystem").protect);
    });

    it("dev: stays on one spot node group and the cluster-autoscaler, the cheapest setup", async () => {
        const { resources } = await stack("dev");
        assert.equal(resources.ofType("kubernetes:karpenter.sh/v1:NodePool").length, 0);
        assert.deepEqual(
            gpuNodeGroups(resources).map((g) => g.inputs.capacityType),
            ["SPOT"],
        );
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

    it("exports a plan: GPUs requested against each NodePool's limit and a cold start per model", async () => {
        const { result } = await stack("prod");
        const requestedAgainstLimit = result.plan.gpuNodePools.map((g) => [
            g.group,
            g.gpusRequestedAtMax,
            g.gpuLimit,
        ]);
        assert.deepEqual(requestedAgainstLimit, [
            // llama-3-1-8b: (4 + 1 surge) × 1 GPU; resnet-classifier: (2 + 1) × 1 GPU; limit 8.
            ["inference", 8, 8],
            // llama-3-1-70b: (2 + 1 surge) × 4 GPUs; limit 12.
            ["large", 12, 12],
        ]);
        // After the cuts: node launch 120 s; image pull 5 s from the pre-cached data volume;
        // the 8B and 70B stream from S3 at 1021 MiB/s (⌈15·1024/1021⌉, ⌈132·1024/1021⌉), the
        // classifier's 0.1 GiB is staged; warm-up 20 s with vLLM's compile cache, 30 s custom.
        const coldStarts = result.plan.models.map((m) => [
            m.model,
            m.coldStart.map((stage) => stage.seconds),
            m.coldStartSeconds,
        ]);
        assert.deepEqual(coldStarts, [
            ["llama-3-1-8b", [120, 5, 16, 20], 161],
            ["llama-3-1-70b", [120, 5, 133, 20], 278],
            ["resnet-classifier", [120, 5, 1, 30], 156],
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
            // 12 + 1 surge replicas on g6e.xlarge (1 GPU) against a limit of 8: 5 stay Pending.
            assert.match(
                error.message,
                /cluster\.gpuNodePools\[0\]\.gpuLimit: plan needs a limit of 13 GPUs .* but gpuLimit is 8: 5 replicas would stay Pending/,
            );
            return true;
        });
    });
});

async function prodModel(index: number): Promise<Record<string, unknown>> {
    const { readStackFile } = await import("../stacks/stack-files");
    return (readStackFile("prod")["gpu-serving-infra:models"] as Record<string, unknown>[])[index];
}
