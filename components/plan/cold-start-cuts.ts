import {
    ColdStartEstimate,
    ColdStartInput,
    ColdStartStage,
    estimateColdStart,
    transferSeconds,
} from "./cold-start";
import { gpuInstanceType } from "./gpu-instances";
import { serverStreamsFromS3, WeightsPathInput } from "./weights-access-plan";

/**
 * What each cold-start cut saves, stage by stage, in three situations: a replica on a new node, a
 * restart on a node that already ran it, and a scale-out that preempts warm headroom. Figures and
 * sources are in /work/shared/REFERENCE.md; each constant names its source.
 */

/**
 * Image start from an EBS snapshot data volume with the image pre-pulled: "< 5 s vs 334 s
 * uncached" for a 9.5 GB compressed PyTorch image (aws-ia/terraform-aws-eks-blueprints,
 * patterns/ml-container-cache/README.md). The upper bound is taken.
 */
export const snapshotCachedImageSeconds = 5;
export const snapshotCacheSource =
    "aws-ia/terraform-aws-eks-blueprints patterns/ml-container-cache: < 5 s vs 334 s uncached";

/**
 * Run:ai Model Streamer throughput, MiB/s: Llama-3-8B's 15 GB in 14 s (NVIDIA blog "Reducing cold
 * start latency for LLM inference with NVIDIA Run:ai Model Streamer", gp3 storage). 15e9 B / 14 s
 * = 1,021.8 MiB/s, rounded down. The streamer reads S3 with the same concurrent range reads; the
 * blog's gp3 figure is the one REFERENCE.md records for this model size, so it stands for a
 * server streaming its s3:// source (vLLM `--load-format runai_streamer`).
 */
export const runaiStreamerMiBps = 1021;
export const runaiStreamerSource =
    "NVIDIA blog on the Run:ai Model Streamer: Llama-3-8B (15 GB) in 14 s";

/** EFS per-client read ceiling with Elastic throughput, MiB/s (AWS EFS user guide, "Amazon EFS performance"). */
export const efsElasticPerClientMiBps = 1500;
export const efsSource = 'AWS EFS user guide, "Amazon EFS performance": ≤ 1,500 MiB/s per client';

/**
 * Warm-up with vLLM's torch.compile cache restored: ~5–20 s per model (Baseten docs, "Torch
 * compile caching"; vLLM docs design/torch_compile say the cache directory can be copied to later
 * deployments). The upper end is taken.
 */
export const compileCacheWarmupSeconds = 20;
export const compileCacheSource =
    'Baseten docs "Torch compile caching": 5–20 s restored; docs.vllm.ai design/torch_compile';

export type ImageCacheCut =
    /** A data volume restored from an EBS snapshot holding the serving images. */
    | { kind: "ebs-snapshot" }
    /** SOCI parallel pull (AL2023): faster pulls, but no published pull time for this image size. */
    | { kind: "soci-parallel-pull" };

export type WeightsCut =
    /** vLLM's runai_streamer load format reading the weights straight from S3. */
    | { kind: "runai-streamer-s3" }
    /** Weights on EFS read at this per-client rate (Elastic: ≤ 1,500 MiB/s). */
    | { kind: "efs"; readMiBps: number };

/**
 * The weights stage that actually runs for a model: the Run:ai streamer from S3 when its server
 * streams (`serverStreamsFromS3`, the same decision that drops its staging Job and gives the
 * server its read role), else the staged copy on EFS, at `efsReadMiBps` when the stack sets a
 * provisioned rate (undefined: the store's configured rate, no cut).
 */
export function weightsCutFor(
    model: WeightsPathInput & { efsReadMiBps?: number },
): WeightsCut | undefined {
    if (serverStreamsFromS3(model)) return { kind: "runai-streamer-s3" };
    return model.efsReadMiBps === undefined
        ? undefined
        : { kind: "efs", readMiBps: model.efsReadMiBps };
}

/** The read rate of a weights cut, MiB/s; `uncutMiBps` without one. */
export function weightsReadMiBps(cut: WeightsCut | undefined, uncutMiBps: number): number {
    if (!cut) return uncutMiBps;
    return cut.kind === "runai-streamer-s3"
        ? runaiStreamerMiBps
        : Math.min(cut.readMiBps, efsElasticPerClientMiBps);
}

/** The cold-start cuts a model's stack enables. */
export interface ColdStartCuts {
    imageCache?: ImageCacheCut;
    weights?: WeightsCut;
    /** vLLM's compile cache on the shared claim, keyed by model version, image digest and GPU type. */
    compileCache?: boolean;
}

