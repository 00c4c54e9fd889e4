// Mutation testing of the planning and validation code: `npm run mutation` (README, "Mutation
// testing"). Stryker 9.x, the last line that runs on Node 20 (10.x needs Node 22).

/**
 * Lowest mutation score (percent) each mutated file may have; the first pattern a file matches
 * applies. Stryker's own `thresholds.break` is one figure for the whole run, so
 * scripts/mutation-thresholds.ts reads the JSON report and names every file under its figure.
 */
export const perFileThresholds = [
    { files: "components/plan/", minimumScore: 85 },
    { files: "components/serving/validation.ts", minimumScore: 80 },
    { files: "stacks/", minimumScore: 80 },
];

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
    packageManager: "npm",
    testRunner: "mocha",
    mutate: [
        "components/plan/**/*.ts",
        "components/serving/validation.ts",
        "stacks/config-schema.ts",
        "stacks/validate.ts",
        "stacks/component-args.ts",
        "stacks/read-config.ts",
        "stacks/serving-plan.ts",
        "stacks/stack-files.ts",
    ],
    mochaOptions: {
        config: ".mocharc.json",
        // Every spec but those that exercise none of these files, so a new spec counts without
        // being listed: the package-schema spec (runs Pulumi's analyzer for 15 s, checks docs),
        // the editor-schema spec (LSP round trips over the JSON Schema, which is built at module
        // load: static mutants only), the specs of the local tooling and of this set-up, and the
        // workflow, architecture and harness specs.
        spec: ["test/**/*.spec.ts"],
        ignore: [
            "test/component-package.spec.ts",
            "test/stack-file-schema.spec.ts",
            "test/workflows.spec.ts",
            "test/architecture.spec.ts",
            "test/harness.spec.ts",
            "test/local-egress-proxy.spec.ts",
            "test/local-leftovers.spec.ts",
            "test/mutation-thresholds.spec.ts",
        ],
    },
    coverageAnalysis: "perTest",
    // Mutants in code that runs once at module load (the schema declarations, the GPU catalogue)
    // would each need a fresh process and the whole suite: hours on two cores. Their numbers are
    // pinned by test/bounds.spec.ts, and the README and JSON Schema tests read the rest.
    ignoreStatic: true,
    concurrency: 1,
    timeoutMS: 60000,
    incremental: true,
    incrementalFile: "reports/stryker-incremental.json",
    reporters: ["clear-text", "progress", "json", "html"],
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    htmlReporter: { fileName: "reports/mutation/mutation.html" },
    thresholds: { high: 90, low: 85, break: null },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
};
