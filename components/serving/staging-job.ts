import * as k8s from "@pulumi/kubernetes";
import { systemNodeLabels } from "../plan/scheduling";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security";
import { s3EndpointEnv } from "./contract";
import { ServingSettings, modelsMountPath, stagedMarker } from "./settings";

/**
 * Weights staging: a Job per model version copies the weights onto the shared claim once, and every
 * serving pod waits for the result instead of downloading on a GPU node (GPU time is the expensive
 * part of a cold start). Both scripts are idempotent: they exit at once when the version's marker
 * exists, download into `<version>.partial` next to the target (resumable: files already complete
 * are skipped), write the marker last inside it, and publish with one rename so a reader never sees
 * a half-written version. Values reach the scripts through the environment, never by interpolation.
 */

/** POSIX sh for the amazon/aws-cli image. */
export const s3StagingScript = `set -eu
if [ -f "$MODEL_DIR/${stagedMarker}" ]; then
  echo "weights already staged at $MODEL_DIR"
  exit 0
fi
partial="$MODEL_DIR.partial"
mkdir -p "$partial"
aws s3 sync --only-show-errors --no-progress "$WEIGHTS_SOURCE" "$partial"
if [ -z "$(ls -A "$partial")" ]; then
  echo "no objects under $WEIGHTS_SOURCE" >&2
  exit 1
fi
date -u +%Y-%m-%dT%H:%M:%SZ > "$partial/${stagedMarker}"
rm -rf "$MODEL_DIR"
mv "$partial" "$MODEL_DIR"
echo "staged $WEIGHTS_SOURCE at $MODEL_DIR"
`;

/**
 * Python standard library only (no pip on a read-only root): the Hub API lists the revision's files
 * with sizes, each is fetched from the resolved commit so the whole download is one snapshot.
 */
export const hfStagingScript = `import json, os, shutil, sys, urllib.parse, urllib.request
from pathlib import Path

model_dir = Path(os.environ["MODEL_DIR"])
repo, revision = os.environ["HF_REPO"], os.environ["HF_REVISION"]
if (model_dir / "${stagedMarker}").exists():
    print(f"weights already staged at {model_dir}")
    sys.exit(0)
partial = model_dir.with_name(model_dir.name + ".partial")
token_file = os.environ.get("HF_TOKEN_FILE")
token = Path(token_file).read_text().strip() if token_file else None
headers = {"Authorization": f"Bearer {token}"} if token else {}

def fetch(url):
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120)

with fetch(f"https://huggingface.co/api/models/{repo}/revision/{urllib.parse.quote(revision, safe='')}?blobs=true") as response:
    info = json.load(response)
commit, files = info["sha"], info.get("siblings") or []
if not files:
    sys.exit(f"{repo}@{revision} lists no files")
for entry in files:
    name, size = entry["rfilename"], entry.get("size")
    if name.startswith("/") or ".." in Path(name).parts:
        sys.exit(f"refusing file name {name!r}")
    target = partial / name
    if size is not None and target.is_file() and target.stat().st_size == size:
        continue
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    with fetch(f"https://huggingface.co/{repo}/resolve/{commit}/{urllib.parse.quote(name)}") as response, open(part, "wb") as out:
        shutil.copyfileobj(response, out, 16 << 20)
    os.replace(part, target)
(partial / "${stagedMarker}").write_text(commit + "\\n")
shutil.rmtree(model_dir, ignore_errors=True)
os.replace(partial, model_dir)
print(f"staged {repo}@{commit} at {model_dir}")
`;

/** Serving pods' init container: waits (never downloads) until the version's marker exists. */
export const waitForWeightsScript = `until [ -f "$MODEL_DIR/${stagedMarker}" ]; do
  echo "waiting for staged weights at $MODEL_DIR (Job $STAGING_JOB)"
  sleep 10
done
`;

/**
 * A gated repository's token: a file from a Secret only the staging Job mounts, never an env var
 * (which `kubectl describe` and crash dumps show) and never on a serving pod.
 */
export const hfTokenMount = {
    volume: "hf-token",
    dir: "/var/run/secrets/huggingface",
    key: "token",
};

export function stagingContainerCommand(s: ServingSettings): string[] {
    return s.weightsScheme === "hf"
        ? ["python3", "-c", hfStagingScript]
        : ["/bin/sh", "-c", s3StagingScript];
}

