import { GpuGroupCapacity } from "../components/plan/capacity";
import type { PoolCapacity } from "../components/plan/node-pool-capacity";
import { headroomFor, poolPlanInput } from "./capacity-plan";
import { renderColdStartCuts } from "./plan-cold-start";
import { headroomCost, HeadroomCost, poolPricing, PoolPricing, PricedPoolType } from "./plan-pools";
import { CostEstimate, estimateMonthlyCost, formatUsd, pricedInstanceType } from "./plan-cost";
import { hoursPerMonth, PriceTable, prices } from "./prices";
import { ModelPlanSummary, ServingPlanSummary } from "./serving-plan";
import type { StackConfig } from "./config-schema";
import { markdownTable } from "./markdown";

/** What one rendering of a stack gives the report. */
export interface PlanInput {
    stack: string;
    /** The stack's config, parsed and validated. */
    config: StackConfig;
    /** `aws:region` of the stack, when set. */
    region?: string;
    /** The `plan` stack output. */
    plan: ServingPlanSummary;
    /** Resources the mocked render registered, by type. */
    resourceCounts: Readonly<Record<string, number>>;
}

/** A GPU node group: its capacity plan next to the sizes and the instance type it is priced as. */
export interface GroupReport extends GpuGroupCapacity {
    instanceTypes: string[];
    capacityType: string;
    minSize: number;
    maxSize: number;
    pricedType: string;
}

/** A GPU NodePool: where its replicas land, its fitting types priced, its consolidation delay. */
export interface PoolReport extends PoolCapacity {
    instanceFamilies: string[];
    capacityTypes: string[];
    consolidateAfterSeconds: number;
    pricing: PoolPricing;
    headroom?: HeadroomCost;
}

export interface PlanReport {
    stack: string;
    platform: string;
    region?: string;
    prices: Pick<PriceTable, "asOf" | "region" | "source">;
    groups: GroupReport[];
    pools: PoolReport[];
    models: ModelPlanSummary[];
    resourceCounts: Readonly<Record<string, number>>;
    cost: CostEstimate;
    /** Warnings about the estimate itself (e.g. a region the price table does not cover). */
    warnings: string[];
}

export function buildPlanReport(input: PlanInput, table: PriceTable = prices): PlanReport {
    const { config } = input;
    const groups = input.plan.gpuGroups.map((capacity): GroupReport => {
        const group = config.cluster.gpuNodeGroups.find((g) => g.name === capacity.group);
        if (!group)
            throw new Error(
                `plan names GPU group "${capacity.group}", which the config does not have`,
            );
        return {
            ...capacity,
            instanceTypes: group.instanceTypes,
            capacityType: group.capacityType,
            minSize: group.minSize,
            maxSize: group.maxSize,
            pricedType: pricedInstanceType(group.instanceTypes, group.capacityType, table)
                .instanceType,
        };
    });
    const warnings: string[] = [];
    const pools = poolReports(input, table);
    if (config.platform === "eks" && input.region !== table.region) {
        warnings.push(
            `the stack's region is ${input.region ?? "not set"} but the prices are for ${table.region}; costs are indicative only.`,
        );
    }
    return {
        stack: input.stack,
        platform: config.platform,
        region: input.region,
        prices: { asOf: table.asOf, region: table.region, source: table.source },
        groups,
        pools,
        models: input.plan.models,
        resourceCounts: input.resourceCounts,
        cost: estimateMonthlyCost(config, table),
        warnings,
    };
}

const yesNo = (value: boolean) => (value ? "yes" : "**no**");
const money = (amount: number | undefined) => (amount === undefined ? "n/a" : formatUsd(amount));

function poolReports(input: PlanInput, table: PriceTable): PoolReport[] {
    const { config } = input;
    return input.plan.gpuNodePools.map((capacity): PoolReport => {
        const pool = config.cluster.gpuNodePools.find((p) => p.name === capacity.group)!;
        const planned = poolPlanInput(config, pool);
        const headroom = headroomFor(config, pool);
        const saved = input.plan.models
            .filter((m) => m.gpuGroup === pool.name)
            .map((m) => {
                const after = (name: string) =>
                    m.comparisons.find((c) => c.scenario === name)!.afterSeconds;
                return { model: m.model, seconds: after("new-node") - after("headroom-scale-out") };
            });
        return {
            ...capacity,
            instanceFamilies: pool.instanceFamilies,
            capacityTypes: pool.capacityTypes,
            consolidateAfterSeconds: planned.consolidateAfterSeconds,
            pricing: poolPricing(planned, table),
            headroom: headroom && headroomCost(planned, headroom, saved, table),
        };
    });
}

