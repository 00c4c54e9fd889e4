import { formatUsd } from "./plan-cost";
import { GroupReport, PlanReport, PoolReport } from "./plan-report";

function signed(delta: number): string {
    return delta > 0 ? `+${delta}` : `${delta}`;
}

function signedUsd(delta: number): string {
    return delta > 0 ? `+${formatUsd(delta)}` : formatUsd(delta);
}

function sizes(group: GroupReport): string {
    const count =
        group.minSize === group.maxSize ? `${group.maxSize}` : `${group.minSize}–${group.maxSize}`;
    return `${count} × ${group.pricedType} ${group.capacityType}`;
}

function nodeDelta(
    name: string,
    delta: number,
    type: string,
    at: string,
    from: number,
    to: number,
): string[] {
    return delta === 0
        ? []
        : [`GPU group ${name}: ${signed(delta)} × ${type} at ${at} (${from} → ${to} nodes)`];
}

function groupChanges(base: GroupReport | undefined, head: GroupReport | undefined): string[] {
    if (!base && head)
        return [
            `GPU group ${head.group} added: ${sizes(head)}, ${head.gpusRequestedAtMax} GPUs requested at max`,
        ];
    if (base && !head) return [`GPU group ${base.group} removed (was ${sizes(base)})`];
    if (!base || !head) return [];
    const name = head.group;
    const changes: string[] = [];
    if (base.instanceTypes.join(",") !== head.instanceTypes.join(",")) {
        changes.push(
            `GPU group ${name}: instance types ${base.instanceTypes.join(", ")} → ${head.instanceTypes.join(", ")}`,
        );
    }
    if (base.capacityType !== head.capacityType)
        changes.push(`GPU group ${name}: capacity ${base.capacityType} → ${head.capacityType}`);
    changes.push(
        ...nodeDelta(
            name,
            head.minSize - base.minSize,
            head.pricedType,
            "min",
            base.minSize,
            head.minSize,
        ),
    );
    changes.push(
        ...nodeDelta(
            name,
            head.maxSize - base.maxSize,
            head.pricedType,
            "max",
            base.maxSize,
            head.maxSize,
        ),
    );
    const requested = head.gpusRequestedAtMax - base.gpusRequestedAtMax;
    if (requested !== 0) {
        changes.push(
            `GPU group ${name}: GPUs requested at max ${base.gpusRequestedAtMax} → ${head.gpusRequestedAtMax} (${signed(requested)})`,
        );
    }
    if (head.gpusAvailableAtMax !== base.gpusAvailableAtMax) {
        changes.push(
            `GPU group ${name}: GPUs available at max ${base.gpusAvailableAtMax} → ${head.gpusAvailableAtMax}`,
        );
    }
    if (base.fits !== head.fits)
        changes.push(
            `GPU group ${name}: fits ${base.fits ? "yes" : "no"} → ${head.fits ? "yes" : "no"}`,
        );
    return changes;
}

function union(a: readonly string[], b: readonly string[]): string[] {
    return [...new Set([...a, ...b])];
}

function modelChanges(base: PlanReport, head: PlanReport): string[] {
    const changes: string[] = [];
    for (const name of union(
        base.models.map((m) => m.model),
        head.models.map((m) => m.model),
    )) {
        const before = base.models.find((m) => m.model === name);
        const after = head.models.find((m) => m.model === name);
        if (!before && after)
            changes.push(
                `model ${name} added on ${after.gpuGroup}: cold start ${after.coldStartSeconds} s`,
            );
        else if (before && !after) changes.push(`model ${name} removed`);
        else if (before && after) {
            if (before.gpuGroup !== after.gpuGroup)
                changes.push(`model ${name}: GPU group ${before.gpuGroup} → ${after.gpuGroup}`);
            const delta = after.coldStartSeconds - before.coldStartSeconds;
            if (delta !== 0)
                changes.push(
                    `model ${name}: cold start ${before.coldStartSeconds} s → ${after.coldStartSeconds} s (${signed(delta)} s)`,
                );
        }
    }
    return changes;
}

function costChanges(base: PlanReport, head: PlanReport): string[] {
    const changes: string[] = [];
    for (const [at, before, after] of [
        ["min", base.cost.totalAtMin, head.cost.totalAtMin],
        ["max", base.cost.totalAtMax, head.cost.totalAtMax],
    ] as const) {
        const delta = after - before;
        // Whole dollars: float noise in a sum of products must not read as a change.
        if (Math.round(delta) !== 0) {
            changes.push(
                `${signedUsd(delta)}/month at ${at} size (${formatUsd(before)} → ${formatUsd(after)})`,
            );
        }
    }
    return changes;
}

