import { strict as assert } from "assert";
import { servingPlanSummary } from "../stacks/serving-plan";
import { projectConfig, readStackFile } from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";

/**
 * The committed prod stack's cold-start targets (issue 11), checked on hand-derived arithmetic.
 * Prod's two LLMs are vLLM with `loadFormat: runai_streamer` and s3:// sources, so their servers
 * stream the weights from S3 at start (nothing staged): their weights stage is the Run:ai streamer's
 * 15 GB in 14 s = 1,021 MiB/s (NVIDIA blog), not the EFS read of a staged copy. The image comes from
 * the snapshot volume (≤ 5 s) and the compile cache restores the warm-up (≤ 20 s).
 */
describe("prod cold-start targets", () => {
    // Parsed per test: Stryker counts only code run in a test or its beforeEach.
    let plan: ReturnType<typeof servingPlanSummary>;
    beforeEach(() => {
        plan = servingPlanSummary(parseStackConfig(projectConfig(readStackFile("prod")), "prod"));
    });
    const model = (name: string) => plan.models.find((m) => m.model === name)!;
    const target = (name: string, scenario: string) =>
        model(name).targets.find((t) => t.scenario === scenario)!;
    const weightsStage = (name: string) =>
        model(name)
            .comparisons.find((c) => c.scenario === "new-node")!
            .stages.find((s) => s.name === "weights-read")!;

    it("reads the LLMs' weights where their servers read them: streamed from S3, the resnet's staged copy from EFS", () => {
        assert.deepEqual(
            ["llama-3-1-8b", "llama-3-1-70b", "resnet-classifier"].map((m) => weightsStage(m).cut),
            [
                "weights: Run:ai streamer from S3",
                "weights: Run:ai streamer from S3",
                "weights: EFS at 1500 MiB/s",
            ],
        );
    });

    it("llama-3-1-8b on a new node: 120 launch + 5 snapshot + ⌈15·1024/1021⌉ = 16 streamed + 20 cached = 161 s, over 150", () => {
        const check = target("llama-3-1-8b", "new-node");
        assert.deepEqual(
            [check.targetSeconds, check.estimateSeconds, check.met],
            [150, 161, false],
        );
        // The node launch holds it: 150 − (5 + 16 + 20) = 109 s would be needed; the source gives
        // 80–120 s and the estimate takes the top. Even a staged copy at EFS Elastic's 1,500 MiB/s
        // (⌈10.24⌉ = 11 s) would leave 156 s: no weights path closes the gap.
        assert.deepEqual(
            [check.heldBy?.stage, check.heldBy?.seconds, check.heldBy?.allowedSeconds],
            ["gpu-node-launch", 120, 109],
        );
    });

    it("llama-3-1-8b restarting on a warm node: 16 streamed + 20 cached = 36 s, within 60", () => {
        const check = target("llama-3-1-8b", "warm-restart");
        assert.deepEqual([check.targetSeconds, check.estimateSeconds, check.met], [60, 36, true]);
    });

    it("llama-3-1-70b on a new node: 120 + 5 + ⌈132·1024/1021⌉ = 133 streamed + 20 = 278 s, within 300", () => {
        const check = target("llama-3-1-70b", "new-node");
        assert.deepEqual([check.targetSeconds, check.estimateSeconds, check.met], [300, 278, true]);
    });

    it("started from 581 s and 735 s before the cuts (the issue's figures)", () => {
        const before = (name: string) =>
            model(name).comparisons.find((c) => c.scenario === "new-node")!.beforeSeconds;
        // 120 + ⌈12·1024/50⌉ = 246 + ⌈15·1024/800⌉ = 20 + 195; 120 + 246 + ⌈132·1024/800⌉ = 169 + 200.
        assert.deepEqual([before("llama-3-1-8b"), before("llama-3-1-70b")], [581, 735]);
    });
});
