// Benchmark, not a test: how long the prod stack takes to evaluate under mocks with 1, 10 and 50
// model services. Prints figures; asserts nothing. Run with `npm run bench`.
import * as pulumi from "@pulumi/pulumi";
import { mocks } from "../test/harness/mocks";
import { renderStack } from "../test/harness/stacks";
import { readStackFile } from "../stacks/stack-files";

const modelsKey = "gpu-serving-infra:models";
const groupsKey = "gpu-serving-infra:cluster";

/** prod's first model repeated `count` times, with a GPU group big enough to hold them. */
function prodWithModels(count: number): Record<string, unknown> {
    const prod = readStackFile("prod");
    const template = (prod[modelsKey] as Record<string, unknown>[])[0];
    const models = Array.from({ length: count }, (_, i) => ({
        ...template,
        name: `model-${i}`,
        minReplicas: 1,
        maxReplicas: 1,
    }));
    const cluster = prod[groupsKey] as { gpuNodeGroups: Record<string, unknown>[] };
    const gpuNodeGroups = cluster.gpuNodeGroups.map((g, i) =>
        i === 0 ? { ...g, maxSize: Math.max(Number(g.maxSize), 2 * count) } : g,
    );
    return { [modelsKey]: models, [groupsKey]: { ...cluster, gpuNodeGroups } };
}

async function timeRender(
    count: number,
    runs: number,
): Promise<{ perRun: number; resources: number }> {
    let resources = 0;
    const started = process.hrtime.bigint();
    for (let run = 0; run < runs; run++) {
        const rendered = await renderStack("prod", prodWithModels(count));
        resources = rendered.resources.all.length;
    }
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { perRun: elapsedMs / runs, resources };
}

async function main(): Promise<void> {
    await pulumi.runtime.setMocks(mocks, "gpu-serving-infra", "prod", false);
    await timeRender(1, 1); // warm-up: module loading and JIT
    console.log("prod stack under mocks");
    console.log("models  runs  resources  ms/run  ms/model-service");
    for (const [count, runs] of [
        [1, 5],
        [10, 3],
        [50, 2],
    ] as const) {
        const { perRun, resources } = await timeRender(count, runs);
        const line = [count, runs, resources, perRun.toFixed(0), (perRun / count).toFixed(1)];
        console.log(line.map((v, i) => String(v).padStart([6, 5, 10, 7, 17][i])).join(" "));
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
