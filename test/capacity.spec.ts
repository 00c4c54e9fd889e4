import { strict as assert } from "assert";
import * as fc from "fast-check";
import {
    GpuGroupCapacityInput,
    ModelGpuDemand,
    capacityProblems,
    planGpuCapacity,
} from "../components/plan/capacity";
import { gpuInstanceTypes } from "../components/plan/gpu-instances";

const inference: GpuGroupCapacityInput = {
    name: "inference",
    instanceTypes: ["g5.12xlarge"],
    minSize: 1,
    maxSize: 3,
};

function demand(overrides: Partial<ModelGpuDemand>): ModelGpuDemand {
    return {
        modelName: "m",
        gpuGroup: "inference",
        gpusPerReplica: 1,
        minReplicas: 1,
        maxReplicas: 1,
        surge: 1,
        ...overrides,
    };
}

describe("GPU capacity plan", () => {
    it("counts nodes per model because a replica cannot span nodes", () => {
        const [plan] = planGpuCapacity(
            [inference],
            [
                // 4 + 1 replicas of 1 GPU, 4 per 4-GPU node → 2 nodes.
                demand({ modelName: "small", gpusPerReplica: 1, maxReplicas: 4 }),
                // 2 + 1 replicas of 2 GPUs, 2 per node → 2 nodes.
                demand({ modelName: "medium", gpusPerReplica: 2, maxReplicas: 2 }),
            ],
        );
        assert.deepEqual(plan, {
            group: "inference",
            gpusPerNode: 4,
            nodesAtMax: 3,
            gpusAvailableAtMax: 12,
            gpusAtMin: 4,
            gpusRequestedAtMax: 11,
            nodesNeeded: 4,
            unplaceable: [],
            fits: false,
            models: ["small", "medium"],
        });
    });

    it("strands GPUs a replica cannot use: 3-GPU replicas on 4-GPU nodes take a node each", () => {
        const [plan] = planGpuCapacity(
            [{ ...inference, maxSize: 2 }],
            [demand({ gpusPerReplica: 3, maxReplicas: 1 })],
        );
        assert.equal(plan.gpusRequestedAtMax, 6);
        assert.equal(plan.nodesNeeded, 2);
        assert.equal(plan.fits, true);
    });

    it("sizes a mixed group by its smallest instance type", () => {
        const [plan] = planGpuCapacity(
            [
                {
                    name: "mixed",
                    instanceTypes: ["g5.48xlarge", "g5.2xlarge"],
                    minSize: 0,
                    maxSize: 4,
                },
            ],
            [],
        );
        assert.equal(plan.gpusPerNode, 1);
        assert.equal(plan.gpusAvailableAtMax, 4);
        assert.equal(plan.fits, true);
    });

    it("marks a model whose replica exceeds a node unplaceable and the group as not fitting", () => {
        const [plan] = planGpuCapacity(
            [{ ...inference, instanceTypes: ["g5.2xlarge"] }],
            [demand({ modelName: "big", gpusPerReplica: 8 })],
        );
        assert.deepEqual(plan.unplaceable, ["big"]);
        assert.equal(plan.nodesNeeded, 0);
        assert.equal(plan.fits, false);
    });

    it("never claims a fit the GPU count rules out, never needs fewer nodes than the GPUs require, and agrees with capacityProblems", () => {
        const types = Object.keys(gpuInstanceTypes);
        const scenario = fc.record({
            types: fc.subarray(types, { minLength: 1, maxLength: 3 }),
            maxSize: fc.integer({ min: 0, max: 20 }),
            demands: fc.array(
                fc.record({
                    gpusPerReplica: fc.integer({ min: 1, max: 8 }),
                    maxReplicas: fc.integer({ min: 1, max: 10 }),
                    surge: fc.integer({ min: 0, max: 2 }),
                }),
                { maxLength: 4 },
            ),
        });
        fc.assert(
            fc.property(scenario, ({ types: instanceTypes, maxSize, demands }) => {
                const groups = [{ name: "g", instanceTypes, minSize: 0, maxSize }];
                const models = demands.map((d, i) =>
                    demand({ ...d, modelName: `m${i}`, gpuGroup: "g" }),
                );
                const [plan] = planGpuCapacity(groups, models);
                if (plan.fits) assert.ok(plan.gpusRequestedAtMax <= plan.gpusAvailableAtMax);
                if (plan.unplaceable.length === 0) {
                    assert.ok(
                        plan.nodesNeeded >= Math.ceil(plan.gpusRequestedAtMax / plan.gpusPerNode),
                    );
                }
                assert.equal(plan.fits, capacityProblems(groups, models).length === 0);
            }),
        );
    });
});

