import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isDockerTag, isEcrRepositoryName } from "./names";
import { Problems } from "./problems";

/** Platforms EKS GPU nodes run: x86 (g4dn/g5/g6/p4/p5) and Graviton (g5g). */
export const allowedImagePlatforms: readonly string[] = ["linux/amd64", "linux/arm64"];

export const defaultImagePlatform = "linux/amd64";
export const defaultKeepTaggedImages = 10;
export const defaultUntaggedExpiryDays = 7;

/** Docker's limit on tag length (distribution/reference). */
const maxTagLength = 128;

/** One rule of an ECR lifecycle policy, spelled as the ECR API expects it. */
export interface EcrLifecycleRule {
    rulePriority: number;
    description: string;
    selection: {
        tagStatus: string;
        tagPatternList?: string[];
        countType: string;
        countUnit?: string;
        countNumber: number;
    };
    action: { type: string };
}

export interface EcrLifecyclePolicy {
    rules: EcrLifecycleRule[];
}

/**
 * The repository's retention: untagged images expire after `untaggedExpiryDays`, and only the
 * `keepTaggedImages` most recently pushed tagged images are kept.
 *
 * ECR evaluates rules in ascending `rulePriority` and a rule never acts on an image a
 * higher-priority rule already selected; the rule with the widest selection must come last (ECR
 * rejects a policy whose `tagStatus: any` rule is not last). The untagged rule therefore comes
 * first: it selects a disjoint set (build leftovers, manifests whose tag moved) and stays
 * independent of the count rule. `tagPatternList: ["*"]` is how ECR spells "every tagged image"
 * for a count rule.
 * Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
 */
