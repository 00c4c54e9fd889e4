import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// scripts/local/leftovers.ts reads its cache directory when it is loaded, so each case runs it in
// a child process pointed at a scratch cache: the real one is never touched.

const scratchRoots: string[] = [];

function scratchCache(): { cache: string; state: string; lockDir: string } {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "leftovers-"));
    scratchRoots.push(cache);
    const lockDir = path.join(
        cache,
        "local-pulumi-state",
        ".pulumi",
        "locks",
        "organization",
        "gpu-serving-infra",
        "local",
    );
    fs.mkdirSync(lockDir, { recursive: true });
    return { cache, state: path.join(cache, "local"), lockDir };
}

function clearLeftovers(cache: string): { status: number | null; stderr: string } {
    const script = `require(${JSON.stringify(path.join(__dirname, "..", "scripts", "local", "leftovers.ts"))}).clearLeftovers("e2e")`;
    const result = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "-e", script],
        {
            env: { ...process.env, GPU_SERVING_CACHE: cache, GPU_SERVING_LOCAL_DIR: "" },
            encoding: "utf8",
        },
    );
    return { status: result.status, stderr: result.stderr };
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
    const child = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    return Number(child.stdout.trim());
}

describe("leftovers of interrupted local runs", function () {
    this.timeout(60_000);
    const children: ChildProcess[] = [];
    after(() => {
        children.forEach((child) => child.kill("SIGKILL"));
        scratchRoots.forEach((root) => fs.rmSync(root, { recursive: true, force: true }));
    });

    it("removes the local stack's lock when the pulumi that took it no longer runs, and says so", () => {
        const { cache, lockDir } = scratchCache();
        const pid = deadPid();
        fs.writeFileSync(path.join(lockDir, "a1.json"), JSON.stringify({ pid }));
        const run = clearLeftovers(cache);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(fs.readdirSync(lockDir), []);
        assert.match(
            run.stderr,
            new RegExp(`removed the lock of stack local left by pulumi pid ${pid}`),
        );
    });

    it("stops a process of an earlier run that still holds the lock, then removes the lock", async () => {
        const { cache, state, lockDir } = scratchCache();
        // Stands in for a pulumi left running by a killed e2e: an executable under the cache,
        // carrying the cluster's marker in its environment.
        const fake = path.join(cache, "bin", "pulumi");
        fs.mkdirSync(path.dirname(fake), { recursive: true });
        fs.copyFileSync("/bin/sleep", fake);
        const child = spawn(fake, ["60"], {
            env: { GPU_SERVING_LOCAL_STATE: state },
            stdio: "ignore",
        });
        children.push(child);
        const exited = new Promise((resolve) =>
            child.on("exit", (_code, signal) => resolve(signal)),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        fs.writeFileSync(path.join(lockDir, "b2.json"), JSON.stringify({ pid: child.pid }));
        const run = clearLeftovers(cache);
        assert.equal(run.status, 0, run.stderr);
        assert.match(
            run.stderr,
            new RegExp(`stopping a leftover of an earlier run: pid ${child.pid}`),
        );
        assert.equal(await exited, "SIGTERM");
        assert.deepEqual(fs.readdirSync(lockDir), []);
    });

    it("leaves a process that is not this cluster's alone and refuses while it holds the lock", () => {
        const { cache, lockDir } = scratchCache();
        const stranger = spawn("sleep", ["60"], { stdio: "ignore" });
        children.push(stranger);
        fs.writeFileSync(path.join(lockDir, "c3.json"), JSON.stringify({ pid: stranger.pid }));
        // Without our marker the pid is not a pulumi of ours: the lock is stale for this stack.
        const run = clearLeftovers(cache);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(stranger.exitCode, null, "the stranger still runs");
        assert.deepEqual(fs.readdirSync(lockDir), []);
    });

    it("refuses to start beside a live run on the same cache", () => {
        const { cache, state } = scratchCache();
        const live = spawn("sleep", ["60"], {
            env: { GPU_SERVING_LOCAL_STATE: state },
            stdio: "ignore",
        });
        children.push(live);
        fs.writeFileSync(
            path.join(cache, "local-run.json"),
            JSON.stringify({ pid: live.pid, command: "e2e", started: "2026-12-02T20:00:00Z" }),
        );
        const run = clearLeftovers(cache);
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, new RegExp(`another e2e \\(pid ${live.pid}.*is running`));
    });

    it("clears the record of a run that died and records its own", () => {
        const { cache } = scratchCache();
        fs.writeFileSync(
            path.join(cache, "local-run.json"),
            JSON.stringify({
                pid: deadPid(),
                command: "local:up",
                started: "2026-12-02T20:00:00Z",
            }),
        );
        const run = clearLeftovers(cache);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stderr, /an earlier local:up .* ended without cleaning up/);
    });
});
