import * as pulumi from "@pulumi/pulumi";
import { resolveClusterSettings, validateClusterSettings } from "../components/plan/cluster-plan";
import { capacityProblems } from "../components/plan/capacity";
import {
    checkModelImageArgs,
    defaultImagePlatform,
    defaultKeepTaggedImages,
    defaultUntaggedExpiryDays,
} from "../components/plan/image-plan";
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
    imageRepositoryName,
    networkArgs,
    observabilityArgs,
} from "./component-args";
import { ModelConfig, StackConfig, modelSchema, stackConfigSchema } from "./config-schema";
import { capacityGroups, gpuDemands, modelConfigPaths, modelServiceArgs } from "./serving-plan";

const exampleDigest = `example@sha256:${"0".repeat(64)}`;

/**
 * Parses raw stack config into typed config and checks everything knowable before any resource
 * exists: the schema, rules between sections, each component's own argument checks (mapped back to
 * config keys) and the GPU capacity plan. Every problem lands in one error.
 */
export function parseStackConfig(raw: Record<string, unknown>, stack: string): StackConfig {
    const problems = new Problems();
    const known = Object.keys(stackConfigSchema);
    for (const key of Object.keys(raw)) {
        if (!known.includes(key))
            problems.add(key, `is not a known config key; known keys: ${known.join(", ")}`);
    }
    const parsed: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(stackConfigSchema)) {
        parsed[key] = schema.parse(raw[key], key, problems);
    }
    const config = parsed as StackConfig;
    // Models are checked one by one so a typo in one does not hide the problems of the others.
    const models = Array.isArray(raw.models)
        ? raw.models.map((m, i) => modelSchema.parse(m, `models[${i}]`, new Problems()))
        : [];
    checkPlatform(config, raw, problems);
    const eks = config.platform === "eks";
    if (config.cluster) checkCluster(config, stack, problems);
    if (eks && config.network && config.cluster)
        absorb(problems, networkProblems(networkArgs(config, stack)).list, "network.", {
            clusterName: "=cluster.name",
        });
    if (eks && config.modelStore && config.network) checkModelStore(config, problems);
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
    if (config.cluster && models.every((m) => m !== undefined)) {
        const demands = gpuDemands(models as ModelConfig[]);
        const groupIndex = (name: string) =>
            config.cluster.gpuNodeGroups.findIndex((g) => g.name === name);
        const paths = {
            model: (i: number) => `models[${i}]`,
            group: (name: string) => `cluster.gpuNodeGroups[${groupIndex(name)}]`,
        };
        const found = capacityProblems(
            capacityGroups(config.cluster.gpuNodeGroups),
            demands,
            paths,
        );
        // Instance types are GpuCluster's to report; capacity adds only what is about fit.
        absorb(
            problems,
            found.filter((p) => !p.propertyPath.includes(".instanceTypes[")),
            "",
        );
    }
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
    const args = gpuClusterArgs(config, stack, "vpc", ["subnet-a", "subnet-b"]);
    const clusterProblems = new Problems();
    validateClusterSettings(resolveClusterSettings("cluster", args), args, clusterProblems);
    absorb(problems, clusterProblems.list, "cluster.", { clusterName: "=cluster.name" });
}

function checkModelStore(config: StackConfig, problems: Problems): void {
    const storeProblems = new Problems();
    checkModelStoreArgs(
        {
            privateSubnetIds: Array.from(
                { length: config.network?.availabilityZoneCount ?? 2 },
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
