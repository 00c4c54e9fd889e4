// The Karpenter part of `npm run e2e`: real Karpenter (its kwok provider) scales the local stack's
// NodePool. Scale a model past the static GPU nodes → Karpenter launches simulated GPU nodes of the
// type the program's capacity check names and every replica runs; push past the NodePool's GPU
// limit → exactly the replicas the capacity check predicted stay Pending; scale back → consolidation
// removes the nodes it launched. Prints how long each step took.
import { kubectl, kubectlJson, log, pulumi, secondsSince, servingPodsOf } from "../local/env";
import { setStackConfig } from "../local/workspace";

/** What e2e.ts lends this module: its check list and its timings table. */
export interface E2eReporter {
    check(name: string, ok: boolean, detail?: string): void;
    timing(stage: string, seconds: string): void;
}

const namespace = "models";
const model = "llama-3-1-8b";
const group = "inference";
const groupLabel = "gpu-serving.io/gpu-group";
const nodePoolLabel = "karpenter.sh/nodepool";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, seconds: number): Promise<boolean> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        if (condition()) return true;
        await sleep(1000);
    }
    return condition();
}

/** The model's serving pods (not its staging Job's, which share the name label). */
function servingPods(): any[] {
    return servingPodsOf(namespace, model).filter((p: any) => !p.metadata.deletionTimestamp);
}

function phases(): { running: number; pending: number } {
    const pods = servingPods();
    return {
        running: pods.filter((p) => p.status.phase === "Running").length,
        pending: pods.filter((p) => p.status.phase === "Pending").length,
    };
}

/**
 * The group's nodes: the static kwok ones and those Karpenter launched. The real nodes carry other
 * groups ("real", the system role) and no NodePool label, so neither list counts them.
 */
function groupNodes(): { static: any[]; karpenter: any[] } {
    const nodes = kubectlJson(["get", "nodes", "-l", `${groupLabel}=${group}`]).items.filter(
        (n: any) => !n.metadata.deletionTimestamp,
    );
    return {
        static: nodes.filter((n: any) => n.metadata.labels?.[nodePoolLabel] === undefined),
        karpenter: nodes.filter((n: any) => n.metadata.labels?.[nodePoolLabel] === group),
    };
}

function nodeClaims(): any[] {
    return kubectlJson(["get", "nodeclaims"]).items;
}

function scale(replicas: number): void {
    kubectl(["scale", "deployment", model, "-n", namespace, `--replicas=${replicas}`]);
}

/** The capacity check's verdict for `replicas` at full scale: pending count and the pool's node type. */
function predict(maxReplicas: number): { pending?: number; nodeType?: string; message: string } {
    const key = "models[0].maxReplicas";
    const configured = pulumi(["config", "get", "--path", key]).stdout.trim();
    setStackConfig(key, String(maxReplicas));
    const preview = pulumi(["preview"], { allowFailure: true });
    // Only this value goes back: the run's own settings (image digests, S3 endpoint) stay.
    setStackConfig(key, configured);
    const output = preview.stdout + preview.stderr;
    const message = output.match(/gpuLimit: plan needs[^\n]*/)?.[0] ?? "";
    return {
        pending: Number(message.match(/(\d+) replicas? would stay Pending/)?.[1] ?? NaN),
        nodeType: message.match(/ on ([a-z0-9]+\.[a-z0-9]+) \(/)?.[1],
        message,
    };
}

/** Runs the scale-out, limit and scale-in cycle against the deployed local stack. */
export async function karpenterScaleCycle(report: E2eReporter): Promise<void> {
    const pool = kubectlJson(["get", "nodepool", group]);
    const limit = Number(pool.spec.limits?.["nvidia.com/gpu"]);
    const staticNodes = groupNodes().static.length;
    report.check(
        "the local stack renders the inference NodePool with a GPU limit, the GPU taint and group label",
        limit > 0 &&
            pool.spec.template.metadata.labels?.[groupLabel] === group &&
            pool.spec.template.spec.taints?.some((t: any) => t.key === "nvidia.com/gpu"),
        `limit ${limit} GPUs, ${staticNodes} static GPU nodes, consolidateAfter ${pool.spec.disruption.consolidateAfter}`,
    );

    // One surge replica rides on maxReplicas; two more than static + limit must stay Pending.
    const fullScale = staticNodes + limit + 2;
    const predicted = predict(fullScale - 1);
    report.check(
        `the capacity check predicts the Pending replicas at ${fullScale} replicas`,
        Number.isInteger(predicted.pending) && predicted.nodeType !== undefined,
        predicted.message,
    );

    let started = Date.now();
    scale(staticNodes + limit);
    const allRunning = await waitFor(() => phases().running === staticNodes + limit, 180);
    report.timing(`karpenter scale-out to ${staticNodes + limit} replicas`, secondsSince(started));
    const launched = groupNodes().karpenter;
    const launchedTypes = launched.map(
        (n: any) => n.metadata.labels["node.kubernetes.io/instance-type"],
    );
    report.check(
        "Karpenter launches GPU nodes of the predicted type and every replica runs",
        allRunning &&
            launched.length > 0 &&
            launchedTypes.every((t: string) => t === predicted.nodeType) &&
            launched.every((n: any) =>
                (n.spec.taints ?? []).some((t: any) => t.key === "nvidia.com/gpu"),
            ),
        `${phases().running} running on ${launched.length} new node(s): ${launchedTypes.join(", ")}`,
    );

    started = Date.now();
    scale(fullScale);
    // Karpenter batches for a second and then refuses: give it several batches to prove it stays so.
    await waitFor(() => phases().pending === fullScale - staticNodes - limit, 60);
    await sleep(20_000);
    const atLimit = phases();
    const claims = nodeClaims().length;
    report.timing(`karpenter at the GPU limit (${fullScale} replicas)`, secondsSince(started));
    report.check(
        "past the NodePool's GPU limit, exactly the predicted replicas stay Pending",
        atLimit.pending === predicted.pending &&
            atLimit.running === staticNodes + limit &&
            claims === launched.length,
        `predicted ${predicted.pending}, pending ${atLimit.pending}, running ${atLimit.running}, node claims ${claims}`,
    );

    started = Date.now();
    scale(1);
    const consolidated = await waitFor(
        () => nodeClaims().length === 0 && groupNodes().karpenter.length === 0,
        600,
    );
    report.timing("karpenter consolidation back to the static nodes", secondsSince(started));
    report.check(
        "scaling back down, consolidation removes the nodes Karpenter launched",
        consolidated && phases().running === 1,
        `node claims left ${nodeClaims().length}, running ${phases().running}`,
    );
    log(`karpenter cycle: ${launched.length} node(s) launched and consolidated`);
}
