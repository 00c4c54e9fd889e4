import { strict as assert } from "assert";
import { committedStacks } from "../stacks/stack-files";
import { policyViolations } from "./harness/policy";
import { renderStack } from "./harness/stacks";

describe("policy pack on the committed stacks", () => {
    for (const stack of committedStacks) {
        it(`${stack} passes every policy, advisory ones included, with zero violations`, async () => {
            const { resources } = await renderStack(stack);
            const violations = await policyViolations(resources, stack);
            assert.deepEqual(violations, []);
        });
    }

    it("catches an unprotected model store when prod turns protection off", async () => {
        const { resources } = await renderStack("prod", { "gpu-serving-infra:protect": false });
        const violations = await policyViolations(resources, "prod");
        const names = new Set(violations.map((v) => v.policyName));
        assert.ok(names.has("stateful-resources-protected-in-prod"), [...names].join(", "));
    });
});
