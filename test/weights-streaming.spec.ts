import { strict as assert } from "assert";
import { ModelService, ModelServiceArgs } from "../components/model-service";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { mockAccountId } from "./harness/mocks";
import { Rendered, render } from "./harness/render";
import { renderStack } from "./harness/stacks";

/**
 * A vLLM server with `loadFormat: runai_streamer` and an `s3://` source streams the weights from S3
 * at serve time (`--model s3://…`): it needs a read role of its own and HTTPS out, and nothing is
 * staged for it. Every other server reads the staged copy and opens no connection.
 */

const types = {
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    job: "kubernetes:batch/v1:Job",
    deployment: "kubernetes:apps/v1:Deployment",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};

const streamingArgs: ModelServiceArgs = {
    modelName: "llama-8b",
    namespace: "serving",
    image: `123456789012.dkr.ecr.us-west-2.amazonaws.com/serving/vllm@sha256:${"0123456789abcdef".repeat(4)}`,
    runtime: "vllm",
    modelVersion: "2024.07",
    weightsSource: "s3://weights/llama-8b/2024.07",
    weightsSizeGiB: 16,
    modelClaimName: "model-cache",
    gpuGroup: "inference",
    gpusPerReplica: 1,
    minReplicas: 1,
    maxReplicas: 2,
    loadFormat: "runai_streamer",
    serviceAccountRoleArn: "arn:aws:iam::123456789012:role/llama-8b-weights-serving",
};

function renderService(args: Partial<ModelServiceArgs> = {}) {
    return render(() => new ModelService("llm", { ...streamingArgs, ...args }));
}

const server = (resources: Rendered) =>
    resources.one(types.deployment).inputs.spec.template.spec.containers[0];
const modelFlag = (resources: Rendered) => {
    const args: string[] = server(resources).args;
    return args[args.indexOf("--model") + 1];
};
const egress = (resources: Rendered) =>
    resources.one(types.networkPolicy, "network-policy").inputs.spec.egress;

describe("A server that streams its weights from S3", () => {
    let resources: Rendered;

    before(async () => {
        ({ resources } = await renderService());
    });

    it("loads the s3:// source itself with the Run:ai streamer", () => {
        assert.equal(modelFlag(resources), "s3://weights/llama-8b/2024.07");
        const args: string[] = server(resources).args;
        assert.equal(args[args.indexOf("--load-format") + 1], "runai_streamer");
    });

    it("stages nothing: no Job, no staging ServiceAccount, no init container waiting for a copy", () => {
        assert.equal(resources.ofType(types.job).length, 0);
        const accounts = resources
            .ofType(types.serviceAccount)
            .map((sa) => sa.inputs.metadata.name);
        assert.deepEqual(accounts, ["llama-8b"]);
        const pod = resources.one(types.deployment).inputs.spec.template.spec;
        assert.deepEqual(pod.initContainers, []);
    });

    it("runs under its ServiceAccount annotated with its read role", () => {
        const account = resources.one(types.serviceAccount);
        assert.equal(
            account.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
            streamingArgs.serviceAccountRoleArn,
        );
        const pod = resources.one(types.deployment).inputs.spec.template.spec;
        assert.equal(pod.serviceAccountName, "llama-8b");
    });

    it("may connect out on TCP 443 only (S3 and STS), besides the namespace's DNS rule", () => {
        assert.deepEqual(egress(resources), [
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
    });

    it("renders only schema-valid Kubernetes objects", async () => {
        assert.ok((await validateRenderedKubernetesObjects(resources)) > 0);
    });

    it("refuses a staging role: nothing is staged", async () => {
        const { resources: none } = await render(() =>
            assert.throws(
                () =>
                    new ModelService("llm", {
                        ...streamingArgs,
                        stagingRoleArn: "arn:aws:iam::123456789012:role/x",
                    }),
                /stagingRoleArn: nothing is staged: with loadFormat "runai_streamer" the server streams s3:\/\/ itself/,
            ),
        );
        assert.equal(none.all.length, 0);
    });
});

describe("A server that reads the staged copy", () => {
    for (const [label, args] of [
        ["safetensors from s3://", { loadFormat: "safetensors" }],
        ["the default load format from s3://", { loadFormat: undefined }],
        [
            "runai_streamer from an S3-compatible store outside AWS (static keys, staging only)",
            { weightsEndpoint: "https://minio.example.internal:9000" },
        ],
        [
            "runai_streamer from hf://",
            {
                weightsSource: "hf://meta/llama",
                weightsRevision: "0e9e39f249a16976918f6564b8830bc894c89659",
            },
        ],
    ] as [string, Partial<ModelServiceArgs>][]) {
        it(`${label}: loads /models/<model>/<version>, stages it, opens no connection`, async () => {
            const { resources } = await renderService({
                ...args,
                serviceAccountRoleArn: undefined,
            });
            assert.equal(modelFlag(resources), "/models/llama-8b/2024.07");
            assert.equal(resources.ofType(types.job).length, 1);
            assert.deepEqual(egress(resources), []);
        });
    }
});

describe("Streaming in the stacks (prod: two vLLM models with runai_streamer)", function () {
    this.timeout(60_000);
    let resources: Rendered;

    before(async () => {
        ({ resources } = await renderStack("prod"));
    });

    it("hands each streaming server its ModelWeightsAccess role, and the custom server none", () => {
        const annotated = Object.fromEntries(
            resources
                .ofType(types.serviceAccount)
                .filter((sa) => sa.inputs.metadata.namespace === "models")
                .map((sa) => [
                    sa.inputs.metadata.name,
                    sa.inputs.metadata.annotations?.["eks.amazonaws.com/role-arn"] ?? null,
                ]),
        );
        assert.deepEqual(annotated, {
            "llama-3-1-8b": `arn:aws:iam::${mockAccountId}:role/llama-3-1-8b-weights-serving`,
            "llama-3-1-70b": `arn:aws:iam::${mockAccountId}:role/llama-3-1-70b-weights-serving`,
            "resnet-classifier": null,
            "resnet-classifier-staging": `arn:aws:iam::${mockAccountId}:role/resnet-classifier-weights-staging`,
        });
    });

    it("stages only the custom server's weights", () => {
        assert.deepEqual(
            resources.ofType(types.job).map((j) => j.inputs.metadata.name),
            ["resnet-classifier-stage-1-4-0"],
        );
    });
});
