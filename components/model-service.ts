import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { horizontalPodAutoscalerSpec, scaledObjectSpec } from "./serving/autoscaling";
import { endpointUrl, networkPolicySpec, podDisruptionBudgetSpec, serviceAnnotations, serviceMonitorSpec, serviceSpec } from "./serving/exposure";
import { deploymentSpec } from "./serving/pod-spec";
import { ServingSettings, resolveServingSettings } from "./serving/settings";
import { stagingJobSpec, stagingLabels, stagingTimeoutSeconds } from "./serving/staging-job";
import { digestPinned, modelServiceProblems } from "./serving/validation";

export interface ModelServiceArgs {
    /** Name of the model: names every object, the served model name and the directory on the claim. DNS-1123 label starting with a letter. */
    modelName: string;
    /** Namespace to deploy into (it must exist). */
    namespace: pulumi.Input<string>;
    /** Serving image pinned by digest: `<repository>@sha256:<64 hex>` (e.g. ModelImage's `imageReference`). */
    image: pulumi.Input<string>;
    /** Serving runtime: "vllm" (vllm/vllm-openai preset) or "custom" (any HTTP server honouring PORT, MODEL_DIR, API_KEY). */
    runtime: string;
    /** Version of the weights; names the staging Job and the directory `/models/<modelName>/<modelVersion>/`. */
    modelVersion: string;
    /** Where the weights come from: `s3://bucket/prefix` or `hf://org/repo`. Gated Hugging Face repos read an optional Secret `hf-token` (key `token`). */
    weightsSource: string;
    /** Hugging Face commit or tag; required for hf:// (never an implicit main), not allowed for s3://. */
    weightsRevision?: string;
    /** Size of the weights, GiB; drives the startup budget and the cold-start estimate. */
    weightsSizeGiB: number;
    /** ReadWriteMany claim holding staged weights (ModelStore's `claimName`), in `namespace`. */
    modelClaimName: pulumi.Input<string>;
    /** GPU node group to run on (nodes labelled gpu-serving.io/gpu-group=<gpuGroup>). */
    gpuGroup: string;
    /** GPUs per replica (`nvidia.com/gpu` request and limit). */
    gpusPerReplica: number;
    /** Fewest replicas; also the Deployment's initial count. 0 lets KEDA scale the vllm runtime to zero. */
    minReplicas: number;
    /** Most replicas the autoscaler may run. */
    maxReplicas: number;
    /** CPU request, Kubernetes quantity. @default 3 per GPU for vllm, 2 per GPU for custom */
    cpu?: string;
    /** Memory request, GiB (the limit adds shmSizeGiB). @default 12 per GPU for vllm, 8 per GPU for custom */
    memoryGiB?: number;
    /**
     * Size of the memory-backed `/dev/shm`, GiB. vLLM's tensor-parallel workers talk through NCCL, which
     * uses shared memory within a node, and the runtime's default 64 MiB is too small for its buffers.
     * @default max(1, 2 × tensorParallelSize) for vllm, 1 for custom
     */
    shmSizeGiB?: number;
    /** Weights read throughput for one pod, MiB/s. @default 500 (EFS per-client limit outside Elastic throughput) */
    storageReadMiBps?: number;
    /** Engine warm-up after the weights are read, seconds. @default 195 for vllm, 30 for custom */
    warmupSeconds?: number;
    /** Serving image size for the cold-start estimate, GiB. @default 12 for vllm, 10 for custom */
    imageSizeGiB?: number;
    /** vLLM `--load-format`: "safetensors", "runai_streamer" or "fastsafetensors" (the last two need their extras in the image). @default "safetensors" */
    loadFormat?: string;
    /** vLLM `--tensor-parallel-size`; must divide gpusPerReplica (the rest become pipeline stages). @default gpusPerReplica */
    tensorParallelSize?: number;
    /** vLLM `--max-model-len`, tokens. @default the model's own */
    maxModelLen?: number;
    /** Port the custom server listens on. @default 8080 (vllm: fixed 8000) */
    port?: number;
    /** Liveness and startup probe path of the custom server. @default "/health" (vllm: "/health") */
    healthPath?: string;
    /** Readiness probe path of the custom server. @default healthPath (vllm: "/health") */
    readinessPath?: string;
    /** Prometheus metrics path of the custom server. @default "/metrics" (vllm: "/metrics") */
    metricsPath?: string;
    /** Extra server arguments, appended (vllm flags the component sets are rejected). @default [] */
    extraArgs?: string[];
    /** Waiting requests per replica that KEDA aims for (vllm). @default 5 */
    queueDepthTarget?: number;
    /** Scale-down stabilization, seconds; at least the cold-start estimate, at most 3600. @default max(300, cold-start estimate) */
    cooldownSeconds?: number;
    /** Prometheus KEDA queries (vllm). @default "http://kube-prometheus-stack-prometheus.monitoring.svc:9090" */
    prometheusUrl?: pulumi.Input<string>;
    /** Target CPU utilisation of the custom runtime's HPA, percent of the request. @default 70 unless hpaMetricName is set */
    hpaCpuUtilization?: number;
    /** Per-pod custom metric for the custom runtime's HPA (needs a metrics adapter); with hpaMetricTarget. */
    hpaMetricName?: string;
    /** Per-pod average target of hpaMetricName. */
    hpaMetricTarget?: number;
    /** "ClusterIP", "InternalLoadBalancer" or "ExternalLoadBalancer" (NLBs via the AWS Load Balancer Controller). @default "ClusterIP" */
    serviceType?: string;
    /** Namespaces (besides the model's own) allowed to call the server. @default [] */
    allowedNamespaces?: string[];
    /** Namespace of Prometheus, always allowed to scrape. @default "monitoring" */
    monitoringNamespace?: string;
    /** API key clients send as `Authorization: Bearer`. @default generated (40 letters and digits) */
    apiKey?: pulumi.Input<string>;
    /** Staging Job image by digest. @default example pinned amazon/aws-cli (s3) or python:3.12-slim (hf) digests; pin your own */
    stagingImage?: pulumi.Input<string>;
    /** IAM role for the ServiceAccount (IRSA) that may read the S3 weights. */
    serviceAccountRoleArn?: pulumi.Input<string>;
    /** Create a ServiceMonitor; false for clusters without the prometheus-operator CRDs. @default true */
    monitoring?: boolean;
    /** Create a KEDA ScaledObject (vllm) or HPA (custom); false for clusters without KEDA. @default true */
    autoscaling?: boolean;
    /** Read-only root filesystem for the server; caches go to emptyDirs at /cache and /tmp. @default true */
    readOnlyRootFilesystem?: boolean;
    /** Extra labels on every object. */
    labels?: Record<string, string>;
}

