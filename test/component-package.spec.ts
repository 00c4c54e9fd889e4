import { strict as assert } from "assert";
import * as path from "path";
import { AnalyzeResult } from "@pulumi/pulumi/provider/experimental/analyzer";
import * as fs from "fs";
import {
    analyzePackage,
    componentApiMarkdown,
    exportedComponents,
    readmeSection,
} from "../scripts/readme";

const root = path.join(__dirname, "..");
const packageJson = require("../package.json");

/** What `pulumi package add <this repo>` sees: Pulumi's own analyzer run over the TypeScript source. */
describe("component package", () => {
    const components = exportedComponents;
    let schema: AnalyzeResult;

    before(function () {
        this.timeout(180_000);
        schema = analyzePackage();
    });

    it("exports the platform and serving components from components/index.ts", () => {
        assert.deepEqual(components, [
            "GpuCluster",
            "GpuHeadroom",
            "GpuNodePools",
            "KarpenterController",
            "ModelImage",
            "ModelService",
            "ModelStore",
            "ModelWeightsAccess",
            "Network",
            "Observability",
            "ServingNamespace",
        ]);
    });

    it("infers a schema for every exported component", () => {
        assert.deepEqual(Object.keys(schema.components).sort(), components);
    });

    it("documents every input and output of every component (the TSDoc becomes the SDKs' docs)", () => {
        const undocumented: string[] = [];
        for (const [name, component] of Object.entries(schema.components)) {
            for (const [kind, properties] of [
                ["input", component.inputs],
                ["output", component.outputs],
            ] as const) {
                for (const [property, definition] of Object.entries(properties)) {
                    if (!definition.description?.trim())
                        undocumented.push(`${name}.${property} (${kind})`);
                }
            }
        }
        for (const [name, type] of Object.entries(schema.typeDefinitions)) {
            for (const [property, definition] of Object.entries(type.properties ?? {})) {
                if (!definition.description?.trim())
                    undocumented.push(`${name}.${property} (type field)`);
            }
        }
        assert.deepEqual(undocumented, []);
    });

    it("keeps the arguments that decide resource counts plain, so other languages pass them as values", () => {
        const cluster = schema.components.GpuCluster.inputs;
        assert.equal(cluster.gpuNodeGroups.plain, true);
        assert.equal(schema.components.Network.inputs.availabilityZoneCount.plain, true);
    });

    it("gives GpuCluster's consumers a Kubernetes provider and a kubeconfig", () => {
        const outputs = schema.components.GpuCluster.outputs;
        assert.match(JSON.stringify(outputs.provider), /kubernetes/);
        assert.deepEqual(outputs.kubeconfig, {
            type: "string",
            description: outputs.kubeconfig.description,
        });
        assert.ok(schema.dependencies.some((d) => d.name === "kubernetes"));
    });

    it("documents the same API in the README (regenerate with `npm run docs`)", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        assert.equal(readmeSection(readme, "component-api"), componentApiMarkdown(schema));
    });

    it("types every component with the gpu-serving package name the plugin host requires", () => {
        assert.equal(packageJson.name, "gpu-serving");
    });
});
