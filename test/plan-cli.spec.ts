import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePlanArgs, runPlan } from "../scripts/plan";
import { readStackFile } from "../stacks/stack-files";

describe("npm run plan", () => {
    async function run(argv: string[], options: Parameters<typeof runPlan>[1] = {}) {
        let out = "";
        let err = "";
        const code = await runPlan(argv, {
            out: (t) => (out += t),
            err: (t) => (err += t),
            ...options,
        });
        return { code, out, err };
    }

    it("prints capacity, cold start, cost and resource counts for prod with the table's prices", async () => {
        const { code, out, err } = await run(["--stack", "prod"]);
        assert.equal(err, "");
        assert.equal(code, 0);
        for (const heading of [
            "GPU NodePools (Karpenter)",
            "Cold start per model",
            "Estimated monthly cost",
            "Resources by type",
        ]) {
            assert.ok(out.includes(`#### ${heading}`), heading);
        }
        assert.ok(
            out.includes(
                "| inference | g6e | on-demand | 8 | 8 | llama-3-1-8b: g6e.xlarge; resnet-classifier: g6e.xlarge | 161 s |",
            ),
        );
        // inference: 5 × g6e.xlarge at $1.861/h at min (4 replicas + 1 headroom), 8 GPUs at max.
        assert.ok(out.includes("| $6,793 | $10,868 |"));
        // 5·1.861·730 + 2·10.49264·730 + 3·0.192·730 + NAT, 3 NLBs (3·0.0225·730 = 49.28), EFS,
        // EKS = 22,797; at max 34,953.
        assert.ok(out.includes("| **total** |  | **$22,797** | **$34,953** |"));
        // llama-3-1-8b before and after the cuts (weights streamed from S3), and the target the
        // node launch holds.
        assert.ok(out.includes("new node 581 s → **161 s**"));
        assert.ok(out.includes("| new node | ≤ 150 s | 161 s | **no**: held by gpu-node-launch"));
        assert.ok(
            out.includes("| weights-read | 20 s | 16 s | weights: Run:ai streamer from S3 |"),
        );
        assert.ok(out.includes("prices as of 2026-11 for us-west-2"));
        // 70B: 120 + 246 + ⌈132·1024/800⌉ + 200 before; 120 + 5 + ⌈132·1024/1021⌉ + 20 after.
        assert.ok(out.includes("**llama-3-1-70b** on `large`: new node 735 s → **278 s**"));
        assert.ok(out.includes("| `aws:ec2/natGateway:NatGateway` | 3 |"));
    });

    it("reports no change against HEAD", async () => {
        const { code, out } = await run(["--stack", "prod", "--base", "HEAD"]);
        assert.equal(code, 0);
        assert.ok(out.includes("No change against `HEAD`."));
    });

    it("renders the base config with this code and reports its resource and cost deltas", async () => {
        const base = readStackFile("prod");
        const stackFileAt = () => ({
            ...base,
            "gpu-serving-infra:network": {
                ...(base["gpu-serving-infra:network"] as object),
                natGatewayPerAz: false,
            },
        });
        const { code, out } = await run(["--stack", "prod", "--base", "origin/main"], {
            stackFileAt,
        });
        assert.equal(code, 0);
        assert.ok(out.includes("- +2 `aws:ec2/natGateway:NatGateway` (1 → 3)"), out);
        assert.ok(out.includes("- +$66/month at min size"), out);
    });

    it("exits 1 naming the stacks there are for an unknown stack", async () => {
        const { code, out, err } = await run(["--stack", "qa"]);
        assert.deepEqual([code, out], [1, ""]);
        assert.match(
            err,
            /unknown stack "qa": there is no Pulumi\.qa\.yaml; stacks: dev, local, prod, staging/,
        );
    });

    it("exits 1 with the validation error for a config that does not validate", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
        const staging = fs.readFileSync(path.join(__dirname, "..", "Pulumi.staging.yaml"), "utf8");
        fs.writeFileSync(
            path.join(root, "Pulumi.tight.yaml"),
            staging.replace("gpuLimit: 5", "gpuLimit: 1"),
        );
        const { code, out, err } = await run(["--stack", "tight"], { root });
        fs.rmSync(root, { recursive: true });
        assert.deepEqual([code, out], [1, ""]);
        assert.match(err, /^plan: Stack "tight" config has 1 problem:\n/);
        assert.match(
            err,
            /\n {2}- cluster\.gpuNodePools\[0\]\.gpuLimit: plan needs a limit of 5 GPUs .* but gpuLimit is 1: 4 replicas would stay Pending\n/,
        );
    });

    it("exits 1 naming the file, line and config key of a tab in the stack file, without a stack trace", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
        const dev = fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8");
        fs.writeFileSync(
            path.join(root, "Pulumi.tabbed.yaml"),
            dev.replace("    availabilityZoneCount: 2", "\tavailabilityZoneCount: 2"),
        );
        const { code, out, err } = await run(["--stack", "tabbed"], { root });
        fs.rmSync(root, { recursive: true });
        const line = dev.split("\n").findIndex((l) => l.includes("availabilityZoneCount")) + 1;
        assert.deepEqual([code, out], [1, ""]);
        assert.equal(
            err,
            `plan: Pulumi.tabbed.yaml line ${line}, column 1 (under gpu-serving-infra:network): ` +
                "tab characters must not be used in indentation; YAML indents with spaces only, replace the tab\n",
        );
    });

    it("rejects a missing --stack and unknown arguments with the usage", () => {
        assert.throws(() => parsePlanArgs([]), /--stack is required\nusage: npm run plan/);
        assert.throws(
            () => parsePlanArgs(["--stack", "prod", "--bse", "x"]),
            /unknown argument "--bse"/,
        );
        assert.throws(() => parsePlanArgs(["--stack"]), /--stack needs a value/);
        assert.deepEqual(parsePlanArgs(["--stack=dev", "--base", "origin/main"]), {
            stack: "dev",
            base: "origin/main",
        });
    });
});
