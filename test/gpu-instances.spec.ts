import { strict as assert } from "assert";
import { gpuInstanceTypeProblem, gpusPerNode } from "../components/plan/gpu-instances";

describe("GPU instance catalogue", () => {
    it("accepts a catalogued type", () => {
        assert.equal(gpuInstanceTypeProblem("g5.xlarge"), undefined);
    });

    it("names an unknown family and lists the supported ones", () => {
        assert.equal(
            gpuInstanceTypeProblem("m6i.large"),
            'unknown GPU instance family "m6i" in "m6i.large"; supported families: g4dn, g5, g6, g6e, p4d, p4de, p5, p5e, p5en',
        );
    });

    it("names an unknown size and lists only that family's sizes (p5, not p5e or p5en)", () => {
        assert.equal(
            gpuInstanceTypeProblem("p5.4xlarge"),
            'unknown size "p5.4xlarge"; p5 sizes: p5.48xlarge',
        );
    });

    it("sizes a mixed group by its smallest member", () => {
        assert.equal(gpusPerNode(["g5.12xlarge", "g5.xlarge"]), 1);
        assert.equal(gpusPerNode(["g5.12xlarge", "g6e.48xlarge"]), 4);
    });

    it("counts no GPUs for an empty group or a type outside the catalogue", () => {
        assert.equal(gpusPerNode([]), 0);
        assert.equal(gpusPerNode(["m6i.large"]), 0);
    });
});
