import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceInputs } from "./model-service-types";
import { dns1123LabelReason, isDns1123Label } from "../plan/names";
import { loadBalancerExposureProblems, revisionProblem } from "../plan/access-validation";
import { Problems, isKnown } from "../plan/problems";
import { servingModelPath } from "../plan/weights-access-plan";
import {
    flagOf,
    managedVllmFlags,
    runtimeNames,
    runtimePresets,
    vllmLoadFormats,
} from "./runtimes";
import { vllmApiKeyEnv } from "./contract";
import {
    coldStartFor,
    defaultCooldownSeconds,
    maxStabilizationWindowSeconds,
    reservedLabelKeys,
} from "./settings";

export const serviceTypes = ["ClusterIP", "InternalLoadBalancer", "ExternalLoadBalancer"] as const;

/** The server streams its s3:// source itself (Run:ai streamer), so no Job stages it. */
function streams(args: ModelServiceInputs): boolean {
    return (
        servingModelPath({
            runtime: args.runtime,
            loadFormat: args.loadFormat,
            weightsSource: args.weightsSource,
            weightsEndpoint: args.weightsEndpoint,
            stagedDir: "",
        }) === args.weightsSource
    );
}

/** `registry/repo@sha256:<64 hex>` (a tag before the digest is allowed and ignored by the runtime). */
export function isDigestReference(image: string): boolean {
    return /^[^\s@]+@sha256:[0-9a-f]{64}$/.test(image);
}

export function digestReason(image: string): string {
    return `"${image}" is not pinned by digest: use <repository>@sha256:<64 hex digits> so every node runs the same bytes`;
}

/**
 * `image` once it resolves, or a ResourceError naming `path` when it is not pinned by digest. Feeding
 * the result into a resource's inputs keeps that resource from being registered with a movable tag.
 */
export function digestPinned(
    image: pulumi.Input<string>,
    path: string,
    resource: pulumi.Resource | undefined,
): pulumi.Output<string> {
    return pulumi.output(image).apply((ref) => {
        if (!isDigestReference(ref))
            throw new pulumi.ResourceError(`${path}: ${digestReason(ref)}`, resource);
        return ref;
    });
}

const s3Source = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s'"`$\\]*)?$/;
const hfSource = /^hf:\/\/[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
/** A safe path segment that is also a label value: it names a directory on the claim and a Job. */
const versionPattern = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const labelValuePattern = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
/** Kubernetes CPU quantity: whole or decimal cores, or millicores. */
const cpuQuantity = /^([0-9]+(\.[0-9]+)?|[0-9]+m)$/;

function isPositive(value: number): boolean {
    return Number.isFinite(value) && value > 0;
}

function isWholeAtLeast(value: number, minimum: number): boolean {
    return Number.isInteger(value) && value >= minimum;
}

/** Every problem in ModelService args, each under its property path; nothing is registered before this runs. */
export function modelServiceProblems(args: ModelServiceInputs): Problems {
    const problems = new Problems();
    const runtimeOk = identityProblems(args, problems);
    const sizeOk = weightsProblems(args, problems);
    imageProblems(args, problems);
    const gpusOk = replicaProblems(args, problems);
    const warmupOk = resourceProblems(args, problems);
    runtimeOnlyProblems(args, runtimeOk, problems);
    serverProblems(args, gpusOk, problems);
    autoscalingProblems(args, problems);
    if (runtimeOk && sizeOk && warmupOk) cooldownProblems(args, problems);
    exposureProblems(args, problems);
    accessProblems(args, problems);
    return problems;
}

/** Names and runtime; true when the runtime is known (later checks depend on its preset). */
function identityProblems(args: ModelServiceInputs, problems: Problems): boolean {
    problems.expect(
        isDns1123Label(args.modelName) && /^[a-z]/.test(args.modelName),
        "modelName",
        `${dns1123LabelReason(args.modelName)}, and start with a letter (it names the Service, a DNS-1035 label)`,
    );
    if (isKnown(args.namespace)) {
        problems.expect(
            isDns1123Label(args.namespace),
            "namespace",
            dns1123LabelReason(args.namespace),
        );
    }
    const runtimeOk = problems.expect(
        (runtimeNames as readonly string[]).includes(args.runtime),
        "runtime",
        `"${args.runtime}" is not a runtime; allowed: ${runtimeNames.join(", ")}`,
    );
    problems.expect(
        versionPattern.test(args.modelVersion),
        "modelVersion",
        `"${args.modelVersion}" must be 1–63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit (it names a directory and a Job)`,
    );
    return runtimeOk;
}

/** Source, revision and size of the weights; true when the size is usable for the estimate. */
function weightsProblems(args: ModelServiceInputs, problems: Problems): boolean {
    const isHf = args.weightsSource.startsWith("hf://");
    problems.expect(
        s3Source.test(args.weightsSource) || hfSource.test(args.weightsSource),
        "weightsSource",
        `"${args.weightsSource}" must be s3://<bucket>[/<prefix>] or hf://<org>/<repo>`,
    );
    if (isHf) {
        const reason = revisionProblem(args.weightsRevision);
        if (reason) problems.add("weightsRevision", reason);
    } else if (args.weightsRevision !== undefined) {
        problems.add(
            "weightsRevision",
            "applies to hf:// sources only; S3 prefixes are versioned by their path",
        );
    }
    weightsEndpointProblems(args, isHf, problems);
    return problems.expect(
        isPositive(args.weightsSizeGiB),
        "weightsSizeGiB",
        `must be > 0 GiB, got ${args.weightsSizeGiB}`,
    );
}

/** An S3 endpoint override: an http(s) URL, for s3:// sources only; keys only with an endpoint. */
function weightsEndpointProblems(args: ModelServiceInputs, isHf: boolean, problems: Problems) {
    const endpoint = args.weightsEndpoint;
    if (endpoint !== undefined) {
        problems.expect(
            isHttpUrl(endpoint),
            "weightsEndpoint",
            `"${endpoint}" must be an http:// or https:// URL with a host, e.g. https://minio.internal:9000`,
        );
        if (isHf)
            problems.add("weightsEndpoint", "applies to s3:// sources only (hf:// reads the Hub)");
    }
    if (args.weightsCredentials !== undefined && endpoint === undefined)
        problems.add(
            "weightsCredentials",
            "is only used with weightsEndpoint; S3 in AWS is read with the ServiceAccount's IAM role (serviceAccountRoleArn)",
        );
}

function isHttpUrl(value: string): boolean {
    try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
        return false;
    }
}

