import { networkDefaults } from "../components/plan/network-plan";
import { gpuDemands, headroomFor, poolPlanInput } from "./capacity-plan";
import { poolCostLine, poolPricing } from "./plan-pools";
import { hoursPerMonth, instancePrice, PriceTable, prices } from "./prices";
import type { StackConfig } from "./config-schema";

/** One priced item of a stack, per month at the node groups' minSize and at their maxSize. */
export interface CostLine {
    item: string;
    /** How the figure was computed, for a reviewer to check: count × unit at price. */
    basis: string;
    /** USD per month; undefined when the price table has no figure (the basis says why). */
    monthlyAtMin?: number;
    monthlyAtMax?: number;
}

export interface CostEstimate {
    lines: CostLine[];
    /** Σ of the priced lines, USD per month. */
    totalAtMin: number;
    totalAtMax: number;
    /** Assumptions and what is not included. */
    notes: string[];
}

/** The instance type a node group is priced as, and why that one. */
export interface PricedType {
    instanceType: string;
    /** USD per hour at the group's capacity type, undefined when the table has no price. */
    perHour?: number;
    /** Set for mixed-type groups: which member was picked and why. */
    note?: string;
}

/**
 * Mixed-type groups are priced as one member. On-demand: the first listed, because an EKS managed
 * node group's Auto Scaling group launches on-demand capacity with the `prioritized` strategy, in
 * list order. Spot: the cheapest listed, the optimistic end, since the capacity-optimized spot
 * strategy may pick a pricier pool with more spare capacity.
 */
export function pricedInstanceType(
    instanceTypes: readonly string[],
    capacityType: string,
    table: PriceTable = prices,
): PricedType {
    const spot = capacityType === "SPOT";
    const perHour = (type: string) => {
        const price = instancePrice(type, table);
        return price && (spot ? price.spotPerHour : price.onDemandPerHour);
    };
    const priced = instanceTypes.filter((t) => perHour(t) !== undefined);
    const cheapest = [...priced].sort((a, b) => perHour(a)! - perHour(b)!)[0];
    const instanceType = spot && cheapest !== undefined ? cheapest : instanceTypes[0];
    if (instanceTypes.length < 2) return { instanceType, perHour: perHour(instanceType) };
    const reason = spot
        ? "the cheapest spot price listed; capacity-optimized spot may launch another"
        : "the first listed: on-demand launches in list order";
    return {
        instanceType,
        perHour: perHour(instanceType),
        note: `mixed types ${instanceTypes.join(", ")}: priced as ${instanceType}, ${reason}`,
    };
}

export function formatUsd(amount: number): string {
    const sign = amount < 0 ? "-" : "";
    return `${sign}$${Math.round(Math.abs(amount)).toLocaleString("en-US")}`;
}

function nodeGroupLine(
    item: string,
    instanceTypes: readonly string[],
    capacityType: string,
    minSize: number,
    maxSize: number,
    table: PriceTable,
): CostLine {
    const { instanceType, perHour } = pricedInstanceType(instanceTypes, capacityType, table);
    const capacity = capacityType === "SPOT" ? "spot" : "on-demand";
    const count = minSize === maxSize ? `${maxSize}` : `${minSize}–${maxSize}`;
    if (perHour === undefined) {
        return {
            item,
            basis: `${count} × ${instanceType} ${capacity}: no price for ${instanceType} in stacks/prices.ts, not counted`,
        };
    }
    return {
        item,
        basis: `${count} × ${instanceType} ${capacity} at $${perHour}/h`,
        monthlyAtMin: minSize * perHour * hoursPerMonth,
        monthlyAtMax: maxSize * perHour * hoursPerMonth,
    };
}

function fixed(item: string, basis: string, monthly: number): CostLine {
    return { item, basis, monthlyAtMin: monthly, monthlyAtMax: monthly };
}

