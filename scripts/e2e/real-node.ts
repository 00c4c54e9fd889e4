// The e2e's real serving path: the `custom` runtime model of the local stack runs as containers on
// the real node (scripts/local-node.sh), built offline (scripts/local-images.sh), its weights staged
// from the local S3 API by the real staging Job. Requests go through the real Service (kube-proxy),
// forwarded to the host's loopback.
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { efsPerClientReadMiBps, estimateColdStart } from "../../components/plan/cold-start";
import {
    binDir,
    kubectl,
    kubectlJson,
    localDir,
    localPort,
    log,
    projectDir,
    pulumi,
    repositoryRoot,
    run,
    secondsSince,
    toolEnv,
    servingPodsOf,
} from "../local/env";
import { committedModels, demoModelFiles, uploadObjects } from "../local/serving";

type Check = (name: string, ok: boolean, detail?: string) => void;
type Timings = [string, string][];

const namespace = "models";
const servicePort = localPort("LOCAL_SERVICE_PORT", 20208);
const probePort = localPort("LOCAL_PROBE_PORT", 20209);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the linear model answers, computed here independently of the server. */
export function linearPredictions(version: string, instances: number[][]): number[] {
    const model = JSON.parse(demoModelFiles(version)["model.json"]) as {
        weights: number[];
        bias: number;
    };
    return instances.map((x) =>
        x.reduce((sum, value, i) => sum + value * model.weights[i], model.bias),
    );
}

const instances = [
    [1, 2, 3, 4],
    [0.5, 0, -1, 2],
];

function nodeScript(args: string[]): void {
    run("bash", [path.join(repositoryRoot, "scripts", "local-node.sh"), ...args], {
        cwd: repositoryRoot,
    });
}

interface Answer {
    status: number;
    body: string;
}

async function request(
    url: string,
    init: { method?: string; key?: string; body?: unknown } = {},
): Promise<Answer> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
    try {
        const response = await fetch(url, {
            method: init.method ?? "GET",
            headers,
            body: init.body === undefined ? undefined : JSON.stringify(init.body),
            signal: AbortSignal.timeout(5000),
        });
        return { status: response.status, body: await response.text() };
    } catch (error) {
        return { status: 0, body: String((error as Error).message) };
    }
}

function predictionsMatch(body: string, expected: number[]): boolean {
    try {
        const got = (JSON.parse(body) as { predictions: number[] }).predictions;
        return (
            got.length === expected.length && got.every((g, i) => Math.abs(g - expected[i]) < 1e-9)
        );
    } catch {
        return false;
    }
}

function metricCount(metrics: string, code: number): number {
    const line = metrics
        .split("\n")
        .find((l) => l.startsWith(`inference_requests_total{endpoint="/predict",code="${code}"}`));
    return line ? Number(line.split(" ").pop()) : 0;
}

interface Model {
    name: string;
    index: number;
    version: string;
    source: string;
}

function customModel(): Model {
    const models = committedModels();
    const index = models.findIndex((m) => m.runtime === "custom");
    if (index < 0) throw new Error("Pulumi.local.yaml has no custom runtime model");
    const m = models[index];
    return { name: m.name, index, version: m.version, source: m.weights.source };
}

function apiKey(model: string): string {
    const keys = JSON.parse(
        pulumi(["stack", "output", "apiKeys", "--show-secrets", "--json"]).stdout,
    ) as Record<string, string>;
    return keys[model];
}

function servingPods(model: string): any[] {
    return servingPodsOf(namespace, model);
}

function podEvents(pod: string): string[] {
    return kubectlJson([
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        `involvedObject.name=${pod}`,
    ]).items.map((e: any) => `${e.reason}: ${e.message}`);
}

/** The kubelet's "Successfully pulled image "<image>" in 13.758s (…). Image size: 98153493 bytes." */
function pulled(events: string[], image: string): { seconds: number; bytes: number } | undefined {
    for (const event of events.filter((e) => e.includes(`"${image}"`))) {
        const match = /Successfully pulled image .* in ([\d.]+)m?s .*Image size: (\d+) bytes/.exec(
            event,
        );
        if (match) {
            const ms = /in [\d.]+ms/.test(event);
            return { seconds: Number(match[1]) / (ms ? 1000 : 1), bytes: Number(match[2]) };
        }
    }
    return undefined;
}

