import { strict as assert } from "assert";
import * as fc from "fast-check";
import { ModelGpuDemand } from "../components/plan/capacity";
import {
    gpuLimitNeeded,
    planPoolCapacity,
    poolCapacityProblems,
} from "../components/plan/node-pool-capacity";
import { GpuNodePoolInput } from "../components/plan/node-pool-plan";

function pool(overrides: Partial<GpuNodePoolInput> = {}): GpuNodePoolInput {
    return {
        name: "inference",
        instanceFamilies: ["g5"],
        capacityTypes: ["on-demand"],
        gpuLimit: 2,
        consolidateAfterSeconds: 60,
        labels: {},
        nodeClassRef: { group: "karpenter.kwok.sh", kind: "KWOKNodeClass", name: "local" },
        ...overrides,
    };
}

function demand(overrides: Partial<ModelGpuDemand> = {}): ModelGpuDemand {
    return {
        modelName: "llama",
        gpuGroup: "inference",
        gpusPerReplica: 1,
        minReplicas: 1,
        maxReplicas: 6,
        surge: 0,
        ...overrides,
    };
}

const paths = { model: (i: number) => `models[${i}]`, pool: "cluster.gpuNodePools[0]" };

describe("NodePool capacity", () => {
    it("fills the two static nodes, then two 1-GPU pool nodes, and leaves 2 of 6 replicas Pending", () => {
        const plan = planPoolCapacity(pool(), [demand()], { count: 2, gpusPerNode: 1 });
        assert.deepEqual(plan.placements, [
            {
                modelName: "llama",
                replicas: 6,
                onStaticNodes: 2,
                onPoolNodes: 2,
                pending: 2,
                poolNodeType: "g5.xlarge",
                poolNodeGpus: 1,
            },
        ]);
        assert.equal(plan.fits, false);
    });

    it("counts the rollout surge with the replicas", () => {
        const plan = planPoolCapacity(pool(), [demand({ maxReplicas: 3, surge: 1 })], {
            count: 2,
            gpusPerNode: 1,
        });
        assert.equal(plan.pendingReplicas, 0);
        assert.equal(plan.placements[0].replicas, 4);
        assert.equal(plan.poolGpusAtMax, 2);
    });

    it("launches a 4-GPU type for a 4-GPU replica and counts all 4 against the limit", () => {
        // 70B: 2 + 1 surge replicas × 4 GPUs → 3 × g6e.12xlarge = 12 GPUs; a limit of 8 holds 2.
        const large = pool({
            name: "large",
            instanceFamilies: ["g6e"],
            gpuLimit: 8,
            minGpusPerNode: 4,
        });
        const plan = planPoolCapacity(large, [
            demand({ gpuGroup: "large", gpusPerReplica: 4, maxReplicas: 2, surge: 1 }),
        ]);
        assert.equal(plan.placements[0].poolNodeType, "g6e.12xlarge");
        assert.deepEqual([plan.placements[0].onPoolNodes, plan.pendingReplicas], [2, 1]);
        assert.equal(
            gpuLimitNeeded(large, [
                demand({ gpuGroup: "large", gpusPerReplica: 4, maxReplicas: 2, surge: 1 }),
            ]),
            12,
        );
    });

    it("puts a small replica on the pool's smallest node even when the pool's floor is larger", () => {
        const plan = planPoolCapacity(
            pool({ instanceFamilies: ["g6e"], minGpusPerNode: 4, gpuLimit: 8 }),
            [demand({ maxReplicas: 8 })],
        );
        // g6e.12xlarge has 4 GPUs: 4 one-GPU replicas per node, 2 nodes hold all 8.
        assert.deepEqual(
            [plan.placements[0].poolNodeType, plan.placements[0].onPoolNodes, plan.pendingReplicas],
            ["g6e.12xlarge", 8, 0],
        );
    });

    it("shares the limit between the models of a group, in config order", () => {
        const plan = planPoolCapacity(pool({ gpuLimit: 7 }), [
            demand({ modelName: "llama", maxReplicas: 4, surge: 1 }),
            demand({ modelName: "resnet", maxReplicas: 2, surge: 1 }),
        ]);
        assert.deepEqual(
            plan.placements.map((p) => [p.modelName, p.onPoolNodes, p.pending]),
            [
                ["llama", 5, 0],
                ["resnet", 2, 1],
            ],
        );
    });

    it("ignores models of other groups", () => {
        const plan = planPoolCapacity(pool(), [demand({ gpuGroup: "large", maxReplicas: 50 })]);
        assert.deepEqual([plan.placements.length, plan.fits], [0, true]);
    });

    it("reports the limit needed and exactly how many replicas would stay Pending", () => {
        const found = poolCapacityProblems(pool(), [demand()], paths, { count: 2, gpusPerNode: 1 });
        assert.deepEqual(found, [
            {
                propertyPath: "cluster.gpuNodePools[0].gpuLimit",
                reason: "plan needs a limit of 4 GPUs (llama: 6 replicas incl. surge, 2 on static nodes, 4 on g5.xlarge (1 GPU each)) but gpuLimit is 2: 2 replicas would stay Pending",
            },
        ]);
    });

    it("accepts a limit just large enough and rejects one GPU less", () => {
        const demands = [demand({ maxReplicas: 4, surge: 1 })];
        assert.deepEqual(poolCapacityProblems(pool({ gpuLimit: 5 }), demands, paths), []);
        assert.match(
            poolCapacityProblems(pool({ gpuLimit: 4 }), demands, paths)[0].reason,
            /1 replica would stay Pending/,
        );
    });

    it("names a replica no type of the pool can hold", () => {
        const found = poolCapacityProblems(
            pool({ maxGpusPerNode: 1 }),
            [demand({ gpusPerReplica: 4, maxReplicas: 1 })],
            paths,
        );
        assert.deepEqual(
            found.map((p) => p.propertyPath),
            ["models[0].gpusPerReplica"],
        );
    });

    it("packs multi-GPU replicas onto static nodes: two 2-GPU replicas per 4-GPU node", () => {
        const plan = planPoolCapacity(
            pool({ gpuLimit: 0 }),
            [demand({ gpusPerReplica: 2, maxReplicas: 3 })],
            { count: 1, gpusPerNode: 4 },
        );
        assert.deepEqual([plan.placements[0].onStaticNodes, plan.placements[0].pending], [2, 1]);
        assert.equal(plan.staticGpus, 4);
        assert.equal(plan.gpusRequestedAtMax, 6);
    });

    it("leaves static nodes too small for one model free for the next", () => {
        const plan = planPoolCapacity(
            pool({ gpuLimit: 0 }),
            [
                demand({ modelName: "big", gpusPerReplica: 2, maxReplicas: 1 }),
                demand({ modelName: "small", maxReplicas: 2 }),
            ],
            { count: 2, gpusPerNode: 1 },
        );
        assert.deepEqual(
            plan.placements.map((p) => [p.modelName, p.onStaticNodes, p.pending]),
            [
                ["big", 0, 1],
                ["small", 2, 0],
            ],
        );
        assert.equal(plan.staticGpus, 2);
        assert.equal(plan.gpusRequestedAtMax, 4);
    });

    it("places no replica on the pool when no type fits, even with none left over", () => {
        const plan = planPoolCapacity(
            pool({ maxGpusPerNode: 1 }),
            [demand({ gpusPerReplica: 4, maxReplicas: 1 })],
            { count: 1, gpusPerNode: 4 },
        );
        assert.deepEqual(plan.placements, [
            {
                modelName: "llama",
                replicas: 1,
                onStaticNodes: 1,
                onPoolNodes: 0,
                pending: 0,
                poolNodeType: undefined,
                poolNodeGpus: 0,
            },
        ]);
    });

    it("takes whole 4-GPU nodes off the limit: 12 GPUs hold the first model's 2 nodes and 1 of the next", () => {
        const plan = planPoolCapacity(
            pool({ instanceFamilies: ["g6e"], gpuLimit: 12, minGpusPerNode: 4 }),
            [
                demand({ modelName: "a", gpusPerReplica: 4, maxReplicas: 2 }),
                demand({ modelName: "b", gpusPerReplica: 4, maxReplicas: 2 }),
            ],
        );
        assert.deepEqual(
            plan.placements.map((p) => [p.modelName, p.onPoolNodes, p.pending]),
            [
                ["a", 2, 0],
                ["b", 1, 1],
            ],
        );
        assert.equal(plan.poolGpusAtMax, 12);
        assert.equal(plan.gpusRequestedAtMax, 16);
    });

    it("names the pool's families and GPU ceiling when no type holds a replica, for its own group only", () => {
        const found = poolCapacityProblems(
            pool({ maxGpusPerNode: 2, instanceFamilies: ["g5", "g6"] }),
            [
                demand({ gpusPerReplica: 4, maxReplicas: 1 }),
                demand({ gpuGroup: "other", gpusPerReplica: 8 }),
            ],
            paths,
        );
        assert.deepEqual(found, [
            {
                propertyPath: "models[0].gpusPerReplica",
                reason: "4 GPUs: no type of NodePool inference (g5, g6, ≤ 2 GPUs per node) has that many",
            },
        ]);
    });

    it("writes a ceiling of one GPU in the singular", () => {
        const [found] = poolCapacityProblems(
            pool({ maxGpusPerNode: 1 }),
            [demand({ gpusPerReplica: 2, maxReplicas: 1 })],
            paths,
        );
        assert.equal(
            found.reason,
            "2 GPUs: no type of NodePool inference (g5, ≤ 1 GPU per node) has that many",
        );
    });

    it("details the limit needed per model that fits a type, and leaves out the one that fits none", () => {
        const found = poolCapacityProblems(
            pool({ instanceFamilies: ["g6e"], gpuLimit: 4, maxGpusPerNode: 4 }),
            [
                demand({ modelName: "a", gpusPerReplica: 4, maxReplicas: 1, surge: 1 }),
                demand({ modelName: "b", gpusPerReplica: 8 }),
                demand({ modelName: "c", maxReplicas: 1 }),
            ],
            paths,
        );
        assert.deepEqual(found[1], {
            propertyPath: "cluster.gpuNodePools[0].gpuLimit",
            reason:
                "plan needs a limit of 9 GPUs (a: 2 replicas incl. surge, 0 on static nodes, 2 on g6e.12xlarge (4 GPUs each); " +
                "c: 1 replica incl. surge, 0 on static nodes, 1 on g6e.xlarge (1 GPU each)) but gpuLimit is 4: 2 replicas would stay Pending",
        });
    });

    it("agrees with GPU arithmetic for single-GPU replicas on single-GPU nodes (property)", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 0, max: 6 }),
                fc.integer({ min: 1, max: 4 }),
                fc.integer({ min: 1, max: 40 }),
                fc.integer({ min: 0, max: 30 }),
                fc.integer({ min: 0, max: 2 }),
                (staticNodes, staticGpus, limit, maxReplicas, surge) => {
                    const plan = planPoolCapacity(
                        pool({ gpuLimit: limit, maxGpusPerNode: 1 }),
                        [demand({ maxReplicas, surge })],
                        { count: staticNodes, gpusPerNode: staticGpus },
                    );
                    const expected = Math.max(
                        0,
                        maxReplicas + surge - staticNodes * staticGpus - limit,
                    );
                    assert.equal(plan.pendingReplicas, expected);
                    assert.ok(plan.poolGpusAtMax <= limit);
                },
            ),
        );
    });
});
