import { strict as assert } from "assert";
import type { PolicyStatement } from "../../components/plan/in-cluster-plan";

/** One statement as a published policy writes it; conditions as `conditionLines` prints them. */
export interface ExpectedStatement {
    actions: string[];
    resources: string[];
    conditions?: string[];
}

/** A condition as one line: `test variable value|value`. */
export function conditionLines(
    conditions?: { test: string; variable: string; values: string[] }[],
) {
    return conditions?.map((c) => `${c.test} ${c.variable} ${c.values.join("|")}`);
}

/**
 * Specs a planned IAM policy against the one it reproduces: its statement ids in the published
 * order and no others, then one `it` per statement for its actions, resources and conditions.
 * Call inside a `describe`; `statementsOf` runs in a `beforeEach`, where Stryker credits the tests
 * with the mutants it meets.
 */
export function itGrantsExactly(
    published: string,
    statementsOf: () => PolicyStatement[],
    expected: Record<string, ExpectedStatement>,
): void {
    let statements: PolicyStatement[];
    beforeEach(() => {
        statements = statementsOf();
    });

    it(`grants ${published}'s statements, in its order, and no others`, () => {
        assert.deepEqual(
            statements.map((s) => s.sid),
            Object.keys(expected),
        );
    });

    for (const [sid, statement] of Object.entries(expected))
        it(`scopes ${sid} to its resources and conditions`, () => {
            const planned = statements.find((s) => s.sid === sid)!;
            assert.deepEqual(
                {
                    actions: planned.actions,
                    resources: planned.resources,
                    ...(planned.conditions
                        ? { conditions: conditionLines(planned.conditions) }
                        : {}),
                },
                statement,
            );
        });
}