/**
 * One served model on GPU nodes: weights staged once onto the shared claim by a Job, a Deployment
 * that waits for them, an authenticated Service, disruption and network policy, queue-depth
 * autoscaling and metrics scraping.
 */
export class ModelService extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    /** In-cluster URL, `http://<service>.<namespace>.svc.cluster.local:<port>`. */
    public readonly endpoint: pulumi.Output<string>;
    public readonly apiKey: pulumi.Output<string>;
    /** startupProbe window: failureThreshold × periodSeconds, seconds. */
    public readonly startupBudgetSeconds: pulumi.Output<number>;
    /** Worst-case seconds from scale-up to serving on a new node. */
    public readonly coldStartSeconds: pulumi.Output<number>;
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
        const metadata = (objectName: string, annotations?: Record<string, pulumi.Input<string>>, labels = s.labels) => ({
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
                    s.serviceAccountRoleArn ? { "eks.amazonaws.com/role-arn": s.serviceAccountRoleArn } : undefined,
                ),
            },
            { parent: this },
        );
        const serviceAccountName = s.modelName;

        const apiKey = args.apiKey
            ? pulumi.secret(args.apiKey)
            : new random.RandomPassword(`${name}-generated-api-key`, { length: 40, special: false }, { parent: this }).result;
        const apiKeySecret = new k8s.core.v1.Secret(
            `${name}-api-key`,
            { metadata: metadata(s.apiKeySecretName), type: "Opaque", stringData: { [s.apiKeySecretKey]: apiKey } },
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
                // template for the same version must delete the old Job before creating the new one.
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
                // The autoscaler owns the replica count once it runs; Pulumi would reset it on every up.
                ignoreChanges: s.autoscaling ? ["spec.replicas"] : [],
                // Pulumi waits for ready replicas, 10 minutes by default: not enough for a cold GPU node.
                // A rollout replaces replicas one at a time.
                customTimeouts: {
                    create: `${rolloutSeconds}s`,
                    update: `${rolloutSeconds * Math.max(1, s.maxReplicas)}s`,
                },
            },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            { metadata: metadata(s.modelName, serviceAnnotations(s.serviceType)), spec: serviceSpec(s) },
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
                { metadata: metadata(s.modelName), spec: horizontalPodAutoscalerSpec(s, s.modelName) },
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
        this.startupBudgetSeconds = pulumi.output(s.startupProbe.failureThreshold * s.startupProbe.periodSeconds);
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
