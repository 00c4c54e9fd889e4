import { gpuInstanceTypeProblem } from "../components/plan/gpu-instances";
import { dns1123LabelReason, isDns1123Label, isEksClusterName } from "../components/plan/names";
import { Problems } from "../components/plan/problems";
import { stackConfigSchema } from "./config-schema";
import { Parsed } from "./schema";

export type StackConfig = Parsed<typeof stackConfigSchema>;
export type ModelConfig = StackConfig["models"][number];
export type GpuNodeGroupConfig = StackConfig["cluster"]["gpuNodeGroups"][number];

const digestReference = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

/**
 * Parses raw stack config into typed config and checks everything knowable before any resource
 * exists. Problems found here and by `moreChecks` (the components' own validators, capacity) are
 * reported together in one error.
 */
export function parseStackConfig(
    raw: Record<string, unknown>,
    stack: string,
    moreChecks: (config: StackConfig, problems: Problems) => void = () => undefined,
): StackConfig {
    const problems = new Problems();
    const known = Object.keys(stackConfigSchema);
    for (const key of Object.keys(raw)) {
        if (!known.includes(key)) problems.add(key, `is not a known config key; known keys: ${known.join(", ")}`);
    }
    const parsed: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(stackConfigSchema)) {
        parsed[key] = schema.parse(raw[key], key, problems);
    }
    const config = parsed as StackConfig;
    const parsedCleanly = problems.list.length === 0;
    checkPlatform(config, raw, problems);
    if (config.cluster) checkCluster(config, stack, problems);
    if (config.models && config.cluster) checkModels(config, problems);
    // Component validators assume a well-typed config; they run only once the schema is satisfied.
    if (parsedCleanly) moreChecks(config, problems);
    problems.throwIfAny(`Stack "${stack}" config`);
    return config;
}

function checkPlatform(config: StackConfig, raw: Record<string, unknown>, problems: Problems): void {
    const existing = config.platform === "existing";
    if (existing && raw.network !== undefined) problems.add("network", 'is only used when platform is "eks"; remove it');
    if (existing && raw.observability !== undefined) {
        problems.add("observability", 'is only used when platform is "eks"; install monitoring on your cluster yourself');
    }
    if (!existing) {
        for (const key of ["kubeconfigPath", "kubeContext"] as const) {
            if (config.cluster?.[key] !== undefined) problems.add(`cluster.${key}`, 'is only used when platform is "existing"');
        }
        if (config.modelStore?.hostPath !== undefined) problems.add("modelStore.hostPath", 'is only used when platform is "existing"');
    }
}

function checkCluster(config: StackConfig, stack: string, problems: Problems): void {
    const cluster = config.cluster;
    const name = clusterName(config, stack);
    problems.expect(isEksClusterName(name), "cluster.name", `"${name}" is not a valid EKS cluster name: 1–100 letters, digits, '-' or '_', starting with a letter or digit`);
    if (cluster.endpointPublicAccess && cluster.publicAccessCidrs.length === 0) {
        problems.add("cluster.publicAccessCidrs", "must list the CIDRs allowed to a public endpoint (AWS opens an empty list to 0.0.0.0/0)");
    }
    const seen = new Set<string>();
    cluster.gpuNodeGroups.forEach((group, i) => {
        const path = `cluster.gpuNodeGroups[${i}]`;
        problems.expect(isDns1123Label(group.name), `${path}.name`, dns1123LabelReason(group.name));
        problems.expect(!seen.has(group.name), `${path}.name`, `"${group.name}" is used by another GPU node group`);
        seen.add(group.name);
        group.instanceTypes.forEach((type, j) => {
            const reason = gpuInstanceTypeProblem(type);
            if (reason) problems.add(`${path}.instanceTypes[${j}]`, reason);
        });
        problems.expect(group.minSize <= group.maxSize, `${path}.minSize`, `${group.minSize} exceeds maxSize ${group.maxSize}`);
        const desired = group.desiredSize ?? group.minSize;
        problems.expect(
            desired >= group.minSize && desired <= group.maxSize,
            `${path}.desiredSize`,
            `${desired} must lie between minSize ${group.minSize} and maxSize ${group.maxSize}`,
        );
    });
}

function checkModels(config: StackConfig, problems: Problems): void {
    const names = new Set<string>();
    const groups = new Map(config.cluster.gpuNodeGroups.map((g) => [g.name, g]));
    config.models.forEach((model, i) => {
        const path = `models[${i}]`;
        problems.expect(isDns1123Label(model.name, 40), `${path}.name`, dns1123LabelReason(model.name, 40));
        problems.expect(!names.has(model.name), `${path}.name`, `"${model.name}" is served twice`);
        names.add(model.name);
        checkImage(model, config.platform, `${path}.image`, problems);
        checkWeights(model, `${path}.weights`, problems);
        problems.expect(model.minReplicas <= model.maxReplicas, `${path}.minReplicas`, `${model.minReplicas} exceeds maxReplicas ${model.maxReplicas}`);
        problems.expect(
            groups.has(model.gpuGroup),
            `${path}.gpuGroup`,
            `"${model.gpuGroup}" is not a GPU node group; defined groups: ${[...groups.keys()].join(", ")}`,
        );
        checkRuntimeKeys(model, path, problems);
    });
}

function checkImage(model: ModelConfig, platform: string, path: string, problems: Problems): void {
    const { context, reference } = model.image;
    if ((context === undefined) === (reference === undefined)) {
        problems.add(path, "set exactly one of `context` (build and push to ECR) or `reference` (an existing image by digest)");
    }
    if (reference !== undefined && !digestReference.test(reference)) {
        problems.add(`${path}.reference`, `"${reference}" is not a digest reference (repo@sha256:<64 hex>); tags can move under a running Deployment`);
    }
    if (platform === "existing" && context !== undefined) {
        problems.add(`${path}.context`, 'cannot build without ECR on platform "existing"; set `reference` to an image digest');
    }
}

function checkWeights(model: ModelConfig, path: string, problems: Problems): void {
    const { source, revision } = model.weights;
    const s3 = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(source);
    const hf = /^hf:\/\/[\w.-]+\/[\w.-]+$/.test(source);
    problems.expect(s3 || hf, `${path}.source`, `"${source}" must be s3://bucket/prefix or hf://org/repo`);
    if (hf && !revision) {
        problems.add(`${path}.revision`, "is required for hf:// sources: pin a commit so every replica serves the same weights");
    }
}

const vllmOnlyKeys = ["loadFormat", "tensorParallelSize", "maxModelLen", "queueDepthTarget"] as const;
const customOnlyKeys = ["port", "healthPath", "readinessPath", "metricsPath", "hpaCpuUtilization"] as const;

function checkRuntimeKeys(model: ModelConfig, path: string, problems: Problems): void {
    const foreign = model.runtime === "vllm" ? customOnlyKeys : vllmOnlyKeys;
    for (const key of foreign) {
        if (model[key] !== undefined) problems.add(`${path}.${key}`, `does not apply to runtime "${model.runtime}"`);
    }
}

export function clusterName(config: StackConfig, stack: string): string {
    return config.cluster.name ?? `gpu-serving-${stack}`;
}
