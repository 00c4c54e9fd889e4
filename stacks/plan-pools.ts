import { ModelGpuDemand } from "../components/plan/capacity";
import { gpuInstanceType } from "../components/plan/gpu-instances";
import {
    planPoolCapacity,
    PoolCapacity,
    poolNodeTypeFor,
    StaticGpuNodes,
} from "../components/plan/node-pool-capacity";
import { fittingInstanceTypes, GpuNodePoolInput } from "../components/plan/node-pool-plan";
import { heldGpus, placeholderCount, WarmHeadroomInput } from "../components/plan/warm-headroom";
import { hoursPerMonth, instancePrice, PriceTable, prices } from "./prices";

/**
 * Prices of a Karpenter NodePool for the plan report: the fitting types it may launch, the
 * cheapest and dearest of them per GPU, what the replicas at minReplicas cost on the type Karpenter
 * picks, and what the pool costs at its GPU limit: on the cheapest type per GPU (Karpenter's pick)
 * and, as a bound, on the dearest.
 */

/** A cost line as plan-cost.ts prints it (the same shape, kept here to avoid an import cycle). */
export interface CostLine {
    item: string;
    basis: string;
    monthlyAtMin?: number;
    monthlyAtMax?: number;
}

/** One priced instance type of a pool. */
export interface PricedPoolType {
    instanceType: string;
    gpus: number;
    /** USD per instance-hour at the capacity type the pool is priced at. */
    perHour: number;
    perGpuHour: number;
}

export interface PoolPricing {
    group: string;
    /** "spot" when the pool may use spot (Karpenter takes the cheaper offering), else "on-demand". */
    pricedAs: "spot" | "on-demand";
    /** Fitting types with a price, fewest GPUs first. */
    fittingTypes: PricedPoolType[];
    /** Fitting types the price table has no price for. */
    unpriced: string[];
    cheapest?: PricedPoolType;
    dearest?: PricedPoolType;
}

function pricedType(
    instanceType: string,
    spot: boolean,
    table: PriceTable,
): PricedPoolType | undefined {
    const price = instancePrice(instanceType, table);
    const gpus = gpuInstanceType(instanceType)?.gpus ?? 0;
    if (!price || gpus === 0) return undefined;
    const perHour = spot ? price.spotPerHour : price.onDemandPerHour;
    return { instanceType, gpus, perHour, perGpuHour: perHour / gpus };
}

/** The pool's fitting types priced, and the cheapest and dearest per GPU among them. */
export function poolPricing(pool: GpuNodePoolInput, table: PriceTable = prices): PoolPricing {
    const spot = pool.capacityTypes.includes("spot");
    const names = fittingInstanceTypes(pool, pool.minGpusPerNode ?? 1);
    const fittingTypes = names
        .map((name) => pricedType(name, spot, table))
        .filter((t): t is PricedPoolType => t !== undefined);
    const byGpuPrice = [...fittingTypes].sort((a, b) => a.perGpuHour - b.perGpuHour);
    return {
        group: pool.name,
        pricedAs: spot ? "spot" : "on-demand",
        fittingTypes,
        unpriced: names.filter((n) => !fittingTypes.some((t) => t.instanceType === n)),
        cheapest: byGpuPrice[0],
        dearest: byGpuPrice[byGpuPrice.length - 1],
    };
}

/** Monthly cost of `nodes` nodes of one type. */
function monthly(nodes: number, type: PricedPoolType): number {
    return nodes * type.perHour * hoursPerMonth;
}

function usd(amount: number): string {
    return `$${Math.round(amount).toLocaleString("en-US")}`;
}

/**
 * The pool's cost line. At min size: the nodes minReplicas (and the warm headroom) occupy, on the
 * type Karpenter picks for each model. At max size: the GPU limit filled with the dearest fitting
 * type per GPU, the ceiling of the bill; the basis names the cheapest end too.
 */
export function poolCostLine(
    pool: GpuNodePoolInput,
    demands: readonly ModelGpuDemand[],
    headroom?: WarmHeadroomInput,
    table: PriceTable = prices,
): CostLine {
    const pricing = poolPricing(pool, table);
    const item = `GPU NodePool ${pool.name}`;
    if (pricing.fittingTypes.length === 0) {
        return {
            item,
            basis: `no priced type fits (${pricing.unpriced.join(", ") || "none"}); not counted`,
        };
    }
    const spot = pricing.pricedAs === "spot";
    let minMonthly = 0;
    const minParts: string[] = [];
    const addNodes = (gpusPerReplica: number, replicas: number, what: string) => {
        const name = poolNodeTypeFor(pool, gpusPerReplica);
        const type = name ? pricedType(name, spot, table) : undefined;
        if (!type || replicas === 0) return;
        const nodes = Math.ceil(replicas / Math.floor(type.gpus / gpusPerReplica));
        minMonthly += monthly(nodes, type);
        minParts.push(`${nodes} × ${type.instanceType} for ${what}`);
    };
    for (const demand of demands.filter((d) => d.gpuGroup === pool.name))
        addNodes(demand.gpusPerReplica, demand.minReplicas, demand.modelName);
    if (headroom)
        addNodes(headroom.gpusPerPlaceholder, placeholderCount(headroom), "warm headroom");
    // The limit counts GPUs, whatever the mix of node sizes that fills it: price it per GPU.
    const atLimit = (type: PricedPoolType) => pool.gpuLimit * type.perGpuHour * hoursPerMonth;
    const describe = (type: PricedPoolType) =>
        `${usd(atLimit(type))} on ${type.instanceType} ($${type.perGpuHour.toFixed(3)}/GPU-h)`;
    return {
        item,
        basis:
            `min: ${minParts.join(" + ") || "no node"} (${pricing.pricedAs}); ` +
            `at the ${pool.gpuLimit}-GPU limit ${describe(pricing.cheapest!)}, the type Karpenter prefers, ` +
            `up to ${describe(pricing.dearest!)} if only the dearest fitting type is available`,
        monthlyAtMin: minMonthly,
        monthlyAtMax: atLimit(pricing.cheapest!),
    };
}

/** What warm headroom costs a month and the seconds it saves per scale-out. */
export interface HeadroomCost {
    group: string;
    gpus: number;
    instanceType: string;
    nodes: number;
    monthly: number;
    /** New-node cold start minus headroom scale-out, after the cuts, per model on the group. */
    secondsSaved: { model: string; seconds: number }[];
}

export function headroomCost(
    pool: GpuNodePoolInput,
    headroom: WarmHeadroomInput,
    secondsSaved: HeadroomCost["secondsSaved"],
    table: PriceTable = prices,
): HeadroomCost | undefined {
    const name = poolNodeTypeFor(pool, headroom.gpusPerPlaceholder);
    const type = name && pricedType(name, pool.capacityTypes.includes("spot"), table);
    if (!type) return undefined;
    const nodes = Math.ceil(heldGpus(headroom) / type.gpus);
    return {
        group: pool.name,
        gpus: heldGpus(headroom),
        instanceType: type.instanceType,
        nodes,
        monthly: monthly(nodes, type),
        secondsSaved,
    };
}

/** Pool capacity re-exported for the report, static nodes included. */
export function poolCapacity(
    pool: GpuNodePoolInput,
    demands: readonly ModelGpuDemand[],
    staticNodes?: StaticGpuNodes,
): PoolCapacity {
    return planPoolCapacity(pool, demands, staticNodes);
}
