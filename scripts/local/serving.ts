// The real serving path of the local stack: images built and pushed (scripts/local-images.sh),
// weights uploaded to the S3 API on 127.0.0.1 (moto_server), and the stack config pointed at both.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    binDir,
    localDir,
    localPort,
    log,
    nodeNetworkServicesIp,
    pulumi,
    repositoryRoot,
    run,
    s3Port,
    stackName,
} from "./env";

export interface BuiltImage {
    /** `<registry>/<repository>@sha256:<digest>` as the registry returned it. */
    reference: string;
    /** Uncompressed size as Docker reports it, bytes. */
    bytes: number;
}

export type BuiltImages = Record<"custom-server" | "staging" | "pause", BuiltImage>;

/** Builds the serving and staging images offline and pushes them; returns what was pushed. */
export function buildImages(): BuiltImages {
    run("bash", [path.join(repositoryRoot, "scripts", "local-images.sh"), "build"], {
        stream: true,
        cwd: repositoryRoot,
    });
    return JSON.parse(fs.readFileSync(path.join(localDir, "images.json"), "utf8")) as BuiltImages;
}

/** Static keys for the S3 API on the loopback: moto accepts any, and the staging Job needs some. */
export const s3Credentials = { accessKeyId: "local", secretAccessKey: "local-secret" };

function aws(args: string[], input?: string): string {
    const result = run("aws", ["--endpoint-url", `http://127.0.0.1:${s3Port}`, ...args], {
        cwd: repositoryRoot,
        input,
        env: {
            AWS_ACCESS_KEY_ID: s3Credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey,
            AWS_DEFAULT_REGION: "us-east-1",
        },
    });
    return result.stdout;
}

/** `s3://bucket/prefix` → [bucket, prefix]. */
export function splitS3(source: string): [string, string] {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(source);
    if (!match) throw new Error(`${source} is not an s3:// URL`);
    return [match[1], match[2].replace(/\/$/, "")];
}

/** Puts files under an s3:// prefix of the local S3 API, creating the bucket on first use. */
export function uploadObjects(source: string, files: Record<string, string>): void {
    const [bucket, prefix] = splitS3(source);
    const buckets = aws(["s3api", "list-buckets", "--query", "Buckets[].Name", "--output", "text"]);
    if (!buckets.split(/\s+/).includes(bucket)) aws(["s3api", "create-bucket", "--bucket", bucket]);
    for (const [name, body] of Object.entries(files))
        aws(["s3", "cp", "--only-show-errors", "-", `s3://${bucket}/${prefix}/${name}`], body);
}

/** The linear model the local stack's custom runtime serves, per version (real numbers, tiny). */
export function demoModelFiles(version: string): Record<string, string> {
    const weights: Record<string, { weights: number[]; bias: number }> = {
        "1": { weights: [0.5, -1.25, 2, 0.75], bias: 0.1 },
        "2": { weights: [1.5, 0.25, -0.5, 2], bias: -0.3 },
    };
    const model = weights[version];
    if (!model) throw new Error(`no demo weights for version ${version} (known: 1, 2)`);
    return { "model.json": JSON.stringify(model) };
}

/** Stand-in objects where a model's weights cannot be had offline (vLLM's multi-GB weights). */
export function standInFiles(source: string): Record<string, string> {
    return {
        "STAND-IN.txt": `Stand-in for ${source}: the local stack stages this file for real; the model's weights are not available offline.\n`,
    };
}

interface LocalModel {
    name: string;
    runtime: string;
    version: string;
    image?: { reference?: string };
    weights: { source: string };
}

export function committedModels(): LocalModel[] {
    const stack = yaml.load(
        fs.readFileSync(path.join(repositoryRoot, `Pulumi.${stackName}.yaml`), "utf8"),
    ) as { config: Record<string, unknown> };
    return stack.config["gpu-serving-infra:models"] as LocalModel[];
}

