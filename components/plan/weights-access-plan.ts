/**
 * Who may read a model's weights, as plain data: the S3 location a source names, the service
 * accounts of the staging Job and the server, and the IAM statements their roles carry. Pure, so
 * the IAM simulator tests and the component read the same statements.
 */
import type { PolicyStatement } from "./in-cluster-plan";

/** A bucket and a key prefix without leading or trailing '/' ("" for the whole bucket). */
export interface S3Location {
    bucket: string;
    prefix: string;
}

/** `s3://bucket[/prefix]` → bucket and prefix; undefined for anything else (hf://, typos). */
export function parseS3Source(source: string): S3Location | undefined {
    const match = /^s3:\/\/([^/\s]+)(?:\/(.*))?$/.exec(source);
    if (!match) return undefined;
    return { bucket: match[1], prefix: (match[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

/** The staging Job's own ServiceAccount: the serving pods never run under it. */
export function stagingServiceAccountName(modelName: string): string {
    return `${modelName}-staging`;
}

/**
 * Whether the server itself reads the weights from S3 (and so needs a role) rather than from the
 * staged copy on the shared claim. Only vLLM's Run:ai streamer reads `s3://` directly.
 */
export function servingReadsFromS3(loadFormat: string | undefined, modelPath: string): boolean {
    return loadFormat === "runai_streamer" && modelPath.startsWith("s3://");
}

/**
 * What the server loads: a vLLM server with the Run:ai streamer and an `s3://` source in AWS streams
 * the source itself (vLLM docs, "Loading models with Run:ai Model Streamer": `vllm serve s3://…
 * --load-format runai_streamer`) under its IAM role, so nothing is staged for it. Any other server,
 * and one whose weights sit in an S3-compatible store outside AWS (`weightsEndpoint`, static keys
 * only the staging Job holds), reads the staged copy in `stagedDir`.
 */
export function servingModelPath(model: {
    runtime: string;
    loadFormat?: string;
    weightsSource: string;
    weightsEndpoint?: string;
    stagedDir: string;
}): string {
    const streams =
        model.runtime === "vllm" &&
        model.loadFormat === "runai_streamer" &&
        model.weightsEndpoint === undefined &&
        parseS3Source(model.weightsSource) !== undefined;
    return streams ? model.weightsSource : model.stagedDir;
}

/** What decides where a server reads its weights: the model's runtime, load format and source. */
export interface WeightsPathInput {
    runtime: string;
    loadFormat?: string;
    weightsSource: string;
    weightsEndpoint?: string;
}

/**
 * The one decision whether a server streams its weights from S3 at start (nothing staged, the
 * server's own read role, HTTPS out) or reads the staged copy on the claim: `servingModelPath`'s
 * answer. ModelService's pods and roles, the stack's IAM wiring and the cold-start estimate (its
 * weights stage, the startup probe budget, cooldown and consolidateAfter) all ask it, so none of
 * them can disagree on which weights stage runs.
 */
export function serverStreamsFromS3(model: WeightsPathInput): boolean {
    return servingReadsFromS3(model.loadFormat, servingModelPath({ ...model, stagedDir: "" }));
}

export interface WeightsReadInput {
    partition: string;
    /** Region of the bucket's S3 endpoint; KMS decrypts only when S3 asks on the caller's behalf. */
    region: string;
    location: S3Location;
    /** Customer-managed key the objects are encrypted with (SSE-KMS). */
    kmsKeyArn?: string;
}

/**
 * Read-only access to one prefix: list the prefix (`aws s3 sync` lists `<prefix>/` before it copies)
 * and get its objects. Listing is scoped by `s3:prefix`, so a sibling prefix that merely starts with
 * the same characters (`llama-3.1-8b-old/`) stays out. With SSE-KMS, `kms:Decrypt` on that key only
 * and only through S3 (`kms:ViaService`), so the role cannot decrypt other data with it directly.
 */
export function weightsReadStatements(input: WeightsReadInput): PolicyStatement[] {
    const { partition, region, location, kmsKeyArn } = input;
    const bucketArn = `arn:${partition}:s3:::${location.bucket}`;
    const keys = location.prefix === "" ? "*" : `${location.prefix}/*`;
    const statements: PolicyStatement[] = [
        {
            sid: "ListWeightsPrefix",
            actions: ["s3:ListBucket"],
            resources: [bucketArn],
            conditions:
                location.prefix === ""
                    ? undefined
                    : [{ test: "StringLike", variable: "s3:prefix", values: [keys] }],
        },
        { sid: "ReadWeights", actions: ["s3:GetObject"], resources: [`${bucketArn}/${keys}`] },
    ];
    if (kmsKeyArn !== undefined) {
        statements.push({
            sid: "DecryptWeightsThroughS3",
            actions: ["kms:Decrypt"],
            resources: [kmsKeyArn],
            conditions: [
                {
                    test: "StringEquals",
                    variable: "kms:ViaService",
                    values: [`s3.${region}.amazonaws.com`],
                },
            ],
        });
    }
    return statements;
}
