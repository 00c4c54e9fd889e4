import { Parsed, bool, dictionary, int, list, num, object, section, str } from "./schema";

/**
 * Every key a stack's `Pulumi.<stack>.yaml` may set under the `gpu-serving-infra:` namespace.
 * The README's config reference lists exactly these keys (a test keeps them in step).
 */

const gpuNodeGroup = object(
    {
        name: str({
            doc: "Group name (DNS-1123); pods select it through the `gpu-serving.io/gpu-group` label.",
        }),
        instanceTypes: list(str({ doc: "GPU EC2 instance type." }), {
            doc: "GPU instance types, e.g. `[g5.2xlarge]`.",
            minItems: 1,
        }),
        capacityType: str({
            doc: "`ON_DEMAND` or `SPOT`.",
            oneOf: ["ON_DEMAND", "SPOT"],
            default: "ON_DEMAND",
        }),
        minSize: int({ doc: "Fewest nodes.", min: 0, default: 0 }),
        desiredSize: int({
            doc: "Nodes at creation; the cluster-autoscaler owns it afterwards. Defaults to minSize.",
            min: 0,
            optional: true,
        }),
        maxSize: int({ doc: "Most nodes the autoscaler may run.", min: 1 }),
        rootVolumeSizeGiB: int({
            doc: "Root volume per node, GiB (images are 10–25 GB unpacked).",
            min: 50,
            default: 200,
        }),
        maxUnavailable: int({
            doc: "Nodes replaced at once during a node-group update.",
            min: 1,
            default: 1,
        }),
        labels: dictionary({ doc: "Extra node labels.", default: {} }),
    },
    { doc: "A GPU managed node group." },
);

const systemNodeGroup = section(
    {
        instanceTypes: list(str({ doc: "CPU EC2 instance type." }), {
            doc: "CPU instance types for system pods.",
            minItems: 1,
            default: ["m6i.large"],
        }),
        minSize: int({ doc: "Fewest system nodes.", min: 1, default: 2 }),
        desiredSize: int({ doc: "System nodes at creation.", min: 1, default: 2 }),
        maxSize: int({ doc: "Most system nodes.", min: 1, default: 3 }),
    },
    "The CPU node group for system pods (CoreDNS, Prometheus, KEDA, autoscaler).",
);

export const clusterSchema = object(
    {
        name: str({
            doc: "EKS cluster name (1–100 characters); defaults to `gpu-serving-<stack>`.",
            optional: true,
        }),
        kubernetesVersion: str({ doc: "EKS Kubernetes version.", default: "1.34" }),
        endpointPublicAccess: bool({
            doc: "Expose the API endpoint publicly (private access is always on).",
            default: false,
        }),
        publicAccessCidrs: list(str({ doc: "CIDR." }), {
            doc: "CIDRs allowed to the public endpoint; required when it is public.",
            default: [],
        }),
        adminPrincipalArns: list(str({ doc: "IAM ARN." }), {
            doc: "IAM principals granted cluster-admin through access entries.",
            default: [],
        }),
        systemNodeGroup,
        gpuNodeGroups: list(gpuNodeGroup, {
            doc: "GPU node groups (for `platform: existing`, the existing cluster's GPU groups, used by the capacity check).",
            minItems: 1,
        }),
        kubeconfigPath: str({
            doc: "`platform: existing` only: kubeconfig file of the cluster (defaults to $KUBECONFIG).",
            optional: true,
        }),
        kubeContext: str({ doc: "`platform: existing` only: kubeconfig context.", optional: true }),
    },
    { doc: "The Kubernetes cluster: created on EKS, or described when it exists." },
);

