import { strict as assert } from "assert";
import { gpuInstanceTypes } from "../components/plan/gpu-instances";
import { estimateMonthlyCost, pricedInstanceType } from "../stacks/plan-cost";
import { diffPlanReports, renderPlanDiff } from "../stacks/plan-diff";
import { buildPlanReport, PlanReport } from "../stacks/plan-report";
import { prices, PriceTable } from "../stacks/prices";
import { servingPlanSummary } from "../stacks/serving-plan";
import { projectConfig, readStackFile } from "../stacks/stack-files";
import type { StackConfig } from "../stacks/config-schema";
import { parseStackConfig } from "../stacks/validate";

const hours = 730;

/** A committed stack's raw config (project keys without prefix), after `edit`. */
function rawConfig(stack: string, edit: (raw: any) => void = () => undefined): Record<string, any> {
    const raw = JSON.parse(JSON.stringify(projectConfig(readStackFile(stack))));
    edit(raw);
    return raw;
}

function config(stack: string, edit?: (raw: any) => void): StackConfig {
    return parseStackConfig(rawConfig(stack, edit), stack);
}

function report(
    stack: string,
    edit?: (raw: any) => void,
    resourceCounts: Record<string, number> = {},
): PlanReport {
    const parsed = config(stack, edit);
    return buildPlanReport({
        stack,
        config: parsed,
        region: "us-west-2",
        plan: servingPlanSummary(parsed),
        resourceCounts,
    });
}

/** prod as it ran before Karpenter: two on-demand node groups, no image cache (node groups have none). */
function prodOnNodeGroups(raw: any): void {
    raw.cluster.capacityEngine = "node-groups";
    raw.cluster.gpuNodePools = [];
    delete raw.cluster.karpenter;
    raw.cluster.gpuNodeGroups = [
        {
            name: "inference",
            instanceTypes: ["g6e.2xlarge"],
            minSize: 2,
            desiredSize: 3,
            maxSize: 8,
        },
        {
            name: "large",
            instanceTypes: ["g6e.12xlarge"],
            minSize: 2,
            maxSize: 3,
            rootVolumeSizeGiB: 400,
        },
    ];
    raw.coldStart = {};
}

/** staging as it ran before Karpenter: one on-demand g5.2xlarge node group of 1–5 nodes. */
function stagingOnNodeGroups(raw: any): void {
    raw.cluster.capacityEngine = "node-groups";
    raw.cluster.gpuNodePools = [];
    raw.cluster.gpuNodeGroups = [
        {
            name: "inference",
            instanceTypes: ["g5.2xlarge"],
            capacityType: "ON_DEMAND",
            minSize: 1,
            desiredSize: 2,
            maxSize: 5,
        },
    ];
}

function line(stack: StackConfig, item: string) {
    const found = estimateMonthlyCost(stack).lines.find((l) => l.item === item);
    assert.ok(found, `no cost line "${item}"`);
    return found;
}

function assertMoney(actual: number | undefined, expected: number) {
    assert.ok(
        actual !== undefined && Math.abs(actual - expected) < 1e-6,
        `expected ${expected}, got ${actual}`,
    );
}