function imageProblems(args: ModelServiceInputs, problems: Problems): void {
    if (isKnown(args.image))
        problems.expect(isDigestReference(args.image), "image", digestReason(args.image));
    if (isKnown(args.stagingImage)) {
        problems.expect(
            isDigestReference(args.stagingImage),
            "stagingImage",
            digestReason(args.stagingImage),
        );
    }
    problems.expect(
        labelValuePattern.test(args.gpuGroup),
        "gpuGroup",
        `"${args.gpuGroup}" is not a valid node label value (the gpu-serving.io/gpu-group label of the group's nodes)`,
    );
}

/** GPUs and replica bounds; true when gpusPerReplica is usable (tensor parallelism divides it). */
function replicaProblems(args: ModelServiceInputs, problems: Problems): boolean {
    const gpusOk = problems.expect(
        isWholeAtLeast(args.gpusPerReplica, 1),
        "gpusPerReplica",
        `must be a whole number ≥ 1, got ${args.gpusPerReplica}`,
    );
    const hpa = args.runtime !== "vllm" && (args.autoscaling ?? true);
    const minOk = problems.expect(
        isWholeAtLeast(args.minReplicas, hpa ? 1 : 0),
        "minReplicas",
        hpa
            ? `must be a whole number ≥ 1 for the custom runtime's HorizontalPodAutoscaler, got ${args.minReplicas}`
            : `must be a whole number ≥ 0, got ${args.minReplicas}`,
    );
    const maxOk = problems.expect(
        isWholeAtLeast(args.maxReplicas, 1),
        "maxReplicas",
        `must be a whole number ≥ 1, got ${args.maxReplicas}`,
    );
    if (minOk && maxOk) {
        problems.expect(
            args.minReplicas <= args.maxReplicas,
            "minReplicas",
            `${args.minReplicas} exceeds maxReplicas ${args.maxReplicas}`,
        );
    }
    return gpusOk;
}

/** Requests and cold-start inputs; true when warmupSeconds is usable for the estimate. */
function resourceProblems(args: ModelServiceInputs, problems: Problems): boolean {
    if (args.cpu !== undefined)
        problems.expect(
            cpuQuantity.test(args.cpu),
            "cpu",
            `"${args.cpu}" is not a CPU quantity such as "4" or "3500m"`,
        );
    for (const key of [
        "memoryGiB",
        "shmSizeGiB",
        "storageReadMiBps",
        "imageSizeGiB",
        "nodeLaunchSeconds",
    ] as const) {
        const value = args[key];
        if (value !== undefined)
            problems.expect(isPositive(value), key, `must be > 0, got ${value}`);
    }
    const warmupOk =
        args.warmupSeconds === undefined ||
        isPositive(args.warmupSeconds) ||
        args.warmupSeconds === 0;
    problems.expect(warmupOk, "warmupSeconds", `must be ≥ 0 seconds, got ${args.warmupSeconds}`);
    coldStartCutProblems(args, problems);
    return warmupOk;
}

const imageCaches = ["none", "ebs-snapshot", "soci-parallel-pull"];