export const networkSchema = section(
    {
        cidrBlock: str({ doc: "VPC IPv4 CIDR.", default: "10.0.0.0/16" }),
        availabilityZoneCount: int({
            doc: "Availability zones to span (2 or 3).",
            min: 2,
            max: 3,
            default: 3,
        }),
        natGatewayPerAz: bool({
            doc: "One NAT gateway per AZ (true) or a single shared one (false, cheaper, one AZ's outage cuts egress).",
            default: true,
        }),
        existingVpcId: str({ doc: "Use this VPC instead of creating one.", optional: true }),
        existingPrivateSubnetIds: list(str({ doc: "Subnet id." }), {
            doc: "Private subnets of the existing VPC (≥ 2 AZs).",
            optional: true,
        }),
        existingPublicSubnetIds: list(str({ doc: "Subnet id." }), {
            doc: "Public subnets of the existing VPC.",
            optional: true,
        }),
    },
    "The VPC (platform eks only).",
);

export const modelStoreSchema = section(
    {
        throughputMode: str({
            doc: "EFS throughput mode.",
            oneOf: ["elastic", "bursting", "provisioned"],
            default: "elastic",
        }),
        backup: bool({ doc: "AWS Backup policy on the file system.", default: true }),
        readThroughputMiBps: num({
            doc: "Per-pod weights read rate assumed by the cold-start model, MiB/s (EFS Elastic allows ≤ 1,500 per client).",
            min: 1,
            max: 10000,
            default: 500,
        }),
        claimName: str({
            doc: "Name of the ReadWriteMany claim holding model weights.",
            default: "model-cache",
        }),
        hostPath: str({
            doc: "`platform: existing` only: back the claim with this node path through a static volume (local clusters without a storage driver).",
            optional: true,
        }),
        storageClassName: str({
            doc: "`platform: existing` only: storage class of the claim.",
            default: "models",
        }),
    },
    "Shared model storage.",
);

export const servingSchema = section(
    {
        namespace: str({ doc: "Namespace of the serving workloads.", default: "models" }),
        allowedNamespaces: list(str({ doc: "Namespace name." }), {
            doc: "Namespaces whose pods may call the model services.",
            default: [],
        }),
        serviceType: str({
            doc: "How model services are exposed.",
            oneOf: ["ClusterIP", "InternalLoadBalancer", "ExternalLoadBalancer"],
            default: "ClusterIP",
        }),
        monitoring: bool({
            doc: "Create ServiceMonitors (needs the prometheus-operator CRDs).",
            default: true,
        }),
        autoscaling: bool({
            doc: "Create KEDA ScaledObjects / HPAs (needs KEDA for vllm).",
            default: true,
        }),
    },
    "Settings shared by every model service.",
);

export const observabilitySchema = section(
    {
        enabled: bool({
            doc: "Install Prometheus, KEDA, the DCGM exporter and log shipping (platform eks).",
            default: true,
        }),
        logRetentionDays: int({ doc: "CloudWatch Logs retention, days.", min: 1, default: 30 }),
    },
    "Cluster monitoring, autoscaling and logs.",
);

const modelImage = object(
    {
        context: str({
            doc: "Docker build context (e.g. `images/vllm`); builds and pushes to ECR.",
            optional: true,
        }),
        dockerfile: str({ doc: "Dockerfile path inside the context.", optional: true }),
        repository: str({
            doc: "ECR repository name; defaults to `gpu-serving/<model name>`.",
            optional: true,
        }),
        buildArgs: dictionary({ doc: "Docker build arguments.", default: {} }),
        reference: str({
            doc: "An existing image by digest (`repo@sha256:…`) instead of a build.",
            optional: true,
        }),
    },
    { doc: "Where the serving image comes from: a build context or an existing digest." },
);

const modelWeights = object(
    {
        source: str({ doc: "`s3://bucket/prefix` or `hf://org/repo`." }),
        revision: str({ doc: "Hugging Face commit or tag (required for hf://).", optional: true }),
        sizeGiB: num({ doc: "Weights size, GiB (drives the cold-start budget).", min: 0.001 }),
    },
    { doc: "Model weights, staged once per version onto the shared claim." },
);

