import { strict as assert } from "assert";
import * as fc from "fast-check";
import {
    checkTarget,
    coldStartGantt,
    coldStartWithCuts,
    compareColdStarts,
    compileCacheGpuModel,
    ColdStartCuts,
    cutsFromSettings,
    runaiStreamerMiBps,
    ScenarioComparison,
    weightsCutFor,
    weightsReadMiBps,
} from "../components/plan/cold-start-cuts";
import { servingModelPath } from "../components/plan/weights-access-plan";

// The prod stack's LLMs as they run: the vllm image (12 GiB), weights from the stack file streamed
// from S3 by their servers (runai_streamer, s3:// sources), a staged copy read from EFS at 800 MiB/s
// before the cuts (modelStore.readThroughputMiBps), vLLM's default 195 s warm-up or the 70B's 200 s.
const llama8b = { imageSizeGiB: 12, weightsSizeGiB: 15, storageReadMiBps: 800 };
const llama70b = {
    imageSizeGiB: 12,
    weightsSizeGiB: 132,
    storageReadMiBps: 800,
    warmupSeconds: 200,
};
const allCuts: ColdStartCuts = {
    imageCache: { kind: "ebs-snapshot" },
    weights: { kind: "runai-streamer-s3" },
    compileCache: true,
};

function scenario(comparisons: ScenarioComparison[], name: string): ScenarioComparison {
    const found = comparisons.find((c) => c.scenario === name);
    assert.ok(found, name);
    return found;
}

function seconds(comparison: ScenarioComparison, side: "before" | "after"): number[] {
    return comparison.stages.map((s) => s[side]);
}

