import { strict as assert } from "assert";
import { ModelService, ModelServiceArgs } from "../components/model-service";
import { InvalidInputsError } from "../components/plan/problems";
import { s3CredentialKeys, s3EndpointEnv } from "../components/serving/contract";
import { modelServiceArgs } from "../stacks/serving-plan";
import { parseStackConfig } from "../stacks/validate";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { render } from "./harness/render";

// Weights from an S3-compatible store: the endpoint override (config `models[].weights.endpoint`),
// its static keys (config `weightsCredentials`, secret) and the staging image (config
// `serving.stagingImage`), from stack config through to the staging Job.

const stagingImage = `127.0.0.1:20205/gpu-serving/staging@sha256:${"5".repeat(64)}`;
const endpoint = "http://10.88.0.1:20206";

function stackConfig(): Record<string, any> {
    return {
        platform: "existing",
        cluster: {
            gpuNodeGroups: [{ name: "real", instanceTypes: ["g5.12xlarge"], maxSize: 2 }],
        },
        serving: { stagingImage },
        models: [
            {
                name: "demo",
                runtime: "custom",
                version: "1",
                image: { reference: `r/custom@sha256:${"c".repeat(64)}` },
                weights: { source: "s3://models/demo/1", sizeGiB: 0.001, endpoint },
                gpuGroup: "real",
            },
            {
                name: "other",
                runtime: "custom",
                version: "1",
                image: { reference: `r/custom@sha256:${"c".repeat(64)}` },
                weights: { source: "s3://models/other/1", sizeGiB: 0.001 },
                gpuGroup: "real",
            },
        ],
        weightsCredentials: { accessKeyId: "local", secretAccessKey: "local-secret" },
    };
}

function problemsOf(config: Record<string, unknown>): string[] {
    try {
        parseStackConfig(config, "test");
    } catch (error) {
        assert.ok(error instanceof InvalidInputsError, `unexpected ${error}`);
        return error.errors.map((e) => `${e.propertyPath}: ${e.reason}`);
    }
    return [];
}

describe("weights from an S3-compatible store: config", () => {
    it("accepts an endpoint, its keys and a staging image, and passes each to the right model", () => {
        const config = parseStackConfig(stackConfig(), "test");
        const wiring = {
            namespace: "models",
            image: "",
            modelClaimName: "model-cache",
            weightsCredentials: config.weightsCredentials,
        };
        const [demo, other] = config.models.map((m) => modelServiceArgs(config, m, wiring));
        assert.equal(demo.weightsEndpoint, endpoint);
        assert.deepEqual(demo.weightsCredentials, stackConfig().weightsCredentials);
        assert.equal(demo.stagingImage, stagingImage);
        // A model read from AWS S3 gets no static keys: its IAM role reads the bucket.
        assert.equal(other.weightsEndpoint, undefined);
        assert.equal(other.weightsCredentials, undefined);
        assert.equal(other.stagingImage, stagingImage);
    });

    it("accepts the smallest endpoint URL, a scheme and a host", () => {
        const config = stackConfig();
        config.models[0].weights.endpoint = "http://h";
        assert.deepEqual(problemsOf(config), []);
    });

    it("reports every problem of the new keys at once, each under the key a user edits", () => {
        const config = stackConfig();
        config.serving.stagingImage = "127.0.0.1:20205/gpu-serving/staging:latest";
        config.models[0].weights.endpoint = "minio.internal:9000";
        config.models[1].weights.endpoint = "http://";
        assert.deepEqual(problemsOf(config).sort(), [
            'models[0].weights.endpoint: "minio.internal:9000" must be an http:// or https:// URL with a host, e.g. https://minio.internal:9000',
            'models[1].weights.endpoint: "http://" must be an http:// or https:// URL with a host, e.g. https://minio.internal:9000',
            'serving.stagingImage: "127.0.0.1:20205/gpu-serving/staging:latest" is not pinned by digest: use <repository>@sha256:<64 hex digits> so every node runs the same bytes',
        ]);
    });

    it("refuses an endpoint for a Hugging Face source", () => {
        const config = stackConfig();
        config.models[0].weights = {
            source: "hf://org/model",
            revision: "abc123",
            sizeGiB: 1,
            endpoint,
        };
        assert.deepEqual(
            problemsOf(config).filter((p) => p.includes("endpoint")),
            ["models[0].weights.endpoint: applies to s3:// sources only (hf:// reads the Hub)"],
        );
    });

    it("refuses keys that no model uses", () => {
        const config = stackConfig();
        delete config.models[0].weights.endpoint;
        assert.deepEqual(problemsOf(config), [
            "weightsCredentials: is only used by models with `weights.endpoint` (S3-compatible stores); no model sets one",
        ]);
    });

    it("names a missing half of the keys", () => {
        const config = stackConfig();
        delete config.weightsCredentials.secretAccessKey;
        assert.ok(
            problemsOf(config).some((p) => p.startsWith("weightsCredentials.secretAccessKey:")),
            problemsOf(config).join("\n"),
        );
    });
});

