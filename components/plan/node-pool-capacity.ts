import type { ModelGpuDemand } from "./capacity";
import { gpuInstanceType } from "./gpu-instances";
import { fittingInstanceTypes, GpuNodePoolInput } from "./node-pool-plan";

/**
 * GPU capacity of a group that Karpenter scales: how many replicas its NodePool's GPU limit (plus
 * any static nodes carrying the same group label) can run, and how many would stay Pending.
 *
 * Karpenter launches, for pending replicas, the cheapest type that fits and refuses any launch
 * that would take the pool's node capacity past `limits` (karpenter.sh, "NodePools: Limits").
 * GPU types of one family get dearer with every GPU, so a replica's node is the fitting type with
 * the fewest GPUs; its whole GPU count counts against the limit, used or not.
 */

/** Nodes outside Karpenter in the same group (an existing cluster's static GPU nodes). */
export interface StaticGpuNodes {
    count: number;
    gpusPerNode: number;
}

/** Where one model's replicas land at full scale. */
export interface ModelPlacement {
    modelName: string;
    /** maxReplicas + surge. */
    replicas: number;
    onStaticNodes: number;
    onPoolNodes: number;
    /** Replicas neither the static nodes nor the pool's remaining limit can hold. */
    pending: number;
    /** The type Karpenter launches for this model's replicas, undefined when none fits. */
    poolNodeType?: string;
    /** GPUs of that type, each counted against the limit. */
    poolNodeGpus: number;
}

export interface PoolCapacity {
    group: string;
    gpuLimit: number;
    staticGpus: number;
    /** Σ (maxReplicas + surge) × gpusPerReplica. */
    gpusRequestedAtMax: number;
    /** GPUs the pool's nodes hold at full scale (whole nodes), against `gpuLimit`. */
    poolGpusAtMax: number;
    placements: ModelPlacement[];
    /** Σ pending replicas. */
    pendingReplicas: number;
    fits: boolean;
}

function typeGpus(instanceType: string): number {
    return gpuInstanceType(instanceType)?.gpus ?? 0;
}

/** The node type a model's replicas get from the pool: the fitting type with the fewest GPUs. */
export function poolNodeTypeFor(
    pool: GpuNodePoolInput,
    gpusPerReplica: number,
): string | undefined {
    return fittingInstanceTypes(pool, Math.max(gpusPerReplica, pool.minGpusPerNode ?? 1))[0];
}

/**
 * Places each model's replicas, in config order, first on static nodes (whole nodes per model, as
 * the node-group check does) and then on pool nodes while the GPU limit allows another node.
 */
export function planPoolCapacity(
    pool: GpuNodePoolInput,
    demands: readonly ModelGpuDemand[],
    staticNodes: StaticGpuNodes = { count: 0, gpusPerNode: 0 },
): PoolCapacity {
    const onGroup = demands.filter((d) => d.gpuGroup === pool.name);
    let freeStaticNodes = staticNodes.count;
    let remainingLimit = pool.gpuLimit;
    let poolGpusAtMax = 0;
    const placements = onGroup.map((demand): ModelPlacement => {
        const replicas = demand.maxReplicas + demand.surge;
        const perStaticNode = Math.floor(staticNodes.gpusPerNode / demand.gpusPerReplica);
        const staticNodesUsed =
            perStaticNode < 1 ? 0 : Math.min(freeStaticNodes, Math.ceil(replicas / perStaticNode));
        freeStaticNodes -= staticNodesUsed;
        const onStaticNodes = Math.min(replicas, staticNodesUsed * perStaticNode);

        const left = replicas - onStaticNodes;
        const poolNodeType = poolNodeTypeFor(pool, demand.gpusPerReplica);
        const poolNodeGpus = poolNodeType ? typeGpus(poolNodeType) : 0;
        const perPoolNode = Math.floor(poolNodeGpus / demand.gpusPerReplica);
        // perPoolNode ≥ 1 means a fitting type with GPUs, so the divisions below are by ≥ 1.
        const poolNodesUsed =
            perPoolNode < 1
                ? 0
                : Math.min(
                      Math.floor(remainingLimit / poolNodeGpus),
                      Math.ceil(left / perPoolNode),
                  );
        remainingLimit -= poolNodesUsed * poolNodeGpus;
        poolGpusAtMax += poolNodesUsed * poolNodeGpus;
        const onPoolNodes = Math.min(left, poolNodesUsed * perPoolNode);
        return {
            modelName: demand.modelName,
            replicas,
            onStaticNodes,
            onPoolNodes,
            pending: left - onPoolNodes,
            poolNodeType,
            poolNodeGpus,
        };
    });
    const pendingReplicas = placements.reduce((sum, p) => sum + p.pending, 0);
    return {
        group: pool.name,
        gpuLimit: pool.gpuLimit,
        staticGpus: staticNodes.count * staticNodes.gpusPerNode,
        gpusRequestedAtMax: onGroup.reduce(
            (sum, d) => sum + (d.maxReplicas + d.surge) * d.gpusPerReplica,
            0,
        ),
        poolGpusAtMax,
        placements,
        pendingReplicas,
        fits: pendingReplicas === 0,
    };
}

