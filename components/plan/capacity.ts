import { gpuInstanceType, gpuInstanceTypeProblem, gpusPerNode } from "./gpu-instances";

/** A GPU node group as capacity planning sees it. */
export interface GpuGroupCapacityInput {
    name: string;
    instanceTypes: string[];
    minSize: number;
    maxSize: number;
}

/** What one served model asks of its GPU group at full scale. */
export interface ModelGpuDemand {
    modelName: string;
    /** Name of the GPU group the model is scheduled on. */
    gpuGroup: string;
    gpusPerReplica: number;
    minReplicas: number;
    maxReplicas: number;
    /** Extra replicas a rolling update runs next to the old ones (ModelService rolls with maxSurge 1). */
    surge: number;
}

export interface GpuGroupCapacity {
    group: string;
    /** GPUs of the group's smallest instance type: the autoscaler may launch any of them. */
    gpusPerNode: number;
    nodesAtMax: number;
    gpusAvailableAtMax: number;
    /** GPUs the group always runs (minSize nodes), whether or not a model uses them. */
    gpusAtMin: number;
    /** Σ (maxReplicas + surge) × gpusPerReplica. */
    gpusRequestedAtMax: number;
    /**
     * Σ per model ceil((maxReplicas + surge) / floor(gpusPerNode / gpusPerReplica)): a replica cannot
     * span nodes, so GPUs left over on a node after whole replicas are stranded. Packing each model
     * on its own is a valid placement, so this never under-counts what the scheduler needs.
     */
    nodesNeeded: number;
    /** Models whose replica needs more GPUs than one node has (they add nothing to nodesNeeded). */
    unplaceable: string[];
    fits: boolean;
    models: string[];
}

function replicasAtMax(demand: ModelGpuDemand): number {
    return demand.maxReplicas + demand.surge;
}

/** Nodes one model needs at full scale, or undefined when a replica does not fit on a node. */
function modelNodesNeeded(demand: ModelGpuDemand, gpusOnNode: number): number | undefined {
    const replicasPerNode = Math.floor(gpusOnNode / demand.gpusPerReplica);
    return replicasPerNode < 1 ? undefined : Math.ceil(replicasAtMax(demand) / replicasPerNode);
}

/** Per GPU group: what its models need at maxReplicas plus rollout surge, against what maxSize nodes offer. */
export function planGpuCapacity(
    groups: readonly GpuGroupCapacityInput[],
    demands: readonly ModelGpuDemand[],
): GpuGroupCapacity[] {
    return groups.map((group) => {
        const perNode = gpusPerNode(group.instanceTypes);
        const onGroup = demands.filter((d) => d.gpuGroup === group.name);
        let nodesNeeded = 0;
        const unplaceable: string[] = [];
        for (const demand of onGroup) {
            const nodes = modelNodesNeeded(demand, perNode);
            if (nodes === undefined) unplaceable.push(demand.modelName);
            else nodesNeeded += nodes;
        }
        return {
            group: group.name,
            gpusPerNode: perNode,
            nodesAtMax: group.maxSize,
            gpusAvailableAtMax: group.maxSize * perNode,
            gpusAtMin: group.minSize * perNode,
            gpusRequestedAtMax: onGroup.reduce(
                (sum, d) => sum + replicasAtMax(d) * d.gpusPerReplica,
                0,
            ),
            nodesNeeded,
            unplaceable,
            fits: unplaceable.length === 0 && nodesNeeded <= group.maxSize,
            models: onGroup.map((d) => d.modelName),
        };
    });
}

/** How problems name config keys; defaults match the stack config (`models[i]`, `gpuGroups.<name>`). */
export interface CapacityPaths {
    model: (index: number) => string;
    group: (name: string) => string;
}

const defaultPaths: CapacityPaths = {
    model: (index) => `models[${index}]`,
    group: (name) => `gpuGroups.${name}`,
};

function gpus(count: number): string {
    return count === 1 ? "1 GPU" : `${count} GPUs`;
}

/** The instance type that sets the group's GPUs per node (its smallest). */
function smallestType(instanceTypes: readonly string[]): string {
    return [...instanceTypes].sort(
        (a, b) => (gpuInstanceType(a)?.gpus ?? 0) - (gpuInstanceType(b)?.gpus ?? 0),
    )[0];
}

/**
 * Every way the models do not fit their GPU groups, each under the config key to change: a replica
 * bigger than a node, a group that does not exist, a group whose maxSize is below the nodes needed.
 */
export function capacityProblems(
    groups: readonly GpuGroupCapacityInput[],
    demands: readonly ModelGpuDemand[],
    paths: CapacityPaths = defaultPaths,
): { propertyPath: string; reason: string }[] {
    const problems: { propertyPath: string; reason: string }[] = [];
    const byName = new Map(groups.map((g) => [g.name, g]));
    const groupsWithUnknownTypes = new Set<string>();

    for (const group of groups) {
        group.instanceTypes.forEach((type, k) => {
            const problem = gpuInstanceTypeProblem(type);
            if (problem) {
                groupsWithUnknownTypes.add(group.name);
                problems.push({
                    propertyPath: `${paths.group(group.name)}.instanceTypes[${k}]`,
                    reason: problem,
                });
            }
        });
    }

    demands.forEach((demand, i) => {
        const group = byName.get(demand.gpuGroup);
        if (!group) {
            const known = groups.map((g) => g.name).join(", ") || "(none)";
            problems.push({
                propertyPath: `${paths.model(i)}.gpuGroup`,
                reason: `"${demand.gpuGroup}" is not a GPU group; groups: ${known}`,
            });
            return;
        }
        if (groupsWithUnknownTypes.has(group.name) || group.instanceTypes.length === 0) return;
        const perNode = gpusPerNode(group.instanceTypes);
        if (demand.gpusPerReplica > perNode) {
            problems.push({
                propertyPath: `${paths.model(i)}.gpusPerReplica`,
                reason: `${demand.gpusPerReplica} exceeds the ${gpus(perNode)} of ${smallestType(group.instanceTypes)} (${paths.group(group.name)})`,
            });
        }
    });

    for (const plan of planGpuCapacity(groups, demands)) {
        if (groupsWithUnknownTypes.has(plan.group) || plan.nodesNeeded <= plan.nodesAtMax) continue;
        const perModel = demands
            .filter(
                (d) =>
                    d.gpuGroup === plan.group &&
                    modelNodesNeeded(d, plan.gpusPerNode) !== undefined,
            )
            .map((d) => {
                const perNode = Math.floor(plan.gpusPerNode / d.gpusPerReplica);
                const nodes = modelNodesNeeded(d, plan.gpusPerNode);
                return `${d.modelName}: ${d.maxReplicas} + ${d.surge} surge replicas of ${gpus(d.gpusPerReplica)}, ${perNode} per node → ${nodes}`;
            });
        problems.push({
            propertyPath: `${paths.group(plan.group)}.maxSize`,
            reason: `plan needs ${plan.nodesNeeded} nodes (${perModel.join("; ")}) but maxSize is ${plan.nodesAtMax}`,
        });
    }
    return problems;
}
