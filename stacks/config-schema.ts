/**
 * Every key a stack's `Pulumi.<stack>.yaml` may set under the `gpu-serving-infra:` namespace, as a
 * valibot schema. The README's config reference and the editor JSON Schema
 * (schema/pulumi-stack.schema.json) are generated from it, and tests keep both in step.
 *
 * Why valibot rather than zod 4: both report every problem with its path, but valibot is the
 * smaller of the two by a wide margin (measured with valibot 1.5.0 and zod 4.6.7 on Node 20:
 * 2 files and 237 KiB loaded in about 10 ms, against 95 files and 987 KiB in about 65 ms; 1.9 MB
 * against 6.1 MB unpacked), and its `objectWithRest(…, never())` reports each unknown key as its
 * own issue under its own path, where zod folds them into one issue per object. Its JSON Schema
 * converter is the official @valibot/to-json-schema, a development dependency only.
 */
import * as v from "valibot";
import { networkDefaults } from "../components/plan/network-plan";

type Issue = v.BaseIssue<unknown>;
type Message = (issue: Issue) => string;
type AnySchema = v.GenericSchema;

/** What a key accepts, in words shared by its error messages and the README's config reference. */
export interface Accepts {
    kind: "integer" | "number" | "string" | "boolean" | "list" | "map" | "object";
    min?: number;
    max?: number;
    oneOf?: readonly string[];
    item?: Accepts;
}

export function describeAccepts(accepts: Accepts): string {
    const { kind, min, max, oneOf, item } = accepts;
    if (oneOf) return `one of ${oneOf.map((value) => `"${value}"`).join(", ")}`;
    if (kind === "boolean") return "true or false";
    if (kind === "map") return "a map of string to string";
    if (kind === "object") return "an object";
    if (kind === "list") return `a list of ${describeAccepts(item!).replace(/^an? /, "")}s`;
    if (kind === "string") return "a string";
    const range =
        min !== undefined && max !== undefined
            ? ` between ${min} and ${max}`
            : min !== undefined
              ? ` ≥ ${min}`
              : max !== undefined
                ? ` ≤ ${max}`
                : "";
    return `${kind === "integer" ? "an integer" : "a number"}${range}`;
}

/** YAML's spelling of the numbers JSON has none for, so the message shows what the user wrote. */
function describeNumber(value: number): string {
    if (Number.isNaN(value)) return ".nan";
    if (!Number.isFinite(value)) return value > 0 ? ".inf" : "-.inf";
    return String(value);
}