/** GPU limit that holds every replica of the group at full scale on pool nodes (after static nodes). */
export function gpuLimitNeeded(
    pool: GpuNodePoolInput,
    demands: readonly ModelGpuDemand[],
    staticNodes?: StaticGpuNodes,
): number {
    const unlimited = planPoolCapacity(
        { ...pool, gpuLimit: Number.MAX_SAFE_INTEGER },
        demands,
        staticNodes,
    );
    return unlimited.poolGpusAtMax;
}

function gpus(count: number): string {
    return count === 1 ? "1 GPU" : `${count} GPUs`;
}

function replicas(count: number): string {
    return count === 1 ? "1 replica" : `${count} replicas`;
}

/**
 * Every way the models overflow the pool, under the config key to change: a replica no fitting
 * type can hold, and a GPU limit below what full scale needs. The message states exactly how many
 * replicas would stay Pending, the number the local end-to-end run checks against the cluster.
 */
export function poolCapacityProblems(
    pool: GpuNodePoolInput,
    demands: readonly ModelGpuDemand[],
    paths: { model: (index: number) => string; pool: string },
    staticNodes?: StaticGpuNodes,
): { propertyPath: string; reason: string }[] {
    const problems: { propertyPath: string; reason: string }[] = [];
    demands.forEach((demand, i) => {
        if (demand.gpuGroup !== pool.name) return;
        if (poolNodeTypeFor(pool, demand.gpusPerReplica) === undefined)
            problems.push({
                propertyPath: `${paths.model(i)}.gpusPerReplica`,
                reason: `${demand.gpusPerReplica} GPUs: no type of NodePool ${pool.name} (${pool.instanceFamilies.join(", ")}${pool.maxGpusPerNode ? `, ≤ ${gpus(pool.maxGpusPerNode)} per node` : ""}) has that many`,
            });
    });
    const plan = planPoolCapacity(pool, demands, staticNodes);
    const short = plan.placements.filter((p) => p.pending > 0 && p.poolNodeType !== undefined);
    if (short.length > 0) {
        const needed = gpuLimitNeeded(pool, demands, staticNodes);
        const detail = plan.placements
            .filter((p) => p.poolNodeType !== undefined)
            .map(
                (p) =>
                    `${p.modelName}: ${replicas(p.replicas)} incl. surge, ${p.onStaticNodes} on static nodes, ${p.replicas - p.onStaticNodes} on ${p.poolNodeType} (${gpus(p.poolNodeGpus)} each)`,
            )
            .join("; ");
        const pending = short.reduce((sum, p) => sum + p.pending, 0);
        problems.push({
            propertyPath: `${paths.pool}.gpuLimit`,
            reason: `plan needs a limit of ${needed} GPUs (${detail}) but gpuLimit is ${pool.gpuLimit}: ${pending} ${pending === 1 ? "replica" : "replicas"} would stay Pending`,
        });
    }
    return problems;
}
