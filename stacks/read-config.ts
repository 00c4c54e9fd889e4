import * as pulumi from "@pulumi/pulumi";

/**
 * The stack's raw config under the project namespace, keys without the `project:` prefix and
 * object values decoded. Read once here; nothing else in the program reads `pulumi.Config`.
 */
export function readRawConfig(project = pulumi.getProject()): Record<string, unknown> {
    const prefix = `${project}:`;
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!key.startsWith(prefix)) continue;
        raw[key.slice(prefix.length)] = decode(value);
    }
    return raw;
}

function decode(value: string): unknown {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return value;
        }
    }
    return value;
}

/** The API key as a secret Output when the stack sets one (`pulumi config set --secret apiKey`). */
export function readApiKey(): pulumi.Output<string> | undefined {
    return new pulumi.Config().getSecret("apiKey");
}
