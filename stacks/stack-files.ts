import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";

export const projectName = "gpu-serving-infra";
export const committedStacks = ["dev", "staging", "prod", "local"] as const;

/**
 * The config block of a committed `Pulumi.<stack>.yaml`, keyed as the engine passes it
 * (`project:key`). Used to render a stack offline (tests, bench, plan report).
 */
export function readStackFile(
    stack: string,
    root = path.join(__dirname, ".."),
): Record<string, unknown> {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const document = yaml.load(fs.readFileSync(file, "utf8")) as
        { config?: Record<string, unknown> } | undefined;
    return document?.config ?? {};
}

/** Config entries of the project namespace without the prefix, as `readRawConfig` returns them. */
export function projectConfig(config: Record<string, unknown>): Record<string, unknown> {
    const prefix = `${projectName}:`;
    return Object.fromEntries(
        Object.entries(config)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, value]) => [key.slice(prefix.length), value]),
    );
}
