import * as pulumi from "@pulumi/pulumi";
import { resolveClusterSettings, validateClusterSettings } from "../components/plan/cluster-plan";
import { capacityProblems } from "../components/plan/capacity";
import {
    checkModelImageArgs,
    defaultImagePlatform,
    defaultKeepTaggedImages,
    defaultUntaggedExpiryDays,
} from "../components/plan/image-plan";
import { dns1123LabelReason, isDns1123Label } from "../components/plan/names";
import { networkProblems } from "../components/plan/network-plan";
import { Problems } from "../components/plan/problems";
import {
    checkModelStoreArgs,
    defaultClaimSizeGiB,
    defaultStorageClassName,
} from "../components/plan/store-plan";
import { modelServiceProblems } from "../components/serving/validation";
import { observabilityArgsProblems } from "../components/plan/observability-validation";
import {
    gpuClusterArgs,
    gpuNodePoolArgs,
    imageRepositoryName,
    networkArgs,
    observabilityArgs,
    privateSubnetCount,
} from "./component-args";
import * as v from "valibot";
import {
    GpuNodeGroupConfig,
    GpuNodePoolConfig,
    ModelConfig,
    StackConfig,
    modelSchema,
    secretConfigKeys,
    stackConfigEntries,
    withNetworkDefaults,
} from "./config-schema";
import {
    loadBalancerSubnetProblems,
    modelPlacementProblems,
    plainTextSecretProblems,
} from "./model-checks";
import { UndecodedConfigValue } from "./read-config";
import { capacityGroups, gpuDemands, modelConfigPaths, modelServiceArgs } from "./serving-plan";
import {
    compileCacheKeyFor,
    groupColdStartSeconds,
    poolPlanInput,
    staticNodesFor,
} from "./capacity-plan";
import { poolCapacityProblems } from "../components/plan/node-pool-capacity";
import { gpuNodePoolProblems } from "../components/plan/node-pool-validation";

const exampleDigest = `example@sha256:${"0".repeat(64)}`;

export interface ParseOptions {
    /**
     * Keys the engine stores encrypted (stacks/read-config.ts `readSecretKeys`). Without it, as when
     * a stack file is read offline, a secret key must appear in its encrypted `secure:` form.
     */
    secretKeys?: ReadonlySet<string>;
}

/** A stack file read offline holds `{ secure: "v1:…" }` for an encrypted value; it is a set string. */
function withEncryptedValuesRead(raw: Record<string, unknown>): Record<string, unknown> {
    const encrypted = (value: unknown) =>
        typeof value === "object" && value !== null && "secure" in value;
    return Object.fromEntries(
        Object.entries(raw).map(([key, value]) => [key, encrypted(value) ? "<encrypted>" : value]),
    );
}

/** Parse options: one problem per key (its first failed check), every key visited. */
const parseOptions = { abortPipeEarly: true } as const;

/** `models[1].gpusPerReplica` from a top-level key and the path of a valibot issue below it. */
function issuePath(key: string, issue: v.BaseIssue<unknown>): string {
    return (issue.path ?? []).reduce(
        (path, item) =>
            path + (typeof item.key === "number" ? `[${item.key}]` : `.${String(item.key)}`),
        key,
    );
}

/** An empty YAML value (`key:`) reads as null; like the old parser, treat it as left out. */
function withoutNulls(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutNulls);
    if (typeof value !== "object" || value === null || value instanceof UndecodedConfigValue)
        return value;
    return Object.fromEntries(
        Object.entries(value)
            .filter(([, entry]) => entry !== null)
            .map(([key, entry]) => [key, withoutNulls(entry)]),
    );
}

/**
 * Each top-level key parsed on its own, so a problem in one section does not hide the others; a
 * section with problems stays undefined and the checks that need it are skipped.
 */
function parseSections(raw: Record<string, unknown>, problems: Problems): StackConfig {
    const known = Object.keys(stackConfigEntries);
    const parsed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        if (!known.includes(key)) {
            problems.add(key, `is not a known config key; known keys: ${known.join(", ")}`);
        } else if (value instanceof UndecodedConfigValue) {
            problems.add(key, value.problem());
        }
    }
    for (const [key, schema] of Object.entries(stackConfigEntries)) {
        if (raw[key] instanceof UndecodedConfigValue) continue;
        const result = v.safeParse(schema, withoutNulls(raw[key]), parseOptions);
        if (result.success) parsed[key] = result.output;
        else for (const issue of result.issues) problems.add(issuePath(key, issue), issue.message);
    }
    if (parsed.network !== undefined)
        parsed.network = withNetworkDefaults(parsed.network as StackConfig["network"]);
    return parsed as StackConfig;
}