/** The cold-start cuts: a known image cache, and a compile cache only where vLLM keeps one. */
function coldStartCutProblems(args: ModelServiceInputs, problems: Problems): void {
    if (args.imageCache !== undefined)
        problems.expect(
            imageCaches.includes(args.imageCache),
            "imageCache",
            `"${args.imageCache}" is not an image cache; use ${imageCaches.join(", ")}`,
        );
    if (args.compileCacheGpuModel !== undefined)
        problems.expect(
            args.runtime === "vllm",
            "compileCacheGpuModel",
            "is vLLM's torch.compile cache; the custom runtime has none",
        );
}

/** Keys that only one runtime reads, set for the other one. */
function runtimeOnlyProblems(args: ModelServiceInputs, runtimeOk: boolean, problems: Problems) {
    const onlyFor = (key: keyof ModelServiceInputs, runtime: string, why: string) => {
        if (args[key] !== undefined && runtimeOk && args.runtime !== runtime)
            problems.add(key, `applies to runtime "${runtime}" only (${why})`);
    };
    onlyFor("loadFormat", "vllm", "a vLLM flag");
    onlyFor("tensorParallelSize", "vllm", "a vLLM flag");
    onlyFor("maxModelLen", "vllm", "a vLLM flag");
    onlyFor("queueDepthTarget", "vllm", "KEDA scales on vLLM's queue metric");
    onlyFor("port", "custom", `the vllm preset serves on ${runtimePresets.vllm.port}`);
    onlyFor("healthPath", "custom", `the vllm preset probes ${runtimePresets.vllm.healthPath}`);
    onlyFor(
        "readinessPath",
        "custom",
        `the vllm preset probes ${runtimePresets.vllm.readinessPath}`,
    );
    onlyFor("metricsPath", "custom", `the vllm preset serves ${runtimePresets.vllm.metricsPath}`);
    onlyFor("hpaCpuUtilization", "custom", "vllm scales on queue depth with KEDA");
    onlyFor("hpaMetricName", "custom", "vllm scales on queue depth with KEDA");
    onlyFor("hpaMetricTarget", "custom", "vllm scales on queue depth with KEDA");
}

/** The server's own settings: vLLM flags, the custom server's port and paths, extra arguments. */
function serverProblems(args: ModelServiceInputs, gpusOk: boolean, problems: Problems): void {
    const isVllm = args.runtime === "vllm";
    if (args.loadFormat !== undefined && isVllm) {
        problems.expect(
            (vllmLoadFormats as readonly string[]).includes(args.loadFormat),
            "loadFormat",
            `"${args.loadFormat}" is not supported; allowed: ${vllmLoadFormats.join(", ")}`,
        );
    }
    if (args.tensorParallelSize !== undefined && isVllm && gpusOk) {
        problems.expect(
            isWholeAtLeast(args.tensorParallelSize, 1) &&
                args.gpusPerReplica % args.tensorParallelSize === 0,
            "tensorParallelSize",
            `${args.tensorParallelSize} must divide gpusPerReplica ${args.gpusPerReplica} (the rest become pipeline stages)`,
        );
    }
    if (args.maxModelLen !== undefined) {
        problems.expect(
            isWholeAtLeast(args.maxModelLen, 1),
            "maxModelLen",
            `must be a whole number of tokens ≥ 1, got ${args.maxModelLen}`,
        );
    }
    if (args.port !== undefined) {
        problems.expect(
            isWholeAtLeast(args.port, 1) && args.port <= 65535,
            "port",
            `must be 1–65535, got ${args.port}`,
        );
    }
    for (const key of ["healthPath", "readinessPath", "metricsPath"] as const) {
        const path = args[key];
        if (path !== undefined)
            problems.expect(
                /^\/\S*$/.test(path),
                key,
                `"${path}" must be an absolute URL path starting with '/'`,
            );
    }
    (args.extraArgs ?? []).forEach((arg, i) => {
        if (isVllm && flagOf(arg) === "--api-key") {
            problems.add(
                `extraArgs[${i}]`,
                `--api-key would put the key on the command line, where ps shows it; ModelService passes apiKey to vLLM as ${vllmApiKeyEnv}`,
            );
        } else if (isVllm && (managedVllmFlags as readonly string[]).includes(flagOf(arg))) {
            problems.add(
                `extraArgs[${i}]`,
                `${flagOf(arg)} is set by ModelService from its args; set that arg instead`,
            );
        }
    });
}

