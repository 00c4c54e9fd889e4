import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceInputs } from "./model-service-types";
import { coldStartWithCuts, cutsFromSettings, weightsReadMiBps } from "../plan/cold-start-cuts";
import {
    ColdStartEstimate,
    ColdStartInput,
    StartupProbeBudget,
    defaultWarmupSeconds,
    efsPerClientReadMiBps,
    estimateColdStart,
    startupProbeBudget,
} from "../plan/cold-start";
import { modelsMountPath } from "./contract";
import {
    serverStreamsFromS3,
    servingModelPath,
    stagingServiceAccountName,
    WeightsPathInput,
} from "../plan/weights-access-plan";
import { defaultShmSizeGiB, runtimePresets, scratchSizesGiB } from "./runtimes";

export { modelsMountPath, stagedMarker } from "./contract";

/**
 * Example staging images pinned by digest (resolved from Docker Hub; re-resolve and pin your own
 * with `docker buildx imagetools inspect <image>:<tag>` before relying on them).
 */
export const defaultStagingImages: Readonly<Record<string, string>> = {
    s3: "docker.io/amazon/aws-cli@sha256:eb85b2c72442c9eab0bdbe608095b9b909bc2a7136924124d63fe0c03b2ec334",
    hf: "docker.io/library/python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea",
};

export const defaultPrometheusUrl = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";

/**
 * Seconds a Terminating pod keeps serving so routes to it are gone before the server stops: a
 * ClusterIP Service only waits for kube-proxy to drop the endpoint (seconds); an NLB in ip mode keeps
 * sending to a deregistering target for about two minutes (kubernetes-sigs/aws-load-balancer-controller
 * issues 3270 and 1834), so a LoadBalancer Service waits that long.
 */
export function drainSecondsFor(serviceType: string): number {
    return serviceType === "ClusterIP" ? 10 : 120;
}
/** Longest generation we let finish after SIGTERM, seconds: long completions run for minutes. */
export const inFlightRequestSeconds = 120;
/** Headroom between the end of the in-flight budget and the kubelet's SIGKILL, seconds. */
export const shutdownHeadroomSeconds = 15;

/** HPA's upper bound for stabilizationWindowSeconds (autoscaling/v2 HPAScalingRules). */
export const maxStabilizationWindowSeconds = 3600;

