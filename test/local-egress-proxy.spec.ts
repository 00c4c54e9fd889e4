import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

// scripts/local/egress-proxy.py is the only way the local apiserver reaches into the real nodes'
// network namespace: it must tunnel to the node network and refuse every other address.

const hasPython = spawnSync("python3", ["--version"]).status === 0;
const script = path.join(__dirname, "..", "scripts", "local", "egress-proxy.py");

function connectThrough(socketPath: string, target: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = net.createConnection(socketPath, () =>
            socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
        );
        let received = "";
        let pinged = false;
        socket.on("data", (chunk) => {
            received += chunk;
            if (!pinged && received.startsWith("HTTP/1.1 200") && received.includes("\r\n\r\n")) {
                pinged = true;
                socket.write("ping\n");
            }
            if (received.includes("pong") || received.startsWith("HTTP/1.1 403")) socket.end();
        });
        socket.on("end", () => resolve(received));
        socket.on("error", reject);
        socket.setTimeout(5000, () => socket.destroy(new Error("timed out")));
    });
}

describe("the local apiserver's egress proxy", function () {
    this.timeout(20_000);
    let proxy: ChildProcess | undefined;
    let upstream: net.Server;
    let upstreamPort = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress-"));
    const socketPath = path.join(dir, "egress.sock");

    before(async function () {
        if (!hasPython) this.skip();
        upstream = net.createServer((c) => c.on("data", () => c.end("pong\n")));
        await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
        upstream.unref();
        upstreamPort = (upstream.address() as net.AddressInfo).port;
        // The test's "node network" is 127.0.0.2/32: 127.0.0.1 is outside it.
        proxy = spawn("python3", [script, socketPath, "127.0.0.2/32"], { stdio: "ignore" });
        for (let i = 0; i < 50 && !fs.existsSync(socketPath); i++)
            await new Promise((resolve) => setTimeout(resolve, 100));
    });

    after(() => {
        proxy?.kill();
        upstream?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("tunnels to an address inside the node network", async () => {
        const upstream2 = net.createServer((c) => c.on("data", () => c.end("pong\n")));
        await new Promise<void>((resolve) => upstream2.listen(0, "127.0.0.2", resolve));
        upstream2.unref();
        const port = (upstream2.address() as net.AddressInfo).port;
        const answer = await connectThrough(socketPath, `127.0.0.2:${port}`);
        upstream2.close();
        assert.match(answer, /^HTTP\/1\.1 200 Connection established\r\n\r\npong/);
    });

    it("refuses an address outside the node network, and a host name", async () => {
        assert.match(
            await connectThrough(socketPath, `127.0.0.1:${upstreamPort}`),
            /^HTTP\/1\.1 403/,
        );
        assert.match(await connectThrough(socketPath, "local-real-0:10250"), /^HTTP\/1\.1 403/);
    });
});
