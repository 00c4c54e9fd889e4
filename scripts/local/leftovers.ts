// What an interrupted `local:up`, `local:down` or `e2e` leaves behind, found and cleared by the next
// run of any of them: the run's own record, Pulumi processes still running for this cluster, and
// the local stack's lock in the Pulumi state. The cluster's daemons are the business of
// scripts/local-cluster.sh (recorded pids, ports). Everything cleared is said; anything that is not
// ours is left alone and named.
import * as fs from "fs";
import * as path from "path";
import { cacheDir, localDir, log, pulumiStateDir, stackName } from "./env";

const runRecord = path.join(cacheDir, "local-run.json");
const marker = `GPU_SERVING_LOCAL_STATE=${localDir}`;

interface RunRecord {
    pid: number;
    command: string;
    started: string;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

function readProc(pid: number, file: string): string {
    try {
        return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
    } catch {
        return "";
    }
}

function commandLine(pid: number): string {
    return readProc(pid, "cmdline").split("\0").join(" ").trim().slice(0, 160);
}

function exePath(pid: number): string {
    try {
        return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
    } catch {
        return "";
    }
}

function carriesMarker(pid: number): boolean {
    return readProc(pid, "environ").split("\0").includes(marker);
}

function processIds(): number[] {
    return fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number);
}

/** Daemons the cluster scripts recorded: they stay (local-cluster.sh decides about them). */
function clusterDaemons(): Set<number> {
    const pidsDir = path.join(localDir, "pids");
    if (!fs.existsSync(pidsDir)) return new Set();
    return new Set(
        fs
            .readdirSync(pidsDir)
            .filter((file) => file.endsWith(".pid"))
            .map((file) => Number(fs.readFileSync(path.join(pidsDir, file), "utf8").trim())),
    );
}

function stop(pid: number): void {
    try {
        process.kill(pid, "SIGTERM");
    } catch {
        return;
    }
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    if (alive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * Refuses to run beside a live run on the same cache; otherwise stops the Pulumi processes a dead
 * run left (the CLI, its language host and providers carry the cluster's marker in their
 * environment) and removes the local stack's stale lock.
 */
export function clearLeftovers(command: string): void {
    if (fs.existsSync(runRecord)) {
        const previous = JSON.parse(fs.readFileSync(runRecord, "utf8")) as RunRecord;
        if (previous.pid !== process.pid && alive(previous.pid) && carriesMarker(previous.pid))
            throw new Error(
                `another ${previous.command} (pid ${previous.pid}, started ${previous.started}) is running on ${cacheDir}; wait for it or stop it first`,
            );
        log(
            `an earlier ${previous.command} (pid ${previous.pid}, started ${previous.started}) ended without cleaning up; clearing what it left`,
        );
    }
    process.env.GPU_SERVING_LOCAL_STATE = localDir;
    fs.mkdirSync(cacheDir, { recursive: true });
    const record: RunRecord = { pid: process.pid, command, started: new Date().toISOString() };
    fs.writeFileSync(runRecord, JSON.stringify(record));

    const daemons = clusterDaemons();
    for (const pid of processIds()) {
        if (pid === process.pid || daemons.has(pid) || !carriesMarker(pid)) continue;
        const exe = exePath(pid);
        // Only the Pulumi toolchain: the CLI and plugins under the cache, and the node program.
        if (!exe.startsWith(cacheDir) && exe !== process.execPath) continue;
        log(`stopping a leftover of an earlier run: pid ${pid} (${commandLine(pid)})`);
        stop(pid);
    }
    clearStaleLocks();
}

/** Forgets the run record (at the end of a run, whatever its outcome). */
export function finishRun(): void {
    try {
        const current = JSON.parse(fs.readFileSync(runRecord, "utf8")) as RunRecord;
        if (current.pid === process.pid) fs.rmSync(runRecord);
    } catch {
        // no record: nothing to forget
    }
}

/** `.pulumi/locks/<org>/<project>/<stack>/<id>.json` in the file backend (pkg/backend/diy/lock.go). */
function stackLocks(): string[] {
    const locksDir = path.join(pulumiStateDir, ".pulumi", "locks");
    if (!fs.existsSync(locksDir)) return [];
    const found: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".json") && path.basename(dir) === stackName)
                found.push(full);
        }
    };
    walk(locksDir);
    return found;
}

function clearStaleLocks(): void {
    for (const lock of stackLocks()) {
        const content = JSON.parse(fs.readFileSync(lock, "utf8")) as { pid: number };
        if (alive(content.pid) && carriesMarker(content.pid))
            throw new Error(
                `stack ${stackName} is locked by a running pulumi (pid ${content.pid}: ${commandLine(content.pid)})`,
            );
        fs.rmSync(lock);
        log(
            `removed the lock of stack ${stackName} left by pulumi pid ${content.pid}, which no longer runs (${lock})`,
        );
    }
}
