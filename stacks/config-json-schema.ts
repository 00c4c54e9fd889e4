import { ConversionConfig, JsonSchema, toJsonSchema } from "@valibot/to-json-schema";
import { stackConfigEntries } from "./config-schema";

/**
 * How the schema reads in JSON Schema: what a user may write in the stack file. `typeMode: "input"`
 * keeps the text branch of a coerced number or boolean ("8", "false") as a string pattern; `finite`
 * has no JSON Schema keyword and JSON has no infinities anyway.
 */
const conversion: ConversionConfig = {
    target: "draft-07",
    typeMode: "input",
    ignoreActions: ["finite"],
    // Objects and maps sit behind a `lazy` that turns lists away (config-schema.ts): inline what it
    // wraps rather than publish a `$ref` per object.
    overrideSchema: ({ valibotSchema, jsonSchema, definitions }) => {
        if (valibotSchema.type !== "lazy" || typeof jsonSchema.$ref !== "string") return undefined;
        return definitions[jsonSchema.$ref.split("/").pop()!];
    },
};

/** The JSON Schema of each top-level config key, in schema order. */
export function configKeyJsonSchemas(): Record<string, JsonSchema> {
    return Object.fromEntries(
        Object.entries(stackConfigEntries).map(([key, schema]) => {
            const { $schema: _draft, $defs: _inlined, ...json } = toJsonSchema(schema, conversion);
            return [key, json];
        }),
    );
}