/** Each model on its own, so the cross-checks still run for the models that parse. */
function parseModels(raw: Record<string, unknown>): (ModelConfig | undefined)[] {
    if (!Array.isArray(raw.models)) return [];
    return raw.models.map((model) => {
        const result = v.safeParse(modelSchema, withoutNulls(model), parseOptions);
        return result.success ? result.output : undefined;
    });
}

/**
 * Parses raw stack config into typed config and checks everything knowable before any resource
 * exists: the schema, rules between sections, each component's own argument checks (mapped back to
 * config keys) and the GPU capacity plan. Every problem lands in one error.
 */
export function parseStackConfig(
    given: Record<string, unknown>,
    stack: string,
    options: ParseOptions = {},
): StackConfig {
    const problems = new Problems();
    const raw = withEncryptedValuesRead(given);
    absorb(problems, plainTextSecretProblems(given, secretConfigKeys, options.secretKeys), "");
    const config = parseSections(raw, problems);
    const models = parseModels(raw);
    checkPlatform(config, raw, problems);
    const eks = config.platform === "eks";
    if (config.cluster) checkCluster(config, stack, problems);
    if (eks && config.network && config.cluster)
        absorb(problems, networkProblems(networkArgs(config, stack)).list, "network.", {
            clusterName: "=cluster.name",
        });
    if (eks && config.modelStore && config.network) checkModelStore(config, problems);
    if (!eks && config.modelStore) checkExistingStorage(config, problems);
    if (eks && config.observability?.enabled && config.cluster) {
        absorb(
            problems,
            observabilityArgsProblems(observabilityArgs(config, stack)).list,
            "observability.",
            {
                clusterName: "=cluster.name",
            },
        );
    }
    if (config.serving && config.modelStore) {
        models.forEach((model, i) => model && checkModel(config, model, i, problems));
        checkModelNames(models, problems);
    }
    if (config.weightsCredentials && !models.some((m) => m?.weights.endpoint !== undefined))
        problems.add(
            "weightsCredentials",
            "is only used by models with `weights.endpoint` (S3-compatible stores); no model sets one",
        );
    if (config.cluster) {
        // A NodePool's node sizes follow the largest replica of the models that parse.
        const parsed = { ...config, models: models.filter((m) => m !== undefined) } as StackConfig;
        models.forEach((model, i) => {
            if (model) absorb(problems, modelPlacementProblems(parsed, model, i), "");
        });
    }
    if (config.network && config.serving && models.every((m) => m !== undefined))
        absorb(problems, loadBalancerSubnetProblems({ ...config, models } as StackConfig), "");
    if (config.cluster && models.every((m) => m !== undefined))
        checkCapacity({ ...config, models: models as ModelConfig[] }, problems);
    if (config.cluster && config.coldStart && models.every((m) => m !== undefined))
        checkColdStartCuts({ ...config, models: models as ModelConfig[] }, problems);
    problems.throwIfAny(`Stack "${stack}" config`);
    return config;
}

/**
 * Copies `found` into `problems` under `prefix`. `rename` maps a component's property to the config
 * key a user edits; a target starting with "=" is a full config path, reported once even when
 * several components check the same value.
 */