export const modelSchema = object(
    {
        name: str({ doc: "Model service name (DNS-1123 label)." }),
        runtime: str({ doc: "Serving runtime preset.", oneOf: ["vllm", "custom"] }),
        version: str({ doc: "Model version: image tag and weights directory." }),
        image: modelImage,
        weights: modelWeights,
        gpuGroup: str({ doc: "GPU node group to run on." }),
        gpusPerReplica: int({ doc: "GPUs per replica (≤ GPUs of one node).", min: 1, default: 1 }),
        minReplicas: int({ doc: "Fewest replicas.", min: 0, default: 1 }),
        maxReplicas: int({ doc: "Most replicas.", min: 1, default: 1 }),
        cpu: str({ doc: "CPU request per replica, e.g. `4`.", optional: true }),
        memoryGiB: num({ doc: "Memory request per replica, GiB.", min: 0.25, optional: true }),
        shmSizeGiB: num({
            doc: "`/dev/shm` size, GiB; derived from tensor parallelism when unset.",
            min: 0.0625,
            optional: true,
        }),
        loadFormat: str({
            doc: "vLLM weights loader.",
            oneOf: ["safetensors", "runai_streamer", "fastsafetensors"],
            optional: true,
        }),
        tensorParallelSize: int({
            doc: "vLLM tensor parallelism; defaults to gpusPerReplica.",
            min: 1,
            optional: true,
        }),
        maxModelLen: int({ doc: "vLLM maximum context length.", min: 1, optional: true }),
        port: int({ doc: "`custom` runtime: container port.", min: 1, max: 65535, optional: true }),
        healthPath: str({ doc: "`custom` runtime: liveness path.", optional: true }),
        readinessPath: str({ doc: "`custom` runtime: readiness path.", optional: true }),
        metricsPath: str({ doc: "`custom` runtime: Prometheus metrics path.", optional: true }),
        extraArgs: list(str({ doc: "Argument." }), { doc: "Extra server arguments.", default: [] }),
        queueDepthTarget: int({
            doc: "vLLM: waiting requests per replica that trigger a scale-out.",
            min: 1,
            optional: true,
        }),
        cooldownSeconds: int({
            doc: "Seconds before scaling in; at least the cold start.",
            min: 1,
            optional: true,
        }),
        warmupSeconds: int({
            doc: "Engine warm-up after weights load, seconds.",
            min: 0,
            optional: true,
        }),
        hpaCpuUtilization: int({
            doc: "`custom` runtime: target CPU utilisation, percent.",
            min: 1,
            max: 100,
            optional: true,
        }),
        serviceType: str({
            doc: "Overrides `serving.serviceType` for this model.",
            oneOf: ["ClusterIP", "InternalLoadBalancer", "ExternalLoadBalancer"],
            optional: true,
        }),
    },
    { doc: "A served model." },
);

export const stackConfigSchema = {
    platform: str({
        doc: "`eks` creates VPC, cluster and storage on AWS; `existing` deploys the serving half to the cluster in `cluster.kubeconfigPath`.",
        oneOf: ["eks", "existing"],
        default: "eks",
    }),
    protect: bool({
        doc: "Protect stateful resources (EFS, ECR, cluster) from deletion; keep true in production.",
        default: true,
    }),
    tags: dictionary({ doc: "Tags on every AWS resource.", default: {} }),
    network: networkSchema,
    cluster: clusterSchema,
    modelStore: modelStoreSchema,
    serving: servingSchema,
    observability: observabilitySchema,
    models: list(modelSchema, { doc: "The models to serve.", minItems: 1 }),
    apiKey: str({
        doc: "Secret: API key for every model service instead of a generated one (`pulumi config set --secret apiKey …`).",
        optional: true,
    }),
};

export type StackConfig = Parsed<typeof stackConfigSchema>;
export type ModelConfig = StackConfig["models"][number];
export type GpuNodeGroupConfig = StackConfig["cluster"]["gpuNodeGroups"][number];