/** One stage before and after the cuts. */
export interface StageComparison {
    name: string;
    before: number;
    after: number;
    /** What the after figure is, e.g. "15 GiB at 1021 MiB/s". */
    figure: string;
    source: string;
    /** The cut that changed this stage, when one did. */
    cut?: string;
}

export interface ScenarioComparison {
    scenario: "new-node" | "warm-restart" | "headroom-scale-out";
    /** What the scenario means, for the report. */
    description: string;
    stages: StageComparison[];
    beforeSeconds: number;
    afterSeconds: number;
}

function stageOf(estimate: ColdStartEstimate, name: string): ColdStartStage {
    const stage = estimate.stages.find((s) => s.name === name);
    if (!stage) throw new Error(`cold-start estimate has no stage "${name}"`);
    return stage;
}

function unchanged(stage: ColdStartStage): StageComparison {
    return {
        name: stage.name,
        before: stage.seconds,
        after: stage.seconds,
        figure: stage.figure,
        source: stage.source,
    };
}

function imagePullAfter(stage: ColdStartStage, cut?: ImageCacheCut): StageComparison {
    if (cut?.kind === "ebs-snapshot") {
        return {
            ...unchanged(stage),
            after: snapshotCachedImageSeconds,
            figure: `image pre-pulled on an EBS snapshot volume: ≤ ${snapshotCachedImageSeconds} s`,
            source: snapshotCacheSource,
            cut: "image cache (EBS snapshot)",
        };
    }
    if (cut?.kind === "soci-parallel-pull") {
        return {
            ...unchanged(stage),
            figure: `${stage.figure}; SOCI parallel pull is on but no published pull time for this size, so the uncached figure stands`,
            cut: "image cache (SOCI parallel pull, not quantified)",
        };
    }
    return unchanged(stage);
}

function weightsAfter(
    stage: ColdStartStage,
    weightsSizeGiB: number,
    cut?: WeightsCut,
): StageComparison {
    if (!cut) return unchanged(stage);
    const streamer = cut.kind === "runai-streamer-s3";
    const mibps = weightsReadMiBps(cut, 0);
    return {
        ...unchanged(stage),
        after: Math.ceil(transferSeconds(weightsSizeGiB, mibps)),
        figure: streamer
            ? `${weightsSizeGiB} GiB streamed from S3 by the server at ${mibps} MiB/s (nothing staged)`
            : `${weightsSizeGiB} GiB staged copy read at ${mibps} MiB/s`,
        source: streamer ? runaiStreamerSource : efsSource,
        cut: streamer ? "weights: Run:ai streamer from S3" : `weights: EFS at ${mibps} MiB/s`,
    };
}

function warmupAfter(stage: ColdStartStage, compileCache?: boolean): StageComparison {
    if (!compileCache || stage.seconds <= compileCacheWarmupSeconds) return unchanged(stage);
    return {
        ...unchanged(stage),
        after: compileCacheWarmupSeconds,
        figure: `compile cache restored: ≤ ${compileCacheWarmupSeconds} s`,
        source: compileCacheSource,
        cut: "vLLM compile cache",
    };
}

function skipped(stage: StageComparison, why: string): StageComparison {
    return { ...stage, before: 0, after: 0, figure: why, cut: undefined };
}

function scenario(
    kind: ScenarioComparison["scenario"],
    description: string,
    stages: StageComparison[],
): ScenarioComparison {
    return {
        scenario: kind,
        description,
        stages,
        beforeSeconds: stages.reduce((sum, s) => sum + s.before, 0),
        afterSeconds: stages.reduce((sum, s) => sum + s.after, 0),
    };
}

/**
 * The three scenarios, each stage before and after `cuts`. A warm restart skips the node launch and
 * finds the image in the node's store. A scale-out into headroom skips the node launch (the
 * placeholder it preempts held the GPUs on a running node) but still needs the image unless the
 * node's image volume came from the snapshot.
 */
export function compareColdStarts(
    input: ColdStartInput,
    cuts: ColdStartCuts,
): ScenarioComparison[] {
    const estimate = estimateColdStart(input);
    const launch = unchanged(stageOf(estimate, "gpu-node-launch"));
    const pull = imagePullAfter(stageOf(estimate, "image-pull"), cuts.imageCache);
    const weights = weightsAfter(
        stageOf(estimate, "weights-read"),
        input.weightsSizeGiB,
        cuts.weights,
    );
    const warmup = warmupAfter(stageOf(estimate, "engine-warm-up"), cuts.compileCache);
    const onRunningNode = "node already running";
    return [
        scenario("new-node", "a new replica on a new GPU node", [launch, pull, weights, warmup]),
        scenario("warm-restart", "a replica restarting on a node that already ran it", [
            skipped(launch, onRunningNode),
            skipped(pull, "image already in the node's store"),
            weights,
            warmup,
        ]),
        scenario("headroom-scale-out", "a scale-out that preempts a warm-headroom placeholder", [
            skipped(launch, "placeholder held the GPUs on a running node"),
            pull,
            weights,
            warmup,
        ]),
    ];
}