describe("GPU capacity problems", () => {
    it("names the model, the instance type and the group when a replica exceeds a node", () => {
        const problems = capacityProblems(
            [{ ...inference, instanceTypes: ["g5.2xlarge"] }],
            [demand({ modelName: "ok" }), demand({ modelName: "big", gpusPerReplica: 8 })],
        );
        assert.deepEqual(problems, [
            {
                propertyPath: "models[1].gpusPerReplica",
                reason: "8 exceeds the 1 GPU of g5.2xlarge (gpuGroups.inference)",
            },
        ]);
    });

    for (const instanceTypes of [
        ["g5.12xlarge", "g5.2xlarge"],
        ["g5.2xlarge", "g5.12xlarge"],
    ])
        it(`names the group's smallest type when the types are listed as ${instanceTypes.join(", ")}`, () => {
            const problems = capacityProblems(
                [{ ...inference, instanceTypes }],
                [demand({ gpusPerReplica: 2 })],
            );
            assert.deepEqual(problems, [
                {
                    propertyPath: "models[0].gpusPerReplica",
                    reason: "2 exceeds the 1 GPU of g5.2xlarge (gpuGroups.inference)",
                },
            ]);
        });

    it("says there are no groups when none is configured", () => {
        assert.deepEqual(capacityProblems([], [demand({})]), [
            {
                propertyPath: "models[0].gpuGroup",
                reason: '"inference" is not a GPU group; groups: (none)',
            },
        ]);
    });

    it("reports a model on a group that does not exist, listing the groups", () => {
        const problems = capacityProblems(
            [inference, { ...inference, name: "batch" }],
            [demand({ gpuGroup: "training" })],
        );
        assert.deepEqual(problems, [
            {
                propertyPath: "models[0].gpuGroup",
                reason: '"training" is not a GPU group; groups: inference, batch',
            },
        ]);
    });

    it("reports a group whose maxSize is below the nodes the plan needs, with the per-model arithmetic", () => {
        const problems = capacityProblems(
            [inference],
            [
                demand({ modelName: "small", maxReplicas: 4 }),
                demand({ modelName: "medium", gpusPerReplica: 2, maxReplicas: 2 }),
            ],
        );
        assert.deepEqual(problems, [
            {
                propertyPath: "gpuGroups.inference.maxSize",
                reason:
                    "plan needs 4 nodes (small: 4 + 1 surge replicas of 1 GPU, 4 per node → 2; " +
                    "medium: 2 + 1 surge replicas of 2 GPUs, 2 per node → 2) but maxSize is 3",
            },
        ]);
    });

    it("counts only the group's own models that fit a node in its maxSize arithmetic", () => {
        const problems = capacityProblems(
            [
                { ...inference, maxSize: 1 },
                { name: "batch", instanceTypes: ["g5.2xlarge"], minSize: 0, maxSize: 4 },
            ],
            [
                demand({ modelName: "small", maxReplicas: 4 }),
                demand({ modelName: "elsewhere", gpuGroup: "batch" }),
                demand({ modelName: "huge", gpusPerReplica: 8 }),
            ],
        );
        assert.deepEqual(problems, [
            {
                propertyPath: "models[2].gpusPerReplica",
                reason: "8 exceeds the 4 GPUs of g5.12xlarge (gpuGroups.inference)",
            },
            {
                propertyPath: "gpuGroups.inference.maxSize",
                reason: "plan needs 2 nodes (small: 4 + 1 surge replicas of 1 GPU, 4 per node → 2) but maxSize is 1",
            },
        ]);
    });

    it("reports unknown instance types instead of a misleading 0-GPU comparison", () => {
        const problems = capacityProblems(
            [{ ...inference, instanceTypes: ["g5.3xlarge"] }],
            [demand({})],
        );
        assert.equal(problems.length, 1);
        assert.equal(problems[0].propertyPath, "gpuGroups.inference.instanceTypes[0]");
        assert.match(problems[0].reason, /unknown size "g5.3xlarge"/);
    });

    it("uses the caller's property paths", () => {
        const problems = capacityProblems(
            [{ ...inference, instanceTypes: ["g5.2xlarge"] }],
            [demand({ gpusPerReplica: 2 })],
            {
                model: (i) => `services[${i}]`,
                group: (name) => `cluster.gpuNodeGroups["${name}"]`,
            },
        );
        assert.deepEqual(
            problems.map((p) => p.propertyPath),
            ["services[0].gpusPerReplica"],
        );
        assert.match(problems[0].reason, /\(cluster\.gpuNodeGroups\["inference"\]\)$/);
    });

    it("finds nothing when every model fits", () => {
        assert.deepEqual(capacityProblems([inference], [demand({ maxReplicas: 2 })]), []);
    });
});
