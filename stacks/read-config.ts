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
        raw[key.slice(prefix.length)] = decodeConfigValue(value);
    }
    return raw;
}

/**
 * A config value that should have been an object or a list (it starts with `{` or `[`) but does not
 * decode: reported against its key with the parser's reason instead of as a confusing type error.
 */
export class UndecodedConfigValue {
    constructor(
        readonly text: string,
        readonly reason: string,
    ) {}

    problem(): string {
        return (
            `could not be decoded as JSON (${this.reason}); write the value as YAML in ` +
            "Pulumi.<stack>.yaml, or set one field with `pulumi config set --path`"
        );
    }
}

/** The engine passes structured values as JSON text and plain values as text. */
export function decodeConfigValue(value: string): unknown {
    const trimmed = value.trim();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
    try {
        return JSON.parse(trimmed);
    } catch (error) {
        return new UndecodedConfigValue(value, (error as Error).message);
    }
}

/** The API key as a secret Output when the stack sets one (`pulumi config set --secret apiKey`). */
export function readApiKey(): pulumi.Output<string> | undefined {
    return new pulumi.Config().getSecret("apiKey");
}

/** Static S3 keys as secret Outputs when the stack sets `weightsCredentials` (validated already). */
export function readWeightsCredentials():
    { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> } | undefined {
    const keys = new pulumi.Config().getSecretObject<{
        accessKeyId: string;
        secretAccessKey: string;
    }>("weightsCredentials");
    return keys && { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
}

/** The Hugging Face token as a secret Output (`pulumi config set --secret huggingFaceToken`). */
export function readHuggingFaceToken(): pulumi.Output<string> | undefined {
    return new pulumi.Config().getSecret("huggingFaceToken");
}

/**
 * Keys (without the project prefix) the engine says are stored encrypted. @pulumi/pulumi keeps the
 * list internal; the engine passes it as PULUMI_CONFIG_SECRET_KEYS, which `runtime.isConfigSecret`
 * reads.
 */
export function readSecretKeys(project = pulumi.getProject()): ReadonlySet<string> {
    const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
        isConfigSecret: (key: string) => boolean;
    };
    const prefix = `${project}:`;
    return new Set(
        Object.keys(pulumi.runtime.allConfig())
            .filter((key) => key.startsWith(prefix) && isConfigSecret(key))
            .map((key) => key.slice(prefix.length)),
    );
}
