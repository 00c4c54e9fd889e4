import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ModelService, ModelServiceArgs } from "../components/model-service";
import { InvalidInputsError } from "../components/plan/problems";
import {
    gpuGroupLabel,
    gpuResourceName,
    gpuToleration,
    systemNodeLabels,
} from "../components/plan/scheduling";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { validModelServiceInputs } from "./harness/model-service-inputs";
import { RegisteredResource, Rendered, isSecret, render, valueOf } from "./harness/render";

const types = {
    component: "gpu-serving:index:ModelService",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    secret: "kubernetes:core/v1:Secret",
    job: "kubernetes:batch/v1:Job",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    password: "random:index/randomPassword:RandomPassword",
};

const image = `123456789012.dkr.ecr.us-west-2.amazonaws.com/serving/vllm@sha256:${"0123456789abcdef".repeat(4)}`;

const commit = "0e9e39f249a16976918f6564b8830bc894c89659";
const tls = {
    tlsCertificateArn:
        "arn:aws:acm:us-west-2:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    loadBalancerSourceRanges: ["203.0.113.0/24"],
};

/** The harness's valid vLLM model, under the name, version and ECR image these specs assert on. */
const baseArgs: ModelServiceArgs = {
    ...validModelServiceInputs(),
    modelName: "llama-8b",
    image,
    modelVersion: "2024.07",
    weightsSource: "s3://weights/llama-8b/2024.07",
};

function renderService(
    args: Partial<ModelServiceArgs> = {},
    opts?: pulumi.ComponentResourceOptions,
) {
    return render(() => new ModelService("llm", { ...baseArgs, ...args }, opts));
}

function podSpec(resources: Rendered): any {
    return resources.one(types.deployment).inputs.spec.template.spec;
}

function server(resources: Rendered): any {
    return podSpec(resources).containers[0];
}

function jobPodSpec(resources: Rendered): any {
    return resources.one(types.job).inputs.spec.template.spec;
}

function dependsOn(resource: RegisteredResource, on: RegisteredResource): boolean {
    return resource.dependencies.includes(on.urn);
}

/** Asserts that constructing a ModelService with `args` throws `pattern` and registers nothing. */
async function assertRejected(args: Partial<ModelServiceArgs>, pattern: RegExp): Promise<void> {
    const { resources } = await render(() =>
        assert.throws(() => new ModelService("llm", { ...baseArgs, ...args }), pattern),
    );
    assert.deepEqual(
        resources.all.map((r) => r.name),
        [],
    );
}