/** Lines of a container's log on a real node, with the CRI timestamps the kubelet writes. */
function containerLog(pod: any, container: string): { time: number; text: string }[] {
    const dir = path.join(
        localDir,
        "nodes",
        pod.spec.nodeName,
        "pod-logs",
        `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`,
        container,
    );
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .flatMap((file) => fs.readFileSync(path.join(dir, file), "utf8").split("\n"))
        .filter(Boolean)
        .map((line) => {
            const [time, , , ...text] = line.split(" ");
            return { time: Date.parse(time), text: text.join(" ") };
        });
}

function conditionTime(pod: any, type: string): number {
    const condition = (pod.status.conditions ?? []).find(
        (c: any) => c.type === type && c.status === "True",
    );
    return condition ? Date.parse(condition.lastTransitionTime) : NaN;
}

async function checkRequests(check: Check, model: Model, key: string): Promise<void> {
    const base = `http://127.0.0.1:${servicePort}`;
    const expected = linearPredictions(model.version, instances);
    const ok = await request(`${base}/predict`, { method: "POST", key, body: { instances } });
    check(
        "POST /predict with the API key returns the model's numbers (computed independently)",
        ok.status === 200 && predictionsMatch(ok.body, expected),
        `${ok.status} ${ok.body.trim()} expected ${JSON.stringify(expected)}`,
    );
    const none = await request(`${base}/predict`, { method: "POST", body: { instances } });
    const wrong = await request(`${base}/predict`, {
        method: "POST",
        key: `${key}x`,
        body: { instances },
    });
    check(
        "POST /predict without a key, or with a wrong one, is refused with 401",
        none.status === 401 && wrong.status === 401,
        `no key: ${none.status}, wrong key: ${wrong.status}`,
    );
    const metrics = (await request(`${base}/metrics`)).body;
    check(
        "/metrics counts the accepted and the refused predictions",
        metricCount(metrics, 200) === 1 && metricCount(metrics, 401) === 2,
        `200: ${metricCount(metrics, 200)}, 401: ${metricCount(metrics, 401)}`,
    );
}

/**
 * A pod from the Deployment's own template (same image, env, user, probes) without the wait for
 * staged weights, on a model directory that has no marker yet: /ready answers 503 until the marker
 * is written, then 200.
 */
async function checkReadiness(check: Check, model: Model): Promise<void> {
    const deployment = kubectlJson(["get", "deployment", model.name, "-n", namespace]);
    const template = deployment.spec.template;
    const server = template.spec.containers[0];
    const version = `ready-check-${Date.now()}`;
    const dir = `/models/${model.name}/${version}`;
    server.env = server.env.map((e: any) => (e.name === "MODEL_DIR" ? { ...e, value: dir } : e));
    delete server.readinessProbe;
    delete server.startupProbe;
    delete server.livenessProbe;
    const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${model.name}-ready-check`, namespace, labels: { check: "ready" } },
        spec: { ...template.spec, initContainers: undefined },
    };
    const file = path.join(localDir, "ready-check-pod.json");
    fs.writeFileSync(file, JSON.stringify(pod));
    kubectl(["apply", "-f", file]);
    try {
        kubectl(
            [
                "wait",
                "-n",
                namespace,
                "--for=condition=ContainersReady",
                `pod/${pod.metadata.name}`,
                "--timeout=180s",
            ],
            {
                allowFailure: true,
            },
        );
        const ip = kubectlJson(["get", "pod", pod.metadata.name, "-n", namespace]).status.podIP;
        nodeScript([
            "expose",
            "ready-check",
            String(probePort),
            `${ip}:${server.ports[0].containerPort}`,
        ]);
        const url = `http://127.0.0.1:${probePort}/ready`;
        let before = 0;
        for (let i = 0; i < 20 && before !== 503; i++) {
            before = (await request(url)).status;
            if (before !== 503) await sleep(500);
        }
        const hostDir = path.join(localDir, "models", model.name, version);
        fs.mkdirSync(hostDir, { recursive: true });
        fs.writeFileSync(
            path.join(hostDir, "model.json"),
            demoModelFiles(model.version)["model.json"],
        );
        fs.writeFileSync(path.join(hostDir, ".staged"), new Date().toISOString());
        for (const f of [
            path.dirname(hostDir),
            hostDir,
            path.join(hostDir, "model.json"),
            path.join(hostDir, ".staged"),
        ])
            fs.chownSync(f, 1000, 1000);
        let after = 0;
        const deadline = Date.now() + 30_000;
        while (after !== 200 && Date.now() < deadline) {
            after = (await request(url)).status;
            if (after !== 200) await sleep(500);
        }
        check(
            "/ready answers 503 until the staging marker exists, then 200",
            before === 503 && after === 200,
            `before the marker: ${before}, after: ${after}`,
        );
    } finally {
        nodeScript(["unexpose", "ready-check"]);
        kubectl(["delete", "pod", pod.metadata.name, "-n", namespace, "--wait=false"], {
            allowFailure: true,
        });
    }
}