/** KEDA's queue target and the custom runtime's HPA metric. */
function autoscalingProblems(args: ModelServiceInputs, problems: Problems): void {
    if (args.queueDepthTarget !== undefined) {
        problems.expect(
            isPositive(args.queueDepthTarget),
            "queueDepthTarget",
            `must be > 0 waiting requests per replica, got ${args.queueDepthTarget}`,
        );
    }
    if (args.hpaCpuUtilization !== undefined) {
        problems.expect(
            isWholeAtLeast(args.hpaCpuUtilization, 1),
            "hpaCpuUtilization",
            `must be a whole percentage ≥ 1, got ${args.hpaCpuUtilization}`,
        );
    }
    if ((args.hpaMetricName === undefined) !== (args.hpaMetricTarget === undefined)) {
        problems.add(
            args.hpaMetricName === undefined ? "hpaMetricName" : "hpaMetricTarget",
            "hpaMetricName and hpaMetricTarget go together",
        );
    } else if (args.hpaMetricTarget !== undefined) {
        problems.expect(
            isPositive(args.hpaMetricTarget),
            "hpaMetricTarget",
            `must be > 0, got ${args.hpaMetricTarget}`,
        );
    }
}

/** The scale-down cooldown against the cold-start estimate; only once the estimate's inputs are valid. */
function cooldownProblems(args: ModelServiceInputs, problems: Problems): void {
    const estimateInputsOk = [args.storageReadMiBps, args.imageSizeGiB].every(
        (v) => v === undefined || isPositive(v),
    );
    if (!estimateInputsOk) return;
    const coldStart = coldStartFor(args);
    const cooldown = args.cooldownSeconds ?? defaultCooldownSeconds(coldStart);
    const given = args.cooldownSeconds === undefined ? "the default " : "";
    if (!Number.isInteger(cooldown)) {
        problems.add("cooldownSeconds", `must be whole seconds, got ${cooldown}`);
    } else if (cooldown < coldStart.totalSeconds) {
        problems.add(
            "cooldownSeconds",
            `${given}${cooldown} s is below the ${coldStart.totalSeconds} s cold-start estimate: scaling down would cost more than keeping the replica`,
        );
    } else if (cooldown > maxStabilizationWindowSeconds) {
        problems.add(
            "cooldownSeconds",
            `${given}${cooldown} s exceeds the autoscaler's ${maxStabilizationWindowSeconds} s stabilization window limit`,
        );
    }
}

/** Service type, who may call it, where Prometheus runs, and the labels the component owns. */
function exposureProblems(args: ModelServiceInputs, problems: Problems): void {
    if (args.serviceType !== undefined) {
        problems.expect(
            (serviceTypes as readonly string[]).includes(args.serviceType),
            "serviceType",
            `"${args.serviceType}" is not a service type; allowed: ${serviceTypes.join(", ")}`,
        );
    }
    (args.allowedNamespaces ?? []).forEach((ns, i) => {
        problems.expect(isDns1123Label(ns), `allowedNamespaces[${i}]`, dns1123LabelReason(ns));
    });
    if (args.monitoringNamespace !== undefined) {
        problems.expect(
            isDns1123Label(args.monitoringNamespace),
            "monitoringNamespace",
            dns1123LabelReason(args.monitoringNamespace),
        );
    }
    for (const key of Object.keys(args.labels ?? {})) {
        if (reservedLabelKeys.includes(key))
            problems.add(
                `labels["${key}"]`,
                "is set by ModelService (selectors and versioning depend on it)",
            );
    }
}

/** Load balancer TLS and source ranges, and credentials that only one kind of source uses. */
function accessProblems(args: ModelServiceInputs, problems: Problems): void {
    const certificate = args.tlsCertificateArn;
    const exposure = loadBalancerExposureProblems({
        serviceType: args.serviceType ?? "ClusterIP",
        sourceRanges: args.loadBalancerSourceRanges ?? [],
        // An Output is checked by the NLB controller once it resolves; only its presence here.
        tlsCertificateArn: isKnown(certificate) ? certificate : certificate && "unknown",
    });
    for (const { key, reason } of exposure) {
        if (key === "tlsCertificateArn" && certificate !== undefined && !isKnown(certificate))
            continue;
        problems.add(key.replace(/^sourceRanges/, "loadBalancerSourceRanges"), reason);
    }
    if (args.serviceType !== undefined && args.serviceType !== "ClusterIP")
        problems.expect(
            args.modelName.length <= 60,
            "modelName",
            `"${args.modelName}" is too long for a load balancer: its Service "<modelName>-lb" must fit 63 characters`,
        );
    const isS3 = args.weightsSource.startsWith("s3://");
    if (args.stagingRoleArn !== undefined && !isS3)
        problems.add("stagingRoleArn", "applies to s3:// sources only; the Hub needs no AWS role");
    if (args.stagingRoleArn !== undefined && isS3 && streams(args))
        problems.add(
            "stagingRoleArn",
            'nothing is staged: with loadFormat "runai_streamer" the server streams s3:// itself (give its role as serviceAccountRoleArn)',
        );
    if (args.huggingFaceToken !== undefined && isS3)
        problems.add("huggingFaceToken", "applies to hf:// sources only");
}
