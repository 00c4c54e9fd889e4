import { strict as assert } from "assert";
import * as fc from "fast-check";
import { estimateColdStart, startupProbeBudget } from "../components/plan/cold-start";

describe("cold-start estimate", () => {
    it("adds node launch, image pull, weights read and warm-up for a 16 GiB vLLM model", () => {
        const estimate = estimateColdStart({
            imageSizeGiB: 12,
            weightsSizeGiB: 16,
            runtime: "vllm",
        });
        // 120 s node; 12 GiB × 1024 / 50 MiB/s = 245.76 → 246; 16 × 1024 / 500 = 32.768 → 33; vLLM warm-up 195.
        assert.deepEqual(
            estimate.stages.map((s) => [s.name, s.seconds]),
            [
                ["gpu-node-launch", 120],
                ["image-pull", 246],
                ["weights-read", 33],
                ["engine-warm-up", 195],
            ],
        );
        assert.equal(estimate.totalSeconds, 594);
    });

    it("names a figure and a source for every stage", () => {
        const estimate = estimateColdStart({ imageSizeGiB: 12, weightsSizeGiB: 16 });
        assert.deepEqual(
            estimate.stages.map((stage) => stage.figure),
            ["120 s", "12 GiB at 50 MiB/s", "16 GiB at 500 MiB/s", "195 s (vllm default)"],
        );
        for (const stage of estimate.stages) assert.ok(stage.source.length > 0, stage.name);
        const given = estimateColdStart({
            imageSizeGiB: 12,
            weightsSizeGiB: 16,
            warmupSeconds: 60,
        });
        assert.equal(given.stages[3].figure, "60 s (given)");
    });

    it("uses the custom runtime's warm-up default and honours overrides", () => {
        const custom = estimateColdStart({
            imageSizeGiB: 10,
            weightsSizeGiB: 1,
            runtime: "custom",
        });
        assert.equal(custom.stages[3].seconds, 30);
        const tuned = estimateColdStart({
            imageSizeGiB: 10,
            weightsSizeGiB: 100,
            storageReadMiBps: 1500,
            warmupSeconds: 17,
            nodeLaunchSeconds: 80,
            imagePullMiBps: 100,
        });
        // 10 × 1024 / 100 = 102.4 → 103; 100 × 1024 / 1500 = 68.27 → 69.
        assert.deepEqual(
            tuned.stages.map((s) => s.seconds),
            [80, 103, 69, 17],
        );
        assert.equal(tuned.totalSeconds, 269);
    });

    it("refuses to guess a warm-up for an unknown runtime, listing the known ones", () => {
        assert.throws(
            () => estimateColdStart({ imageSizeGiB: 1, weightsSizeGiB: 1, runtime: "triton" }),
            { message: 'no warm-up figure for runtime "triton"; known: vllm, custom' },
        );
    });
});

describe("startup probe budget", () => {
    it("doubles weights read plus warm-up: 16 GiB at 500 MiB/s with 195 s warm-up gives 456 s, 46 probes", () => {
        // (32.768 + 195) × 2 = 455.536 → 456 s; ceil(456 / 10) = 46.
        assert.deepEqual(
            startupProbeBudget({ weightsSizeGiB: 16, storageReadMiBps: 500, warmupSeconds: 195 }),
            {
                periodSeconds: 10,
                failureThreshold: 46,
                budgetSeconds: 456,
            },
        );
    });

    it("gives bigger weights a bigger failureThreshold", () => {
        // (131.072 + 195) × 2 = 652.144 → 653 s; ceil(65.3) = 66.
        const big = startupProbeBudget({
            weightsSizeGiB: 64,
            storageReadMiBps: 500,
            warmupSeconds: 195,
        });
        assert.equal(big.budgetSeconds, 653);
        assert.equal(big.failureThreshold, 66);
    });

    it("never goes below the 120 s floor", () => {
        assert.deepEqual(
            startupProbeBudget({ weightsSizeGiB: 1, storageReadMiBps: 1500, warmupSeconds: 10 }),
            {
                periodSeconds: 10,
                failureThreshold: 12,
                budgetSeconds: 120,
            },
        );
    });

    it("applies the safety factor and period it is given", () => {
        // (10 × 1024 / 256 + 20) × 3 = 180 s; ceil(180 / 15) = 12.
        assert.deepEqual(
            startupProbeBudget({
                weightsSizeGiB: 10,
                storageReadMiBps: 256,
                warmupSeconds: 20,
                safetyFactor: 3,
                periodSeconds: 15,
            }),
            { periodSeconds: 15, failureThreshold: 12, budgetSeconds: 180 },
        );
    });

    it("grows monotonically with the weights and always covers the budget with probes", () => {
        const input = fc.record({
            a: fc.double({ min: 0.1, max: 2000, noNaN: true }),
            b: fc.double({ min: 0.1, max: 2000, noNaN: true }),
            read: fc.integer({ min: 50, max: 3000 }),
            warmup: fc.integer({ min: 0, max: 900 }),
            period: fc.integer({ min: 1, max: 60 }),
        });
        fc.assert(
            fc.property(input, ({ a, b, read, warmup, period }) => {
                const [small, large] = a <= b ? [a, b] : [b, a];
                const lo = startupProbeBudget({
                    weightsSizeGiB: small,
                    storageReadMiBps: read,
                    warmupSeconds: warmup,
                    periodSeconds: period,
                });
                const hi = startupProbeBudget({
                    weightsSizeGiB: large,
                    storageReadMiBps: read,
                    warmupSeconds: warmup,
                    periodSeconds: period,
                });
                assert.ok(hi.failureThreshold >= lo.failureThreshold);
                assert.ok(hi.budgetSeconds >= 120);
                assert.ok(hi.failureThreshold * hi.periodSeconds >= hi.budgetSeconds);
                assert.ok((hi.failureThreshold - 1) * hi.periodSeconds < hi.budgetSeconds);
            }),
        );
    });
});
