import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { ModelServiceArgs } from "../components/model-service";
import {
    apiKeyHeader,
    apiKeyScheme,
    customServerEnv,
    customServerPaths,
    modelsMountPath,
    stagedMarker,
    vllmApiKeyEnv,
} from "../components/serving/contract";
import { servingPodSpec } from "../components/serving/pod-spec";
import { modelServiceProblems } from "../components/serving/validation";
import { resolveServingSettings } from "../components/serving/settings";

// Both sides of the custom runtime's contract: the component renders a pod spec, and the real
// images/custom-server/app.py runs with exactly the environment of its server container (the API
// key resolved from its Secret, the claim mounted at a scratch directory). Flask is the server's
// only dependency and is installed on the machines; gunicorn is not, so its config file decides the
// address (as in the image) and Werkzeug serves the app.

const hasFlask = spawnSync("python3", ["-c", "import flask"]).status === 0;
const appDir = path.join(__dirname, "..", "images", "custom-server");
const key = "contract-test-key-0123456789";

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

function renderedServer(port: number) {
    const args: ModelServiceArgs = {
        modelName: "classifier",
        namespace: "serving",
        image: `registry/custom@sha256:${"ab".repeat(32)}`,
        runtime: "custom",
        modelVersion: "v7",
        weightsSource: "s3://weights/classifier/v7",
        weightsSizeGiB: 0.001,
        modelClaimName: "model-cache",
        gpuGroup: "inference",
        gpusPerReplica: 1,
        minReplicas: 1,
        maxReplicas: 1,
        port,
    };
    const spec = servingPodSpec(resolveServingSettings(args), "classifier") as any;
    return spec.containers[0];
}

/** The server container's env as the kubelet would set it: the key from the Secret, the claim remapped. */
function environmentOf(container: any, claimDir: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const variable of container.env) {
        if (variable.valueFrom?.secretKeyRef) env[variable.name] = key;
        else env[variable.name] = String(variable.value);
    }
    for (const [name, value] of Object.entries(env))
        if (value.startsWith(`${modelsMountPath}/`))
            env[name] = path.join(claimDir, value.slice(modelsMountPath.length));
    return env;
}

// Binds where gunicorn.conf.py says (it reads PORT), on the loopback only.
const launcher = `
import runpy, sys
sys.path.insert(0, ${JSON.stringify(appDir)})
settings = runpy.run_path(${JSON.stringify(path.join(appDir, "gunicorn.conf.py"))})
host, port = settings["bind"].rsplit(":", 1)
import app
from werkzeug.serving import run_simple
print("binding", settings["bind"], flush=True)
run_simple("127.0.0.1", int(port), app.app, threaded=True)
`;

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
        return { status: response.status, text: await response.text() };
    } catch {
        return { status: 0, text: "" };
    }
}

async function until(probe: () => Promise<boolean>, seconds: number): Promise<boolean> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        if (await probe()) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return probe();
}

