import { spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Where the locally built tools, the cluster state and the Pulumi state live (outside the clone). */
export const repositoryRoot = path.join(__dirname, "..", "..");
export const cacheDir =
    process.env.GPU_SERVING_CACHE || path.join(os.homedir(), ".cache", "gpu-serving-infra");
export const binDir = path.join(cacheDir, "bin");
export const localDir = process.env.GPU_SERVING_LOCAL_DIR || path.join(cacheDir, "local");
export const kubeconfigPath = path.join(localDir, "kubeconfig");
/** A scratch copy of the project: stack config edits and the API key never touch the clone. */
export const projectDir = path.join(cacheDir, "local-project");
export const pulumiStateDir = path.join(cacheDir, "local-pulumi-state");
export const stackName = "local";

/** A `LOCAL_*` port: the scripts' default unless the variable overrides it (two clusters coexist). */
export function localPort(variable: string, fallback: number): number {
    const value = process.env[variable];
    if (value === undefined || value === "") return fallback;
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new Error(`${variable}=${value} is not a port number (1–65535)`);
    return port;
}

/** The image registry and the S3 API (moto_server) of the local cluster, on the host's loopback. */
export const registryHost = `127.0.0.1:${localPort("LOCAL_REGISTRY_PORT", 20205)}`;
export const s3Port = localPort("LOCAL_MOTO_PORT", 20206);
/**
 * Where pods on the real nodes reach the machine's local services (scripts/local-node.sh forwards
 * this address inside the node network namespace to 127.0.0.1 on the host).
 */
export const nodeNetworkServicesIp = "10.88.0.1";

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
        // Marks every process started for this cluster (Pulumi CLI, language host, providers), so a
        // later run can find the ones a killed run left behind (scripts/local/lib.sh does the same).
        GPU_SERVING_LOCAL_STATE: localDir,
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
    options: {
        stream?: boolean;
        cwd?: string;
        allowFailure?: boolean;
        /** Written to the command's standard input. */
        input?: string;
        /** Added to the tool environment. */
        env?: NodeJS.ProcessEnv;
    } = {},
): RunResult {
    const stdin = options.input === undefined ? "ignore" : "pipe";
    const spawnOptions: SpawnSyncOptions = {
        cwd: options.cwd ?? projectDir,
        env: { ...toolEnv(), ...options.env },
        encoding: "utf8",
        input: options.input,
        maxBuffer: 256 * 1024 * 1024,
        stdio: options.stream ? [stdin, "inherit", "inherit"] : [stdin, "pipe", "pipe"],
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

/** A model's serving pods in `namespace`: its staging Job's pods share the name label, not the component. */
export function servingPodsOf(namespace: string, model: string): any[] {
    return kubectlJson([
        "get",
        "pods",
        "-n",
        namespace,
        "-l",
        `app.kubernetes.io/name=${model},app.kubernetes.io/component=model-server`,
    ]).items;
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
