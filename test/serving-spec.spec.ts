import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import {
    chmodSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    readdirSync,
    rmSync,
    writeFileSync,
} from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceArgs } from "../components/model-service";
import { horizontalPodAutoscalerSpec, queueDepthQuery } from "../components/serving/autoscaling";
import {
    clusterServiceSpec,
    loadBalancerAnnotations,
    loadBalancerServiceSpec,
    networkPolicySpec,
    podDisruptionBudgetSpec,
} from "../components/serving/exposure";
import { servingPodSpec } from "../components/serving/pod-spec";
import { defaultShmSizeGiB, vllmArgs } from "../components/serving/runtimes";
import { resolveServingSettings, stagingJobName } from "../components/serving/settings";
import {
    hfStagingScript,
    s3StagingScript,
    stagingJobSpec,
    stagingTimeoutSeconds,
    waitForWeightsScript,
} from "../components/serving/staging-job";
import { digestPinned, isDigestReference } from "../components/serving/validation";
import { valueOf } from "./harness/render";

const digest = "sha256:" + "ab".repeat(32);
const baseArgs: ModelServiceArgs = {
    modelName: "llama",
    namespace: "serving",
    image: `registry/vllm@${digest}`,
    runtime: "vllm",
    modelVersion: "v1",
    weightsSource: "s3://weights/llama",
    weightsSizeGiB: 16,
    modelClaimName: "model-cache",
    gpuGroup: "inference",
    gpusPerReplica: 1,
    minReplicas: 1,
    maxReplicas: 2,
};