export function ecrLifecyclePolicy(
    keepTaggedImages: number,
    untaggedExpiryDays: number,
): EcrLifecyclePolicy {
    return {
        rules: [
            {
                rulePriority: 1,
                description: `Expire untagged images ${untaggedExpiryDays} days after push`,
                selection: {
                    tagStatus: "untagged",
                    countType: "sinceImagePushed",
                    countUnit: "days",
                    countNumber: untaggedExpiryDays,
                },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the ${keepTaggedImages} most recently pushed tagged images`,
                selection: {
                    tagStatus: "tagged",
                    tagPatternList: ["*"],
                    countType: "imageCountMoreThan",
                    countNumber: keepTaggedImages,
                },
                action: { type: "expire" },
            },
        ],
    };
}

export function renderEcrLifecyclePolicy(
    keepTaggedImages: number,
    untaggedExpiryDays: number,
): string {
    return JSON.stringify(ecrLifecyclePolicy(keepTaggedImages, untaggedExpiryDays));
}

/** Tags are immutable: a version like `meta-llama/Llama-3.1-8B@2024-07` maps to one fixed tag. */
function sanitiseTag(modelVersion: string): string {
    const tag = modelVersion.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[.-]+/, "");
    if (tag.length <= maxTagLength) return tag;
    // A plain cut would let two long versions sharing a prefix collide on one immutable tag.
    const digest = createHash("sha256").update(modelVersion).digest("hex").slice(0, 8);
    return `${tag.slice(0, maxTagLength - digest.length - 1)}-${digest}`;
}

/** Why `modelVersion` cannot name an image, or undefined when it can. */
export function imageTagProblem(modelVersion: string): string | undefined {
    const tag = sanitiseTag(modelVersion);
    if (tag === "") {
        return `"${modelVersion}" has no letters or digits to build a Docker tag from`;
    }
    if (tag.toLowerCase() === "latest") {
        // "latest" moves by convention; an immutable repository would accept it exactly once and
        // deployments could not tell two models apart by it.
        return (
            `"${modelVersion}" becomes the tag "latest", which never names one model version; ` +
            `use a version such as "v1.2.0"`
        );
    }
    return undefined;
}

/**
 * The image tag for `modelVersion`: characters Docker rejects become '-', leading '.'/'-' are
 * dropped, and versions past 128 characters keep a hash suffix. Distinct versions that differ only
 * in rejected characters (`a/b` and `a-b`) share a tag; the immutable repository then refuses the
 * second push instead of overwriting the first.
 */
export function imageTagFor(modelVersion: string): string {
    const problem = imageTagProblem(modelVersion);
    if (problem !== undefined) throw new Error(`modelVersion: ${problem}`);
    const tag = sanitiseTag(modelVersion);
    if (!isDockerTag(tag)) {
        throw new Error(`modelVersion: "${modelVersion}" sanitised to an invalid tag "${tag}"`);
    }
    return tag;
}

/**
 * Images whose layers seed the build cache, most useful first. The images carry inline cache
 * metadata (BUILDKIT_INLINE_CACHE), so any earlier push can serve. No moving `:cache` tag is used:
 * the repository is IMMUTABLE, so such a tag could be pushed exactly once.
 */
export function cacheSourceTags(tag: string, previousTag?: string): string[] {
    return previousTag !== undefined && previousTag !== tag ? [previousTag, tag] : [tag];
}

/** True when `reference` is `<repositoryUrl>@sha256:<64 hex>`, the form deployments must use. */
export function isImageDigestReference(reference: string, repositoryUrl: string): boolean {
    const prefix = `${repositoryUrl}@sha256:`;
    return reference.startsWith(prefix) && /^[0-9a-f]{64}$/.test(reference.slice(prefix.length));
}

/** The plain inputs of ModelImage that program-time validation can see. */
export interface ModelImagePlainArgs {
    repositoryName: string;
    context: string;
    dockerfile?: string;
    modelVersion: string;
    previousModelVersion?: string;
    platform: string;
    keepTaggedImages: number;
    untaggedExpiryDays: number;
}

function positiveIntegerProblem(value: number): string | undefined {
    return Number.isInteger(value) && value >= 1
        ? undefined
        : `must be a whole number >= 1, got ${value}`;
}

/** Records every problem with ModelImage's plain args under its property path. */
export function checkModelImageArgs(args: ModelImagePlainArgs, problems: Problems): void {
    problems.expect(
        isEcrRepositoryName(args.repositoryName),
        "repositoryName",
        `"${args.repositoryName}" is not an ECR repository name: 2-256 lower-case letters, ` +
            `digits, '.', '_', '-' and '/' separated path segments`,
    );
    const contextGiven = problems.expect(
        args.context.trim() !== "",
        "context",
        "must be a build context directory, got an empty string",
    );
    if (contextGiven) {
        problems.expect(
            fs.existsSync(args.context) && fs.statSync(args.context).isDirectory(),
            "context",
            `directory "${args.context}" does not exist (resolved against ${process.cwd()})`,
        );
    }
    if (args.dockerfile !== undefined) {
        problems.expect(
            fs.existsSync(args.dockerfile),
            "dockerfile",
            `file "${args.dockerfile}" does not exist (resolved against ${process.cwd()})`,
        );
    } else if (fs.existsSync(args.context)) {
        problems.expect(
            fs.existsSync(path.join(args.context, "Dockerfile")),
            "dockerfile",
            `not given and "${path.join(args.context, "Dockerfile")}" does not exist`,
        );
    }
    const versionProblem = imageTagProblem(args.modelVersion);
    if (versionProblem !== undefined) problems.add("modelVersion", versionProblem);
    if (args.previousModelVersion !== undefined) {
        const previousProblem = imageTagProblem(args.previousModelVersion);
        if (previousProblem !== undefined) problems.add("previousModelVersion", previousProblem);
    }
    problems.expect(
        allowedImagePlatforms.includes(args.platform),
        "platform",
        `"${args.platform}" is not one of ${allowedImagePlatforms.join(", ")}`,
    );
    const keepProblem = positiveIntegerProblem(args.keepTaggedImages);
    if (keepProblem !== undefined) problems.add("keepTaggedImages", keepProblem);
    const expiryProblem = positiveIntegerProblem(args.untaggedExpiryDays);
    if (expiryProblem !== undefined) problems.add("untaggedExpiryDays", expiryProblem);
}
