// End-to-end run of the real Pulumi engine against a real control plane with simulated GPU nodes
// and real nodes (the local stack). Prints each check and the timings, ends with
// "e2e: N passed, N failed". A run that an earlier, interrupted one left behind is cleared first.
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { checkRealServing } from "./e2e/real-node";
import {
    binDir,
    fileExists,
    kubectl,
    kubectlJson,
    localDir,
    log,
    projectDir,
    pulumi,
    secondsSince,
    toolEnv,
    servingPodsOf,
} from "./local/env";
import { karpenterScaleCycle } from "./e2e/karpenter";
import { clearLeftovers, finishRun } from "./local/leftovers";
import { buildImages, configureLocalStack, uploadWeights } from "./local/serving";
import {
    buildTools,
    clusterDown,
    clusterUp,
    forgetStack,
    installKubernetesPlugin,
    prepareProject,
    selectStack,
    setStackConfig,
} from "./local/workspace";

const namespace = "models";
const model = "llama-3-1-8b";
const nodeRoleLabel = "gpu-serving.io/node-role";
const newImage = `127.0.0.1:5000/gpu-serving/vllm@sha256:${"e2e0".repeat(16)}`;

const results: { name: string; ok: boolean; detail: string }[] = [];
const timings: [string, string][] = [];