/** Everything the builders need, defaults applied. Plain values except the pulumi.Input fields. */
export interface ServingSettings {
    modelName: string;
    namespace: pulumi.Input<string>;
    image: pulumi.Input<string>;
    runtime: string;
    modelVersion: string;
    weightsScheme: "s3" | "hf";
    weightsSource: string;
    weightsRevision?: string;
    weightsSizeGiB: number;
    /** S3 API endpoint for the staging Job, when not AWS S3. */
    weightsEndpoint?: string;
    /** Secret holding static S3 keys for `weightsEndpoint`, when given. */
    weightsCredentialsSecretName?: string;
    modelClaimName: pulumi.Input<string>;
    /** GPU model the compile cache is keyed by; undefined leaves the cache off. */
    compileCacheGpuModel?: string;
    /** Directory of this model version on the claim, as mounted in pods. */
    modelDir: string;
    /** What the server loads: `modelDir`, or the `s3://` source it streams from. */
    modelPath: string;
    /** The server streams its weights from S3: nothing is staged, and it needs S3 on 443. */
    streamsFromS3: boolean;
    gpuGroup: string;
    gpusPerReplica: number;
    minReplicas: number;
    maxReplicas: number;
    cpu: string;
    memoryGiB: number;
    shmSizeGiB: number;
    /** `sizeLimit` of the `/cache` and `/tmp` emptyDirs and the server's ephemeral-storage, GiB. */
    scratch: { cache: number; tmp: number; ephemeralStorage: number };
    storageReadMiBps: number;
    warmupSeconds: number;
    imageSizeGiB: number;
    loadFormat: string;
    tensorParallelSize: number;
    maxModelLen?: number;
    port: number;
    healthPath: string;
    readinessPath: string;
    metricsPath: string;
    extraArgs: string[];
    apiKeyEnv: string;
    queueDepthTarget: number;
    cooldownSeconds: number;
    prometheusUrl: pulumi.Input<string>;
    hpaCpuUtilization?: number;
    hpaMetricName?: string;
    hpaMetricTarget?: number;
    serviceType: string;
    loadBalancerSourceRanges: string[];
    loadBalancerSubnetIds: pulumi.Input<string>[];
    loadBalancerSubnetCidrs: pulumi.Input<string>[];
    tlsCertificateArn?: pulumi.Input<string>;
    /** Port the load balancer listens on with TLS. */
    loadBalancerPort: number;
    allowedNamespaces: string[];
    monitoringNamespace: string;
    stagingImage: pulumi.Input<string>;
    serviceAccountRoleArn?: pulumi.Input<string>;
    stagingServiceAccountName: string;
    stagingRoleArn?: pulumi.Input<string>;
    /** Secret holding the Hugging Face token, when one is given. */
    huggingFaceTokenSecretName?: string;
    monitoring: boolean;
    autoscaling: boolean;
    readOnlyRootFilesystem: boolean;
    /** Labels on every object (user labels included). */
    labels: Record<string, string>;
    /** The immutable subset that Deployment, Service, PDB, NetworkPolicy and ServiceMonitor select on. */
    selectorLabels: Record<string, string>;
    apiKeySecretName: string;
    apiKeySecretKey: string;
    stagingJobName: string;
    coldStart: ColdStartEstimate;
    startupProbe: StartupProbeBudget;
    drainSeconds: number;
    /** drain + in-flight requests + headroom. */
    terminationGracePeriodSeconds: number;
    /** Longest a healthy new pod may take to become Ready: node launch, image pull, startup budget. */
    podReadySeconds: number;
}

/** Keys the component owns; user labels may not change them or the selectors would drift. */
export const reservedLabelKeys: readonly string[] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/component",
    "app.kubernetes.io/version",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
];

/** DNS-1123 label from a free-form version: lower case, runs of other characters become '-'. */
export function sanitizeForName(value: string): string {
    return value
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, "");
}

/**
 * `<modelName>-stage-<version>`: one Job per model version, so a new version stages next to the old
 * one while the old pods keep serving. A name over 63 characters (Jobs label their pods with their
 * name) is cut to 54 and ends in 8 hex digits of the version's SHA-256, so two long versions that
 * share a prefix still get two Jobs.
 */
export function stagingJobName(modelName: string, modelVersion: string): string {
    const name = `${modelName}-stage-${sanitizeForName(modelVersion)}`;
    if (name.length <= 63) return name;
    const hash = createHash("sha256").update(modelVersion).digest("hex").slice(0, 8);
    return `${name.slice(0, 54).replace(/-+$/, "")}-${hash}`;
}

/** The cold-start inputs shared by validation and settings; undefined-safe for a known runtime. */
function coldStartInput(args: ModelServiceInputs): ColdStartInput {
    const preset = runtimePresets[args.runtime];
    return {
        runtime: args.runtime,
        imageSizeGiB: args.imageSizeGiB ?? preset.imageSizeGiB,
        weightsSizeGiB: args.weightsSizeGiB,
        storageReadMiBps: args.storageReadMiBps ?? efsPerClientReadMiBps,
        warmupSeconds: args.warmupSeconds ?? defaultWarmupSeconds(args.runtime),
        nodeLaunchSeconds: args.nodeLaunchSeconds,
    };
}

/** What decides where the server reads its weights (`serverStreamsFromS3`). */
function weightsPathOf(args: ModelServiceInputs): WeightsPathInput {
    return {
        runtime: args.runtime,
        loadFormat: args.loadFormat,
        weightsSource: args.weightsSource,
        weightsEndpoint: args.weightsEndpoint,
    };
}

/** The cuts this model has: image cache, compile cache, and streaming from S3 when it streams. */
function cutsOf(args: ModelServiceInputs) {
    return cutsFromSettings({
        imageCache: args.imageCache,
        compileCache: args.compileCacheGpuModel !== undefined,
        weightsPath: weightsPathOf(args),
    });
}

