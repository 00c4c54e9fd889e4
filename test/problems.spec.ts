import { strict as assert } from "assert";
import { InvalidInputsError, Problems } from "../components/plan/problems";

describe("problems", () => {
    it("names one problem in the singular, under its path", () => {
        const error = new InvalidInputsError("GpuCluster x", [{ propertyPath: "a", reason: "r" }]);
        assert.equal(error.message, "GpuCluster x has 1 problem:\n  - a: r");
        assert.equal(error.name, "InvalidInputsError");
    });

    it("lists several problems, one per line", () => {
        const error = new InvalidInputsError("GpuCluster x", [
            { propertyPath: "a", reason: "r" },
            { propertyPath: "b", reason: "s" },
        ]);
        assert.equal(error.message, "GpuCluster x has 2 problems:\n  - a: r\n  - b: s");
    });

    it("throws every collected problem at once, with scoped paths, and nothing when there is none", () => {
        const problems = new Problems();
        assert.doesNotThrow(() => problems.throwIfAny("S"));
        problems.scoped("groups[1].").add("name", "bad");
        problems.add("top", "worse");
        assert.throws(
            () => problems.throwIfAny("S"),
            (e: Error) =>
                e.message === "S has 2 problems:\n  - groups[1].name: bad\n  - top: worse",
        );
    });
});
