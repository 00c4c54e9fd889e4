import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../components/plan/problems";
import {
    ModelStorePlainArgs,
    checkModelStoreArgs,
    efsStorageClassParameters,
    gibQuantity,
} from "../components/plan/store-plan";

const base: ModelStorePlainArgs = {
    privateSubnetIds: ["subnet-a", "subnet-b"],
    storageClassName: "efs-models",
    claimName: "model-cache",
    claimSizeGiB: 1024,
    throughputMode: "elastic",
};

function problems(overrides: Partial<ModelStorePlainArgs>): string[] {
    const found = new Problems();
    checkModelStoreArgs({ ...base, ...overrides }, found);
    return found.list.map((p) => `${p.propertyPath}: ${p.reason}`);
}

describe("model store plan", () => {
    it("names every problem with a repeated subnet", () => {
        assert.deepEqual(problems({ privateSubnetIds: ["subnet-a", "subnet-b", "subnet-a"] }), [
            'privateSubnetIds[2]: "subnet-a" repeats privateSubnetIds[0]; EFS allows one mount target per Availability Zone',
        ]);
    });

    it("accepts subnets still unknown", () => {
        assert.deepEqual(
            problems({ privateSubnetIds: [pulumi.output("subnet-a"), pulumi.output("subnet-a")] }),
            [],
        );
    });

    it("names every problem with an unknown throughput mode", () => {
        assert.deepEqual(problems({ throughputMode: "turbo", provisionedThroughputMiBps: 100 }), [
            'throughputMode: "turbo" is not one of elastic, bursting, provisioned',
        ]);
    });

    it("names every problem with provisioned throughput without a rate", () => {
        assert.deepEqual(problems({ throughputMode: "provisioned" }), [
            'provisionedThroughputMiBps: is required when throughputMode is "provisioned"',
        ]);
    });

    it("names every problem with a rate with elastic throughput", () => {
        assert.deepEqual(problems({ provisionedThroughputMiBps: 100 }), [
            'provisionedThroughputMiBps: applies only to throughputMode "provisioned", not "elastic"',
        ]);
    });

    it("accepts provisioned throughput of 1 MiB/s", () => {
        assert.deepEqual(
            problems({ throughputMode: "provisioned", provisionedThroughputMiBps: 1 }),
            [],
        );
    });

    it("names every problem with provisioned throughput under 1 MiB/s", () => {
        assert.deepEqual(
            problems({ throughputMode: "provisioned", provisionedThroughputMiBps: 0.5 }),
            ["provisionedThroughputMiBps: must be at least 1 MiB/s, got 0.5"],
        );
    });

    it("provisions an EFS access point per claim under /models, owned by uid and gid 1000, mode 700", () => {
        assert.deepEqual(efsStorageClassParameters("fs-1"), {
            provisioningMode: "efs-ap",
            fileSystemId: "fs-1",
            directoryPerms: "700",
            uid: "1000",
            gid: "1000",
            basePath: "/models",
        });
    });

    it("writes sizes as Kubernetes Gi quantities", () => {
        assert.equal(gibQuantity(1024), "1024Gi");
    });
});