interface ColdStart {
    /** Every image the pod pulled: the wait-for-weights init container's, then the server's. */
    pullSeconds: number;
    pullBytes: number;
    /** The serving image alone, as the cold-start model counts it. */
    servingImageBytes: number;
    loadSeconds: number;
    readySeconds: number;
    totalSeconds: number;
}

/** The cold start of a serving pod on the real node, stage by stage, from its events, log and status. */
function measureColdStart(pod: any): ColdStart | undefined {
    const events = podEvents(pod.metadata.name);
    const images = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map(
        (c: any) => c.image,
    );
    const pulls = [...new Set<string>(images)].map((image) => pulled(events, image));
    const serving = pulled(events, pod.spec.containers[0].image);
    const lines = containerLog(pod, "server");
    const started = Date.parse(pod.status.containerStatuses?.[0]?.state?.running?.startedAt ?? "");
    const loaded = lines.find((l) => l.text.includes("model loaded"))?.time ?? NaN;
    const ready = conditionTime(pod, "Ready");
    const created = Date.parse(pod.metadata.creationTimestamp);
    if (!serving || pulls.some((p) => !p) || [started, loaded, ready].some(Number.isNaN))
        return undefined;
    return {
        pullSeconds: pulls.reduce((sum, p) => sum + p!.seconds, 0),
        pullBytes: pulls.reduce((sum, p) => sum + p!.bytes, 0),
        servingImageBytes: serving.bytes,
        loadSeconds: (loaded - started) / 1000,
        readySeconds: (ready - loaded) / 1000,
        totalSeconds: (ready - created) / 1000,
    };
}

