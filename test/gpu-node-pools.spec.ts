import { strict as assert } from "assert";
import { GpuHeadroom } from "../components/gpu-headroom";
import { GpuNodePools, GpuNodePoolsArgs } from "../components/gpu-node-pools";
import { placeholderCount } from "../components/plan/warm-headroom";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { render } from "./harness/render";

const types = {
    nodePool: "kubernetes:karpenter.sh/v1:NodePool",
    nodeClass: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
    deployment: "kubernetes:apps/v1:Deployment",
    priorityClass: "kubernetes:scheduling.k8s.io/v1:PriorityClass",
};

const ec2Args: GpuNodePoolsArgs = {
    clusterName: "gpu-serving-prod",
    nodeRoleName: "karpenter-node-role",
    amiFamily: "Bottlerocket",
    pools: [
        {
            name: "inference",
            instanceFamilies: ["g6e"],
            maxGpusPerNode: 1,
            capacityTypes: ["on-demand", "spot"],
            gpuLimit: 8,
            consolidateAfterSeconds: 161,
            imageCacheSnapshotId: "snap-0123456789abcdef0",
        },
        {
            name: "large",
            instanceFamilies: ["g6e"],
            minGpusPerNode: 4,
            capacityTypes: ["reserved", "on-demand"],
            capacityReservationIds: ["cr-0123456789abcdef0"],
            gpuLimit: 12,
            consolidateAfterSeconds: 278,
            businessHours: { days: "mon-fri", startHourUtc: 7, hours: 12 },
        },
    ],
};

describe("GpuNodePools", () => {
    it("renders a schema-valid NodePool and EC2NodeClass per group on EKS", async () => {
        const { resources } = await render(() => new GpuNodePools("pools", ec2Args));
        assert.equal(await validateRenderedKubernetesObjects(resources), 4);
        assert.deepEqual(
            resources.ofType(types.nodePool).map((p) => p.inputs.spec.template.spec.nodeClassRef),
            [
                { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu-inference" },
                { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu-large" },
            ],
        );
    });

    it("creates each NodePool after the node class it launches from", async () => {
        const { resources } = await render(() => new GpuNodePools("pools", ec2Args));
        const nodeClass = resources.one(types.nodeClass, "large");
        const nodePool = resources.ofType(types.nodePool).find((p) => p.name === "pools-large")!;
        assert.ok(nodePool.dependencies.includes(nodeClass.urn));
    });

    it("launches from an existing node class without creating EC2NodeClasses", async () => {
        const { resources } = await render(
            () =>
                new GpuNodePools("pools", {
                    existingNodeClass: {
                        group: "karpenter.kwok.sh",
                        kind: "KWOKNodeClass",
                        name: "local",
                    },
                    pools: [
                        {
                            name: "inference",
                            instanceFamilies: ["g5"],
                            gpuLimit: 2,
                            consolidateAfterSeconds: 30,
                        },
                    ],
                }),
        );
        assert.equal(resources.ofType(types.nodeClass).length, 0);
        assert.equal(
            resources.one(types.nodePool).inputs.spec.template.spec.nodeClassRef.kind,
            "KWOKNodeClass",
        );
    });

    it("rejects bad pools before registering anything, naming every problem", async () => {
        const { resources } = await render(() =>
            assert.throws(
                () =>
                    new GpuNodePools("pools", {
                        ...ec2Args,
                        pools: [{ ...ec2Args.pools[0], gpuLimit: 0, instanceFamilies: ["x9"] }],
                    }),
                /has 2 problems:[\s\S]*pools\[0\]\.gpuLimit[\s\S]*pools\[0\]\.instanceFamilies\[0\]/,
            ),
        );
        assert.equal(resources.all.length, 0);
    });
});

describe("GpuHeadroom", () => {
    const group = {
        group: "inference",
        gpus: 3,
        gpusPerPlaceholder: 2,
        cpu: "6",
        memoryGiB: 24,
        ephemeralStorageGiB: 7,
    };

    it("renders a schema-valid PriorityClass and placeholder Deployment", async () => {
        const { resources } = await render(
            () => new GpuHeadroom("headroom", { namespace: "models", groups: [group] }),
        );
        assert.equal(await validateRenderedKubernetesObjects(resources), 2);
    });

    it("holds whole placeholders of the largest replica's size: 3 GPUs in 2-GPU pods → 2 pods", async () => {
        assert.equal(placeholderCount(group), 2);
        const { resources } = await render(
            () => new GpuHeadroom("headroom", { namespace: "models", groups: [group] }),
        );
        const spec = resources.one(types.deployment).inputs.spec;
        assert.equal(spec.replicas, 2);
        assert.deepEqual(spec.template.spec.containers[0].resources.requests, {
            cpu: "6",
            memory: "24Gi",
            "ephemeral-storage": "7Gi",
            "nvidia.com/gpu": "2",
        });
    });

    it("rejects a placeholder without ephemeral storage before registering anything", async () => {
        const { resources } = await render(() =>
            assert.throws(
                () =>
                    new GpuHeadroom("headroom", {
                        namespace: "models",
                        groups: [{ ...group, ephemeralStorageGiB: 0 }],
                    }),
                /groups\[0\]\.ephemeralStorageGiB: must be a positive number of GiB/,
            ),
        );
        assert.equal(resources.all.length, 0);
    });

    it("ranks placeholders below every workload and lets them preempt nothing", async () => {
        const { resources } = await render(
            () => new GpuHeadroom("headroom", { namespace: "models", groups: [group] }),
        );
        const priority = resources.one(types.priorityClass).inputs;
        assert.ok(priority.value < 0);
        assert.equal(priority.preemptionPolicy, "Never");
        assert.equal(priority.globalDefault, false);
        const pod = resources.one(types.deployment).inputs.spec.template.spec;
        assert.equal(pod.priorityClassName, priority.metadata.name);
        assert.equal(pod.terminationGracePeriodSeconds, 0);
    });

    it("does not make pulumi wait for placeholders to be scheduled", async () => {
        const { resources } = await render(
            () => new GpuHeadroom("headroom", { namespace: "models", groups: [group] }),
        );
        assert.equal(
            resources.one(types.deployment).inputs.metadata.annotations["pulumi.com/skipAwait"],
            "true",
        );
    });
});
