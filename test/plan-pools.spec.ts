import { strict as assert } from "assert";
import { ModelGpuDemand } from "../components/plan/capacity";
import { GpuNodePoolInput } from "../components/plan/node-pool-plan";
import { headroomCost, poolCostLine, poolPricing } from "../stacks/plan-pools";

const hours = 730;
const inference: GpuNodePoolInput = {
    name: "inference",
    instanceFamilies: ["g6e"],
    maxGpusPerNode: 1,
    capacityTypes: ["on-demand"],
    gpuLimit: 8,
    consolidateAfterSeconds: 161,
    labels: {},
    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu-inference" },
};
const demands: ModelGpuDemand[] = [
    {
        modelName: "llama",
        gpuGroup: "inference",
        gpusPerReplica: 1,
        minReplicas: 2,
        maxReplicas: 4,
        surge: 1,
    },
    {
        modelName: "resnet",
        gpuGroup: "inference",
        gpusPerReplica: 1,
        minReplicas: 2,
        maxReplicas: 2,
        surge: 1,
    },
];
const headroom = {
    group: "inference",
    gpus: 1,
    gpusPerPlaceholder: 1,
    cpu: "3",
    memoryGiB: 12,
    ephemeralStorageGiB: 6,
};

function near(actual: number | undefined, expected: number): void {
    assert.ok(
        actual !== undefined && Math.abs(actual - expected) < 1e-6,
        `expected ${expected}, got ${actual}`,
    );
}

describe("NodePool pricing", () => {
    it("prices the single-GPU g6e sizes: cheapest g6e.xlarge, dearest g6e.16xlarge per GPU", () => {
        const pricing = poolPricing(inference);
        assert.deepEqual(
            pricing.fittingTypes.map((t) => t.instanceType),
            ["g6e.xlarge", "g6e.2xlarge", "g6e.4xlarge", "g6e.8xlarge", "g6e.16xlarge"],
        );
        assert.deepEqual([pricing.cheapest?.perHour, pricing.dearest?.perHour], [1.861, 7.57719]);
    });

    it("prices spot when the pool may use it", () => {
        const pricing = poolPricing({ ...inference, capacityTypes: ["on-demand", "spot"] });
        assert.equal(pricing.pricedAs, "spot");
        assert.equal(pricing.cheapest?.perHour, 0.93);
    });

    it("costs minReplicas and headroom on g6e.xlarge at min, the limit on the cheapest GPU at max", () => {
        const line = poolCostLine(inference, demands, headroom);
        // min: (2 + 2 replicas + 1 placeholder) × g6e.xlarge $1.861/h × 730 h
        near(line.monthlyAtMin, 5 * 1.861 * hours);
        // max: 8 GPUs at g6e.xlarge's $1.861/GPU-h; the bound: g6e.16xlarge's $7.57719/GPU-h
        near(line.monthlyAtMax, 8 * 1.861 * hours);
        assert.match(line.basis, /\$10,868 on g6e\.xlarge .* up to \$44,251 on g6e\.16xlarge/);
    });

    it("prices a 4-GPU pool's limit per GPU: 12 GPUs at g6e.12xlarge's $2.623/GPU-h", () => {
        const large = {
            ...inference,
            name: "large",
            maxGpusPerNode: undefined,
            minGpusPerNode: 4,
            gpuLimit: 12,
        };
        const line = poolCostLine(large, [
            {
                modelName: "llama-70b",
                gpuGroup: "large",
                gpusPerReplica: 4,
                minReplicas: 2,
                maxReplicas: 2,
                surge: 1,
            },
        ]);
        near(line.monthlyAtMin, 2 * 10.49264 * hours);
        near(line.monthlyAtMax, 12 * (10.49264 / 4) * hours);
        assert.match(line.basis, /up to \$32,994 on g6e\.48xlarge/);
    });

    it("prices warm headroom next to the seconds it saves", () => {
        const cost = headroomCost(inference, headroom, [{ model: "llama", seconds: 120 }]);
        assert.deepEqual([cost?.instanceType, cost?.nodes, cost?.gpus], ["g6e.xlarge", 1, 1]);
        near(cost?.monthly, 1.861 * hours);
    });
});