function absorb(
    problems: Problems,
    found: readonly pulumi.InputPropertyErrorDetails[],
    prefix: string,
    rename: Readonly<Record<string, string>> = {},
): void {
    for (const { propertyPath, reason } of found) {
        const [head, ...rest] = propertyPath.split(/(?=[.[])/);
        const target = rename[head] ?? head;
        const absolute = target.startsWith("=");
        const path = (absolute ? target.slice(1) : prefix + target) + rest.join("");
        const repeated = problems.list.some(
            (p) => p.propertyPath === path && (absolute || p.reason === reason),
        );
        if (!repeated) problems.add(path, reason);
    }
}

function checkPlatform(
    config: StackConfig,
    raw: Record<string, unknown>,
    problems: Problems,
): void {
    const existing = config.platform === "existing";
    if (existing && raw.network !== undefined)
        problems.add("network", 'is only used when platform is "eks"; remove it');
    if (existing && raw.observability !== undefined) {
        problems.add(
            "observability",
            'is only used when platform is "eks"; install monitoring on your cluster yourself',
        );
    }
    if (!existing) {
        for (const key of ["kubeconfigPath", "kubeContext"] as const) {
            if (config.cluster?.[key] !== undefined)
                problems.add(`cluster.${key}`, 'is only used when platform is "existing"');
        }
        if (config.modelStore?.hostPath !== undefined)
            problems.add("modelStore.hostPath", 'is only used when platform is "existing"');
    }
}

function checkCluster(config: StackConfig, stack: string, problems: Problems): void {
    const eks = config.platform === "eks";
    const args = gpuClusterArgs(config, stack, "vpc", ["subnet-a", "subnet-b"]);
    const clusterProblems = new Problems();
    if (eks || config.cluster.capacityEngine === "node-groups" || args.gpuNodeGroups.length > 0) {
        // On an existing cluster the node groups describe static nodes; its NodePools are checked
        // below against the node class it already has.
        const described = eks ? args : { ...args, capacityEngine: "node-groups", gpuNodePools: [] };
        validateClusterSettings(
            resolveClusterSettings("cluster", described),
            described,
            clusterProblems,
        );
    }
    absorb(problems, clusterProblems.list, "cluster.", { clusterName: "=cluster.name" });
    checkKarpenterPlatform(config, problems);
}

/** The node class NodePools launch from: an EC2NodeClass on EKS, the cluster's own one otherwise. */
function checkKarpenterPlatform(config: StackConfig, problems: Problems): void {
    const { cluster } = config;
    const karpenter = cluster.capacityEngine === "karpenter";
    if (config.platform === "eks") {
        if (cluster.karpenter.nodeClass !== undefined)
            problems.add(
                "cluster.karpenter.nodeClass",
                'is only used when platform is "existing"; on EKS each NodePool gets its own EC2NodeClass',
            );
        return;
    }
    if (!karpenter) return;
    if (
        !problems.expect(
            cluster.karpenter.nodeClass !== undefined,
            "cluster.karpenter.nodeClass",
            'is required on platform "existing" with capacity engine "karpenter": the node class the NodePools launch from',
        )
    )
        return;
    const found = new Problems();
    gpuNodePoolProblems(
        {
            pools: cluster.gpuNodePools.map((pool) => gpuNodePoolArgs(config, pool)),
            existingNodeClass: cluster.karpenter.nodeClass,
        },
        found,
        "gpuNodePools",
    );
    absorb(problems, found.list, "cluster.");
}

/**
 * GPU fit: node groups against their maxSize, NodePools against their GPU limit (plus the static
 * nodes of an existing cluster's group of the same name), each model's group known.
 */
function checkCapacity(config: StackConfig, problems: Problems): void {
    const { cluster } = config;
    const demands = gpuDemands(config.models);
    const pooled = new Set(cluster.gpuNodePools.map((p) => p.name));
    const groupIndex = (name: string) => cluster.gpuNodeGroups.findIndex((g) => g.name === name);
    const groupPaths = {
        model: (i: number) => `models[${i}]`,
        group: (name: string) => `cluster.gpuNodeGroups[${groupIndex(name)}]`,
    };
    const staticGroups = cluster.gpuNodeGroups.filter((g) => !pooled.has(g.name));
    const found = capacityProblems(
        capacityGroups([...staticGroups, ...cluster.gpuNodePools.map(poolAsGroup)]),
        demands,
        groupPaths,
    ).filter(
        (p) =>
            // Instance types are GpuCluster's to report; pooled groups are sized by their limit below.
            !p.propertyPath.includes(".instanceTypes[") &&
            !`${p.propertyPath} ${p.reason}`.includes("gpuNodeGroups[-1]"),
    );
    absorb(problems, found, "");
    cluster.gpuNodePools.forEach((pool, j) => {
        absorb(
            problems,
            poolCapacityProblems(
                poolPlanInput(config, pool),
                demands,
                { model: (i) => `models[${i}]`, pool: `cluster.gpuNodePools[${j}]` },
                staticNodesFor(config, pool.name),
            ),
            "",
        );
    });
}

/** A NodePool as the node-group check sees it: a known group with room, so only model errors show. */
function poolAsGroup(pool: GpuNodePoolConfig): GpuNodeGroupConfig {
    return {
        name: pool.name,
        instanceTypes: ["g6e.48xlarge"],
        capacityType: "ON_DEMAND",
        minSize: 0,
        maxSize: Number.MAX_SAFE_INTEGER,
        rootVolumeSizeGiB: 200,
        maxUnavailable: 1,
        labels: {},
    };
}

/** The cuts must be possible where they are asked for, and consolidation must wait out a cold start. */
function checkColdStartCuts(config: StackConfig, problems: Problems): void {
    const { cluster, coldStart } = config;
    config.models.forEach((model, i) => {
        const key = compileCacheKeyFor(config, model);
        if (key && "problem" in key)
            problems.add("coldStart.compileCache", `models[${i}] (${model.name}): ${key.problem}`);
    });
    const karpenterOnEks = config.platform === "eks" && cluster.capacityEngine === "karpenter";
    // EFS serves one client up to 1,500 MiB/s with Elastic throughput, 500 otherwise (EFS user guide).
    const ceiling = config.modelStore?.throughputMode === "elastic" ? 1500 : 500;
    if (coldStart.weightsReadMiBps !== undefined && config.platform === "eks")
        problems.expect(
            coldStart.weightsReadMiBps <= ceiling,
            "coldStart.weightsReadMiBps",
            `${coldStart.weightsReadMiBps} MiB/s exceeds what EFS serves one client in ${config.modelStore.throughputMode} mode (${ceiling} MiB/s)`,
        );
    if (coldStart.imageCache === "ebs-snapshot" && config.platform === "eks" && !karpenterOnEks)
        problems.add(
            "coldStart.imageCache",
            '"ebs-snapshot" restores a NodePool\'s image volume; set cluster.capacityEngine: "karpenter" (node groups have no image volume)',
        );
    cluster.gpuNodePools.forEach((pool, j) => {
        if (karpenterOnEks && coldStart.imageCache === "ebs-snapshot")
            problems.expect(
                pool.imageCacheSnapshotId !== undefined,
                `cluster.gpuNodePools[${j}].imageCacheSnapshotId`,
                'is required with coldStart.imageCache "ebs-snapshot": the snapshot holding the serving images',
            );
        const coldStartSeconds = groupColdStartSeconds(config, pool.name);
        if (pool.consolidateAfterSeconds !== undefined)
            problems.expect(
                pool.consolidateAfterSeconds >= coldStartSeconds,
                `cluster.gpuNodePools[${j}].consolidateAfterSeconds`,
                `${pool.consolidateAfterSeconds} s is shorter than the group's new-node cold start (${coldStartSeconds} s): a burst would bring back a node just removed`,
            );
    });
}

function checkModelStore(config: StackConfig, problems: Problems): void {
    const storeProblems = new Problems();
    checkModelStoreArgs(
        {
            privateSubnetIds: Array.from(
                { length: config.network ? privateSubnetCount(config) : 2 },
                (_, i) => `subnet-${i}`,
            ),
            storageClassName: defaultStorageClassName,
            claimName: config.modelStore.claimName,
            claimSizeGiB: defaultClaimSizeGiB,
            throughputMode: config.modelStore.throughputMode,
        },
        storeProblems,
    );
    absorb(problems, storeProblems.list, "modelStore.");
}

/**
 * On an existing cluster the program creates the claim (and, with hostPath, its volume) itself;
 * names the API server would refuse are reported here, before anything is created.
 */
function checkExistingStorage(config: StackConfig, problems: Problems): void {
    for (const key of ["claimName", "storageClassName"] as const) {
        const name = config.modelStore[key];
        // Both are DNS-1123 subdomains; the label form is a safe subset, as for ModelStore.
        problems.expect(
            isDns1123Label(name, 253),
            `modelStore.${key}`,
            dns1123LabelReason(name, 253),
        );
    }
}

function checkModel(
    config: StackConfig,
    model: ModelConfig,
    index: number,
    problems: Problems,
): void {
    const path = `models[${index}]`;
    const { context, reference } = model.image;
    if ((context === undefined) === (reference === undefined)) {
        problems.add(
            `${path}.image`,
            "set exactly one of `context` (build and push to ECR) or `reference` (an existing image by digest)",
        );
    }
    if (config.platform === "existing" && context !== undefined) {
        problems.add(
            `${path}.image.context`,
            'cannot build without ECR on platform "existing"; set `reference` to an image digest',
        );
    }
    const args = modelServiceArgs(config, model, {
        namespace: config.serving.namespace,
        image: reference ?? exampleDigest,
        modelClaimName: config.modelStore.claimName,
        weightsCredentials: config.weightsCredentials,
    });
    const serviceProblems = modelServiceProblems(args).list.filter(
        (p) => p.propertyPath !== "gpuGroup",
    );
    absorb(problems, serviceProblems, `${path}.`, modelConfigPaths);
    if (context !== undefined) {
        const imageProblems = new Problems();
        checkModelImageArgs(
            {
                repositoryName: model.image.repository ?? imageRepositoryName(model),
                context,
                dockerfile: model.image.dockerfile,
                modelVersion: model.version,
                platform: defaultImagePlatform,
                keepTaggedImages: defaultKeepTaggedImages,
                untaggedExpiryDays: defaultUntaggedExpiryDays,
            },
            imageProblems,
        );
        absorb(problems, imageProblems.list, `${path}.image.`, {
            // A derived repository name is only wrong because the model name is; report it there once.
            repositoryName: model.image.repository === undefined ? `=${path}.name` : "repository",
            modelVersion: `=${path}.version`,
        });
    }
}

function checkModelNames(models: readonly (ModelConfig | undefined)[], problems: Problems): void {
    const seen = new Set<string>();
    models.forEach((model, i) => {
        if (!model) return;
        problems.expect(
            !seen.has(model.name),
            `models[${i}].name`,
            `"${model.name}" is served twice`,
        );
        seen.add(model.name);
    });
}
