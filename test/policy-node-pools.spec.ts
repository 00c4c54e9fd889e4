import { strict as assert } from "assert";
import { nodePoolSpec, ec2NodeClassSpec } from "../components/plan/node-pool-plan";
import { policyViolations } from "./harness/policy";
import { RegisteredResource } from "./harness/render";

let sequence = 0;
function object(type: string, name: string, spec: Record<string, any>): RegisteredResource {
    sequence++;
    const [, apiVersion, kind] = type.split(":");
    return {
        type,
        name,
        urn: `urn:pulumi:test::gpu-serving-infra::${type}::${name}-${sequence}`,
        id: `${name}-id`,
        outputs: {},
        parent: "",
        custom: true,
        inputs: { apiVersion, kind, metadata: { name }, spec },
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        replaceOnChanges: [],
        additionalSecretOutputs: [],
        aliases: [],
        customTimeouts: { create: "", update: "", delete: "" },
        secretInputs: [],
        provider: "",
        dependencies: [],
    };
}

const pool = nodePoolSpec({
    name: "inference",
    instanceFamilies: ["g6e"],
    capacityTypes: ["on-demand"],
    gpuLimit: 8,
    consolidateAfterSeconds: 161,
    labels: {},
    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu-inference" },
});
const nodePool = (spec: Record<string, any>) =>
    object("kubernetes:karpenter.sh/v1:NodePool", "inference", spec);

async function violations(policy: string, records: RegisteredResource[]) {
    return (await policyViolations(records, "prod")).filter((v) => v.policyName === policy);
}

describe("NodePool policies", () => {
    it("accept the NodePools and EC2NodeClasses GpuNodePools renders", async () => {
        const nodeClass = object(
            "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
            "gpu-inference",
            ec2NodeClassSpec({
                clusterName: "c",
                nodeRoleName: "r",
                amiFamily: "AL2023",
                rootVolumeSizeGiB: 50,
                dataVolumeSizeGiB: 200,
                capacityReservationIds: [],
                tags: {},
            }),
        );
        assert.deepEqual(await policyViolations([nodePool(pool), nodeClass], "prod"), []);
    });

    it("refuse a GPU NodePool without a GPU limit", async () => {
        const found = await violations("gpu-node-pools-limited", [
            nodePool({ ...pool, limits: {} }),
        ]);
        assert.equal(found.length, 1);
        assert.match(found[0].message, /without spec\.limits\["nvidia\.com\/gpu"\]/);
    });

    it("leave a CPU NodePool without a GPU limit alone", async () => {
        const cpu = {
            template: { metadata: { labels: {} }, spec: { requirements: [], taints: [] } },
            limits: { cpu: "100" },
        };
        assert.deepEqual(await violations("gpu-node-pools-limited", [nodePool(cpu)]), []);
    });

    it("flag a GPU NodePool without the GPU taint (advisory)", async () => {
        const untainted = {
            ...pool,
            template: { ...pool.template, spec: { ...pool.template.spec, taints: [] } },
        };
        const found = await violations("gpu-node-pools-tainted", [nodePool(untainted)]);
        assert.equal(found.length, 1);
    });

    it("refuse an EC2NodeClass with IMDSv1 or a hop limit above 1", async () => {
        for (const metadataOptions of [
            { httpTokens: "optional", httpPutResponseHopLimit: 1 },
            { httpTokens: "required", httpPutResponseHopLimit: 2 },
        ]) {
            const found = await violations("ec2-node-classes-require-imdsv2", [
                object("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "gpu", { metadataOptions }),
            ]);
            assert.equal(found.length, 1, JSON.stringify(metadataOptions));
        }
    });
});