function resourceChanges(base: PlanReport, head: PlanReport): string[] {
    const types = union(Object.keys(base.resourceCounts), Object.keys(head.resourceCounts)).sort();
    return types.flatMap((type) => {
        const before = base.resourceCounts[type] ?? 0;
        const after = head.resourceCounts[type] ?? 0;
        return before === after
            ? []
            : [`${signed(after - before)} \`${type}\` (${before} → ${after})`];
    });
}

function poolSummary(pool: PoolReport): string {
    return `${pool.instanceFamilies.join(", ")} ${pool.capacityTypes.join("/")}, limit ${pool.gpuLimit} GPUs`;
}

/** What changed in one NodePool: added, removed, its limit, families or capacity types, its fit. */
function poolChanges(base: PoolReport | undefined, head: PoolReport | undefined): string[] {
    if (!base && head) return [`GPU NodePool ${head.group} added: ${poolSummary(head)}`];
    if (base && !head) return [`GPU NodePool ${base.group} removed (was ${poolSummary(base)})`];
    if (!base || !head) return [];
    const changes: string[] = [];
    const name = `GPU NodePool ${head.group}`;
    if (base.gpuLimit !== head.gpuLimit)
        changes.push(
            `${name}: GPU limit ${base.gpuLimit} → ${head.gpuLimit} (${signed(head.gpuLimit - base.gpuLimit)})`,
        );
    if (base.gpusRequestedAtMax !== head.gpusRequestedAtMax)
        changes.push(
            `${name}: GPUs requested at max ${base.gpusRequestedAtMax} → ${head.gpusRequestedAtMax}`,
        );
    for (const key of ["instanceFamilies", "capacityTypes"] as const)
        if (base[key].join(",") !== head[key].join(","))
            changes.push(`${name}: ${key} ${base[key].join(", ")} → ${head[key].join(", ")}`);
    if (base.fits !== head.fits)
        changes.push(
            head.fits
                ? `${name}: now fits`
                : `${name}: no longer fits (${head.pendingReplicas} replicas would stay Pending)`,
        );
    return changes;
}

/** Every difference between the plan at a base and now: capacity, GPUs, cold starts, cost, resources. */
export function diffPlanReports(base: PlanReport, head: PlanReport): string[] {
    const groupNames = union(
        base.groups.map((g) => g.group),
        head.groups.map((g) => g.group),
    );
    return [
        ...(base.platform !== head.platform
            ? [`platform ${base.platform} → ${head.platform}`]
            : []),
        ...groupNames.flatMap((name) =>
            groupChanges(
                base.groups.find((g) => g.group === name),
                head.groups.find((g) => g.group === name),
            ),
        ),
        ...union(
            base.pools.map((p) => p.group),
            head.pools.map((p) => p.group),
        ).flatMap((name) =>
            poolChanges(
                base.pools.find((p) => p.group === name),
                head.pools.find((p) => p.group === name),
            ),
        ),
        ...modelChanges(base, head),
        ...costChanges(base, head),
        ...resourceChanges(base, head),
    ];
}

/** How the base was obtained: its config file, rendered with the code of this commit. */
export type BaseOutcome =
    | { kind: "rendered"; report: PlanReport }
    | { kind: "missing" }
    | { kind: "invalid"; message: string };

export function renderPlanDiff(
    stack: string,
    baseRef: string,
    base: BaseOutcome,
    head: PlanReport,
): string[] {
    const lines = [
        `#### Change against \`${baseRef}\``,
        "",
        `Pulumi.${stack}.yaml as of \`${baseRef}\`, rendered with this commit's code: config changes show here, ` +
            "code-only changes do not (`pulumi preview` covers those).",
        "",
    ];
    if (base.kind === "missing")
        return [
            ...lines,
            `Pulumi.${stack}.yaml does not exist at \`${baseRef}\`: the whole stack is new.`,
        ];
    if (base.kind === "invalid") {
        return [
            ...lines,
            `The config at \`${baseRef}\` does not validate with this commit's code, so there is nothing to compare:`,
            "",
            "```",
            base.message,
            "```",
        ];
    }
    const changes = diffPlanReports(base.report, head);
    return changes.length === 0
        ? [...lines, `No change against \`${baseRef}\`.`]
        : [...lines, ...changes.map((c) => `- ${c}`)];
}
