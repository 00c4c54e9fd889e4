import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** Repository-relative file → the repository files it imports (type-only imports and re-exports included). */
export type ImportGraph = Map<string, string[]>;

function sourceFiles(root: string, folder: string): string[] {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const relative = path.posix.join(folder, entry.name);
        if (entry.isDirectory()) return sourceFiles(root, relative);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [relative] : [];
    });
}

/** `./x` from `dir/file.ts` → `dir/x.ts` or `dir/x/index.ts`; undefined for packages and data files. */
function resolveLocal(root: string, from: string, specifier: string): string | undefined {
    if (!specifier.startsWith(".")) return undefined;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
    for (const candidate of [`${base}.ts`, `${base}/index.ts`]) {
        if (fs.existsSync(path.join(root, candidate))) return candidate;
    }
    // Data files (package.json) are not code: no edge.
    if (fs.existsSync(path.join(root, base)) && !base.endsWith(".ts")) return undefined;
    throw new Error(`${from}: cannot resolve import "${specifier}"`);
}

/**
 * The import graph of every TypeScript file under `folders`, read with the compiler's own import
 * scanner (`import`, `import type`, `export … from`, `require`, dynamic `import()`). Imports that
 * leave `folders` are kept, so rules can name them.
 */
export function importGraph(root: string, folders: readonly string[]): ImportGraph {
    const graph: ImportGraph = new Map();
    for (const file of folders.flatMap((folder) => sourceFiles(root, folder))) {
        const text = fs.readFileSync(path.join(root, file), "utf8");
        const { importedFiles } = ts.preProcessFile(text, true, true);
        const targets = importedFiles
            .map((imported) => resolveLocal(root, file, imported.fileName))
            .filter((target): target is string => target !== undefined);
        graph.set(file, [...new Set(targets)].sort());
    }
    return graph;
}

/** Every import cycle, one per strongly connected component, as `a → b → … → a`. */
export function importCycles(graph: ImportGraph): string[] {
    // Tarjan's algorithm: each component of more than one file (or a file importing itself) is a cycle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[] = [];
    const visit = (file: string): void => {
        index.set(file, counter);
        low.set(file, counter);
        counter += 1;
        stack.push(file);
        onStack.add(file);
        for (const next of graph.get(file) ?? []) {
            if (!graph.has(next)) continue;
            if (!index.has(next)) {
                visit(next);
                low.set(file, Math.min(low.get(file)!, low.get(next)!));
            } else if (onStack.has(next)) {
                low.set(file, Math.min(low.get(file)!, index.get(next)!));
            }
        }
        if (low.get(file) !== index.get(file)) return;
        const members: string[] = [];
        let member: string;
        do {
            member = stack.pop()!;
            onStack.delete(member);
            members.push(member);
        } while (member !== file);
        const selfImport = (graph.get(file) ?? []).includes(file);
        if (members.length > 1 || selfImport) cycles.push(cyclePath(graph, new Set(members)));
    };
    for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
    return cycles;
}

/** One concrete loop through `members`, starting from the alphabetically first file. */
function cyclePath(graph: ImportGraph, members: Set<string>): string {
    const start = [...members].sort()[0];
    // Breadth-first search for the shortest way back to `start` inside the component.
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
        const file = queue.shift()!;
        for (const next of graph.get(file) ?? []) {
            if (!members.has(next)) continue;
            if (next === start) {
                const loop = [start];
                for (let at = file; at !== start; at = previous.get(at)!) loop.splice(1, 0, at);
                return [...loop, start].join(" → ");
            }
            if (!previous.has(next)) {
                previous.set(next, file);
                queue.push(next);
            }
        }
    }
    return [...members].sort().join(" → ");
}

/** A layering rule: files matching `from` may import local files only when `allowed` says so. */
export interface ImportRule {
    name: string;
    from: (file: string) => boolean;
    allowed: (target: string) => boolean;
}

/** Every import that breaks a rule, as `rule: file imports target`. */
export function importViolations(graph: ImportGraph, rules: readonly ImportRule[]): string[] {
    const found: string[] = [];
    for (const [file, targets] of [...graph.entries()].sort()) {
        for (const rule of rules) {
            if (!rule.from(file)) continue;
            for (const target of targets) {
                if (!rule.allowed(target)) found.push(`${rule.name}: ${file} imports ${target}`);
            }
        }
    }
    return found;
}