/** The local registry repository a committed image reference names, if it is one we build. */
function builtRepository(reference: string | undefined): string | undefined {
    const match =
        /^127\.0\.0\.1:\d+\/gpu-serving\/(custom-server|staging)@sha256:[0-9a-f]{64}$/.exec(
            reference ?? "",
        );
    return match?.[1];
}

/** Where the serving pods' model claim lives on this cluster's real nodes (owned by uid 1000). */
export function prepareModelStore(): string {
    const dir = path.join(localDir, "models");
    fs.mkdirSync(dir, { recursive: true });
    fs.chownSync(dir, 1000, 1000);
    return dir;
}

/**
 * Points the scratch copy of the local stack at what this run built: image digests from the
 * registry, the staging image, the S3 endpoint as pods see it, and this cluster's model directory.
 * The committed Pulumi.local.yaml is never edited.
 */
export function configureLocalStack(images: BuiltImages): void {
    pulumi(["config", "set", "--path", "modelStore.hostPath", prepareModelStore()]);
    pulumi(["config", "set", "--path", "serving.stagingImage", images.staging.reference]);
    pulumi(["config", "set", "--secret", "weightsCredentials", JSON.stringify(s3Credentials)]);
    committedModels().forEach((model, index) => {
        const repository = builtRepository(model.image?.reference);
        if (repository) {
            const built = images[repository as keyof BuiltImages].reference;
            pulumi(["config", "set", "--path", `models[${index}].image.reference`, built]);
        }
        if (model.weights.source.startsWith("s3://"))
            pulumi([
                "config",
                "set",
                "--path",
                `models[${index}].weights.endpoint`,
                `http://${nodeNetworkServicesIp}:${s3Port}`,
            ]);
    });
}

/** Uploads every committed model's weights: the demo model's real ones, stand-ins for the rest. */
export function uploadWeights(): void {
    for (const model of committedModels()) {
        if (!model.weights.source.startsWith("s3://")) continue;
        const files =
            model.runtime === "custom"
                ? demoModelFiles(model.version)
                : standInFiles(model.weights.source);
        uploadObjects(model.weights.source, files);
        log(
            `uploaded ${Object.keys(files).join(", ")} to ${model.weights.source} (S3 API on 127.0.0.1:${s3Port})`,
        );
    }
}

/**
 * Sends one real request to the first custom-runtime model through its Service (kube-proxy on the
 * real nodes), forwarded to 127.0.0.1:LOCAL_SERVICE_PORT, and prints how to send more.
 */
export function demoRequest(apiKeys: Record<string, string>): void {
    const index = committedModels().findIndex((m) => m.runtime === "custom");
    if (index < 0) return;
    const model = committedModels()[index];
    const port = localPort("LOCAL_SERVICE_PORT", 20208);
    const service = JSON.parse(
        run(
            path.join(binDir, "kubectl"),
            ["get", "service", model.name, "-n", "models", "-o", "json"],
            {
                cwd: repositoryRoot,
            },
        ).stdout,
    );
    run(
        "bash",
        [
            path.join(repositoryRoot, "scripts", "local-node.sh"),
            "expose",
            "service",
            String(port),
            `${service.spec.clusterIP}:${service.spec.ports[0].port}`,
        ],
        { cwd: repositoryRoot },
    );
    const body = JSON.stringify({ instances: [[1, 2, 3, 4]] });
    const curl = `curl -s -X POST http://127.0.0.1:${port}/predict -H 'content-type: application/json' -H "Authorization: Bearer $KEY" -d '${body}'`;
    const answer = run("bash", ["-c", curl], {
        cwd: repositoryRoot,
        env: { KEY: apiKeys[model.name] },
        allowFailure: true,
    });
    // The key in a file only root reads, so the hint below never prints it.
    const keyFile = path.join(localDir, `api-key-${model.name}`);
    fs.writeFileSync(keyFile, apiKeys[model.name], { mode: 0o600 });
    log(
        `${model.name} (Service ${service.spec.clusterIP}, forwarded to 127.0.0.1:${port}) answered: ${answer.stdout.trim()}`,
    );
    log(`try it: KEY=$(cat ${keyFile}) && ${curl}`);
}
