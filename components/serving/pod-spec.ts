import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gpuGroupLabel, gpuResourceName, gpuToleration } from "../plan/scheduling";
import {
    compileCacheEnv,
    compileCacheMount,
    compileCacheSubPath,
    compileCacheVolume,
} from "./compile-cache";
import { vllmArgs } from "./runtimes";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security";
import { customServerEnv, stagedMarker } from "./contract";
import { ServingSettings, modelsMountPath } from "./settings";
import { waitForWeightsScript } from "./staging-job";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Writable cache root for a read-only root filesystem (vLLM, Triton, torch.compile, Hugging Face). */
export const cacheMountPath = "/cache";

function serverEnv(s: ServingSettings): EnvVar[] {
    const apiKey: EnvVar = {
        name: s.apiKeyEnv,
        valueFrom: { secretKeyRef: { name: s.apiKeySecretName, key: s.apiKeySecretKey } },
    };
    const caches: EnvVar[] = [
        { name: "HOME", value: cacheMountPath },
        { name: "XDG_CACHE_HOME", value: cacheMountPath },
        { name: "XDG_CONFIG_HOME", value: `${cacheMountPath}/config` },
    ];
    if (s.runtime === "vllm") {
        return [
            apiKey,
            ...caches,
            { name: "HF_HOME", value: `${cacheMountPath}/huggingface` },
            // Weights are on the claim: a serving pod must never reach out to the Hub.
            { name: "HF_HUB_OFFLINE", value: "1" },
            { name: "VLLM_NO_USAGE_STATS", value: "1" },
            ...(usesCompileCache(s) ? [compileCacheEnv] : []),
        ];
    }
    // The custom runtime's contract (contract.ts): serve on PORT, load MODEL_DIR once the
    // staging marker is there, check API_KEY on inference routes.
    return [
        apiKey,
        ...caches,
        { name: customServerEnv.modelDir, value: s.modelDir },
        { name: customServerEnv.modelMarker, value: stagedMarker },
        { name: customServerEnv.modelName, value: s.modelName },
        { name: customServerEnv.port, value: String(s.port) },
    ];
}

function serverArgs(s: ServingSettings): string[] {
    if (s.runtime !== "vllm") return s.extraArgs;
    return vllmArgs({
        modelName: s.modelName,
        modelDir: s.modelPath,
        port: s.port,
        gpusPerReplica: s.gpusPerReplica,
        tensorParallelSize: s.tensorParallelSize,
        loadFormat: s.loadFormat,
        maxModelLen: s.maxModelLen,
        extraArgs: s.extraArgs,
    });
}

function serverContainer(s: ServingSettings): k8s.types.input.core.v1.Container {
    const gpus = String(s.gpusPerReplica);
    const httpGet = (path: string) => ({ path, port: "http" });
    return {
        name: "server",
        image: s.image,
        args: serverArgs(s),
        env: serverEnv(s),
        ports: [{ name: "http", containerPort: s.port, protocol: "TCP" }],
        resources: {
            requests: {
                cpu: s.cpu,
                memory: `${s.memoryGiB}Gi`,
                // Requested in full: the scheduler then keeps replicas off a node whose disk the
                // images have already filled.
                "ephemeral-storage": `${s.scratch.ephemeralStorage}Gi`,
                [gpuResourceName]: gpus,
            },
            // /dev/shm is tmpfs charged to this container's memory cgroup: the limit makes room for it.
            limits: {
                memory: `${s.memoryGiB + s.shmSizeGiB}Gi`,
                "ephemeral-storage": `${s.scratch.ephemeralStorage}Gi`,
                [gpuResourceName]: gpus,
            },
        },
        startupProbe: {
            httpGet: httpGet(s.healthPath),
            periodSeconds: s.startupProbe.periodSeconds,
            failureThreshold: s.startupProbe.failureThreshold,
            timeoutSeconds: 5,
        },
        readinessProbe: {
            httpGet: httpGet(s.readinessPath),
            periodSeconds: 5,
            failureThreshold: 3,
            timeoutSeconds: 5,
        },
        // Generous: a busy engine answers /health late, and a restart costs a full weights load.
        livenessProbe: {
            httpGet: httpGet(s.healthPath),
            periodSeconds: 15,
            failureThreshold: 4,
            timeoutSeconds: 10,
        },
        lifecycle: { preStop: { sleep: { seconds: s.drainSeconds } } },
        securityContext: restrictedContainerSecurityContext(s.readOnlyRootFilesystem),
        volumeMounts: [
            { name: "models", mountPath: modelsMountPath, readOnly: true },
            { name: "dshm", mountPath: "/dev/shm" },
            { name: "cache", mountPath: cacheMountPath },
            { name: "tmp", mountPath: "/tmp" },
            ...compileCacheMounts(s),
        ],
    };
}