/** NAT gateways the Network component creates: none in an existing VPC, else one shared or one per AZ. */
export function natGatewayCount(config: StackConfig): number {
    const { network } = config;
    if (network.existingVpcId !== undefined) return 0;
    const perAz = network.natGatewayPerAz ?? networkDefaults.natGatewayPerAz;
    return perAz ? (network.availabilityZoneCount ?? networkDefaults.availabilityZoneCount) : 1;
}

/** Model weights on the shared file system: one version of each model. */
export function storedWeightsGb(config: StackConfig): number {
    return config.models.reduce((sum, model) => sum + model.weights.sizeGiB, 0);
}

/**
 * What the stack's AWS resources cost per month (730 h), at the node groups' minSize and maxSize.
 * Only what a stack on platform `eks` creates; an `existing` platform is someone else's bill.
 */
export function estimateMonthlyCost(config: StackConfig, table: PriceTable = prices): CostEstimate {
    if (config.platform !== "eks") {
        return {
            lines: [],
            totalAtMin: 0,
            totalAtMax: 0,
            notes: [
                `platform "${config.platform}": the cluster, its nodes and storage exist outside this stack; no AWS cost is estimated.`,
            ],
        };
    }
    const parts = [
        ...nodePoolCosts(config, table),
        ...nodeGroupCosts(config, table),
        natGatewayCost(config, table),
        loadBalancerCost(config, table),
        modelStoreCost(config, table),
        controlPlaneCost(table),
    ];
    const lines = parts.flatMap((part) => part.lines);
    const total = (pick: (line: CostLine) => number | undefined) =>
        lines.reduce((sum, line) => sum + (pick(line) ?? 0), 0);
    return {
        lines,
        totalAtMin: total((l) => l.monthlyAtMin),
        totalAtMax: total((l) => l.monthlyAtMax),
        notes: parts.flatMap((part) => part.notes),
    };
}

/** Cost lines of one item and the notes that qualify them. */
interface CostPart {
    lines: CostLine[];
    notes: string[];
}

/** One part per GPU NodePool: minReplicas and headroom at min, the GPU limit at max. */
function nodePoolCosts(config: StackConfig, table: PriceTable): CostPart[] {
    const demands = gpuDemands(config.models);
    return config.cluster.gpuNodePools.map((pool) => {
        const planned = poolPlanInput(config, pool);
        const pricing = poolPricing(planned, table);
        const notes = [
            `GPU NodePool ${pool.name}: priced ${pricing.pricedAs}; ${pricing.fittingTypes.length} fitting types, ` +
                `cheapest per GPU ${pricing.cheapest?.instanceType} ($${pricing.cheapest?.perGpuHour.toFixed(3)}/GPU-h), ` +
                `dearest ${pricing.dearest?.instanceType} ($${pricing.dearest?.perGpuHour.toFixed(3)}/GPU-h); ` +
                "at max size the GPU limit is filled with the dearest, the ceiling of the bill.",
        ];
        if (pricing.pricedAs === "spot")
            notes.push(
                `GPU NodePool ${pool.name}: spot prices are a typical ratio of on-demand, not a quote (stacks/prices.ts).`,
            );
        return {
            lines: [poolCostLine(planned, demands, headroomFor(config, pool), table)],
            notes,
        };
    });
}

/** One part per GPU group, then the system group (GpuCluster runs it on-demand whatever its types). */
function nodeGroupCosts(config: StackConfig, table: PriceTable): CostPart[] {
    const groups = [
        ...config.cluster.gpuNodeGroups.map((group) => ({
            ...group,
            item: `GPU group ${group.name}`,
        })),
        { ...config.cluster.systemNodeGroup, item: "System nodes", capacityType: "ON_DEMAND" },
    ];
    return groups.map((group) => {
        const note = pricedInstanceType(group.instanceTypes, group.capacityType, table).note;
        const line = nodeGroupLine(
            group.item,
            group.instanceTypes,
            group.capacityType,
            group.minSize,
            group.maxSize,
            table,
        );
        return { lines: [line], notes: note ? [`${group.item}: ${note}.`] : [] };
    });
}

