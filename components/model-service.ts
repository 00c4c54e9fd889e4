import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { horizontalPodAutoscalerSpec, scaledObjectSpec } from "./serving/autoscaling";
import {
    endpointUrl,
    networkPolicySpec,
    podDisruptionBudgetSpec,
    serviceAnnotations,
    serviceMonitorSpec,
    serviceSpec,
} from "./serving/exposure";
import { deploymentSpec } from "./serving/pod-spec";
import { ServingSettings, resolveServingSettings } from "./serving/settings";
import { stagingJobSpec, stagingLabels, stagingTimeoutSeconds } from "./serving/staging-job";
import { digestPinned, modelServiceProblems } from "./serving/validation";

export interface ModelServiceArgs {
    /** Names every object, the served model and its directory on the claim. DNS-1035 label. */
    modelName: string;
    /** Namespace to deploy into (it must exist). */
    namespace: pulumi.Input<string>;
    /** Serving image by digest, `<repository>@sha256:<64 hex>` (ModelImage's `imageReference`). */
    image: pulumi.Input<string>;
    /** "vllm" (vllm/vllm-openai preset) or "custom" (HTTP server honouring PORT, MODEL_DIR, API_KEY). */
    runtime: string;
    /** Version of the weights: names the staging Job and `/models/<modelName>/<modelVersion>/`. */
    modelVersion: string;
    /**
     * `s3://bucket/prefix` or `hf://org/repo`. Gated Hugging Face repos read the optional Secret
     * `hf-token` (key `token`) in `namespace`.
     */
    weightsSource: string;
    /** Hugging Face commit or tag; required for hf:// (never an implicit main), refused for s3://. */
    weightsRevision?: string;
    /** Size of the weights, GiB; drives the startup budget and the cold-start estimate. */
    weightsSizeGiB: number;
    /** ReadWriteMany claim holding staged weights (ModelStore's `claimName`), in `namespace`. */
    modelClaimName: pulumi.Input<string>;
    /** GPU node group to run on (nodes labelled gpu-serving.io/gpu-group=<gpuGroup>). */
    gpuGroup: string;
    /** GPUs per replica (`nvidia.com/gpu` request and limit). */
    gpusPerReplica: number;
    /** Fewest replicas and the initial count; 0 lets KEDA scale the vllm runtime to zero. */
    minReplicas: number;
    /** Most replicas the autoscaler may run. */
    maxReplicas: number;
    /** CPU request, Kubernetes quantity. @default 3 per GPU for vllm, 2 per GPU for custom */
    cpu?: string;
    /** Memory request, GiB; the limit adds shmSizeGiB. @default 12 per GPU (vllm), 8 (custom) */
    memoryGiB?: number;
    /**
     * Memory-backed `/dev/shm`, GiB. vLLM's tensor-parallel workers talk through NCCL, which uses
     * shared memory within a node; the runtime's default 64 MiB is too small for its buffers.
     * @default max(1, 2 × tensorParallelSize) for vllm, 1 for custom
     */
    shmSizeGiB?: number;
    /** Weights read throughput for one pod, MiB/s. @default 500 (EFS per client, not Elastic) */
    storageReadMiBps?: number;
    /** Engine warm-up after the weights are read, seconds. @default 195 (vllm), 30 (custom) */
    warmupSeconds?: number;
    /** Serving image size for the cold-start estimate, GiB. @default 12 (vllm), 10 (custom) */
    imageSizeGiB?: number;
    /**
     * vLLM `--load-format`: "safetensors", "runai_streamer" or "fastsafetensors" (the last two need
     * their extras in the image). @default "safetensors"
     */
    loadFormat?: string;
    /** vLLM `--tensor-parallel-size`, dividing gpusPerReplica (rest: pipeline stages). @default all */
    tensorParallelSize?: number;
    /** vLLM `--max-model-len`, tokens. @default the model's own */
    maxModelLen?: number;
    /** Port of the custom server. @default 8080 (vllm: fixed 8000) */
    port?: number;
    /** Liveness and startup probe path of the custom server. @default "/health" (vllm: same) */
    healthPath?: string;
    /** Readiness probe path of the custom server. @default healthPath (vllm: "/health") */
    readinessPath?: string;
    /** Prometheus metrics path of the custom server. @default "/metrics" (vllm: same) */
    metricsPath?: string;
    /** Extra server arguments, appended; vllm flags the component sets are refused. @default [] */
    extraArgs?: string[];
    /** Waiting requests per replica that KEDA aims for (vllm). @default 5 */
    queueDepthTarget?: number;
    /** Scale-down stabilization, seconds, cold-start estimate to 3600. @default max(300, estimate) */
    cooldownSeconds?: number;
    /**
     * Prometheus that KEDA queries (vllm).
     * @default "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
     */
    prometheusUrl?: pulumi.Input<string>;
    /** Custom runtime HPA target, percent of the CPU request. @default 70 unless hpaMetricName */
    hpaCpuUtilization?: number;
    /** Per-pod metric for the custom runtime's HPA (needs a metrics adapter), with hpaMetricTarget. */
    hpaMetricName?: string;
    /** Per-pod average target of hpaMetricName. */
    hpaMetricTarget?: number;
    /**
     * "ClusterIP", "InternalLoadBalancer" or "ExternalLoadBalancer" (NLBs in ip mode through the
     * AWS Load Balancer Controller). @default "ClusterIP"
     */
    serviceType?: string;
    /** Namespaces besides the model's own that may call the server. @default [] */
    allowedNamespaces?: string[];
    /** Namespace of Prometheus, always allowed to scrape. @default "monitoring" */
    monitoringNamespace?: string;
    /** API key clients send as `Authorization: Bearer`. @default generated, 40 letters and digits */
    apiKey?: pulumi.Input<string>;
    /**
     * Staging Job image by digest. @default example digests of amazon/aws-cli (s3) or
     * python:3.12-slim (hf): pin your own
     */
    stagingImage?: pulumi.Input<string>;
    /** IAM role (IRSA) for the ServiceAccount, allowed to read the S3 weights. */
    serviceAccountRoleArn?: pulumi.Input<string>;
    /** Create a ServiceMonitor; false without the prometheus-operator CRDs. @default true */
    monitoring?: boolean;
    /** Create a KEDA ScaledObject (vllm) or an HPA (custom); false without KEDA. @default true */
    autoscaling?: boolean;
    /** Read-only root filesystem; caches go to emptyDirs at /cache and /tmp. @default true */
    readOnlyRootFilesystem?: boolean;
    /** Extra labels on every object (not the app.kubernetes.io keys the component sets). */
    labels?: Record<string, string>;
}

