import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { al2023DataDeviceName, al2023DataVolumeUserData } from "../components/plan/node-pool-plan";

// The AL2023 EC2NodeClass's user data, run for real: parsed by Python's MIME parser (what
// cloud-init uses to split it), then its shell part run as root against a loop device standing in
// for the image volume, inside a private mount namespace (the mount and the /etc/fstab line stay
// there). Only `systemctl` is a stub, since no systemd runs here; blkid, mkfs.xfs and mount are real.

const root = path.join(__dirname, "..");

function sh(command: string, args: string[], input?: string) {
    const result = spawnSync(command, args, { encoding: "utf8", input });
    return { code: result.status, out: result.stdout ?? "", err: result.stderr ?? "" };
}

/** The parts a MIME parser finds: content type and payload of each leaf. */
function mimeParts(userData: string): { type: string; payload: string }[] {
    const parser = [
        "import email, json, sys",
        "message = email.message_from_string(sys.stdin.read())",
        "assert message.is_multipart(), 'not multipart'",
        "print(json.dumps([{'type': p.get_content_type(), 'payload': p.get_payload()}",
        "    for p in message.walk() if not p.is_multipart()]))",
    ].join("\n");
    const { code, out, err } = sh("python3", ["-c", parser], userData);
    assert.equal(code, 0, err);
    return JSON.parse(out);
}

interface Boot {
    /** `systemctl` calls, one line each. */
    systemctl: string[];
    /** What /var/lib/containerd is after the script: source device and file system type. */
    mount: string;
    /** Files under /var/lib/containerd after the script. */
    files: string[];
    /** /etc/fstab as the script left it. */
    fstab: string;
    /** Whether the script ran mkfs (the file system's UUID changed). */
    formatted: boolean;
}

/**
 * Runs the user data's script once against `device`, with containerd active or not. The script
 * sees the volume as `named` (default: the device itself), like the udev link on a Nitro instance.
 */
function boot(
    script: string,
    device: string,
    work: string,
    containerdActive: boolean,
    named = device,
): Boot {
    const stubs = path.join(work, "bin");
    fs.mkdirSync(stubs, { recursive: true });
    const calls = path.join(work, "systemctl.log");
    fs.writeFileSync(calls, "");
    fs.writeFileSync(
        path.join(stubs, "systemctl"),
        `#!/bin/bash\necho "$*" >> ${calls}\n[ "$1" != is-active ] || [ "${containerdActive ? 1 : 0}" = 1 ]\n`,
        { mode: 0o755 },
    );
    const fstab = path.join(work, "fstab");
    fs.copyFileSync("/etc/fstab", fstab);
    const userScript = path.join(work, "user-data.sh");
    // The script names the volume by its block device mapping; here that is the loop device.
    fs.writeFileSync(userScript, script.split(al2023DataDeviceName).join(named));
    const uuidBefore = sh("blkid", ["-s", "UUID", "-o", "value", device]).out.trim();
    const wrapper = [
        "set -euo pipefail",
        `mount --bind ${fstab} /etc/fstab`,
        `PATH=${stubs}:$PATH bash ${userScript}`,
        "findmnt -n -o SOURCE,FSTYPE --mountpoint /var/lib/containerd",
        "echo ---",
        "find /var/lib/containerd -mindepth 1 -printf '%P\\n' | sort",
    ].join("\n");
    const run = sh("unshare", ["--mount", "--propagation", "private", "bash", "-c", wrapper]);
    assert.equal(run.code, 0, run.err);
    const [mount, files] = run.out.split("---\n");
    const uuidAfter = sh("blkid", ["-s", "UUID", "-o", "value", device]).out.trim();
    return {
        systemctl: fs.readFileSync(calls, "utf8").trim().split("\n").filter(Boolean),
        mount: mount.trim(),
        files: files.trim().split("\n").filter(Boolean),
        fstab: fs.readFileSync(fstab, "utf8"),
        formatted: uuidBefore !== uuidAfter,
    };
}

