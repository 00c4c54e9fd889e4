import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    binDir,
    fileExists,
    log,
    projectDir,
    pulumi,
    pulumiStateDir,
    repositoryRoot,
    run,
    stackName,
} from "./env";

/** Sources the program needs, linked into the scratch project so it always runs the clone's code. */
const linkedEntries = [
    "index.ts",
    "components",
    "stacks",
    "images",
    "package.json",
    "tsconfig.json",
    "node_modules",
];

function kubernetesProviderVersion(): string {
    const lock = JSON.parse(
        fs.readFileSync(path.join(repositoryRoot, "package-lock.json"), "utf8"),
    );
    return lock.packages["node_modules/@pulumi/kubernetes"].version;
}

/** Creates (or refreshes) the scratch project: links to the sources, copies of the Pulumi files. */
export function prepareProject(): void {
    fs.mkdirSync(projectDir, { recursive: true });
    fs.mkdirSync(pulumiStateDir, { recursive: true });
    for (const entry of linkedEntries) {
        const link = path.join(projectDir, entry);
        fs.rmSync(link, { force: true, recursive: false });
        fs.symlinkSync(path.join(repositoryRoot, entry), link);
    }
    fs.copyFileSync(path.join(repositoryRoot, "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
    const stackFile = path.join(projectDir, `Pulumi.${stackName}.yaml`);
    // Keep the salt and API key of an existing local stack; take everything else from the clone.
    const previous = fileExists(stackFile)
        ? (yaml.load(fs.readFileSync(stackFile, "utf8")) as Record<string, any>)
        : {};
    const committed = yaml.load(
        fs.readFileSync(path.join(repositoryRoot, `Pulumi.${stackName}.yaml`), "utf8"),
    ) as Record<string, any>;
    const merged: Record<string, any> = { ...committed, config: { ...committed.config } };
    if (previous?.encryptionsalt) merged.encryptionsalt = previous.encryptionsalt;
    const apiKey = previous?.config?.["gpu-serving-infra:apiKey"];
    if (apiKey) merged.config["gpu-serving-infra:apiKey"] = apiKey;
    fs.writeFileSync(stackFile, yaml.dump(merged, { lineWidth: 120 }));
}

/** The kubernetes provider is built from source; the engine must not try to download it. */
export function installKubernetesPlugin(): void {
    const version = kubernetesProviderVersion();
    const listed = pulumi(["plugin", "ls", "--json"]).stdout;
    const plugins = JSON.parse(listed || "[]") as { name: string; version: string; kind: string }[];
    if (
        plugins.some(
            (p) => p.name === "kubernetes" && p.kind === "resource" && p.version === version,
        )
    )
        return;
    log(`installing the kubernetes ${version} provider plugin from ${binDir}`);
    pulumi([
        "plugin",
        "install",
        "resource",
        "kubernetes",
        version,
        "--file",
        path.join(binDir, "pulumi-resource-kubernetes"),
    ]);
}

/** Selects the local stack (creating it on first use) and gives it a random API key once. */
export function selectStack(): void {
    const selected = pulumi(
        ["stack", "select", stackName, "--create", "--secrets-provider", "passphrase"],
        { allowFailure: true },
    );
    if (selected.status !== 0)
        throw new Error(`cannot select or create stack ${stackName}: ${selected.stderr}`);
    const key = pulumi(["config", "get", "apiKey"], { allowFailure: true });
    if (key.status !== 0) {
        pulumi(["config", "set", "--secret", "apiKey", randomBytes(20).toString("hex")]);
    }
}

/**
 * Forgets the local stack's state. Its cluster lives only as long as the processes that
 * local-cluster.sh started, so a state that outlived them describes objects that no longer exist.
 */
export function forgetStack(): void {
    prepareProject();
    pulumi(["stack", "rm", stackName, "--force", "--yes"], { allowFailure: true });
    prepareProject();
}

/** Whether the local cluster's processes are up (then the stack state still matches it). */
export function clusterRunning(): boolean {
    const status = run(
        "bash",
        [path.join(repositoryRoot, "scripts", "local-cluster.sh"), "status"],
        {
            cwd: repositoryRoot,
            allowFailure: true,
        },
    );
    return status.status === 0;
}

/** Edits a config value of the scratch copy only (`--path` syntax, e.g. `models[0].image.reference`). */
export function setStackConfig(pathKey: string, value: string): void {
    pulumi(["config", "set", "--path", pathKey, value]);
}

/** What local:up and the e2e need; the YAML host is built only for examples/yaml-consumer. */
const localTools = [
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kubelet",
    "kube-proxy",
    "etcd",
    "kwok",
    "karpenter-kwok",
    "pulumi",
    "pulumi-resource-pulumi-nodejs",
    "pulumi-language-nodejs",
    "pulumi-resource-kubernetes",
];

export function buildTools(): void {
    run("bash", [path.join(repositoryRoot, "scripts", "build-tools.sh"), ...localTools], {
        stream: true,
        cwd: repositoryRoot,
    });
}

export function clusterUp(): void {
    run("bash", [path.join(repositoryRoot, "scripts", "local-cluster.sh"), "up"], {
        stream: true,
        cwd: repositoryRoot,
    });
}

export function clusterDown(): void {
    run("bash", [path.join(repositoryRoot, "scripts", "local-cluster.sh"), "down"], {
        stream: true,
        cwd: repositoryRoot,
        allowFailure: true,
    });
}
