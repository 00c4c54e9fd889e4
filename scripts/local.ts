// The main job without an AWS account: `npm run local:up` builds the local tools (cached), starts a
// Kubernetes control plane with kwok-simulated CPU and GPU nodes on 127.0.0.1 and runs the real
// `pulumi up --stack local`; `npm run local:down` destroys the stack and stops every process.
import { fileExists, kubectl, log, projectDir, pulumi, secondsSince } from "./local/env";
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
    if (reused) prepareProject();
    else forgetStack();
    installKubernetesPlugin();
    selectStack();
    pulumi(["up", "--yes", "--skip-preview"], { stream: true });
    timings.push(["pulumi up", secondsSince(started)]);
    process.stdout.write(kubectl(["get", "nodes,pods", "-A", "-o", "wide"]).stdout);
    process.stdout.write(pulumi(["stack", "output", "endpoints", "--json"]).stdout);
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
        if (command === "up") localUp();
        else if (command === "down") localDown();
        else throw new Error("usage: local.ts up|down");
    } catch (error) {
        log((error as Error).message);
        process.exit(1);
    }
}