describe("the custom runtime contract (component ↔ images/custom-server)", function () {
    this.timeout(30_000);
    let server: ChildProcess | undefined;
    let scratch: string;
    let base: string;
    let container: any;
    let env: Record<string, string>;
    let output = "";

    before(async function () {
        if (!hasFlask) this.skip();
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "contract-"));
        const port = await freePort();
        container = renderedServer(port);
        env = environmentOf(container, scratch);
        fs.mkdirSync(env[customServerEnv.modelDir], { recursive: true });
        fs.writeFileSync(
            path.join(env[customServerEnv.modelDir], "model.json"),
            JSON.stringify({ weights: [0.5, -2, 4], bias: 1.5 }),
        );
        server = spawn("python3", ["-c", launcher], {
            env: { PATH: process.env.PATH ?? "", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        server.stdout!.on("data", (d) => (output += d));
        server.stderr!.on("data", (d) => (output += d));
        base = `http://127.0.0.1:${port}`;
        const up = await until(async () => (await get(`${base}/health`)).status === 200, 15);
        assert.ok(up, `server did not answer on the rendered port ${port}:\n${output}`);
    });

    after(() => {
        server?.kill();
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("listens on the PORT the component renders, which is the container port its probes use", () => {
        const port = Number(env[customServerEnv.port]);
        assert.equal(container.ports[0].containerPort, port);
        assert.equal(container.readinessProbe.httpGet.port, container.ports[0].name);
        assert.match(output, new RegExp(`binding 0\\.0\\.0\\.0:${port}`));
    });

    it("tells the server which marker the staging Job writes", () => {
        assert.equal(env[customServerEnv.modelMarker], stagedMarker);
    });

    it("is live but not ready while the marker is missing", async () => {
        assert.equal(container.livenessProbe.httpGet.path, customServerPaths.health);
        assert.equal(container.readinessProbe.httpGet.path, customServerPaths.ready);
        assert.equal((await get(`${base}${container.livenessProbe.httpGet.path}`)).status, 200);
        assert.equal((await get(`${base}${container.readinessProbe.httpGet.path}`)).status, 503);
    });

    it("becomes ready once the staging marker is written", async () => {
        fs.writeFileSync(path.join(env[customServerEnv.modelDir], stagedMarker), "staged\n");
        const ready = await until(
            async () =>
                (await get(`${base}${container.readinessProbe.httpGet.path}`)).status === 200,
            10,
        );
        assert.ok(ready, output);
    });

    it("answers a prediction only with the key from the Secret, in the documented header", async () => {
        const body = JSON.stringify({ instances: [[2, 1, 0.5]] });
        const post = (headers: Record<string, string>) =>
            get(`${base}${customServerPaths.predict}`, {
                method: "POST",
                body,
                headers: { "content-type": "application/json", ...headers },
            });
        const accepted = await post({ [apiKeyHeader]: `${apiKeyScheme} ${key}` });
        assert.equal(accepted.status, 200, accepted.text);
        // 0.5·2 − 2·1 + 4·0.5 + 1.5
        assert.deepEqual(JSON.parse(accepted.text), { predictions: [2.5] });
        assert.equal((await post({})).status, 401);
        assert.equal((await post({ [apiKeyHeader]: `${apiKeyScheme} ${key}-wrong` })).status, 401);
        assert.equal((await post({ [apiKeyHeader]: key })).status, 401);
    });

    it("counts accepted and refused predictions in /metrics", async () => {
        const metrics = (await get(`${base}${customServerPaths.metrics}`)).text;
        assert.match(metrics, /^inference_requests_total\{endpoint="\/predict",code="200"\} 1$/m);
        assert.match(metrics, /^inference_requests_total\{endpoint="\/predict",code="401"\} 3$/m);
    });

    it("refuses to start without an API key", function () {
        const withoutKey = { ...env };
        delete withoutKey[customServerEnv.apiKey];
        const result = spawnSync("python3", ["-c", launcher], {
            env: { PATH: process.env.PATH ?? "", ...withoutKey },
            encoding: "utf8",
            timeout: 15_000,
        });
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /API_KEY is not set/);
    });
});

describe("the vLLM runtime's key", () => {
    it("reaches vLLM as VLLM_API_KEY from the Secret, never on its command line", () => {
        const args: ModelServiceArgs = {
            modelName: "llama",
            namespace: "serving",
            image: `registry/vllm@sha256:${"ab".repeat(32)}`,
            runtime: "vllm",
            modelVersion: "v1",
            weightsSource: "s3://weights/llama",
            weightsSizeGiB: 16,
            modelClaimName: "model-cache",
            gpuGroup: "inference",
            gpusPerReplica: 1,
            minReplicas: 1,
            maxReplicas: 1,
        };
        const server = (servingPodSpec(resolveServingSettings(args), "llama") as any).containers[0];
        const keyEnv = server.env.find((e: any) => e.name === vllmApiKeyEnv);
        assert.deepEqual(keyEnv.valueFrom.secretKeyRef, { name: "llama-api-key", key: "api-key" });
        assert.ok(
            !server.args.some((a: string) => a.includes("api-key") || a.includes(vllmApiKeyEnv)),
        );
        const refused = modelServiceProblems({ ...args, extraArgs: ["--api-key=abc"] }).list;
        assert.deepEqual(
            refused.map((p) => p.propertyPath),
            ["extraArgs[0]"],
        );
        assert.match(refused[0].reason, /where ps shows it.*VLLM_API_KEY/);
    });
});