function check(name: string, ok: boolean, detail = ""): void {
    results.push({ name, ok, detail });
    log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? ` (${detail})` : ""}`);
}

function timed<T>(stage: string, action: () => T): T {
    const started = Date.now();
    try {
        return action();
    } finally {
        timings.push([stage, secondsSince(started)]);
    }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gpuRequest(pod: any): number {
    return pod.spec.containers.reduce(
        (sum: number, c: any) => sum + Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0),
        0,
    );
}

function isReady(pod: any): boolean {
    return (
        !pod.metadata.deletionTimestamp &&
        (pod.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True")
    );
}

/** The vLLM model's serving pods (the rollout and capacity checks are about it alone). */
function servingPods(): any[] {
    return servingPodsOf(namespace, model).filter((p: any) => gpuRequest(p) > 0);
}

function checkPlacement(): void {
    const nodes = kubectlJson(["get", "nodes"]).items;
    const roleOf = new Map<string, string>(
        nodes.map((n: any) => [n.metadata.name, n.metadata.labels?.[nodeRoleLabel]]),
    );
    const pods = kubectlJson(["get", "pods", "-n", namespace]).items;
    const serving = pods.filter((p: any) => gpuRequest(p) > 0);
    const others = pods.filter((p: any) => gpuRequest(p) === 0);
    check("serving pods exist", serving.length > 0, `${serving.length} pod(s)`);
    check(
        "every serving pod is Running on a GPU node",
        serving.length > 0 &&
            serving.every(
                (p: any) => p.status.phase === "Running" && roleOf.get(p.spec.nodeName) === "gpu",
            ),
        serving
            .map((p: any) => `${p.metadata.name}@${p.spec.nodeName}:${p.status.phase}`)
            .join(", "),
    );
    check(
        "every pod without a GPU (weights staging) ran on the CPU system node",
        others.length > 0 && others.every((p: any) => roleOf.get(p.spec.nodeName) === "system"),
        others.map((p: any) => `${p.metadata.name}@${p.spec.nodeName}`).join(", "),
    );
}

/** Non-"same" steps of a `pulumi preview --json`, as `op urn-type::name`. */
function changedSteps(previewJson: string): { op: string; urn: string; diffs: string[] }[] {
    const preview = JSON.parse(previewJson);
    return (preview.steps ?? [])
        .filter((s: any) => s.op !== "same")
        .map((s: any) => ({
            op: s.op,
            urn: s.urn,
            diffs: s.diffs ?? Object.keys(s.detailedDiff ?? {}),
        }));
}

/** Runs `pulumi up` while sampling the ready serving pods; returns the fewest seen. */
async function upWatchingReadiness(): Promise<{
    status: number;
    minimumReady: number;
    samples: number;
}> {
    const child = spawn(
        path.join(binDir, "pulumi"),
        ["up", "--yes", "--skip-preview", "--non-interactive"],
        {
            cwd: projectDir,
            env: toolEnv(),
            stdio: ["ignore", "inherit", "inherit"],
        },
    );
    let exited: number | undefined;
    child.on("exit", (code) => (exited = code ?? 1));
    let minimumReady = Number.POSITIVE_INFINITY;
    let samples = 0;
    const deadline = Date.now() + 10 * 60_000;
    while (exited === undefined && Date.now() < deadline) {
        const ready = servingPods().filter(isReady).length;
        minimumReady = Math.min(minimumReady, ready);
        samples++;
        await sleep(250);
    }
    while (exited === undefined) await sleep(250);
    return { status: exited, minimumReady, samples };
}

async function main(): Promise<void> {
    clearLeftovers("e2e");
    timed("tools (build or cache)", buildTools);
    if (fileExists(localDir)) {
        log(
            `a cluster of an earlier run is still in ${localDir}; stopping it to start from nothing`,
        );
        timed("clearing an earlier cluster", clusterDown);
    }
    timed("cluster start (control plane, real and simulated nodes)", clusterUp);
    try {
        const builtImages = timed("images (offline build, push) and weights upload", () => {
            const built = buildImages();
            uploadWeights();
            return built;
        });
        forgetStack();
        installKubernetesPlugin();
        selectStack();
        configureLocalStack(builtImages);
        deployAndExpectNoChanges();
        await checkRealServing(check, timings);
        await rollOutNewImage();
        // The local stack scales on Karpenter: the capacity prediction is checked against its GPU limit.
        await karpenterScaleCycle({ check, timing: (stage, s) => timings.push([stage, s]) });
        prepareProject();
        destroyAndExpectNothingLeft();
    } finally {
        timed("control plane stop", clusterDown);
    }
    checkEngineOutlivesCluster();
}

/** The Docker engine is machine-wide (README): stopping the cluster leaves it for the next build. */
function checkEngineOutlivesCluster(): void {
    const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
        encoding: "utf8",
    });
    check(
        "the Docker engine outlives the cluster (machine-wide, not swept as a leftover)",
        info.status === 0,
        info.status === 0 ? `dockerd ${info.stdout.trim()}` : info.stderr.trim().slice(-200),
    );
}

function deployAndExpectNoChanges(): void {
    const up = timed("pulumi up", () =>
        pulumi(["up", "--yes", "--skip-preview"], { stream: true, allowFailure: true }),
    );
    check("pulumi up deploys the local stack", up.status === 0);
    checkPlacement();

    const unchanged = timed("pulumi preview (no changes)", () =>
        pulumi(["preview", "--expect-no-changes"], { allowFailure: true }),
    );
    check(
        "a second preview expects no changes",
        unchanged.status === 0,
        unchanged.status === 0 ? "" : unchanged.stdout.slice(-400),
    );
}

/** A new image digest: the diff names only it, and the rollout never drops a ready replica. */
async function rollOutNewImage(): Promise<void> {
    const before = servingPods().filter(isReady).length;
    setStackConfig("models[0].image.reference", newImage);
    const diff = timed("pulumi preview --diff (image change)", () =>
        pulumi(["preview", "--diff", "--json"], { allowFailure: true }),
    );
    const steps = diff.status === 0 ? changedSteps(diff.stdout) : [];
    check(
        "the diff shows exactly the image change on the serving Deployment (and the compile-cache directory keyed by it)",
        steps.length === 1 &&
            steps[0].op === "update" &&
            steps[0].urn.endsWith(`::${model}-deployment`) &&
            // The compile cache's claim directory is keyed by the image digest, so it moves with it.
            steps[0].diffs.every((d) => /image$|volumeMounts\[\d+\]\.subPath$/.test(d)) &&
            steps[0].diffs.length > 0,
        JSON.stringify(steps),
    );

    const rolloutStarted = Date.now();
    const rollout = await upWatchingReadiness();
    timings.push(["pulumi up (rolling update)", secondsSince(rolloutStarted)]);
    check("the rolling update succeeds", rollout.status === 0);
    check(
        "the rollout never drops below the old ready replica count",
        before >= 1 && rollout.minimumReady >= before,
        `old ready ${before}, fewest ready ${rollout.minimumReady} over ${rollout.samples} samples`,
    );
    const images = servingPods()
        .filter(isReady)
        .map((p: any) => p.spec.containers[0].image);
    check(
        "every ready serving pod runs the new digest",
        images.length >= 1 &&
            images.length === before &&
            images.every((i: string) => i === newImage),
        images.join(", "),
    );
}

function destroyAndExpectNothingLeft(): void {
    const destroy = timed("pulumi destroy", () =>
        pulumi(["destroy", "--yes", "--skip-preview"], { stream: true, allowFailure: true }),
    );
    check("pulumi destroy succeeds", destroy.status === 0);
    const namespaceGone =
        kubectl(["get", "namespace", namespace], { allowFailure: true }).status !== 0;
    const volumes = kubectlJson(["get", "pv"]).items.map((v: any) => v.metadata.name);
    check(
        "destroy leaves no objects behind",
        namespaceGone && volumes.length === 0,
        `namespace gone: ${namespaceGone}, volumes: [${volumes.join(", ")}]`,
    );
}

main()
    .catch((error) => check("e2e ran to completion", false, (error as Error).message))
    .finally(() => {
        finishRun();
        for (const [stage, seconds] of timings) log(`time ${stage}: ${seconds} s`);
        const failed = results.filter((r) => !r.ok).length;
        process.stdout.write(`e2e: ${results.length - failed} passed, ${failed} failed\n`);
        process.exitCode = failed === 0 ? 0 : 1;
    });
