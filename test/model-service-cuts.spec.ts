import { strict as assert } from "assert";
import { ModelService, ModelServiceArgs } from "../components/model-service";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { render, Rendered, valueOf } from "./harness/render";

const digest = "0123456789abcdef".repeat(4);
const baseArgs: ModelServiceArgs = {
    modelName: "llama-8b",
    namespace: "serving",
    image: `123456789012.dkr.ecr.us-west-2.amazonaws.com/serving/vllm@sha256:${digest}`,
    runtime: "vllm",
    modelVersion: "2024.07",
    weightsSource: "s3://weights/llama-8b/2024.07",
    weightsSizeGiB: 15,
    modelClaimName: "model-cache",
    gpuGroup: "inference",
    gpusPerReplica: 1,
    minReplicas: 1,
    maxReplicas: 4,
    storageReadMiBps: 1500,
};
const cuts: Partial<ModelServiceArgs> = {
    imageCache: "ebs-snapshot",
    compileCacheGpuModel: "l40s",
};

async function renderService(args: Partial<ModelServiceArgs> = {}): Promise<Rendered> {
    const { resources } = await render(() => new ModelService("llm", { ...baseArgs, ...args }));
    return resources;
}

function pod(resources: Rendered): any {
    return resources.one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec;
}

describe("ModelService with cold-start cuts", () => {
    it("renders schema-valid objects with the compile cache mounted", async () => {
        assert.ok((await validateRenderedKubernetesObjects(await renderService(cuts))) > 0);
    });

    it("keeps vLLM's compile cache on the claim under model / version / digest / GPU model", async () => {
        const spec = pod(await renderService(cuts));
        const server = spec.containers[0];
        const mount = server.volumeMounts.find((m: any) => m.name === "compile-cache");
        assert.deepEqual(mount, {
            name: "compile-cache",
            mountPath: "/compile-cache",
            subPath: `.vllm-compile-cache/llama-8b/2024-07/${digest.slice(0, 16)}/l40s`,
        });
        assert.deepEqual(
            server.env.find((e: any) => e.name === "VLLM_CACHE_ROOT"),
            { name: "VLLM_CACHE_ROOT", value: "/compile-cache" },
        );
        // The weights stay read-only; only the cache volume is writable.
        const volumes = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
        assert.equal(volumes.models.persistentVolumeClaim.readOnly, true);
        assert.equal(volumes["compile-cache"].persistentVolumeClaim.readOnly, undefined);
    });

    it("mounts no compile cache without a GPU model to key it by", async () => {
        const spec = pod(await renderService());
        assert.equal(
            spec.volumes.some((v: any) => v.name === "compile-cache"),
            false,
        );
    });

    it("cools down after the cut cold start, with the 300 s floor: 120 + 5 + 11 + 20 = 156 → 300", async () => {
        const resources = await renderService(cuts);
        const scaledObject = resources.one("kubernetes:keda.sh/v1alpha1:ScaledObject").inputs.spec;
        assert.equal(scaledObject.cooldownPeriod, 300);
        const uncut = (await renderService()).one("kubernetes:keda.sh/v1alpha1:ScaledObject");
        // Without the cuts: 120 + ⌈12·1024/50⌉ + ⌈15·1024/1500⌉ + 195 = 572 s.
        assert.equal(uncut.inputs.spec.cooldownPeriod, 572);
    });

    it("keeps the uncached warm-up in the startup budget: (10.24 + 195) × 2 → 411 s, 42 probes", async () => {
        const probe = pod(await renderService(cuts)).containers[0].startupProbe;
        assert.deepEqual([probe.periodSeconds, probe.failureThreshold], [10, 42]);
    });

    it("keeps the uncached pull in the rollout deadline: 120 + 246 + 411 = 777 s", async () => {
        const deployment = (await renderService(cuts)).one("kubernetes:apps/v1:Deployment");
        assert.equal(deployment.inputs.spec.progressDeadlineSeconds, 777);
    });

    describe("a server that streams its weights from S3 (runai_streamer, s3:// source)", () => {
        const streaming: Partial<ModelServiceArgs> = { loadFormat: "runai_streamer" };

        it("budgets its startup on the streamer's read, not the store's: ⌈(15·1024/1021 + 195) × 2⌉ = 421 s, 43 probes", async () => {
            const probe = pod(await renderService({ ...streaming, ...cuts })).containers[0]
                .startupProbe;
            assert.deepEqual([probe.periodSeconds, probe.failureThreshold], [10, 43]);
        });

        it("cools down after its streamed cold start: 120 + 246 + ⌈15·1024/1021⌉ = 16 + 195 = 577 s uncut, the 300 s floor with the cuts (161 s)", async () => {
            const cooldown = async (args: Partial<ModelServiceArgs>) =>
                (await renderService(args)).one("kubernetes:keda.sh/v1alpha1:ScaledObject").inputs
                    .spec.cooldownPeriod;
            assert.equal(await cooldown(streaming), 577);
            assert.equal(await cooldown({ ...streaming, ...cuts }), 300);
        });

        it("reports the streamed cold start as its output: 120 + 5 + 16 + 20 = 161 s", async () => {
            const { result } = await render(
                () => new ModelService("llm", { ...baseArgs, ...streaming, ...cuts }),
            );
            assert.equal(await valueOf(result.coldStartSeconds), 161);
        });
    });

    it("rejects an unknown image cache and a compile cache on the custom runtime", async () => {
        await render(() =>
            assert.throws(
                () =>
                    new ModelService("llm", {
                        ...baseArgs,
                        runtime: "custom",
                        imageCache: "warm",
                        compileCacheGpuModel: "l40s",
                    }),
                /imageCache: "warm" is not an image cache[\s\S]*compileCacheGpuModel: is vLLM's torch\.compile cache/,
            ),
        );
    });
});
