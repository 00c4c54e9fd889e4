import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ModelImage, ModelImageArgs } from "../components/model-image";
import { mockAccountId, mockRegion, mocks } from "./harness/mocks";
import { render, valueOf } from "./harness/render";

const repositoryType = "aws:ecr/repository:Repository";
const lifecycleType = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
const imageType = "docker:index/image:Image";
const repositoryUrl = `${mockAccountId}.dkr.ecr.${mockRegion}.amazonaws.com/serving/vllm`;

const baseArgs: ModelImageArgs = {
    repositoryName: "serving/vllm",
    context: "images/vllm",
    modelVersion: "llama-3.1-8b/2024-07",
};

function renderImage(overrides: Partial<ModelImageArgs> = {}) {
    return render(() => new ModelImage("vllm", { ...baseArgs, ...overrides }));
}

describe("ModelImage", () => {
    it("creates an IMMUTABLE repository that scans on push and keeps images on delete", async () => {
        const { resources } = await renderImage();
        const repository = resources.one(repositoryType).inputs;
        assert.equal(repository.name, "serving/vllm");
        assert.equal(repository.imageTagMutability, "IMMUTABLE");
        assert.deepEqual(repository.imageScanningConfiguration, { scanOnPush: true });
        assert.equal(repository.forceDelete, false);
    });

    it("encrypts with AES256 by default and with the given KMS key otherwise", async () => {
        const aes = (await renderImage()).resources.one(repositoryType).inputs;
        assert.deepEqual(aes.encryptionConfigurations, [{ encryptionType: "AES256" }]);
        const keyArn = `arn:aws:kms:${mockRegion}:${mockAccountId}:key/abcd`;
        const kms = (await renderImage({ kmsKeyArn: keyArn })).resources.one(repositoryType).inputs;
        assert.deepEqual(kms.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: keyArn }]);
    });

    it("protects the repository by default and not when protect is false", async () => {
        assert.equal((await renderImage()).resources.one(repositoryType).protect, true);
        const unprotected = await renderImage({ protect: false });
        assert.equal(unprotected.resources.one(repositoryType).protect, false);
    });

    it("expires untagged images after 7 days, then keeps the newest 10 tagged", async () => {
        const { resources } = await renderImage();
        const lifecycle = resources.one(lifecycleType).inputs;
        assert.equal(lifecycle.repository, "serving/vllm");
        const rules = JSON.parse(lifecycle.policy).rules;
        assert.deepEqual(
            rules.map((r: any) => [
                r.rulePriority,
                r.selection.tagStatus,
                r.selection.countType,
                r.selection.countNumber,
            ]),
            [
                [1, "untagged", "sinceImagePushed", 7],
                [2, "tagged", "imageCountMoreThan", 10],
            ],
        );
    });

    it("renders the retention counts it is given", async () => {
        const { resources } = await renderImage({ keepTaggedImages: 3, untaggedExpiryDays: 1 });
        const rules = JSON.parse(resources.one(lifecycleType).inputs.policy).rules;
        assert.deepEqual(
            rules.map((r: any) => r.selection.countNumber),
            [1, 3],
        );
    });

    it("pushes under a tag derived from modelVersion, never latest", async () => {
        const { result, resources } = await renderImage();
        assert.equal(await valueOf(result.imageTag), "llama-3.1-8b-2024-07");
        const imageName = resources.one(imageType).inputs.imageName;
        assert.equal(imageName, `${repositoryUrl}:llama-3.1-8b-2024-07`);
    });

    it("outputs the pushed digest in this repository as imageReference", async () => {
        const { result, resources } = await renderImage();
        const reference = await valueOf(result.imageReference);
        assert.equal(reference, resources.one(imageType).outputs.repoDigest);
        assert.equal(reference.split("@")[0], await valueOf(result.repositoryUrl));
        assert.equal(await valueOf(result.repositoryUrl), repositoryUrl);
        assert.equal(
            await valueOf(result.repositoryArn),
            `arn:aws:ecr:${mockRegion}:${mockAccountId}:repository/serving/vllm`,
        );
    });

    it("fails with a ResourceError when the push yields a tag instead of a digest", async () => {
        const original = mocks.newResource;
        mocks.newResource = async (args) => {
            const created = await original(args);
            if (args.type !== imageType) return created;
            const repoDigest = String(args.inputs.imageName);
            return { ...created, state: { ...created.state, repoDigest } };
        };
        try {
            const { result } = await renderImage();
            await assert.rejects(valueOf(result.imageReference), (error: Error) => {
                assert.ok(error instanceof pulumi.ResourceError, String(error));
                assert.match(error.message, /is not .*serving\/vllm@sha256:<digest>/);
                return true;
            });
        } finally {
            mocks.newResource = original;
        }
    });

    it("logs in with the ECR token and keeps the registry password secret", async () => {
        const { resources } = await render(() => new ModelImage("vllm", baseArgs));
        const image = resources.one(imageType);
        assert.ok(image.secretInputs.includes("registry"), "registry input is secret");
        assert.deepEqual(image.inputs.registry, {
            server: repositoryUrl,
            username: "AWS",
            password: "mock-ecr-password",
        });
    });

    it("seeds the build cache from this version's tag in the same repository", async () => {
        const { resources } = await renderImage();
        assert.deepEqual(resources.one(imageType).inputs.build.cacheFrom, {
            images: [`${repositoryUrl}:llama-3.1-8b-2024-07`],
        });
    });

    it("seeds the build cache from the previous version first when it is given", async () => {
        const { resources } = await renderImage({ previousModelVersion: "llama-3.1-8b/2024-06" });
        assert.deepEqual(resources.one(imageType).inputs.build.cacheFrom.images, [
            `${repositoryUrl}:llama-3.1-8b-2024-06`,
            `${repositoryUrl}:llama-3.1-8b-2024-07`,
        ]);
    });

    it("builds for linux/amd64 from <context>/Dockerfile with inline cache by default", async () => {
        const build = (await renderImage()).resources.one(imageType).inputs.build;
        assert.equal(build.platform, "linux/amd64");
        assert.equal(build.context, "images/vllm");
        assert.equal(build.dockerfile, "images/vllm/Dockerfile");
        assert.deepEqual(build.args, { BUILDKIT_INLINE_CACHE: "1" });
    });

    it("passes the platform and build arguments it is given", async () => {
        const buildArgs = { VLLM_IMAGE: "vllm/vllm-openai:v0.11.1" };
        const { resources } = await renderImage({ platform: "linux/arm64", buildArgs });
        const build = resources.one(imageType).inputs.build;
        assert.equal(build.platform, "linux/arm64");
        assert.deepEqual(build.args, { BUILDKIT_INLINE_CACHE: "1", ...buildArgs });
    });

    it("registers every child under the component", async () => {
        const { resources } = await renderImage();
        const component = resources.one("gpu-serving:index:ModelImage");
        const children = resources
            .childrenOf(component)
            .map((r) => r.type)
            .sort();
        assert.deepEqual(children, [lifecycleType, repositoryType, imageType]);
    });

    it("reports every bad argument in one error and registers nothing", async () => {
        let thrown: Error | undefined;
        const { resources } = await render(() => {
            try {
                new ModelImage("bad", {
                    repositoryName: "Serving/VLLM",
                    context: " ",
                    modelVersion: "latest",
                    platform: "windows/amd64",
                    keepTaggedImages: 0,
                    untaggedExpiryDays: 0,
                });
            } catch (error) {
                thrown = error as Error;
            }
        });
        assert.ok(thrown);
        const message = thrown.message;
        assert.match(message, /^ModelImage "bad" has 6 problems:/);
        assert.match(message, /repositoryName: "Serving\/VLLM" is not an ECR repository name/);
        assert.match(message, /context: must be a build context directory, got an empty string/);
        assert.match(message, /modelVersion: "latest" becomes the tag "latest"/);
        assert.match(
            message,
            /platform: "windows\/amd64" is not one of linux\/amd64, linux\/arm64/,
        );
        assert.match(message, /keepTaggedImages: must be a whole number >= 1, got 0/);
        assert.match(message, /untaggedExpiryDays: must be a whole number >= 1, got 0/);
        assert.equal(resources.all.length, 0);
    });

    it("rejects a modelVersion with nothing to make a tag from", () => {
        assert.throws(
            () => new ModelImage("bad", { ...baseArgs, modelVersion: "@@" }),
            /modelVersion: "@@" has no letters or digits to build a Docker tag from/,
        );
    });

    it("rejects a dockerfile that does not exist", () => {
        assert.throws(
            () => new ModelImage("bad", { ...baseArgs, dockerfile: "images/vllm/Dockerfile.gpu" }),
            /dockerfile: file "images\/vllm\/Dockerfile.gpu" does not exist/,
        );
    });
});