export function describeValue(value: unknown): string {
    if (typeof value === "number") return describeNumber(value);
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const nonFiniteText = /^[-+]?(\.inf|\.nan|infinity|nan)$/i;

function isNonFinite(value: unknown): boolean {
    if (typeof value === "number") return !Number.isFinite(value);
    return typeof value === "string" && nonFiniteText.test(value.trim());
}

/** The reason for a bad value of a key that accepts `accepts`. */
function reason(accepts: Accepts): Message {
    const expected = describeAccepts(accepts);
    const numeric = accepts.kind === "integer" || accepts.kind === "number";
    return (issue) => {
        if (issue.input === undefined) return `is required (${expected})`;
        if (numeric && isNonFinite(issue.input))
            return `must be a finite number (${expected}), got ${describeValue(issue.input)}`;
        return `must be ${expected}, got ${describeValue(issue.input)}`;
    };
}

/** What each required key accepts, for the "is required (…)" reason its parent object gives. */
const acceptsOf = new WeakMap<object, Accepts>();

function accepting<S extends AnySchema>(schema: S, accepts: Accepts): S {
    acceptsOf.set(schema, accepts);
    return schema;
}

// `pulumi config set` stores text: "8" and "false" arrive as strings. Only these exact spellings are
// read as numbers and booleans; anything else ("8x", "yes") is reported against the key.
const integerText = /^-?\d+$/;
const numberText = /^-?\d+(\.\d+)?$/;

interface NumberOptions {
    doc: string;
    min?: number;
    max?: number;
}

/** A pipe built from a list of checks; valibot's `pipe` types only fixed-length argument lists. */
function piped<I, O>(base: AnySchema, items: readonly unknown[]): v.GenericSchema<I, O> {
    return (v.pipe as unknown as (...args: unknown[]) => v.GenericSchema<I, O>)(base, ...items);
}

function numeric(
    kind: "integer" | "number",
    options: NumberOptions,
): v.GenericSchema<number | string, number> {
    const accepts: Accepts = { kind, min: options.min, max: options.max };
    const message = reason(accepts);
    const checks = [
        ...(kind === "integer" ? [v.integer(message)] : []),
        ...(options.min !== undefined ? [v.minValue(options.min, message)] : []),
        ...(options.max !== undefined ? [v.maxValue(options.max, message)] : []),
    ];
    const typed = piped(v.number(message), [v.finite(message), ...checks]);
    const textPattern = kind === "integer" ? integerText : numberText;
    const text = piped(v.string(message), [
        v.regex(textPattern, message),
        v.transform(Number),
        ...checks,
    ]);
    return accepting(
        v.pipe(v.union([typed, text], message), v.description(options.doc)),
        accepts,
    ) as v.GenericSchema<number | string, number>;
}

export const integer = (options: NumberOptions) => numeric("integer", options);
export const number = (options: NumberOptions) => numeric("number", options);

export function boolean(doc: string): v.GenericSchema<boolean | string, boolean> {
    const accepts: Accepts = { kind: "boolean" };
    const message = reason(accepts);
    const text = v.pipe(
        v.picklist(["true", "false"], message),
        v.transform((value) => value === "true"),
    );
    return accepting(
        v.pipe(v.union([v.boolean(message), text], message), v.description(doc)),
        accepts,
    );
}

export function string(doc: string): v.GenericSchema<string> {
    const accepts: Accepts = { kind: "string" };
    return accepting(v.pipe(v.string(reason(accepts)), v.description(doc)), accepts);
}

export function oneOf<const T extends readonly [string, ...string[]]>(
    options: T,
    doc: string,
): v.GenericSchema<T[number]> {
    const accepts: Accepts = { kind: "string", oneOf: options };
    return accepting(v.pipe(v.picklist(options, reason(accepts)), v.description(doc)), accepts);
}

export function list<S extends AnySchema>(
    item: S,
    doc: string,
    minItems?: number,
): v.GenericSchema<v.InferInput<S>[], v.InferOutput<S>[]> {
    const accepts: Accepts = { kind: "list", item: acceptsOf.get(item) };
    const length =
        minItems === undefined
            ? []
            : [
                  v.minLength(
                      minItems,
                      (issue: Issue) =>
                          `must have at least ${minItems} item(s), got ${(issue.input as unknown[]).length}`,
                  ),
              ];
    const array = v.array(item, reason(accepts));
    return accepting(piped(array, [...length, v.description(doc)]), accepts);
}

/**
 * valibot's object and record schemas take any `typeof "object"`, lists included (`tags: [a]` would
 * read as `{"0": "a"}`); a list where a map or an object belongs is reported as such instead.
 */
function rejectingLists<S extends AnySchema>(schema: S, accepts: Accepts): S {
    const list = v.custom<never>(() => false, reason(accepts));
    return v.lazy((input) => (Array.isArray(input) ? list : schema)) as unknown as S;
}

export function map(doc: string): v.GenericSchema<Record<string, string>> {
    const accepts: Accepts = { kind: "map" };
    const value = v.string((issue) => `must be a string, got ${describeValue(issue.input)}`);
    const schema = v.pipe(v.record(v.string(), value, reason(accepts)), v.description(doc));
    return accepting(rejectingLists(schema, accepts), accepts);
}

/** An object with exactly `entries`; each unknown key is reported under its own path. */
export function object<E extends v.ObjectEntries>(
    entries: E,
    doc: string,
): v.GenericSchema<
    v.InferInput<v.ObjectSchema<E, undefined>>,
    v.InferOutput<v.ObjectSchema<E, undefined>>
> {
    const accepts: Accepts = { kind: "object" };
    const typeReason = reason(accepts);
    const allowed = Object.keys(entries).join(", ");
    const unknownKey = v.never(() => `is not a known key; allowed keys: ${allowed}`);
    const schema = v.objectWithRest(entries, unknownKey, (issue) => {
        // A missing key is reported by its object, under the key's path.
        const key = issue.path?.[issue.path.length - 1]?.key;
        const entry = typeof key === "string" ? entries[key] : undefined;
        if (issue.input === undefined && entry && acceptsOf.has(entry))
            return `is required (${describeAccepts(acceptsOf.get(entry)!)})`;
        return typeReason(issue);
    });
    return accepting(rejectingLists(piped(schema, [v.description(doc)]), accepts), accepts);
}

/** A key that may be left out: it then reads as `fallback`, or stays undefined without one. */
export function optional<S extends AnySchema>(schema: S): v.OptionalSchema<S, undefined>;
export function optional<S extends AnySchema, D extends v.InferInput<S>>(
    schema: S,
    fallback: D,
): v.OptionalSchema<S, D>;
export function optional<S extends AnySchema>(schema: S, fallback?: v.InferInput<S>) {
    return v.optional(schema, fallback as never);
}

/**
 * A key the Network reads only when it creates the VPC. Its default is documented (README, editor
 * schema) but not filled in by the schema: beside `existingVpcId` a filled-in default would read as
 * a value the user set. parseStackConfig applies it once it knows the VPC is created.
 */
function createOnly<S extends AnySchema>(schema: S, fallback: v.InferOutput<S>) {
    return v.optional(v.pipe(schema, v.metadata({ default: fallback })));
}

// -- the stack config --

const gpuNodeGroup = object(
    {
        name: string(
            "Group name (DNS-1123); pods select it through the `gpu-serving.io/gpu-group` label.",
        ),
        instanceTypes: list(
            string("GPU EC2 instance type."),
            "GPU instance types, e.g. `[g5.2xlarge]`.",
            1,
        ),
        capacityType: optional(
            oneOf(
                ["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"],
                "`ON_DEMAND`, `SPOT` or `CAPACITY_BLOCK` (a Capacity Block for ML in `capacityReservationId`).",
            ),
            "ON_DEMAND",
        ),
        capacityReservationId: optional(
            string(
                "On-demand Capacity Reservation or Capacity Block (`cr-…`) the group launches into.",
            ),
        ),
        minSize: optional(integer({ doc: "Fewest nodes.", min: 0 }), 0),
        desiredSize: optional(
            integer({
                doc: "Nodes at creation; the cluster-autoscaler owns it afterwards. Defaults to minSize.",
                min: 0,
            }),
        ),
        maxSize: integer({ doc: "Most nodes the autoscaler may run.", min: 1 }),
        rootVolumeSizeGiB: optional(
            integer({ doc: "Root volume per node, GiB (images are 10–25 GB unpacked).", min: 50 }),
            200,
        ),
        maxUnavailable: optional(
            integer({ doc: "Nodes replaced at once during a node-group update.", min: 1 }),
            1,
        ),
        labels: optional(map("Extra node labels."), {}),
    },
    "A GPU managed node group.",
);

const businessHours = object(
    {
        days: string("Cron day-of-week field, e.g. `mon-fri`."),
        startHourUtc: integer({ doc: "First hour of the window, UTC.", min: 0, max: 23 }),
        hours: integer({ doc: "Length of the window, hours.", min: 1, max: 24 }),
    },
    "When busy serving nodes stay put: no consolidation of underused nodes, no drift replacement (empty nodes still go).",
);

const gpuNodePool = object(
    {
        name: string(
            "Group name (DNS-1123); pods select it through the `gpu-serving.io/gpu-group` label.",
        ),
        instanceFamilies: list(
            string("GPU instance family."),
            "Instance families Karpenter may launch, e.g. `[g6e, g6]`.",
            1,
        ),
        minInstanceGeneration: optional(
            integer({ doc: "Oldest instance generation (g5 is 5, g6e is 6).", min: 1 }),
        ),
        maxGpusPerNode: optional(
            integer({ doc: "Largest node in GPUs (1: single-GPU sizes only).", min: 1, max: 8 }),
        ),
        capacityTypes: optional(
            list(
                oneOf(["reserved", "on-demand", "spot"], "Capacity type."),
                "Capacity types; Karpenter uses reservations first, then the cheapest offering.",
                1,
            ),
            ["on-demand"],
        ),
        gpuLimit: integer({
            doc: "Most GPUs the pool's nodes may hold together (`limits.nvidia.com/gpu`).",
            min: 1,
        }),
        consolidateAfterSeconds: optional(
            integer({
                doc: "Idle seconds before a node is consolidated; at least the new-node cold start of the group's models, which is the default.",
                min: 0,
            }),
        ),
        businessHours: optional(businessHours),
        expireAfterHours: optional(
            integer({ doc: "Node lifetime before replacement (new AMIs), hours.", min: 1 }),
            720,
        ),
        labels: optional(map("Extra node labels."), {}),
        rootVolumeSizeGiB: optional(
            integer({ doc: "OS volume, GiB (default 50 on AL2023, 4 on Bottlerocket).", min: 4 }),
        ),
        dataVolumeSizeGiB: optional(
            integer({
                doc: "Image volume, GiB (images are 10–25 GB unpacked); defaults to 200.",
                min: 50,
            }),
        ),
        imageCacheSnapshotId: optional(
            string(
                "EBS snapshot (`snap-…`) with the serving images pre-pulled, restored as the image volume.",
            ),
        ),
        capacityReservationIds: optional(
            list(
                string("Capacity reservation id (`cr-…`)."),
                "On-demand Capacity Reservations or Capacity Blocks to launch into (capacity type `reserved`).",
            ),
            [],
        ),
        warmHeadroomGpus: optional(
            integer({
                doc: "Spare GPUs held by low-priority placeholder pods, so a scale-out starts on a running node.",
                min: 0,
            }),
            0,
        ),
        nodeLaunchSeconds: optional(
            integer({
                doc: "GPU node launch to Ready for the cold-start estimate, seconds (default 120, the top of the published 80–120 s).",
                min: 1,
            }),
        ),
    },
    "A GPU group Karpenter scales with a NodePool.",
);

const nodeClassRef = object(
    {
        group: string("API group, e.g. `karpenter.kwok.sh`."),
        kind: string("Kind, e.g. `KWOKNodeClass`."),
        name: string("Name of the node class."),
    },
    "`platform: existing` only: the node class the NodePools launch from.",
);

const karpenter = object(
    {
        amiFamily: optional(
            oneOf(["AL2023", "Bottlerocket"], "AMI family of the GPU nodes (NVIDIA variant)."),
            "AL2023",
        ),
        amiVersion: optional(
            string("AMI alias version, e.g. `v20251120`; `latest` follows new AMIs."),
            "latest",
        ),
        nodeClass: optional(nodeClassRef),
    },
    "Karpenter settings (capacity engine `karpenter`).",
);

const systemNodeGroup = object(
    {
        instanceTypes: optional(
            list(string("CPU EC2 instance type."), "CPU instance types for system pods.", 1),
            ["m6i.large"],
        ),
        minSize: optional(integer({ doc: "Fewest system nodes.", min: 1 }), 2),
        desiredSize: optional(integer({ doc: "System nodes at creation.", min: 1 }), 2),
        maxSize: optional(integer({ doc: "Most system nodes.", min: 1 }), 3),
    },
    "The CPU node group for system pods (CoreDNS, Prometheus, KEDA, autoscaler).",
);

export const clusterSchema = object(
    {
        name: optional(
            string("EKS cluster name (1–100 characters); defaults to `gpu-serving-<stack>`."),
        ),
        kubernetesVersion: optional(string("EKS Kubernetes version."), "1.34"),
        endpointPublicAccess: optional(
            boolean("Expose the API endpoint publicly (private access is always on)."),
            false,
        ),
        publicAccessCidrs: optional(
            list(
                string("CIDR."),
                "CIDRs allowed to the public endpoint; required when it is public.",
            ),
            [],
        ),
        adminPrincipalArns: optional(
            list(
                string("IAM ARN."),
                "IAM principals granted cluster-admin through access entries.",
            ),
            [],
        ),
        systemNodeGroup: optional(systemNodeGroup, {}),
        capacityEngine: optional(
            oneOf(
                ["node-groups", "karpenter"],
                "GPU capacity engine: managed node groups and the cluster-autoscaler, or Karpenter NodePools.",
            ),
            "node-groups",
        ),
        gpuNodeGroups: optional(
            list(
                gpuNodeGroup,
                "GPU node groups (capacity engine `node-groups`; for `platform: existing`, the cluster's static GPU nodes, used by the capacity check).",
            ),
            [],
        ),
        gpuNodePools: optional(
            list(gpuNodePool, "GPU NodePools (capacity engine `karpenter`)."),
            [],
        ),
        karpenter: optional(karpenter, {}),
        kubeconfigPath: optional(
            string(
                "`platform: existing` only: kubeconfig file of the cluster (defaults to $KUBECONFIG).",
            ),
        ),
        kubeContext: optional(string("`platform: existing` only: kubeconfig context.")),
    },
    "The Kubernetes cluster: created on EKS, or described when it exists.",
);

export const networkSchema = object(
    {
        cidrBlock: createOnly(
            string("VPC IPv4 CIDR; only when the VPC is created."),
            networkDefaults.cidrBlock,
        ),
        availabilityZoneCount: createOnly(
            integer({
                doc: "Availability zones to span (2 or 3); only when the VPC is created.",
                min: 2,
                max: 3,
            }),
            networkDefaults.availabilityZoneCount,
        ),
        natGatewayPerAz: createOnly(
            boolean(
                "One NAT gateway per AZ (true) or a single shared one (false, cheaper, one AZ's outage cuts egress); only when the VPC is created.",
            ),
            networkDefaults.natGatewayPerAz,
        ),
        existingVpcId: optional(string("Use this VPC instead of creating one.")),
        existingPrivateSubnetIds: optional(
            list(string("Subnet id."), "Private subnets of the existing VPC (≥ 2 AZs)."),
        ),
        existingPublicSubnetIds: optional(
            list(string("Subnet id."), "Public subnets of the existing VPC."),
        ),
        flowLogs: optional(
            boolean("VPC flow logs of every accepted and rejected flow, into CloudWatch Logs."),
            true,
        ),
        flowLogRetentionDays: optional(
            integer({
                doc: "Days CloudWatch keeps the flow logs; one of the retentions CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …).",
                min: 1,
            }),
            90,
        ),
    },
    "The VPC (platform eks only).",
);

export const modelStoreSchema = object(
    {
        throughputMode: optional(
            oneOf(["elastic", "bursting", "provisioned"], "EFS throughput mode."),
            "elastic",
        ),
        backup: optional(boolean("AWS Backup policy on the file system."), true),
        readThroughputMiBps: optional(
            number({
                doc: "Per-pod weights read rate assumed by the cold-start model, MiB/s (EFS Elastic allows ≤ 1,500 per client).",
                min: 1,
                max: 10000,
            }),
            500,
        ),
        claimName: optional(
            string("Name of the ReadWriteMany claim holding model weights."),
            "model-cache",
        ),
        hostPath: optional(
            string(
                "`platform: existing` only: back the claim with this node path through a static volume (local clusters without a storage driver).",
            ),
        ),
        storageClassName: optional(
            string("`platform: existing` only: storage class of the claim."),
            "models",
        ),
    },
    "Shared model storage.",
);

const serviceTypes = ["ClusterIP", "InternalLoadBalancer", "ExternalLoadBalancer"] as const;

export const servingSchema = object(
    {
        namespace: optional(string("Namespace of the serving workloads."), "models"),
        allowedNamespaces: optional(
            list(string("Namespace name."), "Namespaces whose pods may call the model services."),
            [],
        ),
        serviceType: optional(oneOf(serviceTypes, "How model services are exposed."), "ClusterIP"),
        loadBalancerSourceRanges: optional(
            list(
                string("Client CIDR."),
                "CIDRs allowed through the load balancers (required for `ExternalLoadBalancer`; `0.0.0.0/0` is refused).",
            ),
            [],
        ),
        tlsCertificateArn: optional(
            string(
                "ACM certificate ARN the load balancers terminate TLS with (required for either load balancer type).",
            ),
        ),
        monitoring: optional(
            boolean("Create ServiceMonitors (needs the prometheus-operator CRDs)."),
            true,
        ),
        autoscaling: optional(
            boolean("Create KEDA ScaledObjects / HPAs (needs KEDA for vllm)."),
            true,
        ),
        stagingImage: optional(
            string(
                "Weights-staging image by digest (`repo@sha256:…`) with the AWS CLI and Python, e.g. built from `images/staging`; defaults to public amazon/aws-cli (s3://) or python:3.12-slim (hf://) digests.",
            ),
        ),
    },
    "Settings shared by every model service.",
);

export const observabilitySchema = object(
    {
        enabled: optional(
            boolean("Install Prometheus, KEDA, the DCGM exporter and log shipping (platform eks)."),
            true,
        ),
        logRetentionDays: optional(
            integer({ doc: "CloudWatch Logs retention, days.", min: 1 }),
            30,
        ),
    },
    "Cluster monitoring, autoscaling and logs.",
);

export const coldStartSchema = object(
    {
        imageCache: optional(
            oneOf(
                ["none", "ebs-snapshot", "soci-parallel-pull"],
                "How GPU nodes get the serving images: pulled, pre-pulled on an EBS snapshot volume (each NodePool's `imageCacheSnapshotId`), or SOCI parallel pull.",
            ),
            "none",
        ),
        weightsReadMiBps: optional(
            number({
                doc: "Per-pod read rate of a staged copy on EFS, MiB/s (≤ 1,500, Elastic's per-client ceiling), for the cold-start estimate and startup budget; replaces `modelStore.readThroughputMiBps`. A server that streams from S3 (`loadFormat: runai_streamer`, s3:// source) reads no staged copy and is estimated at the Run:ai streamer's rate instead.",
                min: 1,
                max: 1500,
            }),
        ),
        compileCache: optional(
            boolean(
                "Keep vLLM's compile cache on the shared claim, keyed by model version, image digest and GPU model.",
            ),
            false,
        ),
    },
    "Cold-start cuts; the plan report shows each stage before and after them.",
);

const coldStartTargets = object(
    {
        newNodeSeconds: optional(
            integer({ doc: "Target for a replica on a new GPU node, seconds.", min: 1 }),
        ),
        warmRestartSeconds: optional(
            integer({ doc: "Target for a restart on a warm node, seconds.", min: 1 }),
        ),
    },
    "Cold-start targets the plan report checks the estimates against.",
);

const modelImage = object(
    {
        context: optional(
            string("Docker build context (e.g. `images/vllm`); builds and pushes to ECR."),
        ),
        dockerfile: optional(string("Dockerfile path inside the context.")),
        repository: optional(
            string("ECR repository name; defaults to `gpu-serving/<model name>`."),
        ),
        buildArgs: optional(map("Docker build arguments."), {}),
        reference: optional(
            string("An existing image by digest (`repo@sha256:…`) instead of a build."),
        ),
    },
    "Where the serving image comes from: a build context or an existing digest.",
);

const modelWeights = object(
    {
        source: string("`s3://bucket/prefix` or `hf://org/repo`."),
        revision: optional(
            string(
                "Hugging Face commit SHA, 40 hex digits (required for hf://; a branch or tag can move).",
            ),
        ),
        kmsKeyArn: optional(
            string(
                "s3:// only: KMS key ARN the objects are encrypted with (SSE-KMS); the staging role may decrypt with it through S3.",
            ),
        ),
        sizeGiB: number({ doc: "Weights size, GiB (drives the cold-start budget).", min: 0.001 }),
        endpoint: optional(
            string(
                "S3 API endpoint URL (`http(s)://host[:port]`) for s3:// sources outside AWS S3 (MinIO, Ceph, a local S3 API); the staging Job's AWS CLI sends its requests there.",
            ),
        ),
    },
    "Model weights, staged once per version onto the shared claim.",
);

export const modelSchema = object(
    {
        name: string("Model service name (DNS-1123 label)."),
        runtime: oneOf(["vllm", "custom"], "Serving runtime preset."),
        version: string("Model version: image tag and weights directory."),
        image: modelImage,
        weights: modelWeights,
        gpuGroup: string("GPU node group to run on."),
        gpusPerReplica: optional(
            integer({ doc: "GPUs per replica (≤ GPUs of one node).", min: 1 }),
            1,
        ),
        minReplicas: optional(integer({ doc: "Fewest replicas.", min: 0 }), 1),
        maxReplicas: optional(integer({ doc: "Most replicas.", min: 1 }), 1),
        cpu: optional(string("CPU request per replica, e.g. `4`.")),
        memoryGiB: optional(number({ doc: "Memory request per replica, GiB.", min: 0.25 })),
        shmSizeGiB: optional(
            number({
                doc: "`/dev/shm` size, GiB; derived from tensor parallelism when unset.",
                min: 0.0625,
            }),
        ),
        loadFormat: optional(
            oneOf(
                ["safetensors", "runai_streamer", "fastsafetensors"],
                "vLLM weights loader. `runai_streamer` with an s3:// source streams the weights from S3 at serve time: no staging Job, and the server gets the read role and HTTPS egress instead.",
            ),
        ),
        tensorParallelSize: optional(
            integer({ doc: "vLLM tensor parallelism; defaults to gpusPerReplica.", min: 1 }),
        ),
        maxModelLen: optional(integer({ doc: "vLLM maximum context length.", min: 1 })),
        port: optional(integer({ doc: "`custom` runtime: container port.", min: 1, max: 65535 })),
        healthPath: optional(string("`custom` runtime: liveness path.")),
        readinessPath: optional(string("`custom` runtime: readiness path.")),
        metricsPath: optional(string("`custom` runtime: Prometheus metrics path.")),
        extraArgs: optional(list(string("Argument."), "Extra server arguments."), []),
        queueDepthTarget: optional(
            integer({
                doc: "vLLM: waiting requests per replica that trigger a scale-out.",
                min: 1,
            }),
        ),
        cooldownSeconds: optional(
            integer({ doc: "Seconds before scaling in; at least the cold start.", min: 1 }),
        ),
        warmupSeconds: optional(
            integer({ doc: "Engine warm-up after weights load, seconds.", min: 0 }),
        ),
        hpaCpuUtilization: optional(
            integer({
                doc: "`custom` runtime: target CPU utilisation, percent.",
                min: 1,
                max: 100,
            }),
        ),
        serviceType: optional(
            oneOf(serviceTypes, "Overrides `serving.serviceType` for this model."),
        ),
        coldStartTargets: optional(coldStartTargets),
    },
    "A served model.",
);

/**
 * The top-level keys, each validated on its own (stacks/validate.ts) so a problem in one section
 * does not hide the sections after it.
 */
export const stackConfigEntries = {
    platform: optional(
        oneOf(
            ["eks", "existing"],
            "`eks` creates VPC, cluster and storage on AWS; `existing` deploys the serving half to the cluster in `cluster.kubeconfigPath`.",
        ),
        "eks",
    ),
    protect: optional(
        boolean(
            "Protect stateful resources (EFS, ECR, cluster) from deletion; keep true in production.",
        ),
        true,
    ),
    tags: optional(map("Tags on every AWS resource."), {}),
    network: optional(networkSchema, {}),
    cluster: clusterSchema,
    modelStore: optional(modelStoreSchema, {}),
    serving: optional(servingSchema, {}),
    observability: optional(observabilitySchema, {}),
    coldStart: optional(coldStartSchema, {}),
    models: list(modelSchema, "The models to serve.", 1),
    apiKey: optional(
        string(
            "Secret: API key for every model service instead of a generated one (`pulumi config set --secret apiKey …`).",
        ),
    ),
    weightsCredentials: optional(
        object(
            {
                accessKeyId: string("Access key id."),
                secretAccessKey: string("Secret access key."),
            },
            "Secret: static S3 keys for the models with `weights.endpoint` (`pulumi config set --secret weightsCredentials '{\"accessKeyId\": …}'`); S3 in AWS is read with IAM roles instead.",
        ),
    ),
    huggingFaceToken: optional(
        string(
            "Secret: Hugging Face token for gated hf:// repositories, mounted only into their staging Jobs (`pulumi config set --secret huggingFaceToken …`).",
        ),
    ),
};

/** Keys whose values must be Pulumi secrets: a plain value sits in clear text in Pulumi.<stack>.yaml. */
export const secretConfigKeys = ["apiKey", "huggingFaceToken", "weightsCredentials"] as const;

export const stackConfigSchema = v.object(stackConfigEntries);

type Parsed = v.InferOutput<typeof stackConfigSchema>;
type NetworkSection = Parsed["network"];

export type StackConfig = Parsed;
export type ModelConfig = StackConfig["models"][number];
export type GpuNodeGroupConfig = StackConfig["cluster"]["gpuNodeGroups"][number];
export type GpuNodePoolConfig = StackConfig["cluster"]["gpuNodePools"][number];

/** Fills the create-only network keys the user left out, unless the stack uses an existing VPC. */
export function withNetworkDefaults(network: NetworkSection): NetworkSection {
    if (network.existingVpcId !== undefined) return network;
    return {
        ...network,
        cidrBlock: network.cidrBlock ?? networkDefaults.cidrBlock,
        availabilityZoneCount:
            network.availabilityZoneCount ?? networkDefaults.availabilityZoneCount,
        natGatewayPerAz: network.natGatewayPerAz ?? networkDefaults.natGatewayPerAz,
    };
}