describe("ModelService builders", () => {
    it("passes vLLM the staged directory, the served name and parallelism, never the API key", () => {
        const args = vllmArgs({
            modelName: "llama",
            modelDir: "/models/llama/v1",
            port: 8000,
            gpusPerReplica: 4,
            tensorParallelSize: 2,
            loadFormat: "runai_streamer",
            maxModelLen: 8192,
            extraArgs: ["--enable-prefix-caching"],
        });
        assert.deepEqual(args, [
            "--model",
            "/models/llama/v1",
            "--served-model-name",
            "llama",
            "--port",
            "8000",
            "--tensor-parallel-size",
            "2",
            "--pipeline-parallel-size",
            "2",
            "--load-format",
            "runai_streamer",
            "--max-model-len",
            "8192",
            "--enable-prefix-caching",
        ]);
    });

    it("omits pipeline parallelism and max-model-len when not needed", () => {
        const args = vllmArgs({
            modelName: "m",
            modelDir: "/models/m/1",
            port: 8000,
            gpusPerReplica: 2,
            tensorParallelSize: 2,
            loadFormat: "safetensors",
            extraArgs: [],
        });
        assert.ok(!args.includes("--pipeline-parallel-size"));
        assert.ok(!args.includes("--max-model-len"));
    });

    it("sizes /dev/shm at 2 GiB per tensor-parallel rank for vLLM, at least 1 GiB", () => {
        assert.equal(defaultShmSizeGiB("vllm", 1), 2);
        assert.equal(defaultShmSizeGiB("vllm", 4), 8);
        assert.equal(defaultShmSizeGiB("custom", 8), 1);
    });

    it("resolves runtime defaults per GPU and derives the readiness path from healthPath", () => {
        const vllm = resolveServingSettings({ ...baseArgs, gpusPerReplica: 2 });
        assert.deepEqual(
            [vllm.cpu, vllm.memoryGiB, vllm.shmSizeGiB, vllm.port, vllm.tensorParallelSize],
            ["6", 24, 4, 8000, 2],
        );
        const custom = resolveServingSettings({
            ...baseArgs,
            runtime: "custom",
            healthPath: "/ping",
        });
        assert.deepEqual(
            [
                custom.cpu,
                custom.memoryGiB,
                custom.port,
                custom.readinessPath,
                custom.hpaCpuUtilization,
            ],
            ["2", 8, 8080, "/ping", 70],
        );
    });

    it("defaults the cooldown to the cold-start estimate, at least 300 s", () => {
        assert.equal(resolveServingSettings(baseArgs).cooldownSeconds, 594);
        const small = resolveServingSettings({
            ...baseArgs,
            weightsSizeGiB: 1,
            warmupSeconds: 10,
            imageSizeGiB: 2,
        });
        assert.equal(small.coldStart.totalSeconds, 120 + 41 + 3 + 10);
        assert.equal(small.cooldownSeconds, 300);
    });

    it("names staging Jobs after the sanitised version and keeps them within 63 characters", () => {
        assert.equal(stagingJobName("llama", "2024.07_RC-1"), "llama-stage-2024-07-rc-1");
        // 63 characters fit whole.
        assert.equal(stagingJobName("a".repeat(50), "v12345"), `${"a".repeat(50)}-stage-v12345`);
    });

    it("cuts a staging Job name over 63 characters to 54 and ends it in a hash of the version", () => {
        // sha256("version-" + 30 nines) starts 8c482b35.
        const long = stagingJobName("a".repeat(50), "version-" + "9".repeat(30));
        assert.equal(long, `${"a".repeat(50)}-sta-8c482b35`);
        assert.equal(long.length, 63);
        // Two long versions that share the first 54 characters get two Jobs.
        assert.equal(
            stagingJobName("a".repeat(50), "version-" + "9".repeat(29) + "8"),
            `${"a".repeat(50)}-sta-53970185`,
        );
    });

    it("accepts only references pinned by a sha256 digest", () => {
        assert.ok(isDigestReference(`registry/vllm@${digest}`));
        assert.ok(isDigestReference(`docker.io/library/python:3.12-slim@${digest}`));
        assert.ok(!isDigestReference("registry/vllm:latest"));
        assert.ok(!isDigestReference("registry/vllm@sha256:abc"));
    });

    it("fails a resolved image that is not pinned by digest with a ResourceError", async () => {
        await assert.rejects(
            valueOf(digestPinned(pulumi.output("registry/vllm:latest"), "image", undefined)),
            (error: Error) => {
                assert.ok(error instanceof pulumi.ResourceError, String(error));
                assert.match(
                    error.message,
                    /^image: "registry\/vllm:latest" is not pinned by digest/,
                );
                return true;
            },
        );
        assert.equal(
            await valueOf(digestPinned(pulumi.output(`r/v@${digest}`), "image", undefined)),
            `r/v@${digest}`,
        );
    });

    it("queries waiting requests for this model in this namespace", () => {
        assert.equal(
            queueDepthQuery("llama", "serving"),
            'sum(vllm:num_requests_waiting{namespace="serving",model_name="llama"})',
        );
    });

    it("builds an HPA on a custom per-pod metric without the CPU default", () => {
        const s = resolveServingSettings({
            ...baseArgs,
            runtime: "custom",
            hpaMetricName: "inflight_requests",
            hpaMetricTarget: 8,
        });
        const spec = horizontalPodAutoscalerSpec(s, "llama");
        assert.deepEqual(spec.metrics, [
            {
                type: "Pods",
                pods: {
                    metric: { name: "inflight_requests" },
                    target: { type: "AverageValue", averageValue: "8" },
                },
            },
        ]);
    });

    it("annotates load balancer Services for the AWS Load Balancer Controller by scheme", () => {
        const internal = loadBalancerAnnotations({ serviceType: "InternalLoadBalancer" });
        assert.equal(internal["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        const external = loadBalancerAnnotations({ serviceType: "ExternalLoadBalancer" });
        assert.equal(
            external["service.beta.kubernetes.io/aws-load-balancer-scheme"],
            "internet-facing",
        );
        assert.equal(external["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
        assert.equal(
            external["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"],
            "ip",
        );
        assert.equal(
            external["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"],
            "preserve_client_ip.enabled=true",
        );
    });

    it("terminates TLS at the NLB with the ACM certificate and a TLS 1.2+ policy on its one port", () => {
        const certificate = "arn:aws:acm:us-west-2:123456789012:certificate/abc";
        const s = resolveServingSettings({
            ...baseArgs,
            serviceType: "ExternalLoadBalancer",
            tlsCertificateArn: certificate,
            loadBalancerSourceRanges: ["203.0.113.0/24"],
        });
        const annotations = loadBalancerAnnotations(s);
        assert.equal(
            annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"],
            certificate,
        );
        assert.equal(
            annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"],
            "https",
        );
        assert.equal(
            annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy"],
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
        );
        const spec = loadBalancerServiceSpec(s);
        assert.deepEqual(spec.ports, [
            { name: "https", port: 443, targetPort: "http", protocol: "TCP" },
        ]);
        assert.deepEqual(spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
        assert.equal(clusterServiceSpec(s).type, "ClusterIP");
    });

    it("admits a load balancer's source ranges and subnets, never any address", () => {
        const cidrs = (serviceType: string) =>
            (
                networkPolicySpec(
                    resolveServingSettings({
                        ...baseArgs,
                        serviceType,
                        loadBalancerSourceRanges: ["203.0.113.0/24"],
                        loadBalancerSubnetCidrs: ["10.30.192.0/20"],
                    }),
                ).ingress as any[]
            ).flatMap((rule) =>
                rule.from.filter((peer: any) => peer.ipBlock).map((peer: any) => peer.ipBlock.cidr),
            );
        assert.deepEqual(cidrs("ClusterIP"), []);
        assert.deepEqual(cidrs("InternalLoadBalancer"), ["203.0.113.0/24", "10.30.192.0/20"]);
        const open = networkPolicySpec(
            resolveServingSettings({ ...baseArgs, serviceType: "ExternalLoadBalancer" }),
        );
        assert.equal((open.ingress as any[]).length, 1, "no source ranges: no load balancer rule");
    });

    it("lets one replica be evicted at a time, unready ones always", () => {
        const pdb = podDisruptionBudgetSpec(resolveServingSettings(baseArgs));
        assert.equal(pdb.maxUnavailable, 1);
        assert.equal(pdb.minAvailable, undefined);
        assert.equal(pdb.unhealthyPodEvictionPolicy, "AlwaysAllow");
    });

    it("gives staging twice a 50 MiB/s download, at least 10 minutes", () => {
        assert.equal(stagingTimeoutSeconds(1), 600);
        assert.equal(stagingTimeoutSeconds(140), 5735);
    });

    it("makes serving pods wait for the marker without downloading", () => {
        assert.match(waitForWeightsScript, /until \[ -f "\$MODEL_DIR\/\.staged" \]/);
        assert.doesNotMatch(waitForWeightsScript, /aws|curl|wget|python/);
    });
});

const scratchRoots: string[] = [];

/** A scratch claim for running a staging script, with `aws` or `urlopen` faked. */
function scratch(): { root: string; modelDir: string; calls: string } {
    const root = mkdtempSync(join(tmpdir(), "staging-"));
    scratchRoots.push(root);
    return { root, modelDir: join(root, "models", "llama", "v1"), calls: join(root, "calls.log") };
}

function calls(file: string): string[] {
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
}

describe("weights staging scripts", () => {
    after(() => scratchRoots.forEach((root) => rmSync(root, { recursive: true, force: true })));

    function runS3(dir: ReturnType<typeof scratch>, env: Record<string, string> = {}) {
        const bin = join(dir.root, "bin");
        if (!existsSync(bin)) {
            mkdirSync(bin, { recursive: true });
            // aws s3 sync --only-show-errors --no-progress <source> <dest>
            writeFileSync(
                join(bin, "aws"),
                '#!/bin/sh\necho "$*" >> "$CALLS"\n[ -n "${FAIL:-}" ] && exit 1\n[ -n "${EMPTY:-}" ] && exit 0\necho weights > "$6/model.safetensors"\n',
            );
            chmodSync(join(bin, "aws"), 0o755);
        }
        return spawnSync("/bin/sh", ["-c", s3StagingScript], {
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                MODEL_DIR: dir.modelDir,
                WEIGHTS_SOURCE: "s3://weights/llama",
                CALLS: dir.calls,
                ...env,
            },
            encoding: "utf8",
        });
    }

    it("downloads S3 weights into a partial directory and publishes them with the marker", () => {
        const dir = scratch();
        const run = runS3(dir);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(readdirSync(dir.modelDir).sort(), [".staged", "model.safetensors"]);
        assert.deepEqual(readdirSync(join(dir.root, "models", "llama")), ["v1"]);
        assert.deepEqual(calls(dir.calls), [
            `s3 sync --only-show-errors --no-progress s3://weights/llama ${dir.modelDir}.partial`,
        ]);
    });

    it("skips the download when the version is already staged", () => {
        const dir = scratch();
        runS3(dir);
        const again = runS3(dir);
        assert.equal(again.status, 0);
        assert.match(again.stdout, /already staged/);
        assert.equal(calls(dir.calls).length, 1);
    });

    it("leaves no marker and no published directory when the download fails or finds nothing", () => {
        for (const env of [{ FAIL: "1" }, { EMPTY: "1" }] as Record<string, string>[]) {
            const dir = scratch();
            const run = runS3(dir, env);
            assert.notEqual(run.status, 0);
            assert.ok(!existsSync(dir.modelDir), JSON.stringify(env));
        }
    });

    it("downloads a Hugging Face revision from its resolved commit, resumably and once", function () {
        if (spawnSync("python3", ["--version"]).status !== 0) this.skip();
        const dir = scratch();
        // Replaces urlopen: the revision API lists two files; file downloads are logged.
        const fake = `
import io, json, os, urllib.request
def urlopen(request, timeout=None):
    url = request.full_url
    with open(os.environ["CALLS"], "a") as log: log.write(url + "\\n")
    if "/api/models/" in url:
        return io.BytesIO(json.dumps({"sha": "c0ffee", "siblings": [
            {"rfilename": "config.json", "size": 2}, {"rfilename": "sub/w.safetensors", "size": 4}]}).encode())
    return io.BytesIO(b"{}" if url.endswith("config.json") else b"wwww")
urllib.request.urlopen = urlopen
exec(compile(${JSON.stringify(hfStagingScript)}, "stage", "exec"))
`;
        const env = {
            ...process.env,
            MODEL_DIR: dir.modelDir,
            HF_REPO: "org/llama",
            HF_REVISION: "v1.0",
            CALLS: dir.calls,
        };
        const run = spawnSync("python3", ["-c", fake], { env, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(readFileSync(join(dir.modelDir, ".staged"), "utf8"), "c0ffee\n");
        assert.equal(readFileSync(join(dir.modelDir, "sub", "w.safetensors"), "utf8"), "wwww");
        assert.deepEqual(calls(dir.calls), [
            "https://huggingface.co/api/models/org/llama/revision/v1.0?blobs=true",
            "https://huggingface.co/org/llama/resolve/c0ffee/config.json",
            "https://huggingface.co/org/llama/resolve/c0ffee/sub/w.safetensors",
        ]);
        const again = spawnSync("python3", ["-c", fake], { env, encoding: "utf8" });
        assert.equal(again.status, 0, again.stderr);
        assert.equal(calls(dir.calls).length, 3);
    });

    it("sends the gated-repository token from the mounted file, and no header without one", function () {
        if (spawnSync("python3", ["--version"]).status !== 0) this.skip();
        const fake = `
import io, json, os, urllib.request
def urlopen(request, timeout=None):
    with open(os.environ["CALLS"], "a") as log: log.write(repr(request.get_header("Authorization")) + "\\n")
    if "/api/models/" in request.full_url:
        return io.BytesIO(json.dumps({"sha": "c0ffee", "siblings": [{"rfilename": "a", "size": 1}]}).encode())
    return io.BytesIO(b"a")
urllib.request.urlopen = urlopen
exec(compile(${JSON.stringify(hfStagingScript)}, "stage", "exec"))
`;
        const withToken = scratch();
        const tokenFile = join(withToken.root, "token");
        writeFileSync(tokenFile, "hf_secret\n");
        const base = { ...process.env, HF_REPO: "org/gated", HF_REVISION: "c0ffee" };
        for (const [dir, extra] of [
            [withToken, { HF_TOKEN_FILE: tokenFile }],
            [scratch(), {}],
        ] as const) {
            const env = { ...base, MODEL_DIR: dir.modelDir, CALLS: dir.calls, ...extra };
            const run = spawnSync("python3", ["-c", fake], { env, encoding: "utf8" });
            assert.equal(run.status, 0, run.stderr);
        }
        assert.deepEqual(calls(withToken.calls), ["'Bearer hf_secret'", "'Bearer hf_secret'"]);
    });
});

describe("gated Hugging Face token", () => {
    const gated = resolveServingSettings({
        ...baseArgs,
        weightsSource: "hf://meta-llama/Llama-3.1-8B-Instruct",
        weightsRevision: "0e9e39f249a16976918f6564b8830bc894c89659",
        huggingFaceToken: "hf_secret",
    });

    it("is mounted read-only as a file into the staging Job, which reads it from HF_TOKEN_FILE", () => {
        const pod = (stagingJobSpec(gated, "llama-staging").template as any).spec;
        assert.deepEqual(pod.volumes.at(-1), {
            name: "hf-token",
            secret: {
                secretName: "llama-hf-token",
                items: [{ key: "token", path: "token" }],
                defaultMode: 0o400,
            },
        });
        const container = pod.containers[0];
        assert.deepEqual(container.volumeMounts.at(-1), {
            name: "hf-token",
            mountPath: "/var/run/secrets/huggingface",
            readOnly: true,
        });
        assert.ok(
            container.env.some(
                (e: any) =>
                    e.name === "HF_TOKEN_FILE" && e.value === "/var/run/secrets/huggingface/token",
            ),
        );
        assert.ok(!container.env.some((e: any) => e.name === "HF_TOKEN"));
    });

    it("never reaches a serving pod", () => {
        const pod = servingPodSpec(gated, "llama") as any;
        assert.ok(!JSON.stringify(pod).includes("hf-token"));
    });

    it("is not mounted when no token is given", () => {
        const publicRepo = resolveServingSettings({
            ...baseArgs,
            weightsSource: "hf://org/public",
            weightsRevision: "c0ffee",
        });
        const pod = (stagingJobSpec(publicRepo, "llama-staging").template as any).spec;
        assert.ok(!JSON.stringify(pod).includes("hf-token"));
        assert.ok(!pod.containers[0].env.some((e: any) => e.name === "HF_TOKEN_FILE"));
    });
});