function waitForWeightsContainer(s: ServingSettings): k8s.types.input.core.v1.Container {
    return {
        name: "wait-for-weights",
        // The staging image is small and has a shell; the serving image may be distroless.
        image: s.stagingImage,
        command: ["/bin/sh", "-c", waitForWeightsScript],
        env: [
            { name: "MODEL_DIR", value: s.modelDir },
            { name: "STAGING_JOB", value: s.stagingJobName },
        ],
        resources: {
            requests: { cpu: "10m", memory: "16Mi", "ephemeral-storage": "16Mi" },
            limits: { memory: "64Mi", "ephemeral-storage": "64Mi" },
        },
        securityContext: restrictedContainerSecurityContext(true),
        volumeMounts: [{ name: "models", mountPath: modelsMountPath, readOnly: true }],
    };
}

export function servingPodSpec(
    s: ServingSettings,
    serviceAccountName: string,
): k8s.types.input.core.v1.PodSpec {
    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable,
        labelSelector: { matchLabels: s.selectorLabels },
        // Spread each rollout's pods among themselves, not against the pods being replaced.
        matchLabelKeys: ["pod-template-hash"],
    });
    return {
        serviceAccountName,
        // The server never calls the Kubernetes API.
        automountServiceAccountToken: false,
        // A Service named like an env prefix the server reads breaks its configuration (a Service
        // "vllm" injects VLLM_PORT=tcp://…, which vLLM parses); nothing here uses service links.
        enableServiceLinks: false,
        terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                { key: gpuGroupLabel, operator: "In", values: [s.gpuGroup] },
                            ],
                        },
                    ],
                },
            },
        },
        tolerations: [{ ...gpuToleration }],
        topologySpreadConstraints: [
            // One replica per node where possible: a node failure takes one replica, not several.
            spread("kubernetes.io/hostname", "DoNotSchedule"),
            // Zones are preferred only: GPU capacity is often in one zone, and a hard rule would
            // strand pods Pending.
            spread("topology.kubernetes.io/zone", "ScheduleAnyway"),
        ],
        securityContext: restrictedPodSecurityContext,
        // A server that streams from S3 waits for nothing: no Job stages its weights.
        initContainers: s.streamsFromS3 ? [] : [waitForWeightsContainer(s)],
        containers: [serverContainer(s)],
        volumes: [
            {
                name: "models",
                persistentVolumeClaim: { claimName: s.modelClaimName, readOnly: true },
            },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${s.shmSizeGiB}Gi` } },
            { name: "cache", emptyDir: { sizeLimit: `${s.scratch.cache}Gi` } },
            { name: "tmp", emptyDir: { sizeLimit: `${s.scratch.tmp}Gi` } },
            // A writable subPath of the model claim, not an emptyDir: it must outlive the pod, and
            // it is counted against the claim, not the node's ephemeral-storage budget.
            ...(usesCompileCache(s) ? [compileCacheVolume(s.modelClaimName)] : []),
        ],
    };
}

function usesCompileCache(s: ServingSettings): boolean {
    return s.runtime === "vllm" && s.compileCacheGpuModel !== undefined;
}

/** The compile cache's directory on the claim, keyed by version, image digest and GPU model. */
function compileCacheMounts(s: ServingSettings): k8s.types.input.core.v1.VolumeMount[] {
    if (!usesCompileCache(s)) return [];
    const gpuModel = s.compileCacheGpuModel!;
    const subPath = pulumi
        .output(s.image)
        .apply((image) => compileCacheSubPath(s.modelName, s.modelVersion, image, gpuModel));
    return [compileCacheMount(subPath)];
}

export function deploymentSpec(
    s: ServingSettings,
    serviceAccountName: string,
): k8s.types.input.apps.v1.DeploymentSpec {
    return {
        replicas: s.minReplicas,
        revisionHistoryLimit: 5,
        // A new replica may need a new node, an image pull and the whole startup budget; the 600 s
        // default would mark a healthy rollout as failed (and Pulumi with it).
        progressDeadlineSeconds: Math.max(600, s.podReadySeconds),
        selector: { matchLabels: s.selectorLabels },
        // Never below the serving count, one extra replica at a time: a 100 % surge would need
        // twice the GPUs.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            metadata: { labels: s.labels },
            spec: servingPodSpec(s, serviceAccountName),
        },
    };
}
