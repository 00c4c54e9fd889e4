/**
 * Cold-start arithmetic for a GPU serving pod: how long a new replica takes from "the autoscaler
 * asked for it" to "it answers", stage by stage, and the startupProbe budget derived from it.
 * Figures and their sources are in /work/shared/REFERENCE.md; each constant below names its source.
 */

/** GPU node launch to Ready. 80–120 s typical (tensorfuse lazy-loading blog); we take the top of that range. */
export const gpuNodeLaunchSeconds = 120;

/**
 * Registry pull throughput for an uncached image, MiB/s. 5.6 GB in 101 s ≈ 53 MiB/s
 * (kaito-project/kaito issue 2325); 15–20 GB in 4–6 min ≈ 53–60 MiB/s (AWS ML blog "Reducing
 * container cold start times using SOCI index on DLAMI and DLC"). Rounded down to 50.
 */
export const imagePullMiBps = 50;

/**
 * EFS read throughput for one client, MiB/s: 500 outside Elastic throughput (Elastic allows up to
 * 1,500). AWS EFS user guide, "Amazon EFS performance". The conservative figure is the default.
 */
export const efsPerClientReadMiBps = 500;

/**
 * Engine warm-up (CUDA graph capture, compilation) by runtime, seconds. vLLM: 195 s, the slowest
 * published figure (27B model on A100, kaito-project/kaito issue 2325; a small model takes 17 s,
 * vllm-project/vllm issue 20264) so a default never starves a large model; override for small ones.
 * custom: no published figure for an arbitrary server; an assumption of about 2× vLLM's small-model
 * warm-up, to be overridden with the server's measured figure.
 */
export const warmupSecondsByRuntime: Readonly<Record<string, number>> = { vllm: 195, custom: 30 };

/** A floor for the startup budget, seconds: below it a slow page-cache miss or GC pause kills a healthy load. */
export const minimumStartupBudgetSeconds = 120;

export interface ColdStartInput {
    /** Serving image size, GiB (uncompressed as pulled). */
    imageSizeGiB: number;
    /** Model weights size, GiB. */
    weightsSizeGiB: number;
    /** Read throughput of the weights storage for one client, MiB/s. @default 500 (EFS per client) */
    storageReadMiBps?: number;
    /** Serving runtime; picks the warm-up default. @default "vllm" */
    runtime?: string;
    /** Engine warm-up, seconds. @default warmupSecondsByRuntime[runtime] */
    warmupSeconds?: number;
    /** GPU node launch to Ready, seconds. @default 120 */
    nodeLaunchSeconds?: number;
    /** Image pull throughput, MiB/s. @default 50 */
    imagePullMiBps?: number;
}

export interface ColdStartStage {
    name: string;
    /** Whole seconds, rounded up. */
    seconds: number;
    /** The figure the seconds come from, for a human reading the plan. */
    figure: string;
    source: string;
}

export interface ColdStartEstimate {
    stages: ColdStartStage[];
    totalSeconds: number;
}

/** Engine warm-up default for a runtime, seconds; throws for an unknown runtime rather than guessing. */
export function defaultWarmupSeconds(runtime: string): number {
    const seconds = warmupSecondsByRuntime[runtime];
    if (seconds === undefined) {
        throw new Error(
            `no warm-up figure for runtime "${runtime}"; known: ${Object.keys(warmupSecondsByRuntime).join(", ")}`,
        );
    }
    return seconds;
}

/** Seconds to read `sizeGiB` at `mibPerSecond`, unrounded. */
export function transferSeconds(sizeGiB: number, mibPerSecond: number): number {
    return (sizeGiB * 1024) / mibPerSecond;
}

/**
 * Worst-case time for a new replica on a new GPU node: node launch, image pull, weights read and
 * engine warm-up, in sequence (each waits for the previous one).
 */
export function estimateColdStart(input: ColdStartInput): ColdStartEstimate {
    const runtime = input.runtime ?? "vllm";
    const nodeLaunch = input.nodeLaunchSeconds ?? gpuNodeLaunchSeconds;
    const pullMiBps = input.imagePullMiBps ?? imagePullMiBps;
    const readMiBps = input.storageReadMiBps ?? efsPerClientReadMiBps;
    const warmup = input.warmupSeconds ?? defaultWarmupSeconds(runtime);
    const stages: ColdStartStage[] = [
        {
            name: "gpu-node-launch",
            seconds: Math.ceil(nodeLaunch),
            figure: `${nodeLaunch} s`,
            source: "80–120 s typical: tensorfuse lazy-loading blog; kaito-project/kaito issue 2325",
        },
        {
            name: "image-pull",
            seconds: Math.ceil(transferSeconds(input.imageSizeGiB, pullMiBps)),
            figure: `${input.imageSizeGiB} GiB at ${pullMiBps} MiB/s`,
            source: "kaito-project/kaito issue 2325; AWS ML blog on SOCI index for DLAMI and DLC",
        },
        {
            name: "weights-read",
            seconds: Math.ceil(transferSeconds(input.weightsSizeGiB, readMiBps)),
            figure: `${input.weightsSizeGiB} GiB at ${readMiBps} MiB/s`,
            source: 'AWS EFS user guide, "Amazon EFS performance" (per-client throughput)',
        },
        {
            name: "engine-warm-up",
            seconds: Math.ceil(warmup),
            figure: `${warmup} s (${input.warmupSeconds === undefined ? `${runtime} default` : "given"})`,
            source: "vllm-project/vllm issue 20264; kaito-project/kaito issue 2325",
        },
    ];
    return { stages, totalSeconds: stages.reduce((sum, stage) => sum + stage.seconds, 0) };
}

export interface StartupProbeBudgetInput {
    weightsSizeGiB: number;
    storageReadMiBps: number;
    warmupSeconds: number;
    /** Multiplier for slow reads and noisy neighbours. @default 2 */
    safetyFactor?: number;
    /** startupProbe period, seconds. @default 10 */
    periodSeconds?: number;
    /** Floor of the budget, seconds. @default 120 */
    minimumSeconds?: number;
}

export interface StartupProbeBudget {
    periodSeconds: number;
    /** ceil(budgetSeconds / periodSeconds): the probe window is at least the budget. */
    failureThreshold: number;
    budgetSeconds: number;
}

/**
 * How long the startupProbe lets a container load weights and warm up before the kubelet kills it:
 * ceil((weights read + warm-up) × safetyFactor), at least `minimumSeconds`. Node launch and image
 * pull are left out on purpose: the startupProbe clock starts when the container starts, after the
 * node is Ready, the image is pulled and init containers (the wait for staged weights) are done.
 * Peers use fixed 10–30 min budgets (REFERENCE.md); too short kills a slow load in a loop, too long
 * hides a hung pod, so the budget follows the model's size instead.
 */
export function startupProbeBudget(input: StartupProbeBudgetInput): StartupProbeBudget {
    const safetyFactor = input.safetyFactor ?? 2;
    const periodSeconds = input.periodSeconds ?? 10;
    const minimumSeconds = input.minimumSeconds ?? minimumStartupBudgetSeconds;
    const loadSeconds =
        transferSeconds(input.weightsSizeGiB, input.storageReadMiBps) + input.warmupSeconds;
    const budgetSeconds = Math.max(minimumSeconds, Math.ceil(loadSeconds * safetyFactor));
    return {
        periodSeconds,
        failureThreshold: Math.ceil(budgetSeconds / periodSeconds),
        budgetSeconds,
    };
}
