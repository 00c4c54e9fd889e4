import { strict as assert } from "assert";
import { servingPlanSummary } from "../stacks/serving-plan";
import { projectConfig, readStackFile } from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";

/** The committed prod stack's cold-start targets (issue 11), checked on hand-derived arithmetic. */
describe("prod cold-start targets", () => {
    const plan = servingPlanSummary(parseStackConfig(projectConfig(readStackFile("prod")), "prod"));
    const model = (name: string) => plan.models.find((m) => m.model === name)!;
    const target = (name: string, scenario: string) =>
        model(name).targets.find((t) => t.scenario === scenario)!;

    it("llama-3-1-8b on a new node: 120 launch + 5 snapshot + ⌈15·1024/1500⌉ = 11 + 20 cached = 156 s, over 150", () => {
        const check = target("llama-3-1-8b", "new-node");
        assert.deepEqual(
            [check.targetSeconds, check.estimateSeconds, check.met],
            [150, 156, false],
        );
        // The node launch holds it: 150 − (5 + 11 + 20) = 114 s would be needed, the source says 80–120.
        assert.deepEqual(
            [check.heldBy?.stage, check.heldBy?.seconds, check.heldBy?.allowedSeconds],
            ["gpu-node-launch", 120, 114],
        );
    });

    it("llama-3-1-8b restarting on a warm node: 11 + 20 = 31 s, within 60", () => {
        const check = target("llama-3-1-8b", "warm-restart");
        assert.deepEqual([check.targetSeconds, check.estimateSeconds, check.met], [60, 31, true]);
    });

    it("llama-3-1-70b on a new node: 120 + 5 + ⌈132·1024/1500⌉ = 91 + 20 = 236 s, within 300", () => {
        const check = target("llama-3-1-70b", "new-node");
        assert.deepEqual([check.targetSeconds, check.estimateSeconds, check.met], [300, 236, true]);
    });

    it("started from 581 s and 735 s before the cuts (the issue's figures)", () => {
        const before = (name: string) =>
            model(name).comparisons.find((c) => c.scenario === "new-node")!.beforeSeconds;
        // 120 + ⌈12·1024/50⌉ = 246 + ⌈15·1024/800⌉ = 20 + 195; 120 + 246 + ⌈132·1024/800⌉ = 169 + 200.
        assert.deepEqual([before("llama-3-1-8b"), before("llama-3-1-70b")], [581, 735]);
    });
});
