import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { pathToFileURL } from "url";

/** An LSP diagnostic as the server publishes it (0-based positions). */
export interface Diagnostic {
    message: string;
    severity?: number;
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

interface Message {
    id?: number;
    method?: string;
    params?: any;
    result?: unknown;
    error?: { message: string };
}

const serverScript = path.join(
    __dirname,
    "..",
    "..",
    "node_modules",
    "yaml-language-server",
    "bin",
    "yaml-language-server",
);

/**
 * The real yaml-language-server (what editors run for YAML) spoken to over LSP stdio, the way an
 * editor does: Content-Length framed JSON-RPC. Only what the tests need: open a document, read the
 * diagnostics it publishes.
 */
export class YamlLanguageServer {
    private readonly server: ChildProcess;
    private buffer = Buffer.alloc(0);
    private nextId = 1;
    private readonly pending = new Map<number, (message: Message) => void>();
    private readonly diagnostics = new Map<string, ((found: Diagnostic[]) => void)[]>();
    private stderr = "";

    private constructor(private readonly rootDir: string) {
        this.server = spawn(process.execPath, [serverScript, "--stdio"], {
            stdio: ["pipe", "pipe", "pipe"],
        });
        this.server.stdout!.on("data", (chunk: Buffer) => this.receive(chunk));
        this.server.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    }

    /** Starts the server and completes the LSP handshake for a workspace at `rootDir`. */
    static async start(rootDir: string): Promise<YamlLanguageServer> {
        const client = new YamlLanguageServer(rootDir);
        const rootUri = pathToFileURL(rootDir).href;
        await client.request("initialize", {
            processId: process.pid,
            rootUri,
            workspaceFolders: [{ uri: rootUri, name: path.basename(rootDir) }],
            capabilities: { textDocument: { publishDiagnostics: {} } },
        });
        client.notify("initialized", {});
        // Validation is on by default; say so explicitly, with no schema associations of our own:
        // the stack file's modeline must be what finds the schema.
        client.notify("workspace/didChangeConfiguration", {
            settings: { yaml: { validate: true, schemas: {}, schemaStore: { enable: false } } },
        });
        return client;
    }

    /** Opens `fileName` (relative to the workspace) with `text` and resolves to its diagnostics. */
    async diagnose(fileName: string, text: string): Promise<Diagnostic[]> {
        const uri = pathToFileURL(path.join(this.rootDir, fileName)).href;
        const published = new Promise<Diagnostic[]>((resolve) =>
            this.diagnostics.set(uri, [...(this.diagnostics.get(uri) ?? []), resolve]),
        );
        this.notify("textDocument/didOpen", {
            textDocument: { uri, languageId: "yaml", version: 1, text },
        });
        return published;
    }

    async stop(): Promise<void> {
        await this.request("shutdown", null).catch(() => undefined);
        this.notify("exit", null);
        this.server.kill();
    }

    private send(message: Message): void {
        const body = JSON.stringify({ jsonrpc: "2.0", ...message });
        this.server.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    }

    private notify(method: string, params: unknown): void {
        this.send({ method, params });
    }

    private request(method: string, params: unknown): Promise<unknown> {
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            this.pending.set(id, (reply) =>
                reply.error ? reject(new Error(reply.error.message)) : resolve(reply.result),
            );
            this.send({ id, method, params });
        });
    }

    private receive(chunk: Buffer): void {
        this.buffer = Buffer.concat([this.buffer, chunk]);
        for (;;) {
            const headerEnd = this.buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0) return;
            const length = Number(
                /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())?.[1],
            );
            if (this.buffer.length < headerEnd + 4 + length) return;
            const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString();
            this.buffer = this.buffer.subarray(headerEnd + 4 + length);
            this.handle(JSON.parse(body) as Message);
        }
    }

    private handle(message: Message): void {
        if (message.method === "textDocument/publishDiagnostics") {
            const [resolve, ...rest] = this.diagnostics.get(message.params.uri) ?? [];
            this.diagnostics.set(message.params.uri, rest);
            resolve?.(message.params.diagnostics);
        } else if (message.method !== undefined && message.id !== undefined) {
            // A request from the server (configuration, capability registration): answer it
            // plainly so it never waits on us.
            const result =
                message.method === "workspace/configuration"
                    ? (message.params.items as unknown[]).map(() => null)
                    : null;
            this.send({ id: message.id, result });
        } else if (message.id !== undefined) {
            this.pending.get(message.id)?.(message);
            this.pending.delete(message.id);
        }
    }

    /** What the server wrote to stderr, for failure messages. */
    get log(): string {
        return this.stderr;
    }
}
