import type * as pulumi from "@pulumi/pulumi";

/**
 * The input shape the serving plan checks and renders; ModelService's Args extend it. The type
 * parameter lets ModelServiceArgs name its nested type, which the package schema publishes.
 */
export interface ModelServiceInputs<Credentials extends S3CredentialsInputs = S3CredentialsInputs> {
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
    /** `s3://bucket/prefix` or `hf://org/repo` (gated repos: `huggingFaceToken`). */
    weightsSource: string;
    /** Hugging Face commit SHA (40 hex digits); required for hf:// (a branch or tag can move), refused for s3://. */
    weightsRevision?: string;
    /**
     * S3 API endpoint URL (`http(s)://host[:port]`) for s3:// sources outside AWS S3: MinIO, Ceph,
     * a local S3 API. The staging Job's AWS CLI sends its requests there (`AWS_ENDPOINT_URL_S3`).
     * @default AWS S3
     */
    weightsEndpoint?: string;
    /**
     * Static keys for `weightsEndpoint`, kept in a Secret the staging Job loads. Stores in AWS use
     * the ServiceAccount's IAM role (`serviceAccountRoleArn`) instead. @default none
     */
    weightsCredentials?: Credentials;
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
    /**
     * Read throughput of the staged copy for one pod, MiB/s. A server that streams from S3 (vLLM,
     * `runai_streamer`, s3:// source) reads no staged copy: its estimate and startup budget use the
     * Run:ai streamer's rate instead. @default 500 (EFS per client, not Elastic)
     */
    storageReadMiBps?: number;
    /** Engine warm-up after the weights are read, seconds. @default 195 (vllm), 30 (custom) */
    warmupSeconds?: number;
    /** Serving image size for the cold-start estimate, GiB. @default 12 (vllm), 10 (custom) */
    imageSizeGiB?: number;
    /** GPU node launch to Ready for the cold-start estimate, seconds. @default 120 (the top of the published 80–120 s) */
    nodeLaunchSeconds?: number;
    /**
     * How GPU nodes get the serving image, for the cold-start estimate: "none" (pulled), "ebs-snapshot"
     * (pre-pulled on the node's image volume) or "soci-parallel-pull". @default "none"
     */
    imageCache?: string;
    /**
     * GPU model of the group (e.g. "l40s"): keeps vLLM's compile cache on the claim under a key of model
     * version, image digest and this GPU model, so a restart skips most of the warm-up. vllm only. @default off
     */
    compileCacheGpuModel?: string;
    /**
     * vLLM `--load-format`: "safetensors", "runai_streamer" or "fastsafetensors" (the last two need
     * their extras in the image). "runai_streamer" with an s3:// source streams the weights from S3
     * at serve time: nothing is staged, and the server needs `serviceAccountRoleArn` and HTTPS out.
     * @default "safetensors"
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
    /**
     * IAM role (IRSA) of the serving ServiceAccount. Only for a server that streams its weights from
     * S3 (ModelWeightsAccess's `servingRoleArn`); a server reading the staged copy needs no AWS access.
     */
    serviceAccountRoleArn?: pulumi.Input<string>;
    /**
     * IAM role (IRSA) of the staging Job's own ServiceAccount, `<modelName>-staging`, for an s3://
     * source (ModelWeightsAccess's `stagingRoleArn`). @default none: the Job runs without AWS credentials
     */
    stagingRoleArn?: pulumi.Input<string>;
    /** Hugging Face token for a gated repository; held in a Secret only the staging Job mounts. */
    huggingFaceToken?: pulumi.Input<string>;
    /**
     * CIDRs allowed through a load balancer Service (`loadBalancerSourceRanges`); required for
     * "ExternalLoadBalancer", and "0.0.0.0/0" is refused. @default []
     */
    loadBalancerSourceRanges?: string[];
    /**
     * Subnets to place the load balancer in (`aws-load-balancer-subnets`); subnets that hold no
     * pods keep the NetworkPolicy's health-check rule from admitting any. @default the controller's
     * subnet discovery
     */
    loadBalancerSubnetIds?: pulumi.Input<string>[];
    /**
     * CIDRs of those subnets: an NLB in ip mode health-checks from its own addresses there, which
     * the server's NetworkPolicy must admit. @default []
     */
    loadBalancerSubnetCidrs?: pulumi.Input<string>[];
    /** ACM certificate ARN the NLB terminates TLS with; required for a load balancer. */
    tlsCertificateArn?: pulumi.Input<string>;
    /** Create a ServiceMonitor; false without the prometheus-operator CRDs. @default true */
    monitoring?: boolean;
    /** Create a KEDA ScaledObject (vllm) or an HPA (custom); false without KEDA. @default true */
    autoscaling?: boolean;
    /** Read-only root filesystem; caches go to emptyDirs at /cache and /tmp. @default true */
    readOnlyRootFilesystem?: boolean;
    /** Extra labels on every object (not the app.kubernetes.io keys the component sets). */
    labels?: Record<string, string>;
}

/** Static keys of an S3-compatible store, as the AWS CLI reads them. Secrets. */
export interface S3CredentialsInputs {
    /** `AWS_ACCESS_KEY_ID`. */
    accessKeyId: pulumi.Input<string>;
    /** `AWS_SECRET_ACCESS_KEY`. */
    secretAccessKey: pulumi.Input<string>;
}
