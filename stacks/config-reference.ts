import type { JsonSchema } from "@valibot/to-json-schema";
import { Accepts, describeAccepts } from "./config-schema";
import { configJsonSchema } from "./config-json-schema";

interface Row {
    key: string;
    type: string;
    defaultValue: string;
    doc: string;
}

/** A coerced number or boolean is `anyOf: [typed, text]`; the typed branch says what it is. */
function typedBranch(schema: JsonSchema): JsonSchema {
    return schema.anyOf?.[0] && typeof schema.anyOf[0] === "object" ? schema.anyOf[0] : schema;
}

function acceptsOf(schema: JsonSchema): Accepts {
    const typed = typedBranch(schema);
    const type = typed.type;
    if (Array.isArray(typed.enum)) return { kind: "string", oneOf: typed.enum as string[] };
    if (type === "integer" || type === "number")
        return { kind: type, min: typed.minimum, max: typed.maximum };
    if (type === "boolean" || type === "string") return { kind: type };
    if (type === "array") return { kind: "list", item: acceptsOf(typed.items as JsonSchema) };
    return typed.properties ? { kind: "object" } : { kind: "map" };
}

function defaultText(schema: JsonSchema, required: boolean): string {
    const isSection = schema.properties !== undefined;
    // A section's default is `{}`, i.e. the defaults of its keys, which have rows of their own.
    if (schema.default === undefined || isSection) return required ? "required" : "—";
    return `\`${JSON.stringify(schema.default)}\``;
}

function rows(schema: JsonSchema, key: string, required: boolean): Row[] {
    const own: Row = {
        key,
        type: describeAccepts(acceptsOf(schema)),
        defaultValue: defaultText(schema, required),
        doc: schema.description ?? "",
    };
    const items = schema.type === "array" ? (schema.items as JsonSchema) : undefined;
    const fields = (items ?? schema).properties;
    if (!fields || (items === undefined && schema.properties === undefined)) return [own];
    const requiredKeys = (items ?? schema).required ?? [];
    const prefix = items ? `${key}[]` : key;
    const children = Object.entries(fields).flatMap(([name, child]) =>
        rows(child as JsonSchema, `${prefix}.${name}`, requiredKeys.includes(name)),
    );
    return [own, ...children];
}

/** The README's config reference, generated from the schema so the two cannot drift. */
export function configReferenceTable(): string {
    const { properties, required } = configJsonSchema();
    const all = Object.entries(properties).flatMap(([key, schema]) =>
        rows(schema, key, required.includes(key)),
    );
    const lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"];
    for (const row of all) {
        lines.push(
            `| \`${row.key}\` | ${row.type.replace(/\|/g, "\\|")} | ${row.defaultValue} | ${row.doc.replace(/\|/g, "\\|")} |`,
        );
    }
    return lines.join("\n");
}

if (require.main === module) console.log(configReferenceTable());
