/**
 * `npm run plan -- --stack <name> [--base <git-ref>]`: the offline plan of a committed stack (GPU
 * capacity, cold starts, monthly cost, resources), optionally compared with the stack's config at
 * another commit. Needs no credentials: the program runs under the test mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../stacks";
import { BaseOutcome, renderPlanDiff } from "../stacks/plan-diff";
import { buildPlanReport, PlanReport, renderPlanReport } from "../stacks/plan-report";
import {
    parseStackFile,
    projectConfig,
    projectName,
    readStackFile,
    StackFileError,
} from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";
import { mocks } from "../test/harness/mocks";
import { render } from "../test/harness/render";

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
        if (value === undefined || value === "" || value.startsWith("--"))
            throw new PlanError(`--${match[1]} needs a value\n${usage}`);
        values[match[1]] = value;
    }
    if (values.stack === undefined) throw new PlanError(`--stack is required\n${usage}`);
    return { stack: values.stack, base: values.base };
}

function knownStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

function git(args: string[]): string {
    return execFileSync("git", args, {
        cwd: repoRoot,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
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
        throw new PlanError(
            `--base "${ref}" is not a commit in this repository (shallow clone? fetch it first)`,
        );
    }
    const file = `${ref}:Pulumi.${stack}.yaml`;
    if (!gitSucceeds(["cat-file", "-e", file])) return undefined;
    return parseStackFile(git(["show", file]), file);
}

/**
 * Validates `fileConfig` (throwing the error that lists every problem by config key, before
 * anything is rendered), runs the program with it under mocks and builds the report.
 */
async function planFor(stack: string, fileConfig: Record<string, unknown>): Promise<PlanReport> {
    const config = parseStackConfig(projectConfig(fileConfig), stack);
    const { result, resources } = await render(() => main(stack), { stack, config: fileConfig });
    const region = fileConfig["aws:region"];
    return buildPlanReport({
        stack,
        config,
        region: typeof region === "string" ? region : undefined,
        plan: result.plan,
        resourceCounts: resources.countsByType(),
    });
}

/**
 * The base is the stack's config file at `ref` rendered with THIS commit's code, not the code at
 * `ref`: running another commit's program would need its own checkout and dependencies, and breaks
 * whenever the harness changed in between. The cost is that a code-only change shows no difference
 * here; `pulumi preview` reports those. The output header says so.
 */
async function basePlan(
    stack: string,
    baseConfig: Record<string, unknown> | undefined,
): Promise<BaseOutcome> {
    if (baseConfig === undefined) return { kind: "missing" };
    try {
        return { kind: "rendered", report: await planFor(stack, baseConfig) };
    } catch (error) {
        if ((error as Error).name !== "InvalidInputsError") throw error;
        return { kind: "invalid", message: (error as Error).message };
    }
}

export interface PlanOptions {
    /** Receives the report, and nothing else, so it can be posted as is. @default process.stdout */
    out?: (text: string) => void;
    /** Receives errors. @default process.stderr */
    err?: (text: string) => void;
    /** Directory holding the Pulumi.<stack>.yaml files. @default the repository root */
    root?: string;
    /** The config block of Pulumi.<stack>.yaml at a git ref, undefined when absent. @default `git show` */
    stackFileAt?: (ref: string, stack: string) => Record<string, unknown> | undefined;
}

/**
 * Runs the CLI; resolves to the exit code. Needs the Pulumi mocks in place, as the entry point below
 * and the mocha setup (test/harness/setup.ts) install them.
 */
export async function runPlan(argv: readonly string[], options: PlanOptions = {}): Promise<number> {
    const out = options.out ?? ((text: string) => void process.stdout.write(text));
    const err = options.err ?? ((text: string) => void process.stderr.write(text));
    const root = options.root ?? repoRoot;
    try {
        const args = parsePlanArgs(argv);
        const stacks = knownStacks(root);
        if (!stacks.includes(args.stack)) {
            throw new PlanError(
                `unknown stack "${args.stack}": there is no Pulumi.${args.stack}.yaml; stacks: ${stacks.join(", ") || "(none)"}`,
            );
        }
        const head = await planFor(args.stack, readStackFile(args.stack, root));
        let diff: string[] | undefined;
        if (args.base !== undefined) {
            const baseConfig = (options.stackFileAt ?? stackFileAt)(args.base, args.stack);
            diff = renderPlanDiff(
                args.stack,
                args.base,
                await basePlan(args.stack, baseConfig),
                head,
            );
        }
        out(renderPlanReport(head, diff));
        return 0;
    } catch (error) {
        const known =
            error instanceof PlanError ||
            error instanceof StackFileError ||
            (error as Error).name === "InvalidInputsError";
        err(
            `plan: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`,
        );
        return 1;
    }
}

if (require.main === module) {
    // Without an engine, pulumi.log.info prints to stdout; stdout must carry the report alone, since
    // the PR workflow posts it verbatim.
    console.log = (...args: unknown[]) => console.error(...args);
    pulumi.runtime.setMocks(mocks, projectName, "plan", false);
    runPlan(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
