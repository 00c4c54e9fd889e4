import { strict as assert } from "assert";
import type { JsonSchema } from "@valibot/to-json-schema";
import { capacityProblems } from "../components/plan/capacity";
import { resolveClusterSettings, validateClusterSettings } from "../components/plan/cluster-plan";
import type { ClusterInputs } from "../components/plan/cluster-types";
import { startupProbeBudget } from "../components/plan/cold-start";
import { gpuInstanceTypes } from "../components/plan/gpu-instances";
import {
    checkModelImageArgs,
    imageTagFor,
    ModelImagePlainArgs,
} from "../components/plan/image-plan";
import { networkProblems } from "../components/plan/network-plan";
import type { NetworkInputs } from "../components/plan/network-types";
import { observabilityArgsProblems } from "../components/plan/observability-validation";
import type { ObservabilityInputs } from "../components/plan/observability-types";
import { InvalidInputsError, Problems } from "../components/plan/problems";
import { checkModelStoreArgs, ModelStorePlainArgs } from "../components/plan/store-plan";
import type { ModelServiceInputs } from "../components/serving/model-service-types";
import { modelServiceProblems } from "../components/serving/validation";
import { configJsonSchema } from "../stacks/config-json-schema";
import { parseStackConfig } from "../stacks/validate";
import { validModelServiceInputs, vllmDigest as digest } from "./harness/model-service-inputs";

// Every minimum and maximum, just inside and just outside. Mutation testing leaves number literals
// alone, so a bound moved by one (or dropped) is caught here or nowhere. Each refusal is asserted
// as the complete problem list: the exact path, and a reason that names the bound.

/** A value on each side of one bound: accepted ones, and refused ones with the only problem. */
interface Bound<Config> {
    /** The key as problems name it, e.g. `models[0].port`. */
    path: string;
    /** For stack config: the schema bound this row covers (the coverage test lists them all). */
    schema?: "min" | "max" | "minItems";
    accepted: unknown[];
    refused: [value: unknown, problem: string][];
    /** What else the config needs for the key to apply, e.g. the custom runtime for `port`. */
    given?: (config: Config) => void;
    /** Sets the value when more than the key at `path` must change (a group's name and its users). */
    set?: (config: Config, value: unknown) => void;
}

