// The main job without an AWS account: `npm run local:up` builds the local tools (cached), starts a
// Kubernetes control plane on 127.0.0.1 with two real nodes (kubelet + containerd) and two
// kwok-simulated GPU nodes, builds the serving images offline into a local registry, uploads the
// weights to a local S3 API and runs the real `pulumi up --stack local`; `npm run local:down`
// destroys the stack and stops every process. Either clears what an interrupted run left first.
import { fileExists, kubectl, log, projectDir, pulumi, secondsSince } from "./local/env";
import { clearLeftovers, finishRun } from "./local/leftovers";
import { buildImages, configureLocalStack, demoRequest, uploadWeights } from "./local/serving";
import {
    buildTools,
    clusterRunning,
    forgetStack,
    clusterDown,
    clusterUp,
    installKubernetesPlugin,
    prepareProject,
    selectStack,
} from "./local/workspace";

export function localUp(): void {
    const timings: [string, string][] = [];
    let started = Date.now();
    buildTools();
    timings.push(["tools (build or cache)", secondsSince(started)]);
    started = Date.now();
    const reused = clusterRunning();
    clusterUp();
    timings.push(["control plane start", secondsSince(started)]);
    started = Date.now();
    const images = buildImages();
    uploadWeights();
    timings.push(["images and weights", secondsSince(started)]);
    started = Date.now();
    if (reused) prepareProject();
    else forgetStack();
    installKubernetesPlugin();
    selectStack();
    configureLocalStack(images);
    pulumi(["up", "--yes", "--skip-preview"], { stream: true });
    timings.push(["pulumi up", secondsSince(started)]);
    process.stdout.write(kubectl(["get", "nodes,pods", "-A", "-o", "wide"]).stdout);
    process.stdout.write(pulumi(["stack", "output", "endpoints", "--json"]).stdout);
    demoRequest(
        JSON.parse(pulumi(["stack", "output", "apiKeys", "--show-secrets", "--json"]).stdout),
    );
    for (const [stage, seconds] of timings) log(`${stage}: ${seconds} s`);
}

export function localDown(): void {
    if (fileExists(projectDir)) {
        const destroyed = pulumi(["destroy", "--yes", "--skip-preview"], {
            stream: true,
            allowFailure: true,
        });
        if (destroyed.status !== 0)
            log("pulumi destroy failed or there was no stack; stopping the cluster anyway");
    }
    clusterDown();
}

if (require.main === module) {
    const command = process.argv[2];
    try {
        if (command !== "up" && command !== "down") throw new Error("usage: local.ts up|down");
        clearLeftovers(`local:${command}`);
        if (command === "up") localUp();
        else localDown();
        finishRun();
    } catch (error) {
        log((error as Error).message);
        finishRun();
        process.exit(1);
    }
}
