import { spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Where the locally built tools, the cluster state and the Pulumi state live (outside the clone). */
export const repositoryRoot = path.join(__dirname, "..", "..");
export const cacheDir =
    process.env.GPU_SERVING_CACHE ?? path.join(os.homedir(), ".cache", "gpu-serving-infra");
export const binDir = path.join(cacheDir, "bin");
export const localDir = process.env.GPU_SERVING_LOCAL_DIR ?? path.join(cacheDir, "local");
export const kubeconfigPath = path.join(localDir, "kubeconfig");
/** A scratch copy of the project: stack config edits and the API key never touch the clone. */
export const projectDir = path.join(cacheDir, "local-project");
export const pulumiStateDir = path.join(cacheDir, "local-pulumi-state");
export const stackName = "local";

/** The passphrase of the local stack's secrets; it protects a throwaway key on a loopback cluster only. */
const localPassphrase = "gpu-serving-local-only";

export function toolEnv(): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        KUBECONFIG: kubeconfigPath,
        PULUMI_HOME: path.join(cacheDir, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${pulumiStateDir}`,
        PULUMI_CONFIG_PASSPHRASE: localPassphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        NO_COLOR: "1",
    };
}

export interface RunResult {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs a command to completion; output is captured, or streamed when `stream` is set. */
export function run(
    command: string,
    args: string[],
    options: { stream?: boolean; cwd?: string; allowFailure?: boolean } = {},
): RunResult {
    const spawnOptions: SpawnSyncOptions = {
        cwd: options.cwd ?? projectDir,
        env: toolEnv(),
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        stdio: options.stream ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    };
    const result = spawnSync(command, args, spawnOptions);
    const outcome = {
        status: result.status ?? 1,
        stdout: String(result.stdout ?? ""),
        stderr: String(result.stderr ?? ""),
    };
    if (outcome.status !== 0 && !options.allowFailure) {
        throw new Error(
            `${command} ${args.join(" ")} exited ${outcome.status}\n${outcome.stderr || outcome.stdout}`,
        );
    }
    return outcome;
}

export function pulumi(
    args: string[],
    options: { stream?: boolean; allowFailure?: boolean } = {},
): RunResult {
    return run(path.join(binDir, "pulumi"), [...args, "--non-interactive"], options);
}

export function kubectl(args: string[], options: { allowFailure?: boolean } = {}): RunResult {
    return run(path.join(binDir, "kubectl"), args, { ...options, cwd: repositoryRoot });
}

export function kubectlJson<T = any>(args: string[]): T {
    return JSON.parse(kubectl([...args, "-o", "json"]).stdout) as T;
}

/** Seconds since `start` (from `Date.now()`), one decimal. */
export function secondsSince(start: number): string {
    return ((Date.now() - start) / 1000).toFixed(1);
}

export function log(message: string): void {
    process.stderr.write(`[local] ${message}\n`);
}

export function fileExists(file: string): boolean {
    return fs.existsSync(file);
}
