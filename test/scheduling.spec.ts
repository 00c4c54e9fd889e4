import { strict as assert } from "assert";
import { gpuNodeLabels } from "../components/plan/scheduling";

describe("scheduling contract", () => {
    it("labels a GPU node with its role, its group and the presence of a GPU", () => {
        assert.deepEqual(gpuNodeLabels("inference"), {
            "gpu-serving.io/node-role": "gpu",
            "gpu-serving.io/gpu-group": "inference",
            "nvidia.com/gpu.present": "true",
        });
    });
});
