import {
    coldStartGantt,
    ScenarioComparison,
    TargetCheck,
} from "../components/plan/cold-start-cuts";
import { markdownTable } from "./markdown";

/** One model's cold start in the plan report: each scenario before and after the cuts, and its targets. */
export interface ModelColdStartReport {
    model: string;
    gpuGroup: string;
    comparisons: ScenarioComparison[];
    targets: TargetCheck[];
}

const scenarioNames: Record<ScenarioComparison["scenario"], string> = {
    "new-node": "new node",
    "warm-restart": "warm restart",
    "headroom-scale-out": "scale-out into warm headroom",
};

function targetRow(check: TargetCheck): (string | number)[] {
    const verdict = check.met
        ? "yes"
        : `**no**: held by ${check.heldBy!.stage} (${check.heldBy!.seconds} s; ${check.heldBy!.allowedSeconds} s would meet it; source: ${check.heldBy!.source})`;
    return [
        scenarioNames[check.scenario],
        `≤ ${check.targetSeconds} s`,
        `${check.estimateSeconds} s`,
        verdict,
    ];
}

/** Stage-by-stage tables, targets and a before/after gantt per model. */
export function renderColdStartCuts(models: readonly ModelColdStartReport[]): string[] {
    const lines = [
        "#### Cold start per model, before and after the cuts",
        "",
        "Each stage's seconds without the cuts and with the stack's cuts, with the figure and its source.",
    ];
    for (const model of models) {
        const newNode = model.comparisons.find((c) => c.scenario === "new-node")!;
        const totals = model.comparisons
            .map(
                (c) =>
                    `${scenarioNames[c.scenario]} ${c.beforeSeconds} s → **${c.afterSeconds} s**`,
            )
            .join("; ");
        lines.push("", `**${model.model}** on \`${model.gpuGroup}\`: ${totals}`, "");
        lines.push(
            ...markdownTable(
                ["stage (new node)", "before", "after", "cut", "figure", "source"],
                newNode.stages.map((s) => [
                    s.name,
                    `${s.before} s`,
                    `${s.after} s`,
                    s.cut ?? "—",
                    s.figure,
                    s.source,
                ]),
            ),
        );
        if (model.targets.length > 0) {
            lines.push(
                "",
                ...markdownTable(
                    ["target", "goal", "estimate", "met"],
                    model.targets.map(targetRow),
                ),
            );
        }
        lines.push("", ...coldStartGantt(model.model, newNode));
    }
    return lines;
}
