/**
 * `npm run plan -- --stack <name> [--base <git-ref>]`: the offline plan of a committed stack (GPU
 * capacity, cold starts, monthly cost, resources), optionally compared with the stack's config at
 * another commit. Needs no credentials: the program runs under the test mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { main } from "../stacks";
import { BaseOutcome, renderPlanDiff } from "../stacks/plan-diff";
import { buildPlanReport, PlanReport, renderPlanReport } from "../stacks/plan-report";
import { ServingPlanSummary } from "../stacks/serving-plan";
import { projectConfig, projectName, readStackFile } from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";
import { mocks } from "../test/harness/mocks";
import { render, Rendered } from "../test/harness/render";
import { renderStack } from "../test/harness/stacks";

const usage = "usage: npm run plan -- --stack <name> [--base <git-ref>]";
const repoRoot = path.join(__dirname, "..");

export interface PlanArgs {
    stack: string;
    /** Git ref whose Pulumi.<stack>.yaml the plan is compared with. */
    base?: string;
}

/** A failure the user can fix; printed without a stack trace. */
class PlanError extends Error {}

export function parsePlanArgs(argv: readonly string[]): PlanArgs {
    const values: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const match = /^--(stack|base)(?:=(.*))?$/.exec(argv[i]);
        if (!match) throw new PlanError(`unknown argument "${argv[i]}"\n${usage}`);
        const value = match[2] ?? argv[++i];
        if (value === undefined || value === "" || value.startsWith("--")) throw new PlanError(`--${match[1]} needs a value\n${usage}`);
        values[match[1]] = value;
    }
    if (values.stack === undefined) throw new PlanError(`--stack is required\n${usage}`);
    return { stack: values.stack, base: values.base };
}

function knownStacks(): string[] {
    return fs
        .readdirSync(repoRoot)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

function git(args: string[]): string {
    return execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function gitSucceeds(args: string[]): boolean {
    try {
        git(args);
        return true;
    } catch {
        return false;
    }
}

/** The stack file's config block at `ref`, or undefined when the file does not exist there. */
function stackFileAt(ref: string, stack: string): Record<string, unknown> | undefined {
    if (!gitSucceeds(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])) {
        throw new PlanError(`--base "${ref}" is not a commit in this repository (shallow clone? fetch it first)`);
    }
    const file = `${ref}:Pulumi.${stack}.yaml`;
    if (!gitSucceeds(["cat-file", "-e", file])) return undefined;
    const document = yaml.load(git(["show", file])) as { config?: Record<string, unknown> } | undefined;
    return document?.config ?? {};
}

/** The report of one mocked rendering of the program with `fileConfig`. */
async function planFor(stack: string, fileConfig: Record<string, unknown>, rendering: Promise<{ result: unknown; resources: Rendered }>): Promise<PlanReport> {
    const { result, resources } = await rendering;
    const plan = (result as { plan: ServingPlanSummary }).plan;
    const region = fileConfig["aws:region"];
    return buildPlanReport({
        stack,
        config: parseStackConfig(projectConfig(fileConfig), stack),
        region: typeof region === "string" ? region : undefined,
        plan,
        resourceCounts: resources.countsByType(),
    });
}

/** Throws the validation error, every problem by config key, before anything is rendered. */
function validate(stack: string, fileConfig: Record<string, unknown>): void {
    parseStackConfig(projectConfig(fileConfig), stack);
}

/**
 * The base is the stack's config file at `ref` rendered with THIS commit's code, not the code at
 * `ref`: running another commit's program would need its own checkout and dependencies, and breaks
 * whenever the harness changed in between. The cost is that a code-only change shows no difference
 * here; `pulumi preview` reports those. The output header says so.
 */
async function basePlan(stack: string, ref: string): Promise<BaseOutcome> {
    const baseConfig = stackFileAt(ref, stack);
    if (baseConfig === undefined) return { kind: "missing" };
    try {
        validate(stack, baseConfig);
    } catch (error) {
        return { kind: "invalid", message: (error as Error).message };
    }
    return { kind: "rendered", report: await planFor(stack, baseConfig, render(() => main(stack), { stack, config: baseConfig })) };
}

export interface PlanOutput {
    out: (text: string) => void;
    err: (text: string) => void;
}

const processOutput: PlanOutput = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
};

/** Runs the CLI; resolves to the exit code. Only the report goes to `out`, so it can be posted as is. */
export async function runPlan(argv: readonly string[], output: PlanOutput = processOutput): Promise<number> {
    try {
        const args = parsePlanArgs(argv);
        const stacks = knownStacks();
        if (!stacks.includes(args.stack)) {
            throw new PlanError(`unknown stack "${args.stack}": there is no Pulumi.${args.stack}.yaml; stacks: ${stacks.join(", ")}`);
        }
        const fileConfig = readStackFile(args.stack, repoRoot);
        validate(args.stack, fileConfig);
        pulumi.runtime.setMocks(mocks, projectName, args.stack, false);
        const head = await planFor(args.stack, fileConfig, renderStack(args.stack));
        const diff = args.base === undefined ? undefined : renderPlanDiff(args.stack, args.base, await basePlan(args.stack, args.base), head);
        output.out(renderPlanReport(head, diff));
        return 0;
    } catch (error) {
        const known = error instanceof PlanError || (error as Error).name === "InvalidInputsError";
        output.err(`plan: ${known ? (error as Error).message : (error as Error).stack ?? String(error)}\n`);
        return 1;
    }
}

if (require.main === module) {
    runPlan(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
