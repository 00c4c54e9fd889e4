import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { render } from "./harness/render";

const karpenterArgs: GpuClusterArgs = {
    vpcId: "vpc-123",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    capacityEngine: "karpenter",
    gpuNodeGroups: [],
    gpuNodePools: [
        {
            name: "inference",
            instanceFamilies: ["g6e"],
            maxGpusPerNode: 1,
            gpuLimit: 8,
            consolidateAfterSeconds: 156,
        },
    ],
    karpenter: { amiFamily: "Bottlerocket" },
};

async function renderCluster(args: Partial<GpuClusterArgs> = {}) {
    const { resources } = await render(() => new GpuCluster("gc", { ...karpenterArgs, ...args }));
    return resources;
}

describe("GpuCluster on Karpenter", () => {
    it("runs Karpenter instead of the cluster-autoscaler and creates no GPU node group", async () => {
        const resources = await renderCluster();
        const releases = resources
            .ofType("kubernetes:helm.sh/v3:Release")
            .map((r) => r.inputs.name);
        assert.deepEqual(releases.sort(), ["karpenter", "nvidia-device-plugin"]);
        const groups = resources.ofType("aws:eks/nodeGroup:NodeGroup");
        assert.deepEqual(
            groups.map((g) => g.inputs.nodeGroupNamePrefix),
            ["system-"],
        );
        assert.equal(
            resources.all.some((r) => r.name.includes("cluster-autoscaler")),
            false,
        );
    });

    it("renders a schema-valid NodePool and Bottlerocket EC2NodeClass with the Karpenter node role", async () => {
        const resources = await renderCluster();
        assert.ok((await validateRenderedKubernetesObjects(resources)) >= 2);
        const nodeClass = resources.one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").inputs.spec;
        assert.equal(nodeClass.role, "gc-karpenter-node-role");
        assert.deepEqual(nodeClass.amiSelectorTerms, [{ alias: "bottlerocket@latest" }]);
    });

    it("installs Karpenter after the system nodes it runs on, and the NodePools after Karpenter", async () => {
        const resources = await renderCluster();
        const controller = resources.one("gpu-serving:index:KarpenterController");
        const system = resources.one("aws:eks/nodeGroup:NodeGroup");
        const release = resources.one("kubernetes:helm.sh/v3:Release", "karpenter");
        const pools = resources.one("gpu-serving:index:GpuNodePools");
        assert.ok(controller.dependencies.includes(system.urn));
        // Pulumi does not pass a component's dependsOn to its children: the release and the
        // NodePool carry it themselves (the chart brings the CRDs the NodePool needs).
        assert.ok(release.dependencies.includes(system.urn));
        assert.ok(pools.dependencies.includes(release.urn));
        const nodePool = resources.one("kubernetes:karpenter.sh/v1:NodePool");
        assert.ok(nodePool.dependencies.includes(release.urn));
    });

    it("needs the subnets as a list so each can carry the discovery tag", async () => {
        const { resources } = await render(() =>
            assert.throws(
                () =>
                    new GpuCluster("gc", {
                        ...karpenterArgs,
                        privateSubnetIds: pulumi.output(["subnet-a", "subnet-b"]),
                    }),
                /privateSubnetIds: must be a list \(one entry per subnet\)/,
            ),
        );
        assert.equal(resources.all.length, 0);
    });

    it("launches a node group into its Capacity Block through the launch template", async () => {
        const { resources } = await render(
            () =>
                new GpuCluster("gc", {
                    vpcId: "vpc-123",
                    privateSubnetIds: ["subnet-a", "subnet-b"],
                    gpuNodeGroups: [
                        {
                            name: "train",
                            instanceTypes: ["p5.48xlarge"],
                            capacityType: "CAPACITY_BLOCK",
                            capacityReservationId: "cr-0123456789abcdef0",
                            maxSize: 2,
                        },
                    ],
                }),
        );
        const template = resources.one("aws:ec2/launchTemplate:LaunchTemplate", "gpu-train").inputs;
        assert.deepEqual(template.capacityReservationSpecification, {
            capacityReservationTarget: { capacityReservationId: "cr-0123456789abcdef0" },
        });
        assert.deepEqual(template.instanceMarketOptions, { marketType: "capacity-block" });
        const group = resources
            .ofType("aws:eks/nodeGroup:NodeGroup")
            .find((g) => g.name.includes("train"))!;
        assert.equal(group.inputs.capacityType, "CAPACITY_BLOCK");
    });
});