function stagingEnv(s: ServingSettings): k8s.types.input.core.v1.EnvVar[] {
    const common = [
        { name: "MODEL_DIR", value: s.modelDir },
        // The images' HOME (/root) is not writable by uid 1000; aws-cli keeps its cache under HOME.
        { name: "HOME", value: "/tmp" },
    ];
    if (s.weightsScheme === "s3")
        return [
            ...common,
            { name: "WEIGHTS_SOURCE", value: s.weightsSource },
            // S3-compatible stores ignore the region, but the AWS CLI refuses to sign without one.
            ...(s.weightsEndpoint
                ? [
                      { name: s3EndpointEnv, value: s.weightsEndpoint },
                      { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
                  ]
                : []),
        ];
    return [
        ...common,
        { name: "HF_REPO", value: s.weightsSource.replace(/^hf:\/\//, "") },
        { name: "HF_REVISION", value: s.weightsRevision ?? "" },
        { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
        ...(s.huggingFaceTokenSecretName === undefined
            ? []
            : [{ name: "HF_TOKEN_FILE", value: `${hfTokenMount.dir}/${hfTokenMount.key}` }]),
    ];
}

function hfTokenVolumeMounts(s: ServingSettings): k8s.types.input.core.v1.VolumeMount[] {
    if (s.huggingFaceTokenSecretName === undefined) return [];
    return [{ name: hfTokenMount.volume, mountPath: hfTokenMount.dir, readOnly: true }];
}

function hfTokenVolumes(s: ServingSettings): k8s.types.input.core.v1.Volume[] {
    if (s.huggingFaceTokenSecretName === undefined) return [];
    return [
        {
            name: hfTokenMount.volume,
            secret: {
                secretName: s.huggingFaceTokenSecretName,
                items: [{ key: hfTokenMount.key, path: hfTokenMount.key }],
                defaultMode: 0o400,
            },
        },
    ];
}

/** The component label of every staging pod; the namespace's staging egress policy selects it. */
export const stagingComponentLabel = { "app.kubernetes.io/component": "weights-staging" } as const;

/** The port an endpoint URL names, or its scheme's default. */
export function endpointPort(url: string): number {
    const parsed = new URL(url);
    if (parsed.port) return Number(parsed.port);
    return parsed.protocol === "https:" ? 443 : 80;
}

/**
 * The serving namespace lets staging Jobs out on 443 only (serving/namespace-policies.ts); an S3 API
 * on another port (MinIO on 9000, a local S3 API) needs this model's staging pods let out to it too.
 * Any address, since the endpoint may be a host name. None when the endpoint is on 443.
 */
export function stagingEndpointEgressSpec(
    s: ServingSettings,
): k8s.types.input.networking.v1.NetworkPolicySpec | undefined {
    if (s.weightsEndpoint === undefined) return undefined;
    const port = endpointPort(s.weightsEndpoint);
    if (port === 443) return undefined;
    return {
        podSelector: {
            matchLabels: {
                "app.kubernetes.io/name": s.modelName,
                ...stagingComponentLabel,
            },
        },
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port }] }],
    };
}

/** The serving labels with their own component, so no serving selector matches staging pods. */
export function stagingLabels(s: ServingSettings): Record<string, string> {
    return { ...s.labels, ...stagingComponentLabel };
}

/**
 * Runs on system (CPU) nodes: it needs no GPU, and a download on a GPU node would bill GPU hours
 * for network time. Retries a few times for transient network errors; each retry resumes.
 */
export function stagingJobSpec(
    s: ServingSettings,
    serviceAccountName: string,
): k8s.types.input.batch.v1.JobSpec {
    const labels = stagingLabels(s);
    return {
        backoffLimit: 4,
        // Kept a day so its logs can be read; an up after a refresh re-creates it, and it exits at
        // once.
        ttlSecondsAfterFinished: 86400,
        template: {
            metadata: { labels },
            spec: {
                restartPolicy: "Never",
                serviceAccountName,
                // The Job never calls the Kubernetes API. IRSA does not need this token: the EKS
                // pod identity webhook adds its own projected `aws-iam-token` volume (audience
                // sts.amazonaws.com) to any pod whose ServiceAccount carries a role-arn annotation,
                // whatever automountServiceAccountToken says (amazon-eks-pod-identity-webhook,
                // pkg/handler/handler.go, getPodSpecPatch).
                automountServiceAccountToken: false,
                nodeSelector: systemNodeLabels,
                securityContext: restrictedPodSecurityContext,
                containers: [
                    {
                        name: "stage-weights",
                        image: s.stagingImage,
                        command: stagingContainerCommand(s),
                        env: stagingEnv(s),
                        envFrom: s.weightsCredentialsSecretName
                            ? [{ secretRef: { name: s.weightsCredentialsSecretName } }]
                            : undefined,
                        // The download streams onto the claim; /tmp holds the aws-cli's and
                        // Python's small caches (HOME=/tmp), and logs the rest.
                        resources: {
                            requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "1Gi" },
                            limits: { memory: "2Gi", "ephemeral-storage": "2Gi" },
                        },
                        securityContext: restrictedContainerSecurityContext(true),
                        volumeMounts: [
                            { name: "models", mountPath: modelsMountPath },
                            { name: "tmp", mountPath: "/tmp" },
                            ...hfTokenVolumeMounts(s),
                        ],
                    },
                ],
                volumes: [
                    { name: "models", persistentVolumeClaim: { claimName: s.modelClaimName } },
                    { name: "tmp", emptyDir: { sizeLimit: `${stagingTmpGiB}Gi` } },
                    ...hfTokenVolumes(s),
                ],
            },
        },
    };
}

/** `/tmp` of the staging Job, GiB: aws-cli and Python caches only, the weights go to the claim. */
export const stagingTmpGiB = 1;

/**
 * Pulumi waits for a Job to complete, 10 minutes by default. Staging speed is bounded by the
 * download, assumed no faster than a registry pull (≈ 50 MiB/s, see plan/cold-start.ts); twice that
 * estimate, at least 10 minutes. When it runs out the Job keeps going and the next up resumes.
 */
export function stagingTimeoutSeconds(weightsSizeGiB: number, downloadMiBps = 50): number {
    return Math.max(600, Math.ceil(((weightsSizeGiB * 1024) / downloadMiBps) * 2));
}