/**
 * One served model on GPU nodes: weights staged once onto the shared claim by a Job, a Deployment
 * that waits for them, an authenticated Service, disruption and network policy, queue-depth
 * autoscaling and metrics scraping.
 */
export class ModelService extends pulumi.ComponentResource {
    /** Name of the Kubernetes Service in front of the replicas. */
    public readonly serviceName: pulumi.Output<string>;
    /** In-cluster URL, `http://<service>.<namespace>.svc.cluster.local:<port>`. */
    public readonly endpoint: pulumi.Output<string>;
    /** API key clients send as a bearer token; secret. */
    public readonly apiKey: pulumi.Output<string>;
    /** startupProbe window: failureThreshold × periodSeconds, seconds. */
    public readonly startupBudgetSeconds: pulumi.Output<number>;
    /** Worst-case seconds from scale-up to serving on a new node. */
    public readonly coldStartSeconds: pulumi.Output<number>;
    /** Name of the serving Deployment. */
    public readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: ModelServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): a rejected component registers nothing, not even itself.
        modelServiceProblems(args).throwIfAny(`ModelService "${name}"`);
        super("gpu-serving:index:ModelService", name, {}, opts);
        const resolved = resolveServingSettings(args);
        // Plain strings were checked above; Outputs are checked once they resolve.
        const s: ServingSettings = {
            ...resolved,
            image: digestPinned(resolved.image, "image", this),
            stagingImage: digestPinned(resolved.stagingImage, "stagingImage", this),
        };
        const metadata = (
            objectName: string,
            annotations?: Record<string, pulumi.Input<string>>,
            labels = s.labels,
        ) => ({
            name: objectName,
            namespace: s.namespace,
            labels,
            annotations,
        });

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: metadata(
                    s.modelName,
                    s.serviceAccountRoleArn
                        ? { "eks.amazonaws.com/role-arn": s.serviceAccountRoleArn }
                        : undefined,
                ),
            },
            { parent: this },
        );
        const serviceAccountName = s.modelName;

        const apiKey = args.apiKey
            ? pulumi.secret(args.apiKey)
            : new random.RandomPassword(
                  `${name}-generated-api-key`,
                  { length: 40, special: false },
                  { parent: this },
              ).result;
        const apiKeySecret = new k8s.core.v1.Secret(
            `${name}-api-key`,
            {
                metadata: metadata(s.apiKeySecretName),
                type: "Opaque",
                stringData: { [s.apiKeySecretKey]: apiKey },
            },
            { parent: this },
        );

        const stagingTimeout = `${stagingTimeoutSeconds(s.weightsSizeGiB)}s`;
        const stagingJob = new k8s.batch.v1.Job(
            `${name}-stage`,
            {
                metadata: metadata(s.stagingJobName, undefined, stagingLabels(s)),
                spec: stagingJobSpec(s, serviceAccountName),
            },
            {
                parent: this,
                dependsOn: [serviceAccount],
                // A Job's pod template is immutable and its name is fixed per version: a changed
                // template for the same version must delete the old Job before creating the new.
                deleteBeforeReplace: true,
                customTimeouts: { create: stagingTimeout, update: stagingTimeout },
            },
        );

        const rolloutSeconds = s.podReadySeconds + 60;
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            { metadata: metadata(s.modelName), spec: deploymentSpec(s, serviceAccountName) },
            {
                parent: this,
                // Serving starts only once the weights are staged (the init container also waits).
                dependsOn: [stagingJob, apiKeySecret],
                // The autoscaler owns the replica count; Pulumi would reset it on every up.
                ignoreChanges: s.autoscaling ? ["spec.replicas"] : [],
                // Pulumi waits for ready replicas, 10 minutes by default: too short for a cold GPU
                // node. A rollout replaces replicas one at a time.
                customTimeouts: {
                    create: `${rolloutSeconds}s`,
                    update: `${rolloutSeconds * Math.max(1, s.maxReplicas)}s`,
                },
            },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: metadata(s.modelName, serviceAnnotations(s.serviceType)),
                spec: serviceSpec(s),
            },
            { parent: this },
        );

        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: metadata(s.modelName), spec: podDisruptionBudgetSpec(s) },
            { parent: this },
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            { metadata: metadata(s.modelName), spec: networkPolicySpec(s) },
            { parent: this },
        );

        if (s.autoscaling && s.runtime === "vllm") {
            new k8s.apiextensions.CustomResource(
                `${name}-scaled-object`,
                {
                    apiVersion: "keda.sh/v1alpha1",
                    kind: "ScaledObject",
                    metadata: metadata(s.modelName),
                    spec: scaledObjectSpec(s, s.modelName),
                },
                { parent: this, dependsOn: [deployment] },
            );
        } else if (s.autoscaling) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata: metadata(s.modelName),
                    spec: horizontalPodAutoscalerSpec(s, s.modelName),
                },
                { parent: this, dependsOn: [deployment] },
            );
        }

        if (s.monitoring) {
            new k8s.apiextensions.CustomResource(
                `${name}-service-monitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: metadata(s.modelName),
                    spec: serviceMonitorSpec(s),
                },
                { parent: this, dependsOn: [service] },
            );
        }

        this.serviceName = service.metadata.name;
        this.endpoint = pulumi
            .all([service.metadata.name, service.metadata.namespace])
            .apply(([svc, ns]) => endpointUrl(svc, ns, s.port));
        this.apiKey = pulumi.secret(apiKey);
        this.startupBudgetSeconds = pulumi.output(
            s.startupProbe.failureThreshold * s.startupProbe.periodSeconds,
        );
        this.coldStartSeconds = pulumi.output(s.coldStart.totalSeconds);
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({
            serviceName: this.serviceName,
            endpoint: this.endpoint,
            apiKey: this.apiKey,
            startupBudgetSeconds: this.startupBudgetSeconds,
            coldStartSeconds: this.coldStartSeconds,
            deploymentName: this.deploymentName,
        });
    }
}
