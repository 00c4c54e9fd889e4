import { strict as assert } from "assert";
import { kwokInstanceTypes, localZones } from "../scripts/local/karpenter-instance-types";

describe("local Karpenter instance types", () => {
    const types = kwokInstanceTypes();
    const byName = (name: string) => {
        const found = types.find((t) => t.name === name);
        assert.ok(found, name);
        return found;
    };

    it("offers g5.xlarge at the price table's $1.006/h on-demand and $0.40/h spot in each zone", () => {
        const prices = byName("g5.xlarge").offerings.map((o) => [
            o.Requirements.find((r) => r.key === "topology.kubernetes.io/zone")!.values[0],
            o.Requirements.find((r) => r.key === "karpenter.sh/capacity-type")!.values[0],
            o.Price,
        ]);
        assert.deepEqual(prices, [
            ["us-west-2a", "on-demand", 1.006],
            ["us-west-2a", "spot", 0.4],
            ["us-west-2b", "on-demand", 1.006],
            ["us-west-2b", "spot", 0.4],
            ["us-west-2c", "on-demand", 1.006],
            ["us-west-2c", "spot", 0.4],
        ]);
        assert.deepEqual(localZones(), ["us-west-2a", "us-west-2b", "us-west-2c"]);
    });

    it("gives g6e.12xlarge 4 GPUs, 48 vCPUs and 384 GiB", () => {
        assert.deepEqual(byName("g6e.12xlarge").resources, {
            cpu: "48",
            memory: "384Gi",
            "nvidia.com/gpu": "4",
            pods: "110",
            "ephemeral-storage": "200Gi",
        });
    });

    it("labels every offering with AWS's family, generation, GPU count and GPU name", () => {
        const labels = Object.fromEntries(
            byName("g6e.2xlarge")
                .offerings[0].Requirements.filter((r) => r.key.startsWith("karpenter.k8s.aws/"))
                .map((r) => [r.key, r.values[0]]),
        );
        assert.deepEqual(labels, {
            "karpenter.k8s.aws/instance-family": "g6e",
            "karpenter.k8s.aws/instance-generation": "6",
            "karpenter.k8s.aws/instance-gpu-count": "1",
            "karpenter.k8s.aws/instance-gpu-name": "l40s",
        });
    });

    it("covers every GPU family the committed stacks use", () => {
        for (const name of ["g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6e.2xlarge", "g6e.12xlarge"])
            byName(name);
    });
});
