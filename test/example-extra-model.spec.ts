import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { deployExtraModel } from "../examples/extra-model/program";
import { readStackFile } from "../stacks/stack-files";
import {
    isKubernetesObject,
    validateRenderedKubernetesObjects,
} from "./harness/kubernetes-schemas";
import { mockPlatformStackName, mockPlatformStackOutputs } from "./harness/mocks";
import { Rendered, isSecret, render, valueOf } from "./harness/render";
import { renderStack } from "./harness/stacks";

const project = "gpu-serving-extra-model";
const exampleDir = path.join(__dirname, "..", "examples", "extra-model");
/** The committed Pulumi.dev.yaml, pointed at the platform stack the mocks know. */
const devConfig: Record<string, unknown> = {
    ...readStackFile("dev", exampleDir),
    [`${project}:platformStack`]: mockPlatformStackName,
};

function renderExample(config: Record<string, unknown>) {
    return render(() => deployExtraModel(), { project, stack: "dev", config });
}

function podTemplates(resources: Rendered): any[] {
    return ["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job"].map(
        (type) => resources.one(type).inputs.spec.template.spec,
    );
}

describe("extra-model example", () => {
    let resources: Rendered;
    let outputs: ReturnType<typeof deployExtraModel>;

    before(async () => {
        ({ resources, result: outputs } = await renderExample(devConfig));
    });

    it("gives its Kubernetes provider the platform stack's kubeconfig, kept secret", () => {
        const provider = resources.one("pulumi:providers:kubernetes", "platform-cluster");
        assert.equal(provider.inputs.kubeconfig, mockPlatformStackOutputs.kubeconfig);
        assert.deepEqual(provider.secretInputs, ["kubeconfig"]);
    });

    it("puts every ModelService object in the platform's serving namespace, through that provider", () => {
        const provider = resources.one("pulumi:providers:kubernetes", "platform-cluster");
        const objects = resources.all.filter(isKubernetesObject);
        assert.ok(objects.length >= 5);
        for (const object of objects) {
            assert.equal(
                object.inputs.metadata.namespace,
                mockPlatformStackOutputs.servingNamespace,
                object.name,
            );
            assert.ok(object.provider.startsWith(`${provider.urn}::`), object.name);
        }
    });

    it("stages the weights onto and serves them from the platform's model claim", () => {
        for (const pod of podTemplates(resources)) {
            const claims = pod.volumes
                .filter((volume: any) => volume.persistentVolumeClaim)
                .map((volume: any) => volume.persistentVolumeClaim.claimName);
            assert.deepEqual(claims, [mockPlatformStackOutputs.modelClaimName]);
        }
    });

    it("serves with the image the platform built for the model named in sameImageAs", () => {
        const [serving] = podTemplates(resources);
        assert.equal(
            serving.containers[0].image,
            mockPlatformStackOutputs.imageDigests["llama-3-1-8b"],
        );
    });

    it("renders only schema-valid Kubernetes objects", async () => {
        const count = await validateRenderedKubernetesObjects(resources);
        assert.ok(count > 0);
    });

    it("exports the in-cluster endpoint and the API key as a secret", async () => {
        assert.equal(
            await valueOf(outputs.endpoint),
            `http://qwen-2-5-7b.${mockPlatformStackOutputs.servingNamespace}.svc.cluster.local:8000`,
        );
        assert.equal(await isSecret(outputs.apiKey), true);
    });

    it("reads only outputs the platform program exports, and the image its dev stack builds", async () => {
        const { result: platform } = await renderStack("dev");
        const exported: Record<string, any> = platform;
        for (const key of Object.keys(mockPlatformStackOutputs)) assert.ok(key in exported, key);
        for (const key of ["kubeconfig", "servingNamespace", "modelClaimName"])
            assert.equal(typeof (await valueOf(exported[key])), "string", key);
        assert.equal(await isSecret(exported.kubeconfig), true);
        const model = devConfig[`${project}:model`] as { sameImageAs: string };
        assert.ok(model.sameImageAs in (await valueOf(platform.imageDigests)));
    });

    it("reports every config problem in one error before creating anything", async () => {
        const committed = readStackFile("dev", exampleDir);
        const model = committed[`${project}:model`] as Record<string, any>;
        let message = "";
        const { resources: created } = await render(
            () =>
                assert.throws(
                    () => deployExtraModel(),
                    (error: Error) => {
                        message = error.message;
                        return error instanceof pulumi.RunError;
                    },
                ),
            {
                project,
                config: {
                    // Still the committed placeholder, as before a user edits it.
                    [`${project}:platformStack`]: committed[`${project}:platformStack`],
                    [`${project}:model`]: {
                        ...model,
                        image: "vllm/vllm-openai:latest",
                        weights: { source: model.weights.source, sizeGiB: "15GB" },
                        minReplicas: 2,
                        maxReplicas: 1,
                        gpuGroups: "inference",
                    },
                },
            },
        );
        assert.equal(created.all.length, 0);
        assert.match(message, /^extra-model config has 6 problem\(s\):\n/);
        const paths = [...message.matchAll(/^ {2}- ([\w.]+): /gm)].map((match) => match[1]);
        assert.deepEqual(paths, [
            "platformStack",
            "model.gpuGroups",
            "model.image",
            "model.weights.revision",
            "model.weights.sizeGiB",
            "model.maxReplicas",
        ]);
        assert.match(
            message,
            /platformStack: "<org>\/gpu-serving-infra\/dev", want <org>\/<project>\/<stack> .*pulumi org get-default/,
        );
        assert.match(
            message,
            /model\.image: "vllm\/vllm-openai:latest", want <repository>@sha256:/,
        );
    });
});