describe("ModelService", () => {
    it("renders only schema-valid Kubernetes objects", async () => {
        for (const args of [
            {},
            { runtime: "custom", serviceType: "InternalLoadBalancer", ...tls },
            { weightsSource: "hf://meta/llama", weightsRevision: commit, huggingFaceToken: "hf_x" },
        ]) {
            const { resources } = await renderService(args);
            assert.ok((await validateRenderedKubernetesObjects(resources)) > 0);
        }
    });

    it("renders custom resources with their apiVersion and kind in the inputs", async () => {
        const { resources } = await renderService();
        const scaledObject = resources.one(types.scaledObject).inputs;
        const serviceMonitor = resources.one(types.serviceMonitor).inputs;
        assert.deepEqual(
            [scaledObject.apiVersion, scaledObject.kind],
            ["keda.sh/v1alpha1", "ScaledObject"],
        );
        assert.deepEqual(
            [serviceMonitor.apiVersion, serviceMonitor.kind],
            ["monitoring.coreos.com/v1", "ServiceMonitor"],
        );
    });

    it("names every object explicitly from the model name, as children of the component", async () => {
        const { resources } = await renderService();
        const component = resources.one(types.component);
        const names = Object.fromEntries(
            resources.all
                .filter((r) => r.type.startsWith("kubernetes:"))
                .map((r) => [r.type, r.inputs.metadata.name]),
        );
        const accounts = resources
            .ofType(types.serviceAccount)
            .map((sa) => sa.inputs.metadata.name);
        assert.deepEqual(accounts, ["llama-8b", "llama-8b-staging"]);
        assert.deepEqual(names, {
            [types.serviceAccount]: "llama-8b-staging",
            [types.secret]: "llama-8b-api-key",
            [types.job]: "llama-8b-stage-2024-07",
            [types.deployment]: "llama-8b",
            [types.service]: "llama-8b",
            [types.pdb]: "llama-8b",
            [types.networkPolicy]: "llama-8b",
            [types.scaledObject]: "llama-8b",
            [types.serviceMonitor]: "llama-8b",
        });
        for (const child of resources.all.filter((r) => r !== component))
            assert.equal(child.parent, component.urn, child.name);
    });

    describe("platform dependencies", () => {
        /** A platform stand-in: a component whose child is what must exist first (a node group, a CRD). */
        function platform() {
            const component = new pulumi.ComponentResource("test:index:Platform", "platform");
            new k8s.core.v1.ConfigMap("platform-ready", {}, { parent: component });
            return component;
        }

        for (const [form, given] of [
            ["a list", (p: pulumi.Resource) => [p]],
            ["one resource", (p: pulumi.Resource) => p],
            ["an Output of a list", (p: pulumi.Resource) => pulumi.output([p])],
        ] as const) {
            it(`makes the staging Job, the Deployment, the load balancer Service and the CRD-backed objects wait for the component's dependsOn given as ${form}`, async () => {
                const args = { ...baseArgs, serviceType: "InternalLoadBalancer", ...tls };
                const { resources } = await render(
                    () => new ModelService("llm", args, { dependsOn: given(platform()) }),
                );
                const ready = resources.one("kubernetes:core/v1:ConfigMap", "platform-ready");
                const waiting = [
                    resources.one(types.job),
                    resources.one(types.deployment),
                    // The load balancer controller's webhook must answer before the API server
                    // accepts a LoadBalancer Service whose class it owns.
                    resources.one(types.service, "llm-load-balancer"),
                    resources.one(types.scaledObject),
                    resources.one(types.serviceMonitor),
                ]
                    .filter((child) => !dependsOn(child, ready))
                    .map((child) => child.name);
                assert.deepEqual(waiting, []);
            });
        }

        it("leaves the objects that start no pod and need no controller free of the platform: the ClusterIP Service, PDB and NetworkPolicy", async () => {
            const { resources } = await render(
                () => new ModelService("llm", baseArgs, { dependsOn: [platform()] }),
            );
            const ready = resources.one("kubernetes:core/v1:ConfigMap", "platform-ready");
            for (const type of [types.service, types.pdb, types.networkPolicy])
                assert.equal(dependsOn(resources.one(type), ready), false, type);
        });

        it("keeps each child's own dependencies beside the inherited ones", async () => {
            const { resources } = await render(
                () => new ModelService("llm", baseArgs, { dependsOn: [platform()] }),
            );
            assert.ok(dependsOn(resources.one(types.deployment), resources.one(types.job)));
        });
    });

    it("hands the consumer's Kubernetes provider to every Kubernetes child", async () => {
        const { resources } = await render(() => {
            const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
            return new ModelService("llm", baseArgs, { providers: { kubernetes: provider } });
        });
        const children = resources.all.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
        // Serving and staging ServiceAccounts, Secret, Job, Deployment, Service, PDB,
        // NetworkPolicy, ScaledObject, ServiceMonitor.
        assert.equal(children.length, 10);
        for (const child of children) {
            assert.match(child.provider, /pulumi:providers:kubernetes::cluster::/, child.name);
        }
    });

    describe("serving pods", () => {
        it("requests and limits exactly gpusPerReplica GPUs, on the GPU group's nodes, tolerating the GPU taint", async () => {
            const { resources } = await renderService({ gpusPerReplica: 4 });
            const { requests, limits } = server(resources).resources;
            assert.equal(requests[gpuResourceName], "4");
            assert.equal(limits[gpuResourceName], "4");
            assert.deepEqual(
                podSpec(resources).affinity.nodeAffinity
                    .requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
                [
                    {
                        matchExpressions: [
                            { key: gpuGroupLabel, operator: "In", values: ["inference"] },
                        ],
                    },
                ],
            );
            assert.deepEqual(podSpec(resources).tolerations, [{ ...gpuToleration }]);
        });

        it("derives the startupProbe from the weights: 16 GiB allows 46 probes, 64 GiB 66", async () => {
            const small = await renderService({ weightsSizeGiB: 16 });
            const large = await renderService({ weightsSizeGiB: 64 });
            const probe = (r: Rendered) => server(r).startupProbe;
            assert.deepEqual(
                [probe(small.resources).periodSeconds, probe(small.resources).failureThreshold],
                [10, 46],
            );
            assert.equal(probe(large.resources).failureThreshold, 66);
            assert.equal(await valueOf(small.result.startupBudgetSeconds), 460);
            assert.equal(await valueOf(large.result.startupBudgetSeconds), 660);
        });

        it("outputs the cold-start estimate: node, image pull, weights read and warm-up", async () => {
            const { result } = await renderService({ warmupSeconds: 60 });
            assert.equal(await valueOf(result.coldStartSeconds), 120 + 246 + 33 + 60);
        });

        it("mounts a memory-backed /dev/shm sized for tensor parallelism and counts it in the memory limit", async () => {
            const { resources } = await renderService({ gpusPerReplica: 4, tensorParallelSize: 4 });
            const dshm = podSpec(resources).volumes.find((v: any) => v.name === "dshm");
            assert.deepEqual(dshm.emptyDir, { medium: "Memory", sizeLimit: "8Gi" });
            assert.ok(
                server(resources).volumeMounts.some(
                    (m: any) => m.name === "dshm" && m.mountPath === "/dev/shm",
                ),
            );
            assert.equal(server(resources).resources.requests.memory, "48Gi");
            assert.equal(server(resources).resources.limits.memory, "56Gi");
            const explicit = await renderService({ shmSizeGiB: 3 });
            assert.equal(
                podSpec(explicit.resources).volumes.find((v: any) => v.name === "dshm").emptyDir
                    .sizeLimit,
                "3Gi",
            );
        });

        it("mounts the model claim read-only and serves the staged version directory", async () => {
            const { resources } = await renderService();
            assert.deepEqual(
                podSpec(resources).volumes.find((v: any) => v.name === "models")
                    .persistentVolumeClaim,
                {
                    claimName: "model-cache",
                    readOnly: true,
                },
            );
            for (const container of [...podSpec(resources).initContainers, server(resources)]) {
                assert.deepEqual(
                    container.volumeMounts.find((m: any) => m.name === "models"),
                    { name: "models", mountPath: "/models", readOnly: true },
                );
            }
            const args: string[] = server(resources).args;
            assert.equal(args[args.indexOf("--model") + 1], "/models/llama-8b/2024.07");
            assert.equal(args[args.indexOf("--served-model-name") + 1], "llama-8b");
        });

        it("waits for the staged marker in an init container instead of downloading", async () => {
            const { resources } = await renderService();
            const [init] = podSpec(resources).initContainers;
            assert.equal(init.name, "wait-for-weights");
            assert.match(init.command.join(" "), /until \[ -f "\$MODEL_DIR\/\.staged" \]/);
            assert.deepEqual(
                init.env.find((e: any) => e.name === "MODEL_DIR"),
                { name: "MODEL_DIR", value: "/models/llama-8b/2024.07" },
            );
            assert.equal(init.resources.limits[gpuResourceName], undefined);
        });

        it("runs the image by digest", async () => {
            const { resources } = await renderService();
            assert.equal(server(resources).image, image);
        });

        it("runs every container with a restricted security context and writable caches on emptyDirs", async () => {
            const { resources } = await renderService();
            for (const spec of [podSpec(resources), jobPodSpec(resources)]) {
                assert.deepEqual(spec.securityContext, {
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    runAsGroup: 1000,
                    fsGroup: 1000,
                    seccompProfile: { type: "RuntimeDefault" },
                });
                for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
                    assert.equal(
                        container.securityContext.allowPrivilegeEscalation,
                        false,
                        container.name,
                    );
                    assert.deepEqual(
                        container.securityContext.capabilities,
                        { drop: ["ALL"] },
                        container.name,
                    );
                    assert.equal(
                        container.securityContext.readOnlyRootFilesystem,
                        true,
                        container.name,
                    );
                }
            }
            const mounts = server(resources).volumeMounts.map((m: any) => m.mountPath);
            assert.ok(mounts.includes("/cache") && mounts.includes("/tmp"));
            const relaxed = await renderService({ readOnlyRootFilesystem: false });
            assert.equal(server(relaxed.resources).securityContext.readOnlyRootFilesystem, false);
        });

        it("rolls one surge replica at a time and never drops below the serving count", async () => {
            const { resources } = await renderService();
            assert.deepEqual(resources.one(types.deployment).inputs.spec.strategy, {
                type: "RollingUpdate",
                rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
            });
        });

        it("drains before stopping and allows in-flight requests to finish within the grace period", async () => {
            const clusterIp = await renderService();
            assert.deepEqual(server(clusterIp.resources).lifecycle, {
                preStop: { sleep: { seconds: 10 } },
            });
            assert.equal(podSpec(clusterIp.resources).terminationGracePeriodSeconds, 10 + 120 + 15);
            const nlb = await renderService({ serviceType: "ExternalLoadBalancer", ...tls });
            assert.equal(server(nlb.resources).lifecycle.preStop.sleep.seconds, 120);
            assert.equal(podSpec(nlb.resources).terminationGracePeriodSeconds, 255);
        });

        it("spreads replicas across nodes strictly and across zones when possible", async () => {
            const { resources } = await renderService();
            const spread = podSpec(resources).topologySpreadConstraints.map((c: any) => [
                c.topologyKey,
                c.whenUnsatisfiable,
                c.maxSkew,
            ]);
            assert.deepEqual(spread, [
                ["kubernetes.io/hostname", "DoNotSchedule", 1],
                ["topology.kubernetes.io/zone", "ScheduleAnyway", 1],
            ]);
            assert.deepEqual(
                podSpec(resources).topologySpreadConstraints[0].labelSelector.matchLabels,
                {
                    "app.kubernetes.io/name": "llama-8b",
                    "app.kubernetes.io/component": "model-server",
                },
            );
        });

        it("gives the rollout a deadline and a Pulumi timeout longer than a cold pod takes", async () => {
            const { resources } = await renderService();
            const deployment = resources.one(types.deployment);
            // 120 s node + 246 s pull (12 GiB at 50 MiB/s) + 456 s startup budget.
            assert.equal(deployment.inputs.spec.progressDeadlineSeconds, 822);
            // Pulumi waits 60 s past that for a new pod, and once per replica (4) on an update.
            assert.deepEqual(deployment.customTimeouts, {
                create: "882s",
                update: `${882 * 4}s`,
                delete: "",
            });
        });
    });

    describe("weights staging", () => {
        it("lets Pulumi wait for the staging Job twice the download at 50 MiB/s, at least 10 minutes", async () => {
            const timeoutsFor = async (weightsSizeGiB: number) =>
                (await renderService({ weightsSizeGiB })).resources.one(types.job).customTimeouts;
            // 16 GiB = 16,384 MiB: 327.68 s at 50 MiB/s, doubled and rounded up.
            assert.deepEqual(await timeoutsFor(16), { create: "656s", update: "656s", delete: "" });
            // 14 GiB would take 573.44 s: the 600 s floor applies.
            assert.deepEqual(await timeoutsFor(14), { create: "600s", update: "600s", delete: "" });
        });

        it("runs a Job named for the version on system nodes, without GPUs or the GPU toleration", async () => {
            const { resources } = await renderService();
            const spec = jobPodSpec(resources);
            assert.deepEqual(spec.nodeSelector, systemNodeLabels);
            assert.equal(spec.tolerations, undefined);
            assert.equal(spec.affinity, undefined);
            assert.equal(spec.containers[0].resources.limits[gpuResourceName], undefined);
            assert.equal(spec.containers[0].resources.requests[gpuResourceName], undefined);
            const job = resources.one(types.job).inputs.spec;
            assert.equal(job.backoffLimit, 4);
            assert.equal(job.ttlSecondsAfterFinished, 86400);
        });

        it("makes the Job idempotent: it skips a staged version and publishes with the marker", async () => {
            const { resources } = await renderService();
            const [container] = jobPodSpec(resources).containers;
            const script: string = container.command[2];
            assert.ok(
                script.indexOf('[ -f "$MODEL_DIR/.staged" ]') < script.indexOf("aws s3 sync"),
            );
            assert.ok(
                script.indexOf('> "$partial/.staged"') <
                    script.indexOf('mv "$partial" "$MODEL_DIR"'),
            );
            assert.deepEqual(
                container.env.find((e: any) => e.name === "WEIGHTS_SOURCE"),
                { name: "WEIGHTS_SOURCE", value: "s3://weights/llama-8b/2024.07" },
            );
            assert.deepEqual(
                container.volumeMounts.find((m: any) => m.name === "models"),
                { name: "models", mountPath: "/models" },
            );
        });

        it("stages Hugging Face weights at the pinned revision with a Python image", async () => {
            const { resources } = await renderService({
                weightsSource: "hf://meta-llama/Llama-3.1-8B",
                weightsRevision: commit,
            });
            const [container] = jobPodSpec(resources).containers;
            assert.equal(container.command[0], "python3");
            assert.match(container.image, /python:3\.12-slim@sha256:[0-9a-f]{64}$/);
            const env = Object.fromEntries(
                container.env.filter((e: any) => e.value).map((e: any) => [e.name, e.value]),
            );
            assert.equal(env.HF_REPO, "meta-llama/Llama-3.1-8B");
            assert.equal(env.HF_REVISION, commit);
        });

        it("starts serving only after the staging Job, and replaces a same-version Job by deleting it first", async () => {
            const { resources } = await renderService();
            assert.ok(dependsOn(resources.one(types.deployment), resources.one(types.job)));
            assert.equal(resources.one(types.job).deleteBeforeReplace, true);
        });

        it("runs the staging Job as its own ServiceAccount with its IRSA role, and the server without one", async () => {
            const arn = "arn:aws:iam::123456789012:role/llama-staging";
            const { resources } = await renderService({ stagingRoleArn: arn });
            const account = (name: string) =>
                resources
                    .ofType(types.serviceAccount)
                    .find((sa) => sa.inputs.metadata.name === name)!.inputs;
            assert.deepEqual(account("llama-8b-staging").metadata.annotations, {
                "eks.amazonaws.com/role-arn": arn,
            });
            assert.equal(account("llama-8b-staging").automountServiceAccountToken, false);
            assert.equal(account("llama-8b").metadata.annotations, undefined);
            assert.equal(jobPodSpec(resources).serviceAccountName, "llama-8b-staging");
            assert.equal(podSpec(resources).serviceAccountName, "llama-8b");
        });

        it("annotates the serving ServiceAccount only with a role given for streaming from S3", async () => {
            const arn = "arn:aws:iam::123456789012:role/llama-serving";
            const { resources } = await renderService({ serviceAccountRoleArn: arn });
            const serving = resources
                .ofType(types.serviceAccount)
                .find((sa) => sa.inputs.metadata.name === "llama-8b")!;
            assert.deepEqual(serving.inputs.metadata.annotations, {
                "eks.amazonaws.com/role-arn": arn,
            });
        });

        it("keeps a gated repository's token in a Secret that only the staging Job mounts", async () => {
            const { resources } = await renderService({
                weightsSource: "hf://meta-llama/Llama-3.1-8B",
                weightsRevision: commit,
                huggingFaceToken: "hf_secret",
            });
            const secret = resources
                .ofType(types.secret)
                .find((r) => r.inputs.metadata.name === "llama-8b-hf-token")!;
            assert.deepEqual(secret.inputs.stringData, { token: "hf_secret" });
            assert.deepEqual(secret.secretInputs, ["stringData"]);
            assert.ok(JSON.stringify(jobPodSpec(resources)).includes("llama-8b-hf-token"));
            assert.ok(!JSON.stringify(podSpec(resources)).includes("hf-token"));
            assert.ok(dependsOn(resources.one(types.job), secret));
        });
    });

    describe("autoscaling", () => {
        it("scales vLLM on this model's queue depth with KEDA, cooling down no faster than a cold start", async () => {
            const { resources } = await renderService({ queueDepthTarget: 3 });
            const spec = resources.one(types.scaledObject).inputs.spec;
            assert.deepEqual(spec.triggers, [
                {
                    type: "prometheus",
                    metadata: {
                        serverAddress:
                            "http://kube-prometheus-stack-prometheus.monitoring.svc:9090",
                        query: 'sum(vllm:num_requests_waiting{namespace="serving",model_name="llama-8b"})',
                        threshold: "3",
                    },
                },
            ]);
            assert.deepEqual([spec.minReplicaCount, spec.maxReplicaCount], [1, 4]);
            assert.equal(spec.cooldownPeriod, 594);
            assert.equal(
                spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown
                    .stabilizationWindowSeconds,
                594,
            );
            assert.deepEqual(spec.scaleTargetRef, {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: "llama-8b",
            });
        });

        it("leaves the replica count to the autoscaler", async () => {
            const { resources } = await renderService({ minReplicas: 2 });
            const deployment = resources.one(types.deployment);
            assert.equal(deployment.inputs.spec.replicas, 2);
            assert.deepEqual(deployment.ignoreChanges, ["spec.replicas"]);
        });

        it("creates no autoscaler and owns replicas when autoscaling is off", async () => {
            const { resources } = await renderService({ autoscaling: false, minReplicas: 2 });
            assert.deepEqual(resources.ofType(types.scaledObject), []);
            assert.deepEqual(resources.ofType(types.hpa), []);
            assert.deepEqual(resources.one(types.deployment).ignoreChanges, []);
        });

        it("scales the custom runtime with an HPA on CPU by default", async () => {
            const { resources } = await renderService({ runtime: "custom", cooldownSeconds: 900 });
            assert.deepEqual(resources.ofType(types.scaledObject), []);
            const spec = resources.one(types.hpa).inputs.spec;
            assert.deepEqual(spec.metrics, [
                {
                    type: "Resource",
                    resource: {
                        name: "cpu",
                        target: { type: "Utilization", averageUtilization: 70 },
                    },
                },
            ]);
            assert.deepEqual([spec.minReplicas, spec.maxReplicas], [1, 4]);
            assert.equal(spec.behavior.scaleDown.stabilizationWindowSeconds, 900);
        });
    });

    describe("custom runtime", () => {
        it("serves on the given port and paths with the environment contract", async () => {
            const { resources, result } = await renderService({
                runtime: "custom",
                port: 9000,
                healthPath: "/livez",
                readinessPath: "/readyz",
                extraArgs: ["--workers", "2"],
            });
            const container = server(resources);
            assert.deepEqual(container.args, ["--workers", "2"]);
            assert.deepEqual(container.ports, [
                { name: "http", containerPort: 9000, protocol: "TCP" },
            ]);
            assert.equal(container.readinessProbe.httpGet.path, "/readyz");
            assert.equal(container.startupProbe.httpGet.path, "/livez");
            const env = Object.fromEntries(
                container.env.filter((e: any) => e.value).map((e: any) => [e.name, e.value]),
            );
            assert.deepEqual(
                [env.PORT, env.MODEL_DIR, env.MODEL_NAME],
                ["9000", "/models/llama-8b/2024.07", "llama-8b"],
            );
            assert.equal(
                container.env.find((e: any) => e.name === "API_KEY").valueFrom.secretKeyRef.name,
                "llama-8b-api-key",
            );
            assert.equal(
                await valueOf(result.endpoint),
                "http://llama-8b.serving.svc.cluster.local:9000",
            );
        });
    });

    describe("API key", () => {
        it("generates a 40-character key without special characters and outputs it as a secret", async () => {
            const { resources, result } = await renderService();
            assert.deepEqual(
                [
                    resources.one(types.password).inputs.length,
                    resources.one(types.password).inputs.special,
                ],
                [40, false],
            );
            const generated = resources.one(types.password).outputs.result;
            assert.equal(await isSecret(result.apiKey), true);
            assert.equal(await valueOf(result.apiKey), generated);
            const secret = resources.one(types.secret);
            assert.deepEqual(secret.inputs.stringData, { "api-key": generated });
            assert.ok(secret.secretInputs.includes("stringData"));
            const env = server(resources).env.find((e: any) => e.name === "VLLM_API_KEY");
            assert.deepEqual(env.valueFrom.secretKeyRef, {
                name: "llama-8b-api-key",
                key: "api-key",
            });
            // vLLM reads VLLM_API_KEY itself: the key is not on the command line `ps` shows.
            const args: string[] = server(resources).args;
            assert.ok(!args.includes("--api-key"), args.join(" "));
            assert.ok(!args.some((a) => a.includes("VLLM_API_KEY")), args.join(" "));
        });

        it("stores a given key in the Secret and creates no password", async () => {
            const { resources, result } = await renderService({ apiKey: "given-key" });
            assert.deepEqual(resources.ofType(types.password), []);
            const secret = resources.one(types.secret);
            assert.deepEqual(secret.inputs.stringData, { "api-key": "given-key" });
            assert.ok(secret.secretInputs.includes("stringData"), "a given key is made secret too");
            assert.equal(await isSecret(result.apiKey), true);
        });
    });

    describe("exposure", () => {
        it("outputs the in-cluster endpoint and the names of the Service and Deployment", async () => {
            const { result } = await renderService();
            assert.equal(
                await valueOf(result.endpoint),
                "http://llama-8b.serving.svc.cluster.local:8000",
            );
            assert.equal(await valueOf(result.serviceName), "llama-8b");
            assert.equal(await valueOf(result.deploymentName), "llama-8b");
        });

        it("makes a ClusterIP Service, and beside it a TLS NLB open to the source ranges on request", async () => {
            const clusterIp = await renderService();
            assert.equal(clusterIp.resources.one(types.service).inputs.spec.type, "ClusterIP");
            const external = await renderService({ serviceType: "ExternalLoadBalancer", ...tls });
            const [inCluster, nlb] = external.resources.ofType(types.service).map((r) => r.inputs);
            assert.equal(inCluster.spec.type, "ClusterIP");
            assert.equal(nlb.metadata.name, "llama-8b-lb");
            assert.equal(nlb.spec.type, "LoadBalancer");
            assert.deepEqual(nlb.spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
            assert.deepEqual(nlb.spec.ports, [
                { name: "https", port: 443, targetPort: "http", protocol: "TCP" },
            ]);
            assert.equal(
                nlb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"],
                "internet-facing",
            );
            assert.equal(
                nlb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"],
                tls.tlsCertificateArn,
            );
        });

        it("refuses a load balancer without TLS, or an internet-facing one without source ranges", async () => {
            const { resources } = await render(() =>
                assert.throws(
                    () =>
                        new ModelService("llm", {
                            ...baseArgs,
                            serviceType: "ExternalLoadBalancer",
                            loadBalancerSourceRanges: ["0.0.0.0/0"],
                        }),
                    (error: Error) =>
                        /loadBalancerSourceRanges\[0\]: "0\.0\.0\.0\/0" opens the load balancer/.test(
                            error.message,
                        ) &&
                        /tlsCertificateArn: is required for a load balancer/.test(error.message),
                ),
            );
            assert.equal(resources.all.length, 0);
        });

        it("admits allowed namespaces and monitoring to the serving port only, and opens no egress", async () => {
            const { resources } = await renderService({ allowedNamespaces: ["gateway", "batch"] });
            const spec = resources.one(types.networkPolicy).inputs.spec;
            assert.deepEqual(spec.policyTypes, ["Ingress", "Egress"]);
            assert.deepEqual(spec.egress, []);
            const peers = spec.ingress.flatMap((rule: any) => rule.from);
            assert.deepEqual(
                peers.map(
                    (p: any) => p.namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
                ),
                ["gateway", "batch", "monitoring"],
            );
            for (const rule of spec.ingress)
                assert.deepEqual(rule.ports, [{ protocol: "TCP", port: 8000 }]);
        });

        it("sizes /cache by tensor-parallel ranks and the ephemeral storage to cover both emptyDirs and logs", async () => {
            // vLLM: 2 GiB + 2 GiB per rank of compile and kernel caches, 1 GiB /tmp, 1 GiB logs.
            for (const [gpus, cache, total] of [
                [1, "4Gi", "6Gi"],
                [4, "10Gi", "12Gi"],
            ] as const) {
                const { resources } = await renderService({ gpusPerReplica: gpus, maxReplicas: 1 });
                const pod = resources.one(types.deployment).inputs.spec.template.spec;
                const sizes = Object.fromEntries(
                    pod.volumes
                        .filter((v: any) => v.emptyDir)
                        .map((v: any) => [v.name, v.emptyDir.sizeLimit]),
                );
                assert.deepEqual(sizes, { dshm: `${Math.max(1, 2 * gpus)}Gi`, cache, tmp: "1Gi" });
                const server = pod.containers[0].resources;
                assert.equal(server.requests["ephemeral-storage"], total);
                assert.equal(server.limits["ephemeral-storage"], total);
            }
        });

        it("runs the staging Job without a Kubernetes API token, with a bounded /tmp", async () => {
            const { resources } = await renderService();
            const pod = resources.one(types.job).inputs.spec.template.spec;
            assert.equal(pod.automountServiceAccountToken, false);
            assert.deepEqual(
                pod.volumes.find((v: any) => v.name === "tmp"),
                {
                    name: "tmp",
                    emptyDir: { sizeLimit: "1Gi" },
                },
            );
            assert.deepEqual(pod.containers[0].resources.limits["ephemeral-storage"], "2Gi");
        });

        it("allows one voluntary eviction at a time", async () => {
            const { resources } = await renderService({ minReplicas: 3 });
            assert.equal(resources.one(types.pdb).inputs.spec.maxUnavailable, 1);
        });

        it("scrapes the metrics path through a ServiceMonitor, or not at all when monitoring is off", async () => {
            const { resources } = await renderService();
            assert.deepEqual(resources.one(types.serviceMonitor).inputs.spec.endpoints, [
                { port: "http", path: "/metrics", interval: "15s", scrapeTimeout: "10s" },
            ]);
            const off = await renderService({ monitoring: false });
            assert.deepEqual(off.resources.ofType(types.serviceMonitor), []);
        });
    });

    describe("validation", () => {
        const cases: [string, Partial<ModelServiceArgs>, RegExp][] = [
            [
                "a model name that is not DNS-1123",
                { modelName: "Llama_8B" },
                /modelName: "Llama_8B" is not a DNS-1123 label/,
            ],
            [
                "a model name starting with a digit",
                { modelName: "8b" },
                /modelName: .*start with a letter/,
            ],
            [
                "an unknown runtime",
                { runtime: "triton" },
                /runtime: "triton" is not a runtime; allowed: vllm, custom/,
            ],
            [
                "fewer than one GPU per replica",
                { gpusPerReplica: 0 },
                /gpusPerReplica: must be a whole number ≥ 1, got 0/,
            ],
            [
                "minReplicas above maxReplicas",
                { minReplicas: 5, maxReplicas: 2 },
                /minReplicas: 5 exceeds maxReplicas 2/,
            ],
            [
                "no replicas at all",
                { maxReplicas: 0, minReplicas: 0 },
                /maxReplicas: must be a whole number ≥ 1, got 0/,
            ],
            [
                "a weights source of another scheme",
                { weightsSource: "gs://bucket/llama" },
                /weightsSource: "gs:\/\/bucket\/llama" must be s3:\/\/<bucket>\[\/<prefix>\] or hf:\/\/<org>\/<repo>/,
            ],
            [
                "a Hugging Face source without a revision",
                { weightsSource: "hf://meta/llama" },
                /weightsRevision: is missing: a branch \("main"\) or tag can point at other files/,
            ],
            [
                "a Hugging Face branch as the revision",
                { weightsSource: "hf://meta/llama", weightsRevision: "main" },
                /weightsRevision: "main" can move.*full 40-character commit SHA/,
            ],
            [
                "a staging role for a Hugging Face source",
                {
                    weightsSource: "hf://meta/llama",
                    weightsRevision: commit,
                    stagingRoleArn: "arn:aws:iam::1:role/r",
                },
                /stagingRoleArn: applies to s3:\/\/ sources only/,
            ],
            [
                "a revision on an S3 source",
                { weightsRevision: "abc" },
                /weightsRevision: applies to hf:\/\/ sources only/,
            ],
            ["weights of no size", { weightsSizeGiB: 0 }, /weightsSizeGiB: must be > 0 GiB, got 0/],
            [
                "an image by tag",
                { image: "registry/vllm:v0.6" },
                /image: "registry\/vllm:v0.6" is not pinned by digest/,
            ],
            [
                "a staging image by tag",
                { stagingImage: "amazon/aws-cli:latest" },
                /stagingImage: "amazon\/aws-cli:latest" is not pinned by digest/,
            ],
            [
                "a tensor parallel size that does not divide the GPUs",
                { gpusPerReplica: 4, tensorParallelSize: 3 },
                /tensorParallelSize: 3 must divide gpusPerReplica 4/,
            ],
            [
                "a cooldown below the cold start",
                { cooldownSeconds: 300 },
                /cooldownSeconds: 300 s is below the 594 s cold-start estimate/,
            ],
            [
                "a cooldown above the HPA limit",
                { cooldownSeconds: 7200 },
                /cooldownSeconds: 7200 s exceeds the autoscaler's 3600 s/,
            ],
            [
                "an unknown service type",
                { serviceType: "NodePort" },
                /serviceType: "NodePort" is not a service type; allowed: ClusterIP, InternalLoadBalancer, ExternalLoadBalancer/,
            ],
            [
                "an unknown load format",
                { loadFormat: "pt" },
                /loadFormat: "pt" is not supported; allowed: safetensors, runai_streamer, fastsafetensors/,
            ],
            [
                "a port out of range",
                { runtime: "custom", port: 70000 },
                /port: must be 1–65535, got 70000/,
            ],
            ["a port on the vllm preset", { port: 9000 }, /port: applies to runtime "custom" only/],
            [
                "a managed vLLM flag in extraArgs",
                { extraArgs: ["--port=9000"] },
                /extraArgs\[0\]: --port is set by ModelService/,
            ],
            [
                "a version that is not a path segment",
                { modelVersion: "../v1" },
                /modelVersion: "\.\.\/v1" must be 1–63 letters/,
            ],
            [
                "an HPA metric without a target",
                { runtime: "custom", hpaMetricName: "inflight" },
                /hpaMetricTarget: hpaMetricName and hpaMetricTarget go together/,
            ],
            [
                "zero minReplicas under an HPA",
                { runtime: "custom", minReplicas: 0 },
                /minReplicas: must be a whole number ≥ 1 for the custom runtime's HorizontalPodAutoscaler/,
            ],
            [
                "a user label that overrides a selector label",
                { labels: { "app.kubernetes.io/name": "x" } },
                /labels\["app.kubernetes.io\/name"\]: is set by ModelService/,
            ],
            [
                "an allowed namespace that is not DNS-1123",
                { allowedNamespaces: ["Gateway"] },
                /allowedNamespaces\[0\]: "Gateway" is not a DNS-1123 label/,
            ],
        ];
        for (const [what, args, pattern] of cases) {
            it(`rejects ${what} before registering anything`, async () => {
                await assertRejected(args, pattern);
            });
        }

        it("reports every problem in one InvalidInputsError", () => {
            assert.throws(
                () =>
                    new ModelService("llm", {
                        ...baseArgs,
                        modelName: "Bad",
                        runtime: "triton",
                        gpusPerReplica: 0,
                        weightsSizeGiB: -1,
                    }),
                (error: Error) => {
                    assert.ok(error instanceof InvalidInputsError);
                    assert.match(error.message, /^ModelService "llm" has 4 problems:/);
                    assert.deepEqual(
                        (error as InvalidInputsError).errors.map((e) => e.propertyPath),
                        ["modelName", "runtime", "weightsSizeGiB", "gpusPerReplica"],
                    );
                    return true;
                },
            );
        });
    });
});
