import { GpuGroupCapacity } from "../components/plan/capacity";
import { CostEstimate, estimateMonthlyCost, formatUsd, pricedInstanceType } from "./plan-cost";
import { hoursPerMonth, PriceTable, prices } from "./prices";
import { ModelPlanSummary, ServingPlanSummary } from "./serving-plan";
import type { StackConfig } from "./config-schema";

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

export interface PlanReport {
    stack: string;
    platform: string;
    region?: string;
    prices: Pick<PriceTable, "asOf" | "region" | "source">;
    groups: GroupReport[];
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
        models: input.plan.models,
        resourceCounts: input.resourceCounts,
        cost: estimateMonthlyCost(config, table),
        warnings,
    };
}

function row(cells: readonly (string | number)[]): string {
    return `| ${cells.join(" | ")} |`;
}

function table(
    header: readonly string[],
    rows: readonly (readonly (string | number)[])[],
): string[] {
    return [row(header), row(header.map(() => "---")), ...rows.map(row)];
}

const yesNo = (value: boolean) => (value ? "yes" : "**no**");
const money = (amount: number | undefined) => (amount === undefined ? "n/a" : formatUsd(amount));

export function renderCapacity(report: PlanReport): string[] {
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
        ...table(
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
    const lines = [
        "#### Cold start per model",
        "",
        "A new replica on a new GPU node, stage after stage.",
    ];
    for (const model of report.models) {
        lines.push(
            "",
            `**${model.model}** on \`${model.gpuGroup}\`: ${model.coldStartSeconds} s`,
            "",
        );
        lines.push(
            ...table(
                ["stage", "seconds", "figure", "source"],
                model.coldStart.map((s) => [s.name, s.seconds, s.figure, s.source]),
            ),
        );
    }
    return lines;
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
        lines.push("", ...table(["item", "basis", "at min size", "at max size"], rows));
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
        ...table(
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
        renderColdStarts(report),
        renderCost(report),
        renderResourceCounts(report),
    ];
    return sections.map((lines) => lines.join("\n")).join("\n\n") + "\n";
}
