import { strict as assert } from "assert";
import * as fc from "fast-check";
import { startupProbeBudget } from "../components/plan/cold-start";
import { weightsReadMiBps } from "../components/plan/cold-start-cuts";
import { coldStartFor, resolveServingSettings } from "../components/serving/settings";
import { modelColdStarts, modelCuts, stagedCopyReadMiBps } from "../stacks/capacity-plan";
import type { ModelConfig, StackConfig } from "../stacks/config-schema";
import { modelServiceArgs, servingPlanSummary, ServingWiring } from "../stacks/serving-plan";
import { committedStacks, projectConfig, readStackFile } from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";
import { renderStack } from "./harness/stacks";

/**
 * Where a server reads its weights is decided once (`serverStreamsFromS3`, from
 * `servingModelPath`): streamed from S3 by the Run:ai streamer, or the staged copy on the claim.
 * ModelService's objects (staging Job or none, `--model`, the startup probe budget, cooldown) and the
 * plan (the weights stage, the targets, consolidateAfter) must follow the same answer.
 */

const placeholder: ServingWiring = { namespace: "models", image: "", modelClaimName: "" };

function parsed(stack: string): StackConfig {
    return parseStackConfig(projectConfig(readStackFile(stack)), stack);
}

/** What the plan says about one model: the new-node stages after the cuts, and its weights cut. */
function planFor(config: StackConfig, model: ModelConfig) {
    const newNode = modelColdStarts(config, model).find((c) => c.scenario === "new-node")!;
    const cut = modelCuts(config, model).weights;
    return {
        stages: newNode.stages.map((s) => [s.name, s.after] as const),
        streams: cut?.kind === "runai-streamer-s3",
        readMiBps: weightsReadMiBps(cut, stagedCopyReadMiBps(config)),
    };
}

/** What ModelService makes of the same model, from the args the stack hands it. */
function componentFor(config: StackConfig, model: ModelConfig) {
    const args = modelServiceArgs(config, model, placeholder);
    const settings = resolveServingSettings(args);
    return {
        stages: coldStartFor(args).stages.map((s) => [s.name, s.seconds] as const),
        streams: settings.streamsFromS3,
        startupBudgetSeconds: settings.startupProbe.budgetSeconds,
        cooldownSeconds: settings.cooldownSeconds,
    };
}

describe("The weights stage: ModelService and the plan agree", () => {
    // Parsed per test: Stryker counts only code run in a test or its beforeEach.
    let prod: StackConfig;
    let llama: StackConfig["models"][number];
    beforeEach(() => {
        prod = parsed("prod");
        llama = prod.models.find((m) => m.name === "llama-3-1-8b")!;
    });

    it("on any model and store: same decision, same stages, and a startup budget on that stage's read", () => {
        const variant = fc.record({
            runtime: fc.constantFrom("vllm", "custom"),
            loadFormat: fc.option(
                fc.constantFrom("safetensors", "runai_streamer", "fastsafetensors"),
                { nil: undefined },
            ),
            source: fc.constantFrom(
                "s3://example-ml-models/llama/2024-07-23",
                "hf://meta-llama/Llama-3.1-8B-Instruct",
            ),
            endpoint: fc.option(fc.constant("http://10.0.0.1:9000"), { nil: undefined }),
            sizeGiB: fc.double({ min: 0.001, max: 800, noNaN: true }),
            storeMiBps: fc.integer({ min: 50, max: 3000 }),
            efsMiBps: fc.option(fc.integer({ min: 50, max: 3000 }), { nil: undefined }),
            compileCache: fc.boolean(),
        });
        fc.assert(
            fc.property(variant, (v) => {
                const model: ModelConfig = {
                    ...llama,
                    runtime: v.runtime,
                    loadFormat: v.loadFormat,
                    warmupSeconds: v.runtime === "custom" ? 30 : llama.warmupSeconds,
                    weights: {
                        ...llama.weights,
                        source: v.source,
                        endpoint: v.endpoint,
                        sizeGiB: v.sizeGiB,
                    },
                };
                const config: StackConfig = {
                    ...prod,
                    models: [model],
                    modelStore: { ...prod.modelStore, readThroughputMiBps: v.storeMiBps },
                    coldStart: {
                        ...prod.coldStart,
                        weightsReadMiBps: v.efsMiBps,
                        compileCache: v.compileCache,
                    },
                };
                const plan = planFor(config, model);
                const component = componentFor(config, model);
                const warmup = model.warmupSeconds ?? (v.runtime === "vllm" ? 195 : 30);
                const budget = startupProbeBudget({
                    weightsSizeGiB: v.sizeGiB,
                    storageReadMiBps: plan.readMiBps,
                    warmupSeconds: warmup,
                }).budgetSeconds;
                assert.equal(component.streams, plan.streams);
                assert.deepEqual(component.stages, plan.stages);
                assert.equal(component.startupBudgetSeconds, budget);
            }),
            { numRuns: 300 },
        );
    });

    it("prod: the plan's headline cold start is the new-node estimate of the weights stage that runs", () => {
        const summary = servingPlanSummary(prod);
        for (const model of summary.models) {
            const newNode = model.comparisons.find((c) => c.scenario === "new-node")!;
            assert.equal(model.coldStartSeconds, newNode.afterSeconds, model.model);
            assert.deepEqual(
                model.coldStart.map((s) => s.seconds),
                newNode.stages.map((s) => s.after),
                model.model,
            );
        }
    });

    for (const stack of committedStacks) {
        it(`${stack}: every rendered server loads, waits and cools down as the plan's weights stage says`, async function () {
            this.timeout(60_000);
            const config = parsed(stack);
            const { resources } = await renderStack(stack);
            for (const model of config.models) {
                const plan = planFor(config, model);
                const component = componentFor(config, model);
                const deployment = resources
                    .ofType("kubernetes:apps/v1:Deployment")
                    .find((d) => d.inputs.metadata.name === model.name)!;
                const server = deployment.inputs.spec.template.spec.containers[0];
                const jobs = resources
                    .ofType("kubernetes:batch/v1:Job")
                    .filter((j) => j.inputs.metadata.name.startsWith(`${model.name}-stage-`));
                // Streaming: no staging Job, and vLLM loads the s3:// source; staged: a Job.
                assert.equal(jobs.length, plan.streams ? 0 : 1, model.name);
                assert.equal(
                    (server.args ?? []).includes(model.weights.source),
                    plan.streams,
                    model.name,
                );
                const probe = server.startupProbe;
                assert.equal(
                    probe.periodSeconds * probe.failureThreshold >= component.startupBudgetSeconds,
                    true,
                    model.name,
                );
                assert.equal(
                    probe.periodSeconds * (probe.failureThreshold - 1) <
                        component.startupBudgetSeconds,
                    true,
                    model.name,
                );
                const newNode = plan.stages.reduce((sum, [, seconds]) => sum + seconds, 0);
                if (model.cooldownSeconds === undefined)
                    assert.equal(component.cooldownSeconds, Math.max(300, newNode), model.name);
            }
        });
    }
});