describe("plan report", () => {
    describe("price table", () => {
        it("prices every GPU instance type in the catalogue and the m6i system types", () => {
            const missing = [
                ...Object.keys(gpuInstanceTypes),
                "m6i.large",
                "m6i.xlarge",
                "m6i.2xlarge",
            ].filter((t) => !prices.instances[t]);
            assert.deepEqual(missing, []);
        });

        it("has spot below on-demand for every type", () => {
            for (const [type, price] of Object.entries(prices.instances)) {
                assert.ok(price.spotPerHour > 0 && price.spotPerHour < price.onDemandPerHour, type);
            }
        });

        it("is dated 2026-11 for us-west-2 with its source", () => {
            assert.deepEqual(
                [prices.asOf, prices.region, prices.source],
                ["2026-11", "us-west-2", "AWS pricing pages, us-west-2"],
            );
        });
    });

    describe("monthly cost", () => {
        it("prices an on-demand GPU group at minSize and at maxSize nodes for 730 h", () => {
            const inference = line(config("prod", prodOnNodeGroups), "GPU group inference");
            assertMoney(inference.monthlyAtMin, 2 * 2.24208 * hours);
            assertMoney(inference.monthlyAtMax, 8 * 2.24208 * hours);
            assert.equal(inference.basis, "2–8 × g6e.2xlarge on-demand at $2.24208/h");
        });

        it("prices a spot group at the spot price of its cheapest type", () => {
            const inference = line(config("dev"), "GPU group inference");
            assertMoney(inference.monthlyAtMin, 0);
            assertMoney(inference.monthlyAtMax, 2 * 0.35 * hours);
            assert.match(inference.basis, /× g6\.xlarge spot at \$0\.35\/h/);
        });

        it("prices a mixed on-demand group as its first type, which launches first, and says so", () => {
            const onDemand = config(
                "dev",
                (raw) => (raw.cluster.gpuNodeGroups[0].capacityType = "ON_DEMAND"),
            );
            assertMoney(line(onDemand, "GPU group inference").monthlyAtMax, 2 * 1.006 * hours);
            const note = estimateMonthlyCost(onDemand).notes.find((n) =>
                n.startsWith("GPU group inference"),
            );
            assert.match(
                note ?? "",
                /mixed types g5\.xlarge, g6\.xlarge: priced as g5\.xlarge, the first listed/,
            );
        });

        it("prices system nodes on-demand between their min and max size", () => {
            const system = line(config("prod"), "System nodes");
            assertMoney(system.monthlyAtMin, 3 * 0.192 * hours);
            assertMoney(system.monthlyAtMax, 6 * 0.192 * hours);
        });

        it("counts a NAT gateway per AZ, or one shared, hourly only", () => {
            assertMoney(line(config("prod"), "NAT gateways").monthlyAtMax, 3 * 0.045 * hours);
            assertMoney(line(config("dev"), "NAT gateways").monthlyAtMax, 1 * 0.045 * hours);
            assert.ok(
                estimateMonthlyCost(config("dev")).notes.some((n) =>
                    n.includes("data processed is extra at $0.045/GB"),
                ),
            );
        });

        it("prices EFS storage as the sum of the models' weights and states the assumption", () => {
            assertMoney(
                line(config("prod"), "EFS model store").monthlyAtMin,
                (15 + 132 + 0.1) * 0.3,
            );
            assert.ok(
                estimateMonthlyCost(config("prod")).notes.some((n) =>
                    n.includes("Σ weights.sizeGiB of the models (147.1 GiB"),
                ),
            );
        });

        it("prices one NLB per model behind a load balancer, none for ClusterIP models", () => {
            // prod: serving.serviceType InternalLoadBalancer for all three models.
            assertMoney(
                line(config("prod"), "Network Load Balancers").monthlyAtMin,
                3 * 0.0225 * hours,
            );
            const oneInternal = config("prod", (raw) => {
                raw.serving.serviceType = "ClusterIP";
                raw.models[0].serviceType = "InternalLoadBalancer";
            });
            assert.equal(
                line(oneInternal, "Network Load Balancers").basis,
                "1 × $0.0225/h, one per model (llama-3-1-8b)",
            );
            assert.ok(
                !estimateMonthlyCost(config("dev")).lines.some(
                    (l) => l.item === "Network Load Balancers",
                ),
            );
        });

        it("adds the EKS control plane and sums every line into the totals", () => {
            const cost = estimateMonthlyCost(config("prod", prodOnNodeGroups));
            assertMoney(line(config("prod"), "EKS control plane").monthlyAtMax, 0.1 * hours);
            const fixed = (3 * 0.045 + 3 * 0.0225) * hours + 147.1 * 0.3 + 0.1 * hours;
            assertMoney(cost.totalAtMin, (2 * 2.24208 + 2 * 10.49264 + 3 * 0.192) * hours + fixed);
            assertMoney(cost.totalAtMax, (8 * 2.24208 + 3 * 10.49264 + 6 * 0.192) * hours + fixed);
        });

        it("prices prod's NodePools: minReplicas and headroom at min, the GPU limit at the cheapest GPU at max", () => {
            const inference = line(config("prod"), "GPU NodePool inference");
            // (2 + 2 replicas + 1 warm-headroom placeholder) × g6e.xlarge; 8 GPUs × $1.861/GPU-h.
            assertMoney(inference.monthlyAtMin, 5 * 1.861 * hours);
            assertMoney(inference.monthlyAtMax, 8 * 1.861 * hours);
            const large = line(config("prod"), "GPU NodePool large");
            // 2 × g6e.12xlarge for the 70B; 12 GPUs × $10.49264 / 4 per GPU-h.
            assertMoney(large.monthlyAtMin, 2 * 10.49264 * hours);
            assertMoney(large.monthlyAtMax, 12 * (10.49264 / 4) * hours);
            const cost = estimateMonthlyCost(config("prod"));
            const fixed = (3 * 0.045 + 3 * 0.0225) * hours + 147.1 * 0.3 + 0.1 * hours;
            assertMoney(cost.totalAtMin, (5 * 1.861 + 2 * 10.49264 + 3 * 0.192) * hours + fixed);
            assertMoney(
                cost.totalAtMax,
                (8 * 1.861 + 12 * (10.49264 / 4) + 6 * 0.192) * hours + fixed,
            );
        });

        it("estimates no AWS cost for a stack on an existing cluster", () => {
            const cost = estimateMonthlyCost(config("local"));
            assert.deepEqual([cost.lines, cost.totalAtMax], [[], 0]);
            assert.match(cost.notes[0], /platform "existing"/);
        });

        it("leaves a type without a price out of the total and says so", () => {
            const { "m6i.xlarge": _dropped, ...rest } = prices.instances;
            const table: PriceTable = { ...prices, instances: rest };
            const cost = estimateMonthlyCost(config("prod"), table);
            const system = cost.lines.find((l) => l.item === "System nodes");
            assert.equal(system?.monthlyAtMax, undefined);
            assert.match(
                system?.basis ?? "",
                /no price for m6i\.xlarge in stacks\/prices\.ts, not counted/,
            );
            assertMoney(
                cost.totalAtMax,
                estimateMonthlyCost(config("prod")).totalAtMax - 6 * 0.192 * hours,
            );
        });

        it("prices a single-type group without a note", () => {
            assert.deepEqual(pricedInstanceType(["g5.2xlarge"], "SPOT"), {
                instanceType: "g5.2xlarge",
                perHour: 0.48,
            });
        });

        it("warns when the stack is in another region than the price table", () => {
            const parsed = config("prod");
            const other = buildPlanReport({
                stack: "prod",
                config: parsed,
                region: "eu-west-1",
                plan: servingPlanSummary(parsed),
                resourceCounts: {},
            });
            assert.match(
                other.warnings.join(),
                /region is eu-west-1 but the prices are for us-west-2/,
            );
        });
    });

    describe("change against a base", () => {
        const bigger = (raw: any) => {
            raw.cluster.gpuNodeGroups[0].maxSize = 7;
            raw.models[0].maxReplicas = 4;
        };

        it("reports added nodes at max, the GPUs requested and the monthly cost at max", () => {
            const changes = diffPlanReports(
                report("staging", stagingOnNodeGroups),
                report("staging", (raw) => {
                    stagingOnNodeGroups(raw);
                    bigger(raw);
                }),
            );
            assert.deepEqual(changes, [
                "GPU group inference: +2 × g5.2xlarge at max (5 → 7 nodes)",
                "GPU group inference: GPUs requested at max 5 → 7 (+2)",
                "GPU group inference: GPUs available at max 5 → 7",
                "+$1,770/month at max size ($4,810 → $6,580)",
            ]);
        });

        it("reports a switch to spot with what it saves at min and at max size", () => {
            const spot = report("staging", (raw) => {
                stagingOnNodeGroups(raw);
                raw.cluster.gpuNodeGroups[0].capacityType = "SPOT";
            });
            assert.deepEqual(diffPlanReports(report("staging", stagingOnNodeGroups), spot), [
                "GPU group inference: capacity ON_DEMAND → SPOT",
                // (1.212 - 0.48) $/h × 730 h × 1 and × 5 nodes.
                "-$534/month at min size ($1,201 → $667)",
                "-$2,672/month at max size ($4,810 → $2,138)",
            ]);
        });

        it("reports resource count deltas by type", () => {
            const base = report("prod", undefined, {
                "aws:ec2/natGateway:NatGateway": 1,
                "aws:ec2/eip:Eip": 1,
            });
            const head = report("prod", undefined, {
                "aws:ec2/natGateway:NatGateway": 3,
                "aws:eks/addon:Addon": 6,
            });
            assert.deepEqual(diffPlanReports(base, head), [
                "-1 `aws:ec2/eip:Eip` (1 → 0)",
                "+2 `aws:ec2/natGateway:NatGateway` (1 → 3)",
                "+6 `aws:eks/addon:Addon` (0 → 6)",
            ]);
        });

        it("reports added and removed models and groups", () => {
            const staging = report("staging", stagingOnNodeGroups);
            const prod = report("prod", prodOnNodeGroups);
            const changes = diffPlanReports(staging, prod);
            assert.ok(
                changes.includes(
                    "GPU group large added: 2–3 × g6e.12xlarge ON_DEMAND, 12 GPUs requested at max",
                ),
                changes.join("\n"),
            );
            // No coldStart cuts, but the 70B's server streams its weights from S3 all the same:
            // 120 launch + ⌈12·1024/50⌉ = 246 pull + ⌈132·1024/1021⌉ = 133 streamed + 200 warm-up.
            assert.ok(
                changes.includes("model llama-3-1-70b added on large: cold start 699 s"),
                changes.join("\n"),
            );
            assert.ok(
                diffPlanReports(prod, staging).includes(
                    "GPU group large removed (was 2–3 × g6e.12xlarge ON_DEMAND)",
                ),
            );
        });

        it("reports a NodePool added and a GPU limit raised", () => {
            const prod = report("prod");
            assert.ok(
                diffPlanReports(report("prod", prodOnNodeGroups), prod).includes(
                    "GPU NodePool large added: g6e on-demand, limit 12 GPUs",
                ),
            );
            const raised = report("prod", (raw) => (raw.cluster.gpuNodePools[1].gpuLimit = 16));
            assert.deepEqual(
                diffPlanReports(prod, raised).filter((l) => l.startsWith("GPU NodePool")),
                ["GPU NodePool large: GPU limit 12 → 16 (+4)"],
            );
        });

        it("says there is no change when the plans are the same", () => {
            const lines = renderPlanDiff(
                "prod",
                "origin/main",
                { kind: "rendered", report: report("prod") },
                report("prod"),
            );
            assert.equal(lines.at(-1), "No change against `origin/main`.");
        });

        it("says the stack is new when the base has no stack file, and shows an invalid base's error", () => {
            assert.match(
                renderPlanDiff("prod", "v1", { kind: "missing" }, report("prod")).join("\n"),
                /does not exist at `v1`: the whole stack is new/,
            );
            const invalid = renderPlanDiff(
                "prod",
                "v1",
                { kind: "invalid", message: 'Stack "prod" config has 1 problem' },
                report("prod"),
            );
            assert.ok(invalid.includes('Stack "prod" config has 1 problem'));
        });
    });
});