function natGatewayCost(config: StackConfig, table: PriceTable): CostPart {
    const nat = natGatewayCount(config);
    if (nat === 0) {
        return {
            lines: [],
            notes: [
                "NAT gateways: none created (existing VPC); its NAT costs are not this stack's.",
            ],
        };
    }
    const basis = `${nat} × $${table.natGatewayPerHour}/h (${nat > 1 ? "one per AZ" : "one shared"})`;
    return {
        lines: [fixed("NAT gateways", basis, nat * table.natGatewayPerHour * hoursPerMonth)],
        notes: [
            `NAT gateways: hourly charge only; data processed is extra at $${table.natGatewayPerGbProcessed}/GB (image pulls from outside the VPC, Hugging Face downloads).`,
        ],
    };
}

/** Models served through a load balancer: each has its own `<model>-lb` Service, one NLB each. */
export function loadBalancedModels(config: StackConfig): string[] {
    return config.models
        .filter((m) => (m.serviceType ?? config.serving.serviceType) !== "ClusterIP")
        .map((m) => m.name);
}

function loadBalancerCost(config: StackConfig, table: PriceTable): CostPart {
    const models = loadBalancedModels(config);
    if (models.length === 0) return { lines: [], notes: [] };
    const basis = `${models.length} × $${table.networkLoadBalancerPerHour}/h, one per model (${models.join(", ")})`;
    return {
        lines: [
            fixed(
                "Network Load Balancers",
                basis,
                models.length * table.networkLoadBalancerPerHour * hoursPerMonth,
            ),
        ],
        notes: [
            `Network Load Balancers: hourly charge only; capacity units (new connections, active flows, TLS bytes) are extra at $${table.networkLoadBalancerPerNlcuHour}/NLCU-h.`,
        ],
    };
}

function modelStoreCost(config: StackConfig, table: PriceTable): CostPart {
    const storedGb = storedWeightsGb(config);
    const line = fixed(
        "EFS model store",
        `${round(storedGb)} GB at $${table.efsStoragePerGbMonth}/GB-month`,
        storedGb * table.efsStoragePerGbMonth,
    );
    return {
        lines: [line],
        notes: [
            `EFS: assumes the stored size is Σ weights.sizeGiB of the models (${round(storedGb)} GiB, counted as GB), one version each; ` +
                "older versions left on the file system add to it.",
            efsTransferNote(config, storedGb, table),
        ],
    };
}

function controlPlaneCost(table: PriceTable): CostPart {
    const line = fixed(
        "EKS control plane",
        `1 × $${table.eksControlPlanePerHour}/h (standard support)`,
        table.eksControlPlanePerHour * hoursPerMonth,
    );
    return {
        lines: [line],
        notes: [
            "Not included: EBS root and image volumes of the nodes, CloudWatch Logs (container and " +
                "control-plane logs, VPC flow logs of every flow), ECR storage, data transfer.",
        ],
    };
}

function efsTransferNote(config: StackConfig, storedGb: number, table: PriceTable): string {
    const mode = config.modelStore.throughputMode;
    if (mode === "elastic") {
        const staging = formatUsd(storedGb * table.efsElasticWritePerGb);
        return (
            `EFS Elastic throughput bills transfer on top: reads $${table.efsElasticReadPerGb}/GB (every replica start reads its weights), ` +
            `writes $${table.efsElasticWritePerGb}/GB (staging every model once: ${staging}).`
        );
    }
    if (mode === "provisioned")
        return "EFS provisioned throughput is billed per MiB/s-month on top; not estimated.";
    return "EFS bursting throughput: no transfer charge.";
}

function round(value: number): number {
    return Math.round(value * 1000) / 1000;
}
