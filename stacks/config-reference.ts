import { stackConfigSchema } from "./config-schema";
import { Fields, ListSchema, ObjectSchema, Schema } from "./schema";

interface Row {
    key: string;
    type: string;
    defaultValue: string;
    doc: string;
}

function rows(schema: Schema<unknown>, key: string): Row[] {
    const fields = (schema as Partial<ObjectSchema<Fields>>).fields;
    const item = (schema as Partial<ListSchema<unknown>>).item;
    const own: Row = {
        key,
        type: schema.expected,
        defaultValue:
            schema.defaultValue === undefined
                ? schema.optional
                    ? "—"
                    : "required"
                : `\`${JSON.stringify(schema.defaultValue)}\``,
        doc: schema.doc,
    };
    if (fields) return [own, ...Object.entries(fields).flatMap(([k, s]) => rows(s, `${key}.${k}`))];
    if (item) return [own, ...rows(item, `${key}[]`).slice(1)];
    return [own];
}

/** The README's config reference, generated from the schema so the two cannot drift. */
export function configReferenceTable(): string {
    const all = Object.entries(stackConfigSchema).flatMap(([key, schema]) => rows(schema, key));
    const lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"];
    for (const row of all) {
        lines.push(
            `| \`${row.key}\` | ${row.type.replace(/\|/g, "\\|")} | ${row.defaultValue} | ${row.doc.replace(/\|/g, "\\|")} |`,
        );
    }
    return lines.join("\n");
}

if (require.main === module) console.log(configReferenceTable());