describe("cold-start cuts", () => {
    describe("llama-3-1-8b with the snapshot, the Run:ai streamer from S3 and the compile cache", () => {
        // Computed per test: Stryker counts only code run in a test or its beforeEach.
        let comparisons: ScenarioComparison[];
        beforeEach(() => {
            comparisons = compareColdStarts(llama8b, allCuts);
        });

        it("a new node goes from 581 s to 161 s", () => {
            // before: 120 launch + ⌈12·1024/50⌉ = 246 pull + ⌈15·1024/800⌉ = 20 read + 195 warm-up
            // after:  120 launch + 5 snapshot + ⌈15·1024/1021⌉ = 16 streamed + 20 cached warm-up
            const newNode = scenario(comparisons, "new-node");
            assert.deepEqual(seconds(newNode, "before"), [120, 246, 20, 195]);
            assert.deepEqual(seconds(newNode, "after"), [120, 5, 16, 20]);
            assert.deepEqual([newNode.beforeSeconds, newNode.afterSeconds], [581, 161]);
        });

        it("misses the 150 s new-node target on the node launch: 109 s would be needed, the source says 80–120", () => {
            const check = checkTarget(scenario(comparisons, "new-node"), 150);
            assert.equal(check.met, false);
            assert.deepEqual(
                [check.heldBy?.stage, check.heldBy?.seconds, check.heldBy?.allowedSeconds],
                ["gpu-node-launch", 120, 109],
            );
            assert.match(check.heldBy!.source, /80–120 s/);
        });

        it("restarts on a warm node in 36 s (target 60 s), was 215 s", () => {
            const warm = scenario(comparisons, "warm-restart");
            assert.deepEqual(seconds(warm, "after"), [0, 0, 16, 20]);
            assert.deepEqual([warm.beforeSeconds, warm.afterSeconds], [215, 36]);
            assert.equal(checkTarget(warm, 60).met, true);
            assert.equal(checkTarget(warm, 35).met, false);
        });

        it("scales out into warm headroom in 41 s: no node launch, the image on the snapshot volume", () => {
            const headroom = scenario(comparisons, "headroom-scale-out");
            assert.deepEqual(seconds(headroom, "before"), [0, 246, 20, 195]);
            assert.deepEqual(seconds(headroom, "after"), [0, 5, 16, 20]);
        });

        it("names the source of every changed stage", () => {
            const stages = scenario(comparisons, "new-node").stages;
            assert.deepEqual(
                stages.map((s) => s.cut),
                [
                    undefined,
                    "image cache (EBS snapshot)",
                    "weights: Run:ai streamer from S3",
                    "vLLM compile cache",
                ],
            );
            assert.match(stages[1].source, /ml-container-cache/);
            assert.match(stages[2].source, /Run:ai Model Streamer/);
            assert.match(stages[3].source, /Baseten/);
        });
    });

    it("describes each scenario and why a stage it skips takes no time", () => {
        assert.deepEqual(
            compareColdStarts(llama8b, allCuts).map((c) => [
                c.scenario,
                c.description,
                c.stages.filter((s) => s.after === 0).map((s) => s.figure),
            ]),
            [
                ["new-node", "a new replica on a new GPU node", []],
                [
                    "warm-restart",
                    "a replica restarting on a node that already ran it",
                    ["node already running", "image already in the node's store"],
                ],
                [
                    "headroom-scale-out",
                    "a scale-out that preempts a warm-headroom placeholder",
                    ["placeholder held the GPUs on a running node"],
                ],
            ],
        );
    });

    it("states each cut's figure: ≤ 5 s from the snapshot, streamed at 1021 MiB/s, ≤ 20 s from the compile cache", () => {
        const stages = scenario(compareColdStarts(llama8b, allCuts), "new-node").stages;
        assert.deepEqual(
            stages.slice(1).map((s) => s.figure),
            [
                "image pre-pulled on an EBS snapshot volume: ≤ 5 s",
                "15 GiB streamed from S3 by the server at 1021 MiB/s (nothing staged)",
                "compile cache restored: ≤ 20 s",
            ],
        );
    });

    it("states the EFS rate a staged copy is read at, in the figure and the cut", () => {
        const weights = scenario(
            compareColdStarts(llama8b, { weights: { kind: "efs", readMiBps: 1024 } }),
            "new-node",
        ).stages[2];
        assert.deepEqual(
            [weights.figure, weights.cut],
            ["15 GiB staged copy read at 1024 MiB/s", "weights: EFS at 1024 MiB/s"],
        );
        assert.match(weights.source, /Amazon EFS performance/);
    });

    it("leaves a 20 s warm-up alone with the compile cache, and cuts a 21 s one to 20 s", () => {
        const warmup = (warmupSeconds: number) =>
            scenario(
                compareColdStarts({ ...llama8b, warmupSeconds }, { compileCache: true }),
                "new-node",
            ).stages[3];
        assert.deepEqual([warmup(20).after, warmup(20).cut], [20, undefined]);
        assert.deepEqual([warmup(21).after, warmup(21).cut], [20, "vLLM compile cache"]);
    });

    it("meets a target equal to the estimate", () => {
        const newNode = scenario(compareColdStarts(llama8b, allCuts), "new-node");
        assert.deepEqual(checkTarget(newNode, 161), {
            scenario: "new-node",
            targetSeconds: 161,
            estimateSeconds: 161,
            met: true,
        });
    });

    it("holds a missed target on the longest stage even when it comes last: a warm restart's 20 s warm-up", () => {
        const warm = scenario(compareColdStarts(llama8b, allCuts), "warm-restart");
        const { heldBy } = checkTarget(warm, 35);
        assert.deepEqual(
            [heldBy?.stage, heldBy?.seconds, heldBy?.allowedSeconds],
            ["engine-warm-up", 20, 19],
        );
    });

    it("applies the cuts to the new-node estimate in the estimate's own shape", () => {
        const estimate = coldStartWithCuts(llama8b, allCuts);
        assert.deepEqual(
            estimate.stages.map((s) => [s.name, s.seconds]),
            [
                ["gpu-node-launch", 120],
                ["image-pull", 5],
                ["weights-read", 16],
                ["engine-warm-up", 20],
            ],
        );
        assert.equal(estimate.totalSeconds, 161);
        assert.equal(
            estimate.stages[1].figure,
            "image pre-pulled on an EBS snapshot volume: ≤ 5 s",
        );
        assert.match(estimate.stages[2].source, /Run:ai Model Streamer/);
    });

    describe("the compile cache's GPU model", () => {
        it("is the one GPU model of the group's types, lower case", () => {
            assert.deepEqual(compileCacheGpuModel(["g6e.xlarge", "g6e.12xlarge"]), {
                gpuModel: "l40s",
            });
        });

        it("is refused for a group mixing GPU models, naming each once", () => {
            assert.deepEqual(compileCacheGpuModel(["g5.xlarge", "g6e.xlarge", "g5.2xlarge"]), {
                problem:
                    "the compile cache is keyed by GPU model, but the group mixes A10G, L40S; split the group or turn compileCache off",
            });
        });

        it("is refused for a group of types outside the catalogue", () => {
            assert.deepEqual(compileCacheGpuModel(["m6i.large"]), {
                problem: "no known GPU instance type to key the compile cache by",
            });
        });
    });

    describe("cuts from config settings", () => {
        const streaming = {
            runtime: "vllm",
            loadFormat: "runai_streamer",
            weightsSource: "s3://weights/llama/1",
        };

        it("parses both image caches, the compile cache and the streaming weights", () => {
            assert.deepEqual(
                cutsFromSettings({
                    imageCache: "ebs-snapshot",
                    compileCache: true,
                    weightsPath: streaming,
                }),
                {
                    imageCache: { kind: "ebs-snapshot" },
                    weights: { kind: "runai-streamer-s3" },
                    compileCache: true,
                },
            );
            assert.deepEqual(
                cutsFromSettings({
                    imageCache: "soci-parallel-pull",
                    weightsPath: { ...streaming, loadFormat: "safetensors" },
                }),
                {
                    imageCache: { kind: "soci-parallel-pull" },
                    weights: undefined,
                    compileCache: undefined,
                },
            );
        });

        it("takes any other image cache setting as none", () => {
            assert.equal(
                cutsFromSettings({ imageCache: "none", weightsPath: streaming }).imageCache,
                undefined,
            );
        });
    });

    it("brings the 70B model from 735 s to 278 s on a new node, inside its 300 s target", () => {
        // after: 120 + 5 + ⌈132·1024/1021⌉ = 133 + 20
        const newNode = scenario(compareColdStarts(llama70b, allCuts), "new-node");
        assert.deepEqual([newNode.beforeSeconds, newNode.afterSeconds], [735, 278]);
        assert.equal(checkTarget(newNode, 300).met, true);
    });

    describe("the weights stage that runs", () => {
        const streaming = {
            runtime: "vllm",
            loadFormat: "runai_streamer",
            weightsSource: "s3://weights/llama/2024-07-23",
        };

        it("is the Run:ai streamer for a vLLM server streaming its s3:// source, whatever EFS rate the stack sets", () => {
            assert.deepEqual(weightsCutFor(streaming), { kind: "runai-streamer-s3" });
            assert.deepEqual(weightsCutFor({ ...streaming, efsReadMiBps: 1500 }), {
                kind: "runai-streamer-s3",
            });
            assert.equal(weightsReadMiBps(weightsCutFor(streaming), 800), runaiStreamerMiBps);
        });

        for (const [what, model] of [
            ["a store outside AWS (weights.endpoint)", { weightsEndpoint: "http://10.0.0.1:9000" }],
            ["an hf:// source", { weightsSource: "hf://meta-llama/Llama-3.1-8B-Instruct" }],
            ["the safetensors loader", { loadFormat: "safetensors" }],
            ["the custom runtime", { runtime: "custom" }],
        ] as const) {
            it(`is the staged copy for ${what}: the stack's EFS rate, or the store's without one`, () => {
                assert.deepEqual(weightsCutFor({ ...streaming, ...model, efsReadMiBps: 1500 }), {
                    kind: "efs",
                    readMiBps: 1500,
                });
                assert.equal(weightsCutFor({ ...streaming, ...model }), undefined);
                assert.equal(weightsReadMiBps(weightsCutFor({ ...streaming, ...model }), 800), 800);
            });
        }

        it("is the streamer exactly when the server loads its s3:// source (servingModelPath)", () => {
            const model = fc.record({
                runtime: fc.constantFrom("vllm", "custom"),
                loadFormat: fc.option(
                    fc.constantFrom("safetensors", "runai_streamer", "fastsafetensors"),
                    { nil: undefined },
                ),
                weightsSource: fc.constantFrom("s3://w/m/1", "s3://w", "hf://org/m", "gs://w/m"),
                weightsEndpoint: fc.option(fc.constant("http://10.0.0.1:9000"), { nil: undefined }),
                efsReadMiBps: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
            });
            fc.assert(
                fc.property(model, (m) => {
                    const loads = servingModelPath({ ...m, stagedDir: "/models/m/1" });
                    const streams = weightsCutFor(m)?.kind === "runai-streamer-s3";
                    return streams === (loads === m.weightsSource);
                }),
            );
        });
    });

    it("reads weights from EFS at the configured rate, capped at Elastic's 1,500 MiB/s per client", () => {
        const efs = (readMiBps: number) =>
            scenario(
                compareColdStarts(llama8b, { weights: { kind: "efs", readMiBps } }),
                "new-node",
            ).stages[2].after;
        assert.equal(efs(1024), 15); // 15·1024/1024
        assert.equal(efs(1500), 11); // ⌈10.24⌉
        assert.equal(efs(3000), 11);
    });

    it("keeps the uncached pull for SOCI parallel pull, for want of a published figure", () => {
        const pull = scenario(
            compareColdStarts(llama8b, { imageCache: { kind: "soci-parallel-pull" } }),
            "new-node",
        ).stages[1];
        assert.deepEqual([pull.before, pull.after], [246, 246]);
        assert.match(pull.figure, /no published pull time/);
    });

    it("never makes a warm-up longer than it was (a 17 s engine stays 17 s)", () => {
        const warmup = scenario(
            compareColdStarts({ ...llama8b, warmupSeconds: 17 }, { compileCache: true }),
            "new-node",
        ).stages[3];
        assert.deepEqual([warmup.before, warmup.after], [17, 17]);
    });

    it("changes nothing without cuts", () => {
        for (const comparison of compareColdStarts(llama8b, {}))
            assert.equal(comparison.afterSeconds, comparison.beforeSeconds);
    });

    it("draws before and after as one Mermaid gantt, zero-length stages left out", () => {
        const lines = coldStartGantt(
            "llama-3-1-8b",
            scenario(compareColdStarts(llama8b, allCuts), "warm-restart"),
        );
        assert.deepEqual(lines, [
            "```mermaid",
            "gantt",
            "    title llama-3-1-8b: a replica restarting on a node that already ran it, before and after the cuts (seconds)",
            "    dateFormat X",
            "    axisFormat %s",
            "    section before (215 s)",
            "    weights-read 20 s :b2, 0, 20s",
            "    engine-warm-up 195 s :b3, after b2, 195s",
            "    section after (36 s)",
            "    weights-read 16 s :a2, 0, 16s",
            "    engine-warm-up 20 s :a3, after a2, 20s",
            "```",
        ]);
    });
});