/** A replica on a new node with the cuts this model has (image cache, compile cache, streaming). */
export function coldStartFor(args: ModelServiceInputs): ColdStartEstimate {
    return coldStartWithCuts(coldStartInput(args), cutsOf(args));
}

/** The same without the cuts: what a stale image cache or a compile-cache miss falls back to. */
export function uncutColdStartFor(args: ModelServiceInputs): ColdStartEstimate {
    return estimateColdStart(coldStartInput(args));
}

/** Default scale-down cooldown: never shorter than bringing a replica back costs, at least 5 minutes. */
export function defaultCooldownSeconds(coldStart: ColdStartEstimate): number {
    return Math.max(300, coldStart.totalSeconds);
}

/** Applies every default. Call only after `modelServiceProblems` found nothing. */
export function resolveServingSettings(args: ModelServiceInputs): ServingSettings {
    const weightsScheme = args.weightsSource.startsWith("hf://") ? "hf" : "s3";
    const serviceType = args.serviceType ?? "ClusterIP";
    const drainSeconds = drainSecondsFor(serviceType);
    return {
        modelName: args.modelName,
        namespace: args.namespace,
        image: args.image,
        runtime: args.runtime,
        modelVersion: args.modelVersion,
        weightsScheme,
        weightsSource: args.weightsSource,
        weightsRevision: args.weightsRevision,
        weightsSizeGiB: args.weightsSizeGiB,
        weightsEndpoint: args.weightsEndpoint,
        weightsCredentialsSecretName: args.weightsCredentials
            ? `${args.modelName}-weights-credentials`
            : undefined,
        modelClaimName: args.modelClaimName,
        ...weightsPathSettings(args),
        gpuGroup: args.gpuGroup,
        gpusPerReplica: args.gpusPerReplica,
        minReplicas: args.minReplicas,
        maxReplicas: args.maxReplicas,
        ...serverSettings(args),
        ...timingSettings(args),
        serviceType,
        ...exposureSettings(args),
        allowedNamespaces: args.allowedNamespaces ?? [],
        monitoringNamespace: args.monitoringNamespace ?? "monitoring",
        stagingImage: args.stagingImage ?? defaultStagingImages[weightsScheme],
        serviceAccountRoleArn: args.serviceAccountRoleArn,
        stagingServiceAccountName: stagingServiceAccountName(args.modelName),
        stagingRoleArn: args.stagingRoleArn,
        huggingFaceTokenSecretName:
            args.huggingFaceToken === undefined ? undefined : `${args.modelName}-hf-token`,
        monitoring: args.monitoring ?? true,
        autoscaling: args.autoscaling ?? true,
        readOnlyRootFilesystem: args.readOnlyRootFilesystem ?? true,
        compileCacheGpuModel: args.compileCacheGpuModel,
        ...labelSettings(args),
        apiKeySecretName: `${args.modelName}-api-key`,
        apiKeySecretKey: "api-key",
        stagingJobName: stagingJobName(args.modelName, args.modelVersion),
        drainSeconds,
        terminationGracePeriodSeconds:
            drainSeconds + inFlightRequestSeconds + shutdownHeadroomSeconds,
    };
}

/** Where the weights are staged, and whether the server reads them there or streams them from S3. */
function weightsPathSettings(args: ModelServiceInputs) {
    const modelDir = `${modelsMountPath}/${args.modelName}/${args.modelVersion}`;
    const modelPath = servingModelPath({ ...weightsPathOf(args), stagedDir: modelDir });
    return { modelDir, modelPath, streamsFromS3: serverStreamsFromS3(weightsPathOf(args)) };
}

