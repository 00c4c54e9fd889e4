// Regenerates what mirrors code: the README's config reference (from stacks/config-schema.ts), its
// component API (from Pulumi's analyzer, i.e. what generated SDKs get) and the editor JSON Schema of
// Pulumi.<stack>.yaml (schema/pulumi-stack.schema.json). `npm run docs`.
import * as fs from "fs";
import * as path from "path";
import {
    AnalyzeResult,
    Analyzer,
    PropertyDefinition,
} from "@pulumi/pulumi/provider/experimental/analyzer";
import * as publicApi from "../components";
import { stackFileJsonSchemaText, stackFileSchemaPath } from "../stacks/config-json-schema";
import { configReferenceTable } from "../stacks/config-reference";

const root = path.join(__dirname, "..");
const readmePath = path.join(root, "README.md");

function typeOf(definition: PropertyDefinition): string {
    if ("$ref" in definition)
        return definition.$ref
            .replace(/^#\/types\/[^:]*:index:/, "")
            .replace(
                /^\/kubernetes\/v[\d.]+\/schema\.json#\/resources\/kubernetes:index:/,
                "kubernetes ",
            );
    if (definition.type === "array" && definition.items) return `${typeOf(definition.items)}[]`;
    if (definition.type === "object" && definition.additionalProperties)
        return `map of ${typeOf(definition.additionalProperties)}`;
    return definition.type;
}

function table(properties: Record<string, PropertyDefinition>, withRequired: boolean): string[] {
    const header = withRequired
        ? ["| input | type | required | description |", "| --- | --- | --- | --- |"]
        : ["| output | type | description |", "| --- | --- | --- |"];
    return [
        ...header,
        ...Object.entries(properties).map(([name, d]) => {
            const description = (d.description ?? "").replace(/\n+/g, " ").replace(/\|/g, "\\|");
            return withRequired
                ? `| \`${name}\` | ${typeOf(d)} | ${d.optional ? "" : "yes"} | ${description} |`
                : `| \`${name}\` | ${typeOf(d)} | ${description} |`;
        }),
    ];
}

export function componentApiMarkdown(schema: AnalyzeResult): string {
    const lines: string[] = [];
    for (const name of Object.keys(schema.components).sort()) {
        const component = schema.components[name];
        lines.push(
            `#### ${name} (\`gpu-serving:index:${name}\`)`,
            "",
            (component.description ?? "").replace(/\n+/g, " "),
            "",
        );
        lines.push(...table(component.inputs, true), "", ...table(component.outputs, false), "");
    }
    for (const name of Object.keys(schema.typeDefinitions).sort()) {
        const type = schema.typeDefinitions[name];
        lines.push(
            `#### ${name} (type)`,
            "",
            (type.description ?? "").replace(/\n+/g, " "),
            "",
            ...table(type.properties ?? {}, true),
            "",
        );
    }
    return lines.join("\n").trim();
}

/** Names of the component classes components/index.ts exports. */
export const exportedComponents: string[] = Object.entries(publicApi)
    .filter(([, value]) => typeof value === "function")
    .map(([name]) => name)
    .sort();

/** What `pulumi package add` infers: Pulumi's own analyzer over the TypeScript source. */
export function analyzePackage(): AnalyzeResult {
    const packageJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    return new Analyzer(root, packageJson.name, packageJson, new Set(exportedComponents)).analyze();
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function readmeSection(readme: string, name: string): string {
    const start = readme.indexOf(`<!-- ${name}:start -->`);
    const end = readme.indexOf(`<!-- ${name}:end -->`);
    if (start < 0 || end < 0) throw new Error(`README has no ${name} section`);
    return readme.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

function replaceSection(readme: string, name: string, body: string): string {
    const start = readme.indexOf(`<!-- ${name}:start -->`) + `<!-- ${name}:start -->`.length;
    const end = readme.indexOf(`<!-- ${name}:end -->`);
    return `${readme.slice(0, start)}\n${body}\n${readme.slice(end)}`;
}

if (require.main === module) {
    let readme = fs.readFileSync(readmePath, "utf8");
    readme = replaceSection(readme, "config-reference", configReferenceTable());
    readme = replaceSection(readme, "component-api", componentApiMarkdown(analyzePackage()));
    fs.writeFileSync(readmePath, readme);
    fs.mkdirSync(path.dirname(path.join(root, stackFileSchemaPath)), { recursive: true });
    fs.writeFileSync(path.join(root, stackFileSchemaPath), stackFileJsonSchemaText());
    console.log(`README.md sections and ${stackFileSchemaPath} regenerated`);
}
