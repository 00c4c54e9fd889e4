import { strict as assert } from "assert";
import type { StackConfig } from "../stacks/config-schema";
import { modelServiceArgs } from "../stacks/serving-plan";
import { projectConfig, readStackFile } from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";

/** A committed stack's parsed config, read inside each test so mutation testing sees it. */
function stack(name: string): StackConfig {
    return parseStackConfig(projectConfig(readStackFile(name)), name);
}

const wiring = { namespace: "serving", image: "i", modelClaimName: "c", huggingFaceToken: "T" };

describe("ModelService args from stack config", () => {
    it("hands the Hugging Face token to hf:// models only", () => {
        const staging = stack("staging");
        assert.deepEqual(
            staging.models.map((m) => [
                m.name,
                modelServiceArgs(staging, m, wiring).huggingFaceToken,
            ]),
            [
                ["llama-3-1-8b", "T"],
                ["resnet-classifier", undefined],
            ],
        );
    });

    it("keys each vLLM model's compile cache by its group's GPU model, and the custom runtime's by none", () => {
        const prod = stack("prod");
        assert.deepEqual(
            prod.models.map((m) => [
                m.name,
                modelServiceArgs(prod, m, wiring).compileCacheGpuModel,
            ]),
            [
                ["llama-3-1-8b", "l40s"],
                ["llama-3-1-70b", "l40s"],
                ["resnet-classifier", undefined],
            ],
        );
    });

    it("keys no compile cache where the stack leaves it off", () => {
        const dev = stack("dev");
        assert.equal(modelServiceArgs(dev, dev.models[0], wiring).compileCacheGpuModel, undefined);
    });
});
