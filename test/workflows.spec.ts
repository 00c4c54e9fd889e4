import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
// js-yaml is not a direct dependency: @pulumi/pulumi and mocha both depend on it (4.x), and
// @types/js-yaml comes with @pulumi/pulumi.
import { load } from "js-yaml";

const root = path.join(__dirname, "..");
const stacks = ["dev", "staging", "prod"];

type Step = {
    uses?: string;
    run?: string;
    name?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
};
type Job = {
    needs?: string | string[];
    environment?: string | { name: string };
    concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix: Record<string, unknown> };
    steps: Step[];
};
type Workflow = {
    on: Record<string, any>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
};

function workflowText(file: string): string {
    return readFileSync(path.join(root, ".github/workflows", file), "utf8");
}

function workflow(file: string): Workflow {
    return load(workflowText(file)) as Workflow;
}

function stepUsing(job: Job, action: string): Step {
    const found = job.steps.filter((s) => s.uses?.split("@")[0] === action);
    assert.equal(found.length, 1, `expected one ${action} step`);
    return found[0];
}

function indexOfStep(job: Job, predicate: (s: Step) => boolean, what: string): number {
    const index = job.steps.findIndex(predicate);
    assert.ok(index >= 0, `no ${what} step`);
    return index;
}

const packageJson = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const pulumiCliVersion: string = packageJson.dependencies["@pulumi/pulumi"];

