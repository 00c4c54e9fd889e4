import { ConversionConfig, JsonSchema, toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { secretConfigKeys, stackConfigEntries } from "./config-schema";
import { projectName } from "./stack-files";

/** Where the editor schema is committed; each Pulumi.<stack>.yaml names it in a modeline. */
export const stackFileSchemaPath = "schema/pulumi-stack.schema.json";

/**
 * How the schema reads in JSON Schema: what a user may write in the stack file. `typeMode: "input"`
 * keeps the text branch of a coerced number or boolean ("8", "false") as a string pattern; `finite`
 * has no JSON Schema keyword and JSON has no infinities anyway.
 */
const conversion: ConversionConfig = {
    target: "draft-07",
    typeMode: "input",
    ignoreActions: ["finite"],
    overrideSchema: ({ valibotSchema, jsonSchema, definitions }) => {
        // Objects and maps sit behind a `lazy` that turns lists away (config-schema.ts): inline what
        // it wraps rather than publish a `$ref` per object.
        if (valibotSchema.type === "lazy" && typeof jsonSchema.$ref === "string")
            return definitions[jsonSchema.$ref.split("/").pop()!];
        // `additionalProperties: false` rather than `{not: {}}`: the same rule, but editors then say
        // "Property x is not allowed" at the unknown key.
        if (valibotSchema.type === "object_with_rest")
            return { ...jsonSchema, additionalProperties: false };
        return undefined;
    },
};

/** The JSON Schema of the config keys (without the `gpu-serving-infra:` prefix). */
export function configJsonSchema(): JsonSchema & {
    properties: Record<string, JsonSchema>;
    required: string[];
} {
    const json = toJsonSchema(v.object(stackConfigEntries), conversion);
    return {
        properties: json.properties as Record<string, JsonSchema>,
        required: json.required ?? [],
    };
}

const secureValue: JsonSchema = {
    type: "object",
    properties: { secure: { type: "string", description: "Ciphertext written by Pulumi." } },
    required: ["secure"],
    additionalProperties: false,
    description: "A secret, as `pulumi config set --secret` writes it.",
};

/**
 * The JSON Schema of a whole `Pulumi.<stack>.yaml`: Pulumi's own top-level keys, the project's keys
 * under `config:` as `gpu-serving-infra:<key>`, and other namespaces (`aws:region`) left to their
 * owners. Secrets are `{secure: …}` (the API key).
 */
export function stackFileJsonSchema(): JsonSchema {
    const config = configJsonSchema();
    const properties = Object.fromEntries(
        Object.entries(config.properties).map(([key, schema]) => [
            `${projectName}:${key}`,
            (secretConfigKeys as readonly string[]).includes(key)
                ? { anyOf: [schema, secureValue], description: schema.description }
                : schema,
        ]),
    );
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        title: `Pulumi stack file of ${projectName}`,
        description: `Generated from stacks/config-schema.ts by \`npm run docs\`; do not edit.`,
        type: "object",
        properties: {
            config: {
                type: "object",
                description: `Stack configuration: \`${projectName}:<key>\` for this project's keys, \`<provider>:<key>\` for providers (e.g. \`aws:region\`).`,
                properties,
                required: config.required.map((key) => `${projectName}:${key}`),
                patternProperties: { [`^(?!${projectName}:)[^:\\s]+:.+$`]: {} },
                additionalProperties: false,
            },
            secretsprovider: { type: "string", description: "Secrets provider of the stack." },
            encryptedkey: { type: "string", description: "Data key encrypted by the provider." },
            encryptionsalt: { type: "string", description: "Salt of the passphrase provider." },
            environment: {
                anyOf: [{ type: "array", items: { type: "string" } }, { type: "object" }],
                description: "Pulumi ESC environments imported into the stack.",
            },
        },
        additionalProperties: false,
    };
}

/** The committed file's text: what `npm run docs` writes and the test compares. */
export function stackFileJsonSchemaText(): string {
    return `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`;
}