const baseArgs: ModelServiceArgs = {
    modelName: "demo",
    namespace: "models",
    image: `r/custom@sha256:${"c".repeat(64)}`,
    runtime: "custom",
    modelVersion: "1",
    weightsSource: "s3://models/demo/1",
    weightsSizeGiB: 0.001,
    modelClaimName: "model-cache",
    gpuGroup: "real",
    gpusPerReplica: 1,
    minReplicas: 1,
    maxReplicas: 1,
    stagingImage,
};

describe("weights from an S3-compatible store: the staging Job", () => {
    const withStore: Partial<ModelServiceArgs> = {
        weightsEndpoint: endpoint,
        weightsCredentials: { accessKeyId: "local", secretAccessKey: "local-secret" },
    };

    async function renderJob(args: Partial<ModelServiceArgs>) {
        const { resources } = await render(
            () => new ModelService("demo", { ...baseArgs, ...args }),
        );
        const job = resources.one("kubernetes:batch/v1:Job");
        return { resources, job, container: job.inputs.spec.template.spec.containers[0] };
    }

    it("points the AWS CLI at the endpoint", async () => {
        const { container } = await renderJob(withStore);
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
        assert.equal(env[s3EndpointEnv], endpoint);
        assert.equal(env.AWS_DEFAULT_REGION, "us-east-1");
    });

    it("keeps the keys in a Secret the Job loads, and waits for it", async () => {
        const { resources, job, container } = await renderJob(withStore);
        const secret = resources
            .ofType("kubernetes:core/v1:Secret")
            .find((s) => s.inputs.metadata.name === "demo-weights-credentials")!;
        assert.deepEqual(container.envFrom, [{ secretRef: { name: "demo-weights-credentials" } }]);
        assert.deepEqual(secret.inputs.stringData, {
            [s3CredentialKeys.accessKeyId]: "local",
            [s3CredentialKeys.secretAccessKey]: "local-secret",
        });
        // Given as plain strings, they are still stored as secrets.
        assert.ok(secret.secretInputs.includes("stringData"));
        assert.ok(job.dependencies.includes(secret.urn));
        assert.ok((await validateRenderedKubernetesObjects(resources)) > 0);
    });

    it("adds no endpoint, Secret or envFrom for AWS S3", async () => {
        const { resources, container } = await renderJob({});
        assert.ok(!container.env.some((e: any) => e.name === s3EndpointEnv));
        assert.equal(container.envFrom, undefined);
        assert.deepEqual(
            resources.ofType("kubernetes:core/v1:Secret").map((s) => s.inputs.metadata.name),
            ["demo-api-key"],
        );
    });

    it("lets this model's staging pods out to an endpoint off 443, and only then", async () => {
        const policies = async (weightsEndpoint?: string) =>
            (await renderJob({ weightsEndpoint })).resources
                .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .filter((p) => p.name.endsWith("-staging-endpoint-egress"))
                .map((p) => p.inputs.spec);
        const [local] = await policies(endpoint);
        assert.deepEqual(local.podSelector.matchLabels, {
            "app.kubernetes.io/name": "demo",
            "app.kubernetes.io/component": "weights-staging",
        });
        assert.deepEqual(local.egress[0].ports, [{ protocol: "TCP", port: 20206 }]);
        assert.deepEqual((await policies("http://minio.internal"))[0].egress[0].ports, [
            { protocol: "TCP", port: 80 },
        ]);
        // The namespace already lets staging out on 443: nothing to add.
        assert.deepEqual(await policies("https://minio.internal"), []);
        assert.deepEqual(await policies(undefined), []);
    });
});