/** Sets `value` at a problem path like `models[0].weights.sizeGiB`, creating objects on the way. */
function setPath(target: Record<string, any>, path: string, value: unknown): void {
    const keys = path
        .split(/\.|(?=\[)/)
        .map((k) => (k.startsWith("[") ? Number(k.slice(1, -1)) : k));
    let node: any = target;
    for (const key of keys.slice(0, -1)) node = node[key] ??= {};
    node[keys.at(-1)!] = value;
}

function getPath(source: Record<string, any>, path: string): unknown {
    const keys = path
        .split(/\.|(?=\[)/)
        .map((k) => (k.startsWith("[") ? Number(k.slice(1, -1)) : k));
    return keys.reduce((node: any, key) => node?.[key], source);
}

const show = (value: unknown) =>
    typeof value === "string" ? JSON.stringify(value) : String(value);

/** Declares one `it` per value: accepted values give no problem, refused ones exactly theirs. */
function boundTable<Config>(
    rows: readonly Bound<Config>[],
    base: () => Config,
    problemsOf: (config: Config) => string[],
): void {
    for (const row of rows) {
        const configWith = (value: unknown) => {
            const config = base();
            row.given?.(config);
            if (row.set) row.set(config, value);
            else setPath(config as Record<string, any>, row.path, value);
            return config;
        };
        for (const value of row.accepted) {
            it(`${row.path}: accepts ${show(value)}`, () => {
                assert.deepEqual(problemsOf(configWith(value)), []);
            });
        }
        for (const [value, problem] of row.refused) {
            it(`${row.path}: refuses ${show(value)}, naming the bound`, () => {
                assert.deepEqual(problemsOf(configWith(value)), [problem]);
            });
        }
    }
}

function problemLines(problems: Problems): string[] {
    return problems.list.map((p) => `${p.propertyPath}: ${p.reason}`);
}

const a = (length: number) => "a".repeat(length);
/** The retentions CloudWatch Logs accepts, as the problems list them. */
const retentions =
    "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";

// -- stack config --------------------------------------------------------------------------------

/**
 * One vLLM model on one group of g5.12xlarge (4 GPUs). Cold start: 120 s node launch + 246 s image
 * pull (12 GiB at 50 MiB/s) + 3 s weights (1 GiB at 500 MiB/s) + 195 s warm-up = 564 s.
 */
function stackConfig(): Record<string, any> {
    return {
        cluster: {
            gpuNodeGroups: [
                { name: "inference", instanceTypes: ["g5.12xlarge"], minSize: 1, maxSize: 4 },
            ],
        },
        models: [
            {
                name: "llama",
                runtime: "vllm",
                version: "1",
                image: { reference: digest },
                weights: { source: "s3://models/llama/1", sizeGiB: 1 },
                gpuGroup: "inference",
            },
        ],
    };
}

function stackProblems(config: Record<string, unknown>): string[] {
    try {
        parseStackConfig(config, "test");
    } catch (error) {
        assert.ok(error instanceof InvalidInputsError, String(error));
        return error.errors.map((e) => `${e.propertyPath}: ${e.reason}`);
    }
    return [];
}

const custom = (config: Record<string, any>) => (config.models[0].runtime = "custom");
const group = "cluster.gpuNodeGroups[0]";
const systemGroup = "cluster.systemNodeGroup";
const model = "models[0]";
const between = (min: number, max: number) => `between ${min} and ${max}`;

const pool = "cluster.gpuNodePools[0]";

/** The same model on a Karpenter NodePool of g5 nodes instead of the node group. */
function onNodePool(config: Record<string, any>): void {
    config.cluster = {
        capacityEngine: "karpenter",
        gpuNodePools: [{ name: "inference", instanceFamilies: ["g5"], gpuLimit: 8 }],
    };
}

/** The NodePool's schema bounds; each row runs on {@link onNodePool}. */
function poolBounds(): Bound<Record<string, any>>[] {
    const integerRow = (
        key: string,
        kind: "min" | "max",
        inside: number,
        outside: number,
        range: string,
    ): Bound<Record<string, any>> => ({
        path: `${pool}.${key}`,
        schema: kind,
        given: onNodePool,
        accepted: [inside],
        refused: [[outside, `${pool}.${key}: must be an integer ${range}, got ${outside}`]],
    });
    const listRow = (key: string, accepted: unknown[]): Bound<Record<string, any>> => ({
        path: `${pool}.${key}`,
        schema: "minItems",
        given: onNodePool,
        accepted: [accepted],
        refused: [[[], `${pool}.${key}: must have at least 1 item(s), got 0`]],
    });
    return [
        listRow("instanceFamilies", ["g5"]),
        listRow("capacityTypes", ["spot"]),
        integerRow("minInstanceGeneration", "min", 1, 0, "≥ 1"),
        integerRow("maxGpusPerNode", "min", 1, 0, between(1, 8)),
        integerRow("maxGpusPerNode", "max", 8, 9, between(1, 8)),
        // The model's 1 + 1 surge replicas of 1 GPU.
        integerRow("gpuLimit", "min", 2, 0, "≥ 1"),
        // 0 passes the schema but never the cold-start check below: only the refusal is here.
        { ...integerRow("consolidateAfterSeconds", "min", 0, -1, "≥ 0"), accepted: [] },
        integerRow("expireAfterHours", "min", 1, 0, "≥ 1"),
        integerRow("rootVolumeSizeGiB", "min", 4, 3, "≥ 4"),
        integerRow("dataVolumeSizeGiB", "min", 50, 49, "≥ 50"),
        integerRow("warmHeadroomGpus", "min", 0, -1, "≥ 0"),
        integerRow("nodeLaunchSeconds", "min", 1, 0, "≥ 1"),
        ...(
            [
                ["startHourUtc", "min", 0, -1, between(0, 23)],
                ["startHourUtc", "max", 23, 24, between(0, 23)],
                ["hours", "min", 1, 0, between(1, 24)],
                ["hours", "max", 24, 25, between(1, 24)],
            ] as const
        ).map(([key, kind, inside, outside, range]) => ({
            ...integerRow(`businessHours.${key}`, kind, inside, outside, range),
            given: (config: Record<string, any>) => {
                onNodePool(config);
                config.cluster.gpuNodePools[0].businessHours = {
                    days: "mon-fri",
                    startHourUtc: 9,
                    hours: 8,
                };
            },
        })),
    ];
}

/** The bounds the schema declares, each with the value on either side. */
const schemaBounds: Bound<Record<string, any>>[] = [
    {
        path: `${group}.instanceTypes`,
        schema: "minItems",
        accepted: [["g5.12xlarge"]],
        refused: [[[], `${group}.instanceTypes: must have at least 1 item(s), got 0`]],
    },
    {
        path: `${group}.minSize`,
        schema: "min",
        accepted: [0],
        refused: [[-1, `${group}.minSize: must be an integer ≥ 0, got -1`]],
    },
    {
        path: `${group}.desiredSize`,
        schema: "min",
        given: (c) => (c.cluster.gpuNodeGroups[0].minSize = 0),
        accepted: [0],
        refused: [[-1, `${group}.desiredSize: must be an integer ≥ 0, got -1`]],
    },
    {
        path: `${group}.maxSize`,
        schema: "min",
        // The model's 1 + 1 surge replicas of 1 GPU fit one 4-GPU node.
        accepted: [1],
        refused: [[0, `${group}.maxSize: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${group}.rootVolumeSizeGiB`,
        schema: "min",
        accepted: [50],
        refused: [[49, `${group}.rootVolumeSizeGiB: must be an integer ≥ 50, got 49`]],
    },
    {
        path: `${group}.maxUnavailable`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${group}.maxUnavailable: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${systemGroup}.instanceTypes`,
        schema: "minItems",
        accepted: [["m6i.large"]],
        refused: [[[], `${systemGroup}.instanceTypes: must have at least 1 item(s), got 0`]],
    },
    {
        path: `${systemGroup}.minSize`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${systemGroup}.minSize: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${systemGroup}.desiredSize`,
        schema: "min",
        given: (c) => (c.cluster.systemNodeGroup = { minSize: 1 }),
        accepted: [1],
        refused: [[0, `${systemGroup}.desiredSize: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${systemGroup}.maxSize`,
        schema: "min",
        given: (c) => (c.cluster.systemNodeGroup = { minSize: 1, desiredSize: 1 }),
        accepted: [1],
        refused: [[0, `${systemGroup}.maxSize: must be an integer ≥ 1, got 0`]],
    },
    {
        path: "network.availabilityZoneCount",
        schema: "min",
        accepted: [2],
        refused: [[1, `network.availabilityZoneCount: must be an integer ${between(2, 3)}, got 1`]],
    },
    {
        path: "network.availabilityZoneCount",
        schema: "max",
        accepted: [3],
        refused: [[4, `network.availabilityZoneCount: must be an integer ${between(2, 3)}, got 4`]],
    },
    {
        path: "network.flowLogRetentionDays",
        schema: "min",
        accepted: [1],
        refused: [[0, "network.flowLogRetentionDays: must be an integer ≥ 1, got 0"]],
    },
    {
        path: "modelStore.readThroughputMiBps",
        schema: "min",
        // 1 GiB at 1 MiB/s: a 1,585 s cold start, still under the autoscaler's 3,600 s.
        accepted: [1],
        refused: [
            [
                0.99,
                `modelStore.readThroughputMiBps: must be a number ${between(1, 10000)}, got 0.99`,
            ],
        ],
    },
    {
        path: "modelStore.readThroughputMiBps",
        schema: "max",
        accepted: [10000],
        refused: [
            [
                10000.01,
                `modelStore.readThroughputMiBps: must be a number ${between(1, 10000)}, got 10000.01`,
            ],
        ],
    },
    {
        path: "observability.logRetentionDays",
        schema: "min",
        accepted: [1],
        refused: [[0, "observability.logRetentionDays: must be an integer ≥ 1, got 0"]],
    },
    ...poolBounds(),
    {
        path: "coldStart.weightsReadMiBps",
        schema: "min",
        accepted: [1],
        refused: [
            [0.99, `coldStart.weightsReadMiBps: must be a number ${between(1, 1500)}, got 0.99`],
        ],
    },
    {
        path: "coldStart.weightsReadMiBps",
        schema: "max",
        accepted: [1500],
        refused: [
            [
                1500.01,
                `coldStart.weightsReadMiBps: must be a number ${between(1, 1500)}, got 1500.01`,
            ],
        ],
    },
    {
        path: `${model}.coldStartTargets.newNodeSeconds`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${model}.coldStartTargets.newNodeSeconds: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${model}.coldStartTargets.warmRestartSeconds`,
        schema: "min",
        accepted: [1],
        refused: [
            [0, `${model}.coldStartTargets.warmRestartSeconds: must be an integer ≥ 1, got 0`],
        ],
    },
    {
        path: "models",
        schema: "minItems",
        accepted: [stackConfig().models],
        refused: [[[], "models: must have at least 1 item(s), got 0"]],
    },
    {
        path: `${model}.weights.sizeGiB`,
        schema: "min",
        accepted: [0.001],
        refused: [[0.0009, `${model}.weights.sizeGiB: must be a number ≥ 0.001, got 0.0009`]],
    },
    {
        path: `${model}.gpusPerReplica`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${model}.gpusPerReplica: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${model}.minReplicas`,
        schema: "min",
        accepted: [0],
        refused: [[-1, `${model}.minReplicas: must be an integer ≥ 0, got -1`]],
    },
    {
        path: `${model}.maxReplicas`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${model}.maxReplicas: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${model}.memoryGiB`,
        schema: "min",
        accepted: [0.25],
        refused: [[0.24, `${model}.memoryGiB: must be a number ≥ 0.25, got 0.24`]],
    },
    {
        path: `${model}.shmSizeGiB`,
        schema: "min",
        accepted: [0.0625],
        refused: [[0.0624, `${model}.shmSizeGiB: must be a number ≥ 0.0625, got 0.0624`]],
    },
    {
        path: `${model}.tensorParallelSize`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${model}.tensorParallelSize: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${model}.maxModelLen`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${model}.maxModelLen: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${model}.port`,
        schema: "min",
        given: custom,
        accepted: [1],
        refused: [[0, `${model}.port: must be an integer ${between(1, 65535)}, got 0`]],
    },
    {
        path: `${model}.port`,
        schema: "max",
        given: custom,
        accepted: [65535],
        refused: [[65536, `${model}.port: must be an integer ${between(1, 65535)}, got 65536`]],
    },
    {
        path: `${model}.queueDepthTarget`,
        schema: "min",
        accepted: [1],
        refused: [[0, `${model}.queueDepthTarget: must be an integer ≥ 1, got 0`]],
    },
    {
        path: `${model}.cooldownSeconds`,
        schema: "min",
        // The schema's floor sits below any cold start, so 1 passes it and meets the estimate's
        // check (the next table); 0 is the schema's to refuse.
        accepted: [],
        refused: [
            [0, `${model}.cooldownSeconds: must be an integer ≥ 1, got 0`],
            [
                1,
                `${model}.cooldownSeconds: 1 s is below the 564 s cold-start estimate: scaling down would cost more than keeping the replica`,
            ],
        ],
    },
    {
        path: `${model}.warmupSeconds`,
        schema: "min",
        accepted: [0],
        refused: [[-1, `${model}.warmupSeconds: must be an integer ≥ 0, got -1`]],
    },
    {
        path: `${model}.hpaCpuUtilization`,
        schema: "min",
        given: custom,
        accepted: [1],
        refused: [[0, `${model}.hpaCpuUtilization: must be an integer ${between(1, 100)}, got 0`]],
    },
    {
        path: `${model}.hpaCpuUtilization`,
        schema: "max",
        given: custom,
        accepted: [100],
        refused: [
            [101, `${model}.hpaCpuUtilization: must be an integer ${between(1, 100)}, got 101`],
        ],
    },
];

const nameReason = (name: string) =>
    `"${name}" is not an EKS cluster name: 1–100 letters, digits, '-' and '_', starting with a letter or digit`;

/** Bounds the schema cannot express: the components' own checks and the capacity plan. */
const crossCheckBounds: Bound<Record<string, any>>[] = [
    {
        // The new-node cold start of the group's one model: 564 s (see stackConfig).
        path: `${pool}.consolidateAfterSeconds`,
        given: onNodePool,
        accepted: [564],
        refused: [
            [
                563,
                `${pool}.consolidateAfterSeconds: 563 s is shorter than the group's new-node cold start (564 s): a burst would bring back a node just removed`,
            ],
        ],
    },
    {
        path: "cluster.name",
        accepted: [a(100)],
        refused: [
            [a(101), `cluster.name: ${nameReason(a(101))}`],
            ["", `cluster.name: ${nameReason("")}`],
        ],
    },
    {
        path: `${group}.name`,
        set: (c, name) => {
            c.cluster.gpuNodeGroups[0].name = name;
            c.models[0].gpuGroup = name;
        },
        accepted: [a(36)],
        refused: [
            [
                a(37),
                `${group}.name: "${a(37)}" has 37 characters; at most 36 fit before the unique suffix EKS node group names need`,
            ],
        ],
    },
    {
        path: `${group}.rootVolumeSizeGiB`,
        accepted: [16384],
        refused: [
            [
                16385,
                `${group}.rootVolumeSizeGiB: 16385 GiB must be an integer in [50, 16384] (serving images are 10–25 GB unpacked, stored twice by containerd)`,
            ],
        ],
    },
    {
        path: `${group}.maxUnavailable`,
        accepted: [100],
        refused: [
            [101, `${group}.maxUnavailable: 101 must be an integer in [1, 100] (EKS update limit)`],
        ],
    },
    {
        path: `${group}.minSize`,
        accepted: [4],
        refused: [[5, `${group}.minSize: 5 exceeds maxSize 4`]],
    },
    {
        path: `${group}.desiredSize`,
        accepted: [1, 4],
        refused: [
            [0, `${group}.desiredSize: 0 is outside [minSize 1, maxSize 4]`],
            [5, `${group}.desiredSize: 5 is outside [minSize 1, maxSize 4]`],
        ],
    },
    {
        path: "network.cidrBlock",
        accepted: ["10.0.0.0/16", "10.0.0.0/24"],
        refused: [
            [
                "10.0.0.0/15",
                'network.cidrBlock: "10.0.0.0/15" is larger than AWS allows for a VPC: use a prefix length from /16 to /24, got /15',
            ],
            [
                "10.0.0.0/25",
                'network.cidrBlock: "10.0.0.0/25" is too small: use a prefix length from /16 to /24, got /25 (public subnets get 1/16 of the VPC and AWS subnets are at least /28)',
            ],
        ],
    },
    {
        path: "network.flowLogRetentionDays",
        accepted: [3653],
        refused: [
            [
                3654,
                `network.flowLogRetentionDays: 3654 is not a CloudWatch Logs retention; use one of ${retentions}`,
            ],
        ],
    },
    {
        path: "observability.logRetentionDays",
        accepted: [3653],
        refused: [
            [
                3654,
                "observability.logRetentionDays: 3654 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
            ],
        ],
    },
    {
        path: `${model}.name`,
        set: (c, name) => (c.models[0].name = name),
        accepted: [a(63)],
        refused: [
            [
                a(64),
                `${model}.name: "${a(64)}" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters, and start with a letter (it names the Service, a DNS-1035 label)`,
            ],
        ],
    },
    {
        path: `${model}.version`,
        accepted: [a(63)],
        refused: [
            [
                a(64),
                `${model}.version: "${a(64)}" must be 1–63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit (it names a directory and a Job)`,
            ],
        ],
    },
    {
        path: `${model}.gpusPerReplica`,
        // 2 replicas (1 + 1 surge) of 4 GPUs take 2 of the 4 nodes.
        accepted: [4],
        refused: [
            [
                5,
                `${model}.gpusPerReplica: 5 exceeds the 4 GPUs of g5.12xlarge (cluster.gpuNodeGroups[0])`,
            ],
        ],
    },
    {
        path: `${model}.maxReplicas`,
        // 4 nodes × 4 GPUs hold 16 one-GPU replicas: 15 plus the rollout's surge replica.
        accepted: [15],
        refused: [
            [
                16,
                `${group}.maxSize: plan needs 5 nodes (llama: 16 + 1 surge replicas of 1 GPU, 4 per node → 5) but maxSize is 4`,
            ],
        ],
    },
    {
        path: `${model}.minReplicas`,
        given: (c) => (c.models[0].maxReplicas = 2),
        accepted: [2],
        refused: [[3, `${model}.minReplicas: 3 exceeds maxReplicas 2`]],
    },
    {
        path: `${model}.minReplicas`,
        given: custom,
        accepted: [1],
        refused: [
            [
                0,
                `${model}.minReplicas: must be a whole number ≥ 1 for the custom runtime's HorizontalPodAutoscaler, got 0`,
            ],
        ],
    },
    {
        path: `${model}.cooldownSeconds`,
        accepted: [564, 3600],
        refused: [
            [
                563,
                `${model}.cooldownSeconds: 563 s is below the 564 s cold-start estimate: scaling down would cost more than keeping the replica`,
            ],
            [
                3601,
                `${model}.cooldownSeconds: 3601 s exceeds the autoscaler's 3600 s stabilization window limit`,
            ],
        ],
    },
];

/** The bound of every `min`/`max`/`minItems` in the published config schema, as `path bound`. */
function boundsInSchema(schema: JsonSchema, path: string): string[] {
    const typed = (schema.anyOf?.[0] as JsonSchema | undefined) ?? schema;
    const found: string[] = [];
    if (typeof typed.minimum === "number") found.push(`${path} min`);
    if (typeof typed.maximum === "number") found.push(`${path} max`);
    if (typeof typed.minItems === "number") found.push(`${path} minItems`);
    if (typed.type === "array")
        found.push(...boundsInSchema(typed.items as JsonSchema, `${path}[0]`));
    for (const [key, child] of Object.entries(typed.properties ?? {}))
        found.push(...boundsInSchema(child as JsonSchema, path ? `${path}.${key}` : key));
    return found;
}

/** Every key that takes true or false, as the published schema says. */
function booleansInSchema(schema: JsonSchema, path: string): string[] {
    const typed = (schema.anyOf?.[0] as JsonSchema | undefined) ?? schema;
    if (typed.type === "boolean") return [path];
    if (typed.type === "array") return booleansInSchema(typed.items as JsonSchema, `${path}[0]`);
    return Object.entries(typed.properties ?? {}).flatMap(([key, child]) =>
        booleansInSchema(child as JsonSchema, path ? `${path}.${key}` : key),
    );
}

describe("bounds: stack config", () => {
    describe("each schema bound, as YAML numbers", () => {
        boundTable(schemaBounds, stackConfig, stackProblems);
    });

    describe("each schema bound, as the text `pulumi config set` stores", () => {
        const numeric = schemaBounds.filter((row) => row.schema !== "minItems");
        const asText = numeric.map((row) => ({
            ...row,
            accepted: row.accepted.map(String),
            refused: row.refused.map(([value, problem]) => [String(value), problem]),
        })) as Bound<Record<string, any>>[];
        boundTable(asText, stackConfig, stackProblems);

        for (const row of numeric) {
            for (const value of row.accepted) {
                it(`${row.path}: reads the text "${value}" as the number ${value}`, () => {
                    const config = stackConfig();
                    row.given?.(config);
                    setPath(config, row.path, String(value));
                    const parsed = parseStackConfig(config, "test") as Record<string, any>;
                    assert.equal(getPath(parsed, row.path), value);
                });
            }
        }
    });

    describe("bounds enforced past the schema", () => {
        boundTable(crossCheckBounds, stackConfig, stackProblems);

        it("cluster.gpuNodeGroups: needs one group on node-groups, and the model's group must exist", () => {
            const config = stackConfig();
            config.cluster.gpuNodeGroups = [];
            assert.deepEqual(stackProblems(config), [
                'cluster.gpuNodeGroups: at least one GPU node group is required with capacity engine "node-groups"',
                'models[0].gpuGroup: "inference" is not a GPU group; groups: (none)',
            ]);
        });

        it("cluster.gpuNodeGroups: may be empty on karpenter", () => {
            const config = stackConfig();
            onNodePool(config);
            assert.deepEqual(
                [config.cluster.gpuNodeGroups, stackProblems(config)],
                [undefined, []],
            );
        });
    });

    it("covers every bound the schema declares, and no other", () => {
        const inSchema = boundsInSchema({ properties: configJsonSchema().properties }, "");
        const inTable = schemaBounds.map((row) => `${row.path} ${row.schema}`);
        assert.deepEqual([...inTable].sort(), [...new Set(inSchema)].sort());
    });

    describe("booleans", () => {
        type Given = (config: Record<string, any>, value: boolean) => void;
        const booleans: [path: string, given?: Given][] = [
            ["protect"],
            [
                "cluster.endpointPublicAccess",
                // A public endpoint needs the networks allowed to reach it.
                (c, value) => value && (c.cluster.publicAccessCidrs = ["203.0.113.0/24"]),
            ],
            ["network.natGatewayPerAz"],
            ["network.flowLogs"],
            ["coldStart.compileCache"],
            ["modelStore.backup"],
            ["serving.monitoring"],
            ["serving.autoscaling"],
            ["observability.enabled"],
        ];

        it("lists every boolean key the schema declares", () => {
            const inSchema = booleansInSchema({ properties: configJsonSchema().properties }, "");
            assert.deepEqual(booleans.map(([path]) => path).sort(), inSchema.sort());
        });

        for (const [path, given] of booleans) {
            for (const value of [true, false]) {
                it(`${path}: reads the text "${value}" as ${value}`, () => {
                    const config = stackConfig();
                    given?.(config, value);
                    setPath(config, path, String(value));
                    const parsed = parseStackConfig(config, "test") as Record<string, any>;
                    assert.equal(getPath(parsed, path), value);
                });
            }
            it(`${path}: refuses "False", naming the key and the two spellings`, () => {
                const config = stackConfig();
                given?.(config, true);
                setPath(config, path, "False");
                assert.deepEqual(stackProblems(config), [
                    `${path}: must be true or false, got "False"`,
                ]);
            });
        }
    });
});

// -- component validators ------------------------------------------------------------------------

const clusterArgs = (): ClusterInputs => ({
    vpcId: "vpc-1",
    privateSubnetIds: ["subnet-a", "subnet-b"],
    gpuNodeGroups: [{ name: "inference", instanceTypes: ["g5.2xlarge"], minSize: 1, maxSize: 4 }],
});

function clusterProblems(args: ClusterInputs): string[] {
    const problems = new Problems();
    validateClusterSettings(resolveClusterSettings("gc", args), args, problems);
    return problemLines(problems);
}

const gpuGroup = "gpuNodeGroups[0]";
const systemRootReason = " (the AL2023 AMI snapshot is 20 GiB)";
const gpuRootReason = " (serving images are 10–25 GB unpacked, stored twice by containerd)";

describe("bounds: GpuCluster arguments", () => {
    boundTable<ClusterInputs>(
        [
            {
                path: "clusterName",
                accepted: [a(100)],
                refused: [
                    [a(101), `clusterName: ${nameReason(a(101))}`],
                    ["", `clusterName: ${nameReason("")}`],
                ],
            },
            {
                path: "privateSubnetIds",
                accepted: [["subnet-a", "subnet-b"]],
                refused: [
                    [
                        ["subnet-a"],
                        "privateSubnetIds: got 1 subnet(s); EKS needs subnets in at least two Availability Zones",
                    ],
                ],
            },
            {
                path: "controlPlaneLogRetentionDays",
                accepted: [1, 3653],
                refused: [0, 3654].map((days) => [
                    days,
                    `controlPlaneLogRetentionDays: ${days} is not a CloudWatch Logs retention; allowed: ${retentions}`,
                ]),
            },
            {
                path: "systemNodeGroup.minSize",
                given: (args) => (args.systemNodeGroup = { desiredSize: 2 }),
                accepted: [1],
                refused: [
                    [
                        0,
                        "systemNodeGroup.minSize: 0 must be an integer ≥ 1 (the system group hosts CoreDNS and the cluster-autoscaler, which cannot scale it up from zero)",
                    ],
                ],
            },
            {
                path: "systemNodeGroup.rootVolumeSizeGiB",
                accepted: [20, 16384],
                refused: [19, 16385].map((size) => [
                    size,
                    `systemNodeGroup.rootVolumeSizeGiB: ${size} GiB must be an integer in [20, 16384]${systemRootReason}`,
                ]),
            },
            {
                path: `${gpuGroup}.minSize`,
                accepted: [0, 4],
                refused: [
                    [-1, `${gpuGroup}.minSize: -1 must be an integer ≥ 0`],
                    [5, `${gpuGroup}.minSize: 5 exceeds maxSize 4`],
                ],
            },
            {
                path: `${gpuGroup}.maxSize`,
                given: (args) => (args.gpuNodeGroups[0].minSize = 0),
                accepted: [1],
                refused: [
                    [
                        0,
                        `${gpuGroup}.maxSize: 0 must be an integer ≥ 1; a group of at most 0 nodes can never run anything`,
                    ],
                ],
            },
            {
                path: `${gpuGroup}.desiredSize`,
                accepted: [1, 4],
                refused: [0, 5].map((size) => [
                    size,
                    `${gpuGroup}.desiredSize: ${size} is outside [minSize 1, maxSize 4]`,
                ]),
            },
            {
                path: `${gpuGroup}.rootVolumeSizeGiB`,
                accepted: [50, 16384],
                refused: [49, 16385].map((size) => [
                    size,
                    `${gpuGroup}.rootVolumeSizeGiB: ${size} GiB must be an integer in [50, 16384]${gpuRootReason}`,
                ]),
            },
            {
                path: `${gpuGroup}.maxUnavailable`,
                accepted: [1, 100],
                refused: [0, 101].map((count) => [
                    count,
                    `${gpuGroup}.maxUnavailable: ${count} must be an integer in [1, 100] (EKS update limit)`,
                ]),
            },
            {
                path: `${gpuGroup}.name`,
                accepted: [a(36)],
                refused: [
                    [
                        a(37),
                        `${gpuGroup}.name: "${a(37)}" has 37 characters; at most 36 fit before the unique suffix EKS node group names need`,
                    ],
                ],
            },
        ],
        clusterArgs,
        clusterProblems,
    );
});

const networkNameReason = (name: string) =>
    `"${name}" is not an EKS cluster name: 1-100 letters, digits, '-' and '_', starting with a letter or digit`;

describe("bounds: Network arguments", () => {
    const existing = {
        existingVpcId: "vpc-0123456789abcdef0",
        existingPrivateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    };
    boundTable<NetworkInputs>(
        [
            {
                path: "availabilityZoneCount",
                accepted: [2, 3],
                refused: [
                    [
                        1,
                        "availabilityZoneCount: must be 2 or 3, got 1: 1 AZ is not highly available, and EKS requires subnets in at least 2 AZs",
                    ],
                    [
                        4,
                        "availabilityZoneCount: must be 2 or 3, got 4: the subnet plan gives each AZ a quarter of the VPC and keeps the last quarter for public subnets",
                    ],
                ],
            },
            {
                path: "cidrBlock",
                accepted: ["10.0.0.0/16", "10.0.0.0/24"],
                refused: [
                    [
                        "10.0.0.0/15",
                        'cidrBlock: "10.0.0.0/15" is larger than AWS allows for a VPC: use a prefix length from /16 to /24, got /15',
                    ],
                    [
                        "10.0.0.0/25",
                        'cidrBlock: "10.0.0.0/25" is too small: use a prefix length from /16 to /24, got /25 (public subnets get 1/16 of the VPC and AWS subnets are at least /28)',
                    ],
                ],
            },
            {
                path: "clusterName",
                accepted: [a(100)],
                refused: [[a(101), `clusterName: ${networkNameReason(a(101))}`]],
            },
            {
                path: "flowLogRetentionDays",
                accepted: [1, 3653],
                refused: [0, 3654].map((days) => [
                    days,
                    `flowLogRetentionDays: ${days} is not a CloudWatch Logs retention; use one of ${retentions}`,
                ]),
            },
            {
                path: "existingPrivateSubnetIds",
                given: (args) => Object.assign(args, existing),
                accepted: [existing.existingPrivateSubnetIds],
                refused: [
                    [
                        existing.existingPrivateSubnetIds.slice(1),
                        "existingPrivateSubnetIds: needs at least 2 private subnet ids in different AZs (EKS requires subnets in at least 2 AZs), got 1",
                    ],
                ],
            },
        ],
        () => ({ clusterName: "gpu" }),
        (args) => problemLines(networkProblems(args)),
    );
});

const labelReason = (name: string, max: number) =>
    `"${name}" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most ${max} characters`;

describe("bounds: ModelStore arguments", () => {
    boundTable<ModelStorePlainArgs>(
        [
            {
                path: "privateSubnetIds",
                accepted: [["subnet-a"]],
                refused: [
                    [
                        [],
                        "privateSubnetIds: must list at least one subnet: pods can mount EFS only in AZs with a mount target",
                    ],
                ],
            },
            {
                path: "claimSizeGiB",
                accepted: [1],
                refused: [[0, "claimSizeGiB: must be a whole number of GiB >= 1, got 0"]],
            },
            {
                path: "provisionedThroughputMiBps",
                given: (args) => (args.throughputMode = "provisioned"),
                accepted: [1],
                refused: [[0.99, "provisionedThroughputMiBps: must be at least 1 MiB/s, got 0.99"]],
            },
            {
                path: "claimName",
                accepted: [a(253)],
                refused: [[a(254), `claimName: ${labelReason(a(254), 253)}`]],
            },
            {
                path: "storageClassName",
                accepted: [a(253)],
                refused: [[a(254), `storageClassName: ${labelReason(a(254), 253)}`]],
            },
        ],
        () => ({
            privateSubnetIds: ["subnet-a", "subnet-b"],
            storageClassName: "efs-models",
            claimName: "model-cache",
            claimSizeGiB: 1024,
            throughputMode: "elastic",
        }),
        (args) => {
            const problems = new Problems();
            checkModelStoreArgs(args, problems);
            return problemLines(problems);
        },
    );
});

describe("bounds: ModelImage arguments", () => {
    const repositoryReason = (name: string) =>
        `repositoryName: "${name}" is not an ECR repository name: 2-256 lower-case letters, digits, '.', '_', '-' and '/' separated path segments`;
    boundTable<ModelImagePlainArgs>(
        [
            {
                path: "repositoryName",
                accepted: ["ab", a(256)],
                refused: [
                    ["a", repositoryReason("a")],
                    [a(257), repositoryReason(a(257))],
                ],
            },
            {
                path: "keepTaggedImages",
                accepted: [1],
                refused: [[0, "keepTaggedImages: must be a whole number >= 1, got 0"]],
            },
            {
                path: "untaggedExpiryDays",
                accepted: [1],
                refused: [[0, "untaggedExpiryDays: must be a whole number >= 1, got 0"]],
            },
        ],
        () => ({
            repositoryName: "serving/vllm",
            context: "images/vllm",
            modelVersion: "v1",
            platform: "linux/amd64",
            keepTaggedImages: 10,
            untaggedExpiryDays: 7,
        }),
        (args) => {
            const problems = new Problems();
            checkModelImageArgs(args, problems);
            return problemLines(problems);
        },
    );

    it("keeps a 128-character version as its tag and shortens a 129-character one to 128", () => {
        assert.equal(imageTagFor(a(128)), a(128));
        const shortened = imageTagFor(a(129));
        assert.equal(shortened.length, 128);
        assert.match(shortened, /^a{119}-[0-9a-f]{8}$/);
    });
});

describe("bounds: Observability arguments", () => {
    boundTable<ObservabilityInputs>(
        [
            {
                path: "prometheusStorageGiB",
                accepted: [10],
                refused: [
                    [
                        9,
                        "prometheusStorageGiB: must be a whole number of GiB of at least 10, got 9",
                    ],
                ],
            },
            {
                path: "gpuUtilizationLowPercent",
                accepted: [0.5, 99.5],
                refused: [0, 100].map((percent) => [
                    percent,
                    `gpuUtilizationLowPercent: must be a percentage between 0 and 100 (exclusive), got ${percent}`,
                ]),
            },
            {
                path: "queueDepthHighThreshold",
                accepted: [0.5],
                refused: [[0, "queueDepthHighThreshold: must be a positive number, got 0"]],
            },
            {
                path: "p95LatencySecondsThreshold",
                accepted: [0.5],
                refused: [[0, "p95LatencySecondsThreshold: must be a positive number, got 0"]],
            },
            {
                path: "logRetentionDays",
                accepted: [1, 3653],
                refused: [0, 3654].map((days) => [
                    days,
                    `logRetentionDays: ${days} is not a CloudWatch Logs retention; use one of ${retentions}`,
                ]),
            },
        ],
        () => ({ clusterName: "gpu", oidcProviderArn: "arn", oidcProviderUrl: "oidc" }),
        (args) => problemLines(observabilityArgsProblems(args)),
    );
});

/** 16 GiB vLLM model: cold start 120 + 246 + 33 (16 GiB at 500 MiB/s) + 195 = 594 s. */
const serviceArgs = validModelServiceInputs;

describe("bounds: ModelService arguments", () => {
    const customRuntime = (args: ModelServiceInputs) => (args.runtime = "custom");
    const positive = (key: keyof ModelServiceInputs, unit = "") => ({
        path: key,
        accepted: [0.001],
        refused: [[0, `${key}: must be > 0${unit}, got 0`]] as [unknown, string][],
    });
    boundTable<ModelServiceInputs>(
        [
            {
                path: "modelName",
                accepted: [a(63)],
                refused: [
                    [
                        a(64),
                        `modelName: ${labelReason(a(64), 63)}, and start with a letter (it names the Service, a DNS-1035 label)`,
                    ],
                ],
            },
            {
                path: "modelVersion",
                accepted: [a(63)],
                refused: [
                    [
                        a(64),
                        `modelVersion: "${a(64)}" must be 1–63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit (it names a directory and a Job)`,
                    ],
                ],
            },
            {
                path: "gpusPerReplica",
                accepted: [1],
                refused: [[0, "gpusPerReplica: must be a whole number ≥ 1, got 0"]],
            },
            {
                path: "minReplicas",
                accepted: [0, 4],
                refused: [
                    [-1, "minReplicas: must be a whole number ≥ 0, got -1"],
                    [5, "minReplicas: 5 exceeds maxReplicas 4"],
                ],
            },
            {
                path: "minReplicas",
                given: customRuntime,
                accepted: [1],
                refused: [
                    [
                        0,
                        "minReplicas: must be a whole number ≥ 1 for the custom runtime's HorizontalPodAutoscaler, got 0",
                    ],
                ],
            },
            {
                path: "maxReplicas",
                given: (args) => (args.minReplicas = 0),
                accepted: [1],
                refused: [[0, "maxReplicas: must be a whole number ≥ 1, got 0"]],
            },
            positive("weightsSizeGiB", " GiB"),
            positive("memoryGiB"),
            positive("shmSizeGiB"),
            {
                ...positive("storageReadMiBps"),
                // 1 KiB of weights, so the read at 0.001 MiB/s stays within any cooldown.
                given: (args) => (args.weightsSizeGiB = 1 / 1024 ** 2),
            },
            positive("imageSizeGiB"),
            {
                path: "warmupSeconds",
                accepted: [0],
                refused: [[-1, "warmupSeconds: must be ≥ 0 seconds, got -1"]],
            },
            {
                path: "maxModelLen",
                accepted: [1],
                refused: [[0, "maxModelLen: must be a whole number of tokens ≥ 1, got 0"]],
            },
            {
                path: "tensorParallelSize",
                accepted: [1],
                refused: [
                    [
                        0,
                        "tensorParallelSize: 0 must divide gpusPerReplica 1 (the rest become pipeline stages)",
                    ],
                ],
            },
            {
                path: "queueDepthTarget",
                accepted: [0.001],
                refused: [[0, "queueDepthTarget: must be > 0 waiting requests per replica, got 0"]],
            },
            {
                path: "port",
                given: customRuntime,
                accepted: [1, 65535],
                refused: [0, 65536].map((port) => [port, `port: must be 1–65535, got ${port}`]),
            },
            {
                path: "hpaCpuUtilization",
                given: customRuntime,
                accepted: [1],
                refused: [[0, "hpaCpuUtilization: must be a whole percentage ≥ 1, got 0"]],
            },
            {
                path: "hpaMetricTarget",
                given: (args) => Object.assign(args, { runtime: "custom", hpaMetricName: "queue" }),
                accepted: [0.001],
                refused: [[0, "hpaMetricTarget: must be > 0, got 0"]],
            },
            {
                path: "cooldownSeconds",
                accepted: [594, 3600],
                refused: [
                    [
                        593,
                        "cooldownSeconds: 593 s is below the 594 s cold-start estimate: scaling down would cost more than keeping the replica",
                    ],
                    [
                        3601,
                        "cooldownSeconds: 3601 s exceeds the autoscaler's 3600 s stabilization window limit",
                    ],
                ],
            },
            {
                path: "allowedNamespaces",
                accepted: [[a(63)]],
                refused: [[[a(64)], `allowedNamespaces[0]: ${labelReason(a(64), 63)}`]],
            },
        ],
        serviceArgs,
        (args) => problemLines(modelServiceProblems(args)),
    );
});

describe("bounds: GPU capacity", () => {
    const p5Group = { name: "h100", instanceTypes: ["p5.48xlarge"], minSize: 0, maxSize: 2 };
    const demand = (gpusPerReplica: number, maxReplicas: number) => ({
        modelName: "llama-405b",
        gpuGroup: "h100",
        gpusPerReplica,
        minReplicas: 1,
        maxReplicas,
        surge: 1,
    });
    const problems = (gpusPerReplica: number, maxReplicas: number) =>
        capacityProblems([p5Group], [demand(gpusPerReplica, maxReplicas)]).map(
            (p) => `${p.propertyPath}: ${p.reason}`,
        );

    it("fits a replica of all 8 GPUs of a p5.48xlarge", () => {
        assert.deepEqual(problems(8, 1), []);
    });

    it("refuses a replica of 9 GPUs, naming the 8 of a p5.48xlarge", () => {
        assert.deepEqual(problems(9, 1), [
            "models[0].gpusPerReplica: 9 exceeds the 8 GPUs of p5.48xlarge (gpuGroups.h100)",
        ]);
    });

    it("fits as many whole-node replicas as maxSize nodes hold, the surge one included", () => {
        assert.deepEqual(problems(8, 1), []);
        assert.deepEqual(problems(4, 3), []);
    });

    it("refuses one replica more than maxSize nodes hold, with the arithmetic", () => {
        assert.deepEqual(problems(8, 2), [
            "gpuGroups.h100.maxSize: plan needs 3 nodes (llama-405b: 2 + 1 surge replicas of 8 GPUs, 1 per node → 3) but maxSize is 2",
        ]);
    });
});

describe("bounds: startup probe budget floor", () => {
    it("holds at the 120 s floor while twice the load stays at or below it", () => {
        // No weights, 60 s warm-up: 120 s, the floor itself.
        const budget = startupProbeBudget({
            weightsSizeGiB: 0,
            storageReadMiBps: 500,
            warmupSeconds: 60,
        });
        assert.equal(budget.budgetSeconds, 120);
    });

    it("follows the load once twice it passes the floor", () => {
        const budget = startupProbeBudget({
            weightsSizeGiB: 0,
            storageReadMiBps: 500,
            warmupSeconds: 60.5,
        });
        assert.equal(budget.budgetSeconds, 121);
    });
});

describe("GPU catalogue", () => {
    // [GPUs, NVIDIA model, MiB per GPU, vCPUs, host memory GiB], typed from AWS's "Accelerated
    // computing" instance type specifications (docs.aws.amazon.com/ec2/latest/instancetypes/ac.html)
    // and, for GPU memory, EC2's DescribeInstanceTypes figure in MiB (an A10G reports 22,888, not
    // the 24 GB on the box) as Karpenter's instance-type reference records it; never read back
    // from the catalogue.
    const aws: Record<string, [number, string, number, number, number]> = {
        "g4dn.xlarge": [1, "T4", 16_384, 4, 16],
        "g4dn.2xlarge": [1, "T4", 16_384, 8, 32],
        "g4dn.4xlarge": [1, "T4", 16_384, 16, 64],
        "g4dn.8xlarge": [1, "T4", 16_384, 32, 128],
        "g4dn.12xlarge": [4, "T4", 16_384, 48, 192],
        "g4dn.16xlarge": [1, "T4", 16_384, 64, 256],
        "g4dn.metal": [8, "T4", 16_384, 96, 384],
        "g5.xlarge": [1, "A10G", 22_888, 4, 16],
        "g5.2xlarge": [1, "A10G", 22_888, 8, 32],
        "g5.4xlarge": [1, "A10G", 22_888, 16, 64],
        "g5.8xlarge": [1, "A10G", 22_888, 32, 128],
        "g5.12xlarge": [4, "A10G", 22_888, 48, 192],
        "g5.16xlarge": [1, "A10G", 22_888, 64, 256],
        "g5.24xlarge": [4, "A10G", 22_888, 96, 384],
        "g5.48xlarge": [8, "A10G", 22_888, 192, 768],
        "g6.xlarge": [1, "L4", 22_888, 4, 16],
        "g6.2xlarge": [1, "L4", 22_888, 8, 32],
        "g6.4xlarge": [1, "L4", 22_888, 16, 64],
        "g6.8xlarge": [1, "L4", 22_888, 32, 128],
        "g6.12xlarge": [4, "L4", 22_888, 48, 192],
        "g6.16xlarge": [1, "L4", 22_888, 64, 256],
        "g6.24xlarge": [4, "L4", 22_888, 96, 384],
        "g6.48xlarge": [8, "L4", 22_888, 192, 768],
        "g6e.xlarge": [1, "L40S", 45_776, 4, 32],
        "g6e.2xlarge": [1, "L40S", 45_776, 8, 64],
        "g6e.4xlarge": [1, "L40S", 45_776, 16, 128],
        "g6e.8xlarge": [1, "L40S", 45_776, 32, 256],
        "g6e.12xlarge": [4, "L40S", 45_776, 48, 384],
        "g6e.16xlarge": [1, "L40S", 45_776, 64, 512],
        "g6e.24xlarge": [4, "L40S", 45_776, 96, 768],
        "g6e.48xlarge": [8, "L40S", 45_776, 192, 1536],
        "p4d.24xlarge": [8, "A100", 40_960, 96, 1152],
        "p4de.24xlarge": [8, "A100", 81_920, 96, 1152],
        "p5.48xlarge": [8, "H100", 81_920, 192, 2048],
        "p5e.48xlarge": [8, "H200", 144_384, 192, 2048],
        "p5en.48xlarge": [8, "H200", 144_384, 192, 2048],
    };

    it("gives the largest size of every family 8 GPUs", () => {
        const eight = ["g4dn.metal", "g5.48xlarge", "g6.48xlarge", "g6e.48xlarge", "p5.48xlarge"];
        assert.deepEqual(
            eight.map((type) => [type, gpuInstanceTypes[type]?.gpus]),
            eight.map((type) => [type, 8]),
        );
    });

    it("matches AWS's figures for every instance type, and lists no other", () => {
        const catalogue = Object.fromEntries(
            Object.entries(gpuInstanceTypes).map(([type, t]) => [
                type,
                [t.gpus, t.gpuModel, t.gpuMemoryGiB * 1024, t.vcpus, t.memoryGiB],
            ]),
        );
        assert.deepEqual(catalogue, aws);
    });
});