/** Per NodePool: replicas placed against the GPU limit, fitting types from cheapest to dearest. */
export function renderPools(report: PlanReport): string[] {
    if (report.pools.length === 0) return [];
    const price = (t?: PricedPoolType) =>
        t ? `${t.instanceType} ($${t.perHour}/h, $${t.perGpuHour.toFixed(3)}/GPU-h)` : "n/a";
    const rows = report.pools.map((p) => [
        p.group,
        p.instanceFamilies.join(", "),
        p.capacityTypes.join(", "),
        p.gpusRequestedAtMax,
        `${p.gpuLimit}${p.staticGpus > 0 ? ` + ${p.staticGpus} static` : ""}`,
        p.placements.map((m) => `${m.modelName}: ${m.poolNodeType ?? "none fits"}`).join("; "),
        `${p.consolidateAfterSeconds} s`,
        price(p.pricing.cheapest),
        price(p.pricing.dearest),
        yesNo(p.fits) + (p.fits ? "" : ` (${p.pendingReplicas} replicas would stay Pending)`),
    ]);
    return [
        "#### GPU NodePools (Karpenter)",
        "",
        "GPUs requested at maxReplicas plus one rollout surge replica per model, against the pool's `nvidia.com/gpu` limit; the node type Karpenter launches for each model (the fitting type with the fewest GPUs); the pool's cheapest and dearest fitting types per GPU.",
        "",
        ...markdownTable(
            [
                "pool",
                "families",
                "capacity",
                "GPUs requested at max",
                "GPU limit",
                "node per model",
                "consolidateAfter",
                "cheapest fitting",
                "dearest fitting",
                "fits",
            ],
            rows,
        ),
        ...renderHeadroom(report),
    ];
}

/** What warm headroom costs next to the seconds a scale-out saves with it. */
function renderHeadroom(report: PlanReport): string[] {
    const rows = report.pools
        .filter((p) => p.headroom)
        .map((p) => {
            const h = p.headroom!;
            return [
                p.group,
                `${h.gpus} GPU(s) on ${h.nodes} × ${h.instanceType}`,
                formatUsd(h.monthly),
                h.secondsSaved.map((s) => `${s.model}: ${s.seconds} s`).join("; "),
            ];
        });
    if (rows.length === 0) return [];
    return [
        "",
        "Warm headroom: placeholder pods hold spare GPUs; a scale-out preempts one and starts on a running node instead of a new one.",
        "",
        ...markdownTable(["pool", "held", "per month", "seconds saved per scale-out"], rows),
    ];
}

export function renderCapacity(report: PlanReport): string[] {
    if (report.groups.length === 0) return [];
    const rows = report.groups.map((g) => [
        g.group,
        g.instanceTypes.join(", "),
        g.capacityType,
        g.gpusRequestedAtMax,
        g.gpusAvailableAtMax,
        g.nodesNeeded,
        g.maxSize,
        yesNo(g.fits) +
            (g.unplaceable.length > 0
                ? ` (a replica of ${g.unplaceable.join(", ")} needs more GPUs than a node has)`
                : ""),
    ]);
    return [
        "#### GPU capacity per node group",
        "",
        "GPUs requested at maxReplicas plus one rollout surge replica per model, against what maxSize nodes offer.",
        "",
        ...markdownTable(
            [
                "group",
                "instance types",
                "capacity",
                "GPUs requested at max",
                "GPUs available at max",
                "nodes needed",
                "maxSize",
                "fits",
            ],
            rows,
        ),
    ];
}

export function renderColdStarts(report: PlanReport): string[] {
    // A scale-out into headroom is a scenario only where a pool holds headroom.
    const withHeadroom = new Set(report.pools.filter((p) => p.headroom).map((p) => p.group));
    return renderColdStartCuts(
        report.models.map((m) => ({
            model: m.model,
            gpuGroup: m.gpuGroup,
            comparisons: m.comparisons.filter(
                (c) => c.scenario !== "headroom-scale-out" || withHeadroom.has(m.gpuGroup),
            ),
            targets: m.targets,
        })),
    );
}

export function renderCost(report: PlanReport): string[] {
    const { cost, prices: p } = report;
    const lines = [
        "#### Estimated monthly cost",
        "",
        `${hoursPerMonth} h/month at prices as of ${p.asOf} for ${p.region}; source: ${p.source} (stacks/prices.ts).`,
    ];
    for (const warning of report.warnings) lines.push("", `**Warning:** ${warning}`);
    if (cost.lines.length > 0) {
        const rows = cost.lines.map((l) => [
            l.item,
            l.basis,
            money(l.monthlyAtMin),
            money(l.monthlyAtMax),
        ]);
        rows.push([
            "**total**",
            "",
            `**${formatUsd(cost.totalAtMin)}**`,
            `**${formatUsd(cost.totalAtMax)}**`,
        ]);
        lines.push("", ...markdownTable(["item", "basis", "at min size", "at max size"], rows));
    }
    lines.push("", ...cost.notes.map((note) => `- ${note}`));
    return lines;
}

export function renderResourceCounts(report: PlanReport): string[] {
    const entries = Object.entries(report.resourceCounts).sort(([a], [b]) => a.localeCompare(b));
    const total = entries.reduce((sum, [, count]) => sum + count, 0);
    return [
        `#### Resources by type (${total} in total)`,
        "",
        ...markdownTable(
            ["type", "count"],
            entries.map(([type, count]) => [`\`${type}\``, count]),
        ),
    ];
}

/** The whole report as markdown-friendly text (the PR workflow posts it as a comment). */
export function renderPlanReport(report: PlanReport, diff?: string[]): string {
    const region = report.platform === "eks" ? `, region ${report.region ?? "not set"}` : "";
    const sections = [
        [
            `**Plan for stack \`${report.stack}\`** (platform ${report.platform}${region}): offline, from Pulumi.${report.stack}.yaml rendered under mocks.`,
        ],
        ...(diff ? [diff] : []),
        renderCapacity(report),
        renderPools(report),
        renderColdStarts(report),
        renderCost(report),
        renderResourceCounts(report),
    ];
    return (
        sections
            .filter((lines) => lines.length > 0)
            .map((lines) => lines.join("\n"))
            .join("\n\n") + "\n"
    );
}