function stagingCopy(job: string): { seconds: number; node: string; log: string } | undefined {
    const pods = kubectlJson(["get", "pods", "-n", namespace, "-l", `job-name=${job}`]).items;
    const pod = pods.find((p: any) => p.status.phase === "Succeeded");
    const state = pod?.status.containerStatuses?.[0]?.state?.terminated;
    if (!state) return undefined;
    return {
        seconds: (Date.parse(state.finishedAt) - Date.parse(state.startedAt)) / 1000,
        node: pod.spec.nodeName,
        log: containerLog(pod, "stage-weights")
            .map((l) => l.text)
            .join(" | "),
    };
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function reportColdStart(
    check: Check,
    model: Model,
    measured: ColdStart,
    pullRate: number,
    stagingSeconds: number,
): void {
    const config = JSON.parse(pulumi(["config", "get", "--path", `models[${model.index}]`]).stdout);
    const weightsBytes = Buffer.byteLength(demoModelFiles(model.version)["model.json"]);
    const readRate = pulumi(["config", "get", "--path", "modelStore.readThroughputMiBps"], {
        allowFailure: true,
    });
    const estimate = estimateColdStart({
        runtime: "custom",
        imageSizeGiB: measured.servingImageBytes / GiB,
        weightsSizeGiB: weightsBytes / GiB,
        storageReadMiBps: readRate.status === 0 ? Number(readRate.stdout) : efsPerClientReadMiBps,
        warmupSeconds: config.warmupSeconds,
        nodeLaunchSeconds: 0,
        imagePullMiBps: pullRate,
    });
    const stage = (name: string) => estimate.stages.find((s) => s.name === name)!.seconds;
    const rows: [string, number, number][] = [
        ["image pulls (init + server)", measured.pullSeconds, stage("image-pull")],
        ["weights read + model load", measured.loadSeconds, stage("weights-read")],
        ["model loaded → Ready", measured.readySeconds, stage("engine-warm-up")],
        ["total (pod created → Ready)", measured.totalSeconds, estimate.totalSeconds],
    ];
    log(
        `cold start of ${model.name} on the real node: images pulled ${(measured.pullBytes / MiB).toFixed(1)} MiB (serving image ${(measured.servingImageBytes / MiB).toFixed(1)} MiB), weights ${weightsBytes} B; estimate at the registry pull rate measured on the staging Job's image, ${pullRate.toFixed(1)} MiB/s, no node launch (the node was up):`,
    );
    log(
        `  ${"staging copy (per version)".padEnd(30)} measured ${stagingSeconds.toFixed(1).padStart(6)} s   estimate    — (not a per-pod stage)`,
    );
    for (const [name, seconds, estimated] of rows)
        log(
            `  ${name.padEnd(30)} measured ${seconds.toFixed(1).padStart(6)} s   estimate ${String(estimated).padStart(4)} s`,
        );
    const ratio = estimate.totalSeconds / Math.max(measured.totalSeconds, 0.001);
    const wrong = rows
        .slice(0, 3)
        .filter(([, m, e]) => Math.max(m, e) > 1.5 * Math.max(Math.min(m, e), 1))
        .map(([name, m, e]) => `${name} (measured ${m.toFixed(1)} s, estimate ${e} s)`);
    check(
        "the cold-start estimate is within 1.5× of the measured cold start, or names the stage it gets wrong",
        (ratio <= 1.5 && ratio >= 1 / 1.5) || wrong.length > 0,
        `estimate/measured ${ratio.toFixed(2)}${wrong.length ? `; stages off by more than 1.5×: ${wrong.join(", ")}` : ""}`,
    );
}

function s3Gets(prefix: string): number {
    const file = path.join(localDir, "logs", "s3.log");
    return fs.existsSync(file)
        ? fs
              .readFileSync(file, "utf8")
              .split("\n")
              .filter((l) => l.includes(`"GET /${prefix}`) && !l.includes("list-type")).length
        : 0;
}

/** One POST on a connection of its own (no keep-alive): each request is balanced anew by kube-proxy. */
function freshConnectionPost(url: string, key: string, body: unknown): Promise<Answer> {
    return new Promise((resolve) => {
        const payload = JSON.stringify(body);
        const req = http.request(
            url,
            {
                method: "POST",
                agent: false,
                timeout: 5000,
                headers: {
                    "content-type": "application/json",
                    "content-length": Buffer.byteLength(payload),
                    authorization: `Bearer ${key}`,
                    connection: "close",
                },
            },
            (response) => {
                let text = "";
                response.on("data", (chunk) => (text += chunk));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", (error) => resolve({ status: 0, body: error.message }));
        req.end(payload);
    });
}

interface LoadCounts {
    old: number;
    new: number;
    failed: number;
    failures: string[];
}

/** Sends requests one after the other until `done()`, at most `limit`; tallies who answered. */
async function requestLoop(
    send: () => Promise<Answer>,
    expected: [number[], number[]],
    done: () => boolean,
    limit: number,
): Promise<LoadCounts> {
    const counts: LoadCounts = { old: 0, new: 0, failed: 0, failures: [] };
    for (let sent = 0; !done() && sent < limit; sent++) {
        const answer = await send();
        if (answer.status === 200 && predictionsMatch(answer.body, expected[0])) counts.old++;
        else if (answer.status === 200 && predictionsMatch(answer.body, expected[1])) counts.new++;
        else {
            counts.failed++;
            if (counts.failures.length < 5)
                counts.failures.push(`${answer.status} ${answer.body.slice(0, 80)}`);
        }
        await sleep(50);
    }
    return counts;
}

/**
 * Runs `pulumi up` while two bounded request loops go to the Service, until the old pods are gone
 * (Pulumi returns once the new ReplicaSet is ready; the old pod then drains for its preStop): one
 * opens a connection per request, the other keeps one connection alive as HTTP clients do.
 */
async function rolloutUnderLoad(key: string, oldPods: Set<string>, model: Model, next: string) {
    const child = spawn(
        path.join(binDir, "pulumi"),
        ["up", "--yes", "--skip-preview", "--non-interactive"],
        { cwd: projectDir, env: toolEnv(), stdio: ["ignore", "inherit", "inherit"] },
    );
    let exited: number | undefined;
    child.on("exit", (code) => (exited = code ?? 1));
    let oldGone = false;
    const deadline = Date.now() + 10 * 60_000;
    const watcher = (async () => {
        while (!(exited !== undefined && oldGone) && Date.now() < deadline) {
            await sleep(1000);
            const names = servingPods(model.name).map((p: any) => p.metadata.name);
            oldGone = exited !== undefined && names.every((name: string) => !oldPods.has(name));
        }
    })();
    const done = () => (exited !== undefined && oldGone) || Date.now() > deadline;
    const url = `http://127.0.0.1:${servicePort}/predict`;
    const expected: [number[], number[]] = [
        linearPredictions(model.version, instances),
        linearPredictions(next, instances),
    ];
    const [fresh, keptAlive] = await Promise.all([
        requestLoop(() => freshConnectionPost(url, key, { instances }), expected, done, 10_000),
        requestLoop(
            () => request(url, { method: "POST", key, body: { instances } }),
            expected,
            done,
            10_000,
        ),
    ]);
    await watcher;
    while (exited === undefined) await sleep(250);
    return { status: exited, oldGone, fresh, keptAlive };
}

function describeLoad(name: string, counts: LoadCounts, versions: [string, string]): string {
    const sent = counts.old + counts.new + counts.failed;
    const failures = counts.failures.length ? ` (${counts.failures.join("; ")})` : "";
    return `${name}: ${sent} sent, ${counts.old} answered by version ${versions[0]}, ${counts.new} by version ${versions[1]}, ${counts.failed} failed${failures}`;
}

/** Every check of the real serving path; the local stack is up and the e2e's own checks passed. */
export async function checkRealServing(check: Check, timings: Timings): Promise<void> {
    const model = customModel();
    const key = apiKey(model.name);
    const service = kubectlJson(["get", "service", model.name, "-n", namespace]);
    const target = `${service.spec.clusterIP}:${service.spec.ports[0].port}`;
    nodeScript(["expose", "service", String(servicePort), target]);
    log(`Service ${namespace}/${model.name} (${target}) forwarded to 127.0.0.1:${servicePort}`);
    try {
        const [pod] = servingPods(model.name);
        check(
            "the custom model's pod runs as a container on the real node",
            pod?.spec.nodeName === "local-real-0" && pod.status.phase === "Running",
            `${pod?.metadata.name}@${pod?.spec.nodeName}:${pod?.status.phase}`,
        );
        await checkRequests(check, model, key);
        await checkReadiness(check, model);
        checkStagingAndColdStart(check, model, pod);
        checkStagedOnce(check, model);
        checkNodeCredentials(check);
        await checkVersionRollout(check, timings, model, key);
    } finally {
        nodeScript(["unexpose", "service"]);
    }
}

/**
 * The real GPU node's kubelet runs as system:node:local-real-0 (scripts/local-node.sh): it serves
 * the pods above with that identity, and the Node authorizer and NodeRestriction refuse it anything
 * beyond its own pods and Node, as on EKS.
 */
function checkNodeCredentials(check: Check): void {
    const kubeconfig = path.join(localDir, "nodes", "local-real-0", "kubeconfig");
    const asNode = (args: string[]) =>
        kubectl(["--kubeconfig", kubeconfig, ...args], { allowFailure: true });
    const whoami = asNode(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    check(
        "the real node's kubelet is system:node:local-real-0, not an admin",
        whoami.stdout.trim() === "system:node:local-real-0",
        whoami.stdout.trim() || whoami.stderr.trim(),
    );
    const secrets = asNode(["get", "secrets", "-n", namespace]);
    const otherNode = asNode(["label", "node", "local-system-0", "gpu-serving.io/probe=1"]);
    check(
        "the Node authorizer refuses it the namespace's Secrets and another node's labels",
        /forbidden/i.test(secrets.stderr) && /forbidden/i.test(otherNode.stderr),
        `secrets: ${secrets.stderr.trim()}; other node: ${otherNode.stderr.trim()}`,
    );
}

/** The staging Job's copy, and the serving pod's cold start stage by stage beside the estimate. */
function checkStagingAndColdStart(check: Check, model: Model, pod: any): void {
    const job = `${model.name}-stage-${model.version}`;
    const copy = stagingCopy(job);
    check(
        "the staging Job copied the weights from the S3 API onto the claim on the real system node",
        copy !== undefined && copy.node === "local-system-0" && /staged s3:\/\//.test(copy.log),
        copy
            ? `${copy.seconds.toFixed(1)} s on ${copy.node}: ${copy.log}`
            : "no succeeded staging pod",
    );
    const stagingPod = kubectlJson(["get", "pods", "-n", namespace, "-l", `job-name=${job}`])
        .items[0];
    const stagingPull =
        stagingPod &&
        pulled(podEvents(stagingPod.metadata.name), stagingPod.spec.containers[0].image);
    const measured = pod && measureColdStart(pod);
    if (measured && stagingPull) {
        const pullRate = stagingPull.bytes / MiB / stagingPull.seconds;
        reportColdStart(check, model, measured, pullRate, copy?.seconds ?? NaN);
    } else
        check(
            "the cold start was measured on the real node",
            false,
            "pull events or log lines missing",
        );
}

/** Staged once per version: the Job re-created for the same version (as after its TTL) copies nothing. */
function checkStagedOnce(check: Check, model: Model): void {
    const job = `${model.name}-stage-${model.version}`;
    const prefix = model.source.replace(/^s3:\/\//, "");
    const getsBefore = s3Gets(prefix);
    kubectl(["delete", "job", job, "-n", namespace, "--cascade=foreground", "--wait=true"]);
    const again = pulumi(["up", "--yes", "--skip-preview", "--refresh"], { allowFailure: true });
    const rerun = stagingCopy(job);
    const getsAfter = s3Gets(prefix);
    check(
        "a second up re-creates the version's staging Job, which finds the marker and copies nothing",
        again.status === 0 && /already staged/.test(rerun?.log ?? "") && getsAfter === getsBefore,
        `up exit ${again.status}; Job log: ${rerun?.log ?? "none"}; S3 GETs under the prefix ${getsBefore} → ${getsAfter}`,
    );
}

/** A new version: a new staging Job, new pods, and no failed request during the rollout. */
async function checkVersionRollout(
    check: Check,
    timings: Timings,
    model: Model,
    key: string,
): Promise<void> {
    const next = model.version === "1" ? "2" : "1";
    const nextSource = model.source.replace(/\/[^/]+$/, `/${next}`);
    uploadObjects(nextSource, demoModelFiles(next));
    pulumi(["config", "set", "--path", `models[${model.index}].version`, next]);
    pulumi(["config", "set", "--path", `models[${model.index}].weights.source`, nextSource]);
    const oldPods = new Set(servingPods(model.name).map((p: any) => p.metadata.name));
    const started = Date.now();
    const rollout = await rolloutUnderLoad(key, oldPods, model, next);
    timings.push([
        `pulumi up + old pods gone (${model.name} version ${model.version} → ${next}, under load)`,
        secondsSince(started),
    ]);
    const versions: [string, string] = [model.version, next];
    const fresh = describeLoad("a connection per request", rollout.fresh, versions);
    log(`requests during the rollout, ${fresh}`);
    log(
        `requests during the rollout, ${describeLoad("one kept-alive connection", rollout.keptAlive, versions)}`,
    );
    const nextCopy = stagingCopy(`${model.name}-stage-${next}`);
    const newPods = servingPods(model.name).filter((p: any) => !oldPods.has(p.metadata.name));
    check(
        "the version change runs a new staging Job",
        nextCopy !== undefined && /staged s3:\/\//.test(nextCopy.log),
        nextCopy?.log ?? "none",
    );
    check(
        "the version change starts new pods and the old ones go",
        rollout.status === 0 && rollout.oldGone && newPods.length >= 1,
        `new: ${newPods.map((p: any) => p.metadata.name).join(", ")}; old gone: ${rollout.oldGone}`,
    );
    check(
        "no request through the Service fails during the rollout, and the new version answers at the end",
        rollout.fresh.failed === 0 && rollout.fresh.new > 0 && rollout.fresh.old > 0,
        fresh,
    );
}