describe("AL2023 image-volume user data, run for real", function () {
    this.timeout(120_000);
    let work: string;
    let device: string;
    let script: string;

    before(function () {
        if (process.getuid?.() !== 0) {
            // Loop devices and mount namespaces need root; CI and `npm run local:up` run as root.
            this.skip();
        }
        const ensure = sh("bash", [
            "-c",
            `source ${root}/scripts/local/lib.sh && ensure_packages xfsprogs util-linux python3`,
        ]);
        assert.equal(ensure.code, 0, ensure.err);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "al2023-user-data-"));
        const image = path.join(work, "volume.img");
        // mkfs.xfs needs at least 300 MiB; the file is sparse.
        fs.writeFileSync(image, "");
        fs.truncateSync(image, 320 * 1024 * 1024);
        const loop = sh("losetup", ["--find", "--show", image]);
        assert.equal(loop.code, 0, loop.err);
        device = loop.out.trim();
        const parts = mimeParts(al2023DataVolumeUserData());
        assert.deepEqual(
            parts.map((p) => p.type),
            ["text/x-shellscript"],
        );
        script = parts[0].payload;
    });

    after(() => {
        if (device) sh("losetup", ["--detach", device]);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("is one shell-script part of a MIME multipart document, which Karpenter merges with its own", () => {
        assert.match(script, /^#!\/bin\/bash\nset -euo pipefail\n/);
    });

    it("passes shellcheck", () => {
        const ensure = sh("bash", [
            "-c",
            `source ${root}/scripts/local/lib.sh && ensure_packages shellcheck`,
        ]);
        assert.equal(ensure.code, 0, ensure.err);
        const lint = sh("shellcheck", ["-s", "bash", "-"], script);
        assert.equal(lint.code, 0, lint.out);
    });

    it("formats a blank volume, mounts it over /var/lib/containerd around a containerd restart, and records it in fstab", () => {
        const first = boot(script, device, path.join(work, "first"), true);
        assert.equal(first.formatted, true);
        assert.equal(first.mount.replace(/\s+/g, " "), `${device} xfs`);
        assert.deepEqual(first.systemctl, [
            "is-active --quiet containerd",
            "stop containerd",
            "start containerd",
        ]);
        assert.ok(
            first.fstab.endsWith(`${device} /var/lib/containerd xfs defaults,nofail 0 2\n`),
            first.fstab,
        );
    });

    it("keeps a restored snapshot's file system and its pre-pulled images, and leaves a stopped containerd stopped", () => {
        // The volume as a snapshot would restore it: an XFS file system with an image store on it.
        const seed = [
            "set -euo pipefail",
            `mkfs.xfs -q -f ${device}`,
            `mkdir -p ${work}/seed && mount ${device} ${work}/seed`,
            `mkdir -p ${work}/seed/io.containerd.content.v1.content/blobs`,
            `echo layer > ${work}/seed/io.containerd.content.v1.content/blobs/sha256-pre-pulled`,
            `umount ${work}/seed`,
        ].join("\n");
        const seeded = sh("unshare", ["--mount", "--propagation", "private", "bash", "-c", seed]);
        assert.equal(seeded.code, 0, seeded.err);
        const restored = boot(script, device, path.join(work, "restored"), false);
        assert.equal(restored.formatted, false);
        assert.equal(restored.mount.replace(/\s+/g, " "), `${device} xfs`);
        assert.ok(
            restored.files.includes("io.containerd.content.v1.content/blobs/sha256-pre-pulled"),
            restored.files.join(", "),
        );
        assert.deepEqual(restored.systemctl, ["is-active --quiet containerd"]);
    });

    it("waits for a volume whose device link appears after boot starts", () => {
        sh("mkfs.xfs", ["-q", "-f", device]);
        const link = path.join(work, "late-xvdb");
        // amazon-ec2-utils' udev rule creates the link a moment later; here, 2 s later.
        spawn("bash", ["-c", `sleep 2 && ln -s ${device} ${link}`]);
        const late = boot(script, device, path.join(work, "late"), true, link);
        // Without the wait, blkid and mkfs.xfs would find no device and the script would fail.
        assert.ok(fs.lstatSync(link).isSymbolicLink());
        assert.equal(late.mount.replace(/\s+/g, " "), `${device} xfs`);
        assert.ok(late.fstab.endsWith(`${link} /var/lib/containerd xfs defaults,nofail 0 2\n`));
    });
});