/** A cold-start target and whether the after-cuts estimate meets it. */
export interface TargetCheck {
    scenario: ScenarioComparison["scenario"];
    targetSeconds: number;
    estimateSeconds: number;
    met: boolean;
    /** When missed: the longest stage, and the most it could take for the target to hold. */
    heldBy?: { stage: string; seconds: number; allowedSeconds: number; source: string };
}

/** Checks `targetSeconds` against one scenario; a miss names the stage that holds it. */
export function checkTarget(comparison: ScenarioComparison, targetSeconds: number): TargetCheck {
    const met = comparison.afterSeconds <= targetSeconds;
    const check: TargetCheck = {
        scenario: comparison.scenario,
        targetSeconds,
        estimateSeconds: comparison.afterSeconds,
        met,
    };
    if (met) return check;
    const longest = [...comparison.stages].sort((a, b) => b.after - a.after)[0];
    return {
        ...check,
        heldBy: {
            stage: longest.name,
            seconds: longest.after,
            allowedSeconds: targetSeconds - (comparison.afterSeconds - longest.after),
            source: longest.source,
        },
    };
}

/**
 * A Mermaid gantt chart of one scenario's stages before and after the cuts, in seconds (GitHub
 * renders Mermaid in PR comments). Zero-length stages are left out.
 */
export function coldStartGantt(model: string, comparison: ScenarioComparison): string[] {
    const lines = [
        "```mermaid",
        "gantt",
        `    title ${model}: ${comparison.description}, before and after the cuts (seconds)`,
        "    dateFormat X",
        "    axisFormat %s",
    ];
    for (const side of ["before", "after"] as const) {
        const total = side === "before" ? comparison.beforeSeconds : comparison.afterSeconds;
        lines.push(`    section ${side} (${total} s)`);
        let previous: string | undefined;
        comparison.stages.forEach((stage, i) => {
            const seconds = stage[side];
            if (seconds === 0) return;
            const id = `${side[0]}${i}`;
            lines.push(
                `    ${stage.name} ${seconds} s :${id}, ${previous ? `after ${previous}` : "0"}, ${seconds}s`,
            );
            previous = id;
        });
    }
    lines.push("```");
    return lines;
}

/**
 * The one GPU model a group's compile cache is keyed by, from the instance types it may run; a
 * group mixing GPU models cannot share one cache key (kernels compiled for an L40S are not valid on
 * an A10G), so it gets a reason instead.
 */
export function compileCacheGpuModel(
    instanceTypes: readonly string[],
): { gpuModel: string } | { problem: string } {
    const models = [
        ...new Set(instanceTypes.map((t) => gpuInstanceType(t)?.gpuModel).filter((m) => m)),
    ] as string[];
    if (models.length === 1) return { gpuModel: models[0].toLowerCase() };
    return {
        problem:
            models.length === 0
                ? "no known GPU instance type to key the compile cache by"
                : `the compile cache is keyed by GPU model, but the group mixes ${models.join(", ")}; split the group or turn compileCache off`,
    };
}

/**
 * The new-node estimate with `cuts` applied, in the shape of `estimateColdStart`'s: what the
 * serving settings (cooldown, the plan's headline figure) follow.
 */
export function coldStartWithCuts(input: ColdStartInput, cuts: ColdStartCuts): ColdStartEstimate {
    const newNode = compareColdStarts(input, cuts).find((c) => c.scenario === "new-node")!;
    const stages = newNode.stages.map((stage) => ({
        name: stage.name,
        seconds: stage.after,
        figure: stage.figure,
        source: stage.source,
    }));
    return { stages, totalSeconds: newNode.afterSeconds };
}

/**
 * Cuts as ModelService takes them: plain strings from config, parsed into the typed options, and
 * the weights stage its server runs. Its staged copy is read at the component's own
 * `storageReadMiBps` (the stack passes its provisioned EFS rate there), so only streaming is a cut.
 */
export function cutsFromSettings(settings: {
    imageCache?: string;
    compileCache?: boolean;
    weightsPath: WeightsPathInput;
}): ColdStartCuts {
    const kinds: ImageCacheCut["kind"][] = ["ebs-snapshot", "soci-parallel-pull"];
    const kind = kinds.find((k) => k === settings.imageCache);
    const imageCache: ImageCacheCut | undefined = kind ? { kind } : undefined;
    return {
        imageCache,
        weights: weightsCutFor(settings.weightsPath),
        compileCache: settings.compileCache,
    };
}