describe("GitHub Actions workflows", () => {
    describe("preview.yml", () => {
        const preview = workflow("preview.yml");
        const job = preview.jobs.preview;

        it("runs on pull requests for the dev, staging and prod stacks", () => {
            assert.ok(preview.on.pull_request !== undefined);
            assert.deepEqual(job.strategy?.matrix.stack, stacks);
        });

        it("may read the repo, mint an OIDC token and comment on the pull request, nothing more", () => {
            assert.deepEqual(preview.permissions, {
                contents: "read",
                "id-token": "write",
                "pull-requests": "write",
            });
        });

        it("tests before it touches AWS: checkout, node 24 with npm cache, npm ci, npm test, then OIDC credentials", () => {
            const order = [
                indexOfStep(
                    job,
                    (s) => s.uses?.startsWith("actions/checkout@") === true,
                    "checkout",
                ),
                indexOfStep(
                    job,
                    (s) => s.uses?.startsWith("actions/setup-node@") === true,
                    "setup-node",
                ),
                indexOfStep(job, (s) => s.run === "npm ci", "npm ci"),
                indexOfStep(job, (s) => s.run === "npm test", "npm test"),
                indexOfStep(
                    job,
                    (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true,
                    "aws credentials",
                ),
                indexOfStep(job, (s) => s.uses?.startsWith("pulumi/actions@") === true, "pulumi"),
            ];
            assert.deepEqual(
                order,
                [...order].sort((a, b) => a - b),
            );
            const node = stepUsing(job, "actions/setup-node").with;
            assert.equal(String(node?.["node-version"]), "24");
            assert.equal(node?.cache, "npm");
            assert.match(
                String(
                    stepUsing(job, "aws-actions/configure-aws-credentials").with?.[
                        "role-to-assume"
                    ],
                ),
                /\$\{\{ vars/,
            );
        });

        it("previews the matrix stack refreshed, with a diff, the policy pack and a PR comment", () => {
            const pulumi = stepUsing(job, "pulumi/actions");
            assert.deepEqual(
                { ...pulumi.with, "pulumi-version": undefined },
                {
                    command: "preview",
                    "stack-name": "${{ matrix.stack }}",
                    "pulumi-version": undefined,
                    "comment-on-pr": true,
                    diff: true,
                    refresh: true,
                    policyPacks: "policy",
                },
            );
            assert.equal(pulumi.env?.PULUMI_NODEJS_STACK, "${{ matrix.stack }}");
        });

        it("posts the plan against the base branch as a PR comment", () => {
            const plan = indexOfStep(
                job,
                (s) => /npm run (--silent )?plan -- --stack/.test(s.run ?? ""),
                "plan",
            );
            assert.match(job.steps[plan].run ?? "", /--base "origin\/\$BASE_REF"/);
            assert.equal(job.steps[plan].env?.BASE_REF, "${{ github.base_ref }}");
            const comment = indexOfStep(
                job,
                (s) => s.uses?.startsWith("actions/github-script@") === true,
                "comment",
            );
            assert.ok(comment > plan);
            assert.match(String(job.steps[comment].with?.script), /createComment/);
        });
    });

    describe("deploy.yml", () => {
        const deploy = workflow("deploy.yml");

        it("runs on pushes to main", () => {
            assert.deepEqual(deploy.on.push?.branches, ["main"]);
            assert.equal(deploy.permissions?.["id-token"], "write");
        });

        it("deploys dev, then staging, then prod", () => {
            assert.equal(deploy.jobs.dev.needs, "test");
            assert.equal(deploy.jobs.staging.needs, "dev");
            assert.equal(deploy.jobs.prod.needs, "staging");
        });

        for (const stack of stacks) {
            it(`deploys ${stack} in its environment, one run at a time, with the policy pack`, () => {
                const job = deploy.jobs[stack];
                assert.equal(job.environment, stack);
                assert.deepEqual(job.concurrency, {
                    group: `deploy-${stack}`,
                    "cancel-in-progress": false,
                });
                const pulumi = stepUsing(job, "pulumi/actions");
                assert.equal(pulumi.with?.command, "up");
                assert.equal(pulumi.with?.["stack-name"], stack);
                assert.equal(pulumi.with?.policyPacks, "policy");
                assert.equal(pulumi.env?.PULUMI_NODEJS_STACK, stack);
                assert.ok(
                    indexOfStep(
                        job,
                        (s) =>
                            s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true,
                        "aws credentials",
                    ) < job.steps.indexOf(pulumi),
                );
            });
        }

        it("tests on Node 24 and on the package's engines floor, Node 20, before any deploy", () => {
            const test = deploy.jobs.test;
            assert.equal(packageJson.engines.node, ">=20");
            assert.deepEqual(test.strategy?.matrix.node, [20, 24]);
            assert.equal(
                stepUsing(test, "actions/setup-node").with?.["node-version"],
                "${{ matrix.node }}",
            );
            assert.ok(test.steps.some((s) => s.run === "npm test"));
        });

        for (const stack of stacks) {
            it(`deploys ${stack} on Node 24`, () => {
                const node = stepUsing(deploy.jobs[stack], "actions/setup-node").with;
                assert.equal(String(node?.["node-version"]), "24");
            });
        }

        it("says where prod's required-reviewer approval is configured", () => {
            assert.match(workflowText("deploy.yml"), /prod[^\n]*(\n#[^\n]*)*Required reviewers/);
        });
    });

    describe("both workflows", () => {
        for (const file of ["preview.yml", "deploy.yml"]) {
            it(`${file} holds no static AWS keys`, () => {
                assert.doesNotMatch(
                    workflowText(file),
                    /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-secret-access-key|aws-access-key-id/i,
                );
            });

            it(`${file} pins every action to a version tag or commit SHA`, () => {
                const uses = Object.values(workflow(file).jobs).flatMap((job) =>
                    job.steps.map((s) => s.uses).filter((u): u is string => !!u),
                );
                assert.ok(uses.length > 0);
                for (const action of uses)
                    assert.match(
                        action,
                        /^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/,
                        action,
                    );
            });

            it(`${file} runs pulumi/actions v7, its Node 24 release`, () => {
                const pulumiSteps = Object.values(workflow(file).jobs)
                    .flatMap((job) => job.steps)
                    .filter((s) => s.uses?.startsWith("pulumi/actions@"));
                assert.ok(pulumiSteps.length > 0);
                for (const step of pulumiSteps) assert.equal(step.uses, "pulumi/actions@v7");
            });

            it(`${file} runs the Pulumi CLI of the @pulumi/pulumi version in package.json`, () => {
                const versions = Object.values(workflow(file).jobs)
                    .flatMap((job) => job.steps)
                    .filter((s) => s.uses?.startsWith("pulumi/actions@"))
                    .map((s) => String(s.with?.["pulumi-version"]));
                assert.ok(versions.length > 0);
                for (const version of versions) assert.equal(version, pulumiCliVersion);
            });
        }
    });
});