/** Requests, the server's port, paths and flags, and the autoscaler's target, from the runtime preset. */
function serverSettings(args: ModelServiceInputs) {
    const preset = runtimePresets[args.runtime];
    const isVllm = args.runtime === "vllm";
    const tensorParallelSize = args.tensorParallelSize ?? args.gpusPerReplica;
    return {
        cpu: args.cpu ?? String(preset.cpuPerGpu * args.gpusPerReplica),
        memoryGiB: args.memoryGiB ?? preset.memoryGiBPerGpu * args.gpusPerReplica,
        shmSizeGiB: args.shmSizeGiB ?? defaultShmSizeGiB(args.runtime, tensorParallelSize),
        scratch: scratchSizesGiB(args.runtime, tensorParallelSize),
        imageSizeGiB: args.imageSizeGiB ?? preset.imageSizeGiB,
        loadFormat: args.loadFormat ?? "safetensors",
        tensorParallelSize,
        maxModelLen: args.maxModelLen,
        port: args.port ?? preset.port,
        healthPath: args.healthPath ?? preset.healthPath,
        readinessPath: args.readinessPath ?? args.healthPath ?? preset.readinessPath,
        metricsPath: args.metricsPath ?? preset.metricsPath,
        extraArgs: args.extraArgs ?? [],
        apiKeyEnv: preset.apiKeyEnv,
        queueDepthTarget: args.queueDepthTarget ?? 5,
        prometheusUrl: args.prometheusUrl ?? defaultPrometheusUrl,
        hpaCpuUtilization: isVllm
            ? undefined
            : (args.hpaCpuUtilization ?? (args.hpaMetricName ? undefined : 70)),
        hpaMetricName: args.hpaMetricName,
        hpaMetricTarget: args.hpaMetricTarget,
    };
}

/** Who reaches a load balancer, and over what. */
function exposureSettings(args: ModelServiceInputs) {
    return {
        loadBalancerSourceRanges: args.loadBalancerSourceRanges ?? [],
        loadBalancerSubnetIds: args.loadBalancerSubnetIds ?? [],
        loadBalancerSubnetCidrs: args.loadBalancerSubnetCidrs ?? [],
        tlsCertificateArn: args.tlsCertificateArn,
        loadBalancerPort: 443,
    };
}

/** The cold-start estimate and what follows from it: probe budget, readiness wait, cooldown. */
function timingSettings(args: ModelServiceInputs) {
    const storageReadMiBps = args.storageReadMiBps ?? efsPerClientReadMiBps;
    const warmupSeconds = args.warmupSeconds ?? defaultWarmupSeconds(args.runtime);
    const coldStart = coldStartFor(args);
    // The container reads its weights in the weights stage that runs: the staged copy at the
    // store's rate, or S3 through the streamer when the server streams (there is no slower path
    // to fall back to). The warm-up stays uncut: a new version or GPU model misses the cache.
    const startupProbe = startupProbeBudget({
        weightsSizeGiB: args.weightsSizeGiB,
        storageReadMiBps: weightsReadMiBps(cutsOf(args).weights, storageReadMiBps),
        warmupSeconds,
    });
    // The readiness wait stays on the uncut figures: an image newer than the node's snapshot is
    // pulled in full, and a new version or GPU model misses the compile cache.
    const byStage = Object.fromEntries(
        uncutColdStartFor(args).stages.map((stage) => [stage.name, stage.seconds]),
    );
    return {
        storageReadMiBps,
        warmupSeconds,
        cooldownSeconds: args.cooldownSeconds ?? defaultCooldownSeconds(coldStart),
        coldStart,
        startupProbe,
        podReadySeconds:
            byStage["gpu-node-launch"] + byStage["image-pull"] + startupProbe.budgetSeconds,
    };
}

/** Labels on every object, and the immutable subset selectors use. */
function labelSettings(args: ModelServiceInputs) {
    const selectorLabels = {
        "app.kubernetes.io/name": args.modelName,
        "app.kubernetes.io/component": "model-server",
    };
    return {
        labels: {
            ...args.labels,
            ...selectorLabels,
            "app.kubernetes.io/version": args.modelVersion,
            "app.kubernetes.io/part-of": "gpu-serving",
            "app.kubernetes.io/managed-by": "pulumi",
        },
        selectorLabels,
    };
}
