import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";

export const projectName = "gpu-serving-infra";
export const committedStacks = ["dev", "staging", "prod", "local"] as const;

/** A stack file that is not valid YAML; the message names the file, the line and the config key. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** The config key (`project:key`) whose block holds line `line` (0-based), if any. */
function configKeyAt(text: string, line: number): string | undefined {
    // Config keys (`project:key:`) sit one level under `config:`; the nearest one above owns the line.
    for (const candidate of text
        .split("\n")
        .slice(0, line + 1)
        .reverse()) {
        const match = /^[ \t]+([\w.-]+:[\w.-]+):/.exec(candidate);
        if (match) return match[1];
    }
    return undefined;
}

/**
 * The config block of a stack file's text. A YAML error (a tab in the indentation, say) becomes a
 * StackFileError saying where and under which key, instead of a parser stack trace.
 */
export function parseStackFile(text: string, fileName: string): Record<string, unknown> {
    let document: { config?: Record<string, unknown> } | undefined;
    try {
        document = yaml.load(text) as typeof document;
    } catch (error) {
        if (!(error instanceof yaml.YAMLException)) throw error;
        const { line, column } = error.mark;
        const key = configKeyAt(text, line);
        const tab = /\t/.test(text.split("\n")[line] ?? "")
            ? "; YAML indents with spaces only, replace the tab"
            : "";
        throw new StackFileError(
            `${fileName} line ${line + 1}, column ${column + 1}${key ? ` (under ${key})` : ""}: ` +
                `${error.reason}${tab}`,
        );
    }
    return document?.config ?? {};
}

/**
 * The config block of a committed `Pulumi.<stack>.yaml`, keyed as the engine passes it
 * (`project:key`). Used to render a stack offline (tests, bench, plan report).
 */
export function readStackFile(
    stack: string,
    root = path.join(__dirname, ".."),
): Record<string, unknown> {
    const fileName = `Pulumi.${stack}.yaml`;
    return parseStackFile(fs.readFileSync(path.join(root, fileName), "utf8"), fileName);
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
