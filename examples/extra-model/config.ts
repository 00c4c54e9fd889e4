import * as pulumi from "@pulumi/pulumi";

/** The extra model, as `Pulumi.<stack>.yaml` sets it under `model:` (see README.md). */
export interface ExtraModelSettings {
    name: string;
    runtime: string;
    version: string;
    /** Serving image by digest; or `sameImageAs` names a model whose image the platform built. */
    image?: string;
    sameImageAs?: string;
    weights: { source: string; revision?: string; sizeGiB: number };
    gpuGroup: string;
    gpusPerReplica: number;
    minReplicas: number;
    maxReplicas: number;
    maxModelLen?: number;
    monitoring: boolean;
    autoscaling: boolean;
}

export interface ExtraModelConfig {
    /** Fully qualified platform stack, `<org>/gpu-serving-infra/<stack>`. */
    platformStack: string;
    model: ExtraModelSettings;
}

type Check = (value: unknown, model: Record<string, any>) => boolean;

const text =
    (pattern: RegExp): Check =>
    (v) =>
        typeof v === "string" && pattern.test(v);
const whole =
    (min: number): Check =>
    (v) =>
        Number.isInteger(v) && (v as number) >= min;
const optional =
    (check: Check): Check =>
    (v, m) =>
        v === undefined || check(v, m);
const isHf = (model: Record<string, any>) => String(model.weights?.source).startsWith("hf://");

/** Every `model` key with what it must be; the keys listed here are the only ones allowed. */
const modelRules: [key: string, check: Check, wants: string][] = [
    ["name", text(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/), "a DNS-1035 label (a-z, 0-9, '-'; ≤ 63)"],
    ["runtime", (v) => v === "vllm" || v === "custom", "vllm or custom"],
    ["version", text(/^[A-Za-z0-9][\w.-]{0,62}$/), 'a label like "2024-09-19" (quote dates)'],
    [
        "image",
        (v, m) =>
            (v === undefined) !== (m.sameImageAs === undefined) &&
            optional(text(/^[^\s@]+@sha256:[0-9a-f]{64}$/))(v, m),
        "<repository>@sha256:<64 hex>; set exactly one of image and sameImageAs",
    ],
    ["sameImageAs", optional(text(/^[a-z][-a-z0-9]*$/)), "a model the platform stack serves"],
    ["weights.source", text(/^(s3|hf):\/\/\S+$/), "s3://bucket/prefix or hf://org/repo"],
    [
        "weights.revision",
        (v, m) => (isHf(m) ? text(/^\S+$/)(v, m) : v === undefined),
        "a commit or tag for hf:// (never an implicit main); unset for s3://",
    ],
    ["weights.sizeGiB", (v) => typeof v === "number" && v > 0, "the weights' size, GiB, > 0"],
    ["gpuGroup", text(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/), "a GPU node group of the platform"],
    ["gpusPerReplica", whole(1), "an integer ≥ 1"],
    ["minReplicas", whole(0), "an integer ≥ 0"],
    [
        "maxReplicas",
        (v, m) => whole(1)(v, m) && !((v as number) < m.minReplicas),
        "an integer ≥ 1 and ≥ minReplicas",
    ],
    ["maxModelLen", optional(whole(1)), "tokens, an integer ≥ 1"],
    ["monitoring", optional((v) => typeof v === "boolean"), "true or false (default true)"],
    ["autoscaling", optional((v) => typeof v === "boolean"), "true or false (default true)"],
];

function isRecord(value: unknown): value is Record<string, any> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The example's config, checked as a whole: one error lists every problem under its key, so a
 * user fixes `Pulumi.<stack>.yaml` in one pass. ModelService still checks what only it knows
 * (vLLM flags, parallelism) when it is constructed.
 */
export function parseExtraModelConfig(raw: Record<string, unknown>): ExtraModelConfig {
    const problems: string[] = [];
    const shown = (value: unknown) => (value === undefined ? "missing" : JSON.stringify(value));

    const stack = raw.platformStack;
    const segments = typeof stack === "string" ? stack.split("/") : [];
    if (segments.length !== 3 || !segments.every((s) => /^[\w.-]+$/.test(s)))
        problems.push(
            `platformStack: ${shown(stack)}, want <org>/<project>/<stack> such as ` +
                "acme/gpu-serving-infra/dev (`pulumi org get-default` prints your org)",
        );

    const model = raw.model;
    if (!isRecord(model)) {
        problems.push(`model: ${shown(model)}, want the model to serve (see README.md)`);
    } else {
        const allowed = modelRules.map(([key]) => key);
        const present = Object.entries(model).flatMap(([key, value]) =>
            key === "weights" && isRecord(value)
                ? Object.keys(value).map((k) => `weights.${k}`)
                : [key],
        );
        for (const key of present.filter((k) => !allowed.includes(k) && k !== "weights"))
            problems.push(`model.${key}: unknown key; allowed: ${allowed.join(", ")}`);
        for (const [key, check, wants] of modelRules) {
            const value = key
                .split(".")
                .reduce<any>((at, part) => (isRecord(at) ? at[part] : undefined), model);
            if (!check(value, model)) problems.push(`model.${key}: ${shown(value)}, want ${wants}`);
        }
    }

    if (problems.length > 0) {
        // RunError: Pulumi prints the message alone, without a stack trace of this file.
        throw new pulumi.RunError(
            `extra-model config has ${problems.length} problem(s):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
    }
    const settings = model as unknown as ExtraModelSettings;
    return {
        platformStack: stack as string,
        model: {
            ...settings,
            monitoring: settings.monitoring ?? true,
            autoscaling: settings.autoscaling ?? true,
        },
    };
}

/** `platformStack` and `model` from the stack's config; nothing else in the program reads config. */
export function readExtraModelConfig(): ExtraModelConfig {
    const config = new pulumi.Config();
    return parseExtraModelConfig({
        platformStack: config.get("platformStack"),
        model: config.getObject<unknown>("model"),
    });
}
