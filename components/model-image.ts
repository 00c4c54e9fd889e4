import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    cacheSourceTags,
    checkModelImageArgs,
    defaultImagePlatform,
    defaultKeepTaggedImages,
    defaultUntaggedExpiryDays,
    imageTagFor,
    isImageDigestReference,
    renderEcrLifecyclePolicy,
} from "./plan/image-plan";
import { Problems } from "./plan/problems";

export interface ModelImageArgs {
    /**
     * ECR repository name, e.g. `serving/vllm`. Part of the repository's identity: changing it
     * replaces the repository, which `protect` blocks and `forceDelete: false` refuses while
     * images exist.
     */
    repositoryName: string;
    /** Build context directory, relative to the Pulumi program's working directory. */
    context: string;
    /** Dockerfile path, relative to the working directory. @default `<context>/Dockerfile` */
    dockerfile?: string;
    /** Docker build arguments; `BUILDKIT_INLINE_CACHE` is "1" unless given here. @default {} */
    buildArgs?: Record<string, pulumi.Input<string>>;
    /**
     * Version of the model the image serves; the image tag is derived from it (characters Docker
     * rejects become '-'). Tags are immutable: a changed build context needs a new version, or the
     * push fails. Must not be or become "latest".
     */
    modelVersion: string;
    /**
     * The version pushed before this one. Its image seeds the build cache so unchanged layers are
     * not rebuilt. @default none: only this version's own tag is tried as a cache source
     */
    previousModelVersion?: string;
    /** Target platform: `linux/amd64`, or `linux/arm64` for Graviton g5g. @default "linux/amd64" */
    platform?: string;
    /**
     * Tagged images kept in the repository, newest by push time; older ones expire. ECR does not
     * know what is deployed: keep at least as many as the rollback window needs. @default 10
     */
    keepTaggedImages?: number;
    /** Days after push at which untagged images expire. @default 7 */
    untaggedExpiryDays?: number;
    /**
     * KMS key ARN for repository encryption. ECR fixes encryption at creation: changing this
     * later replaces the repository (blocked while `protect` is on).
     * @default AES256 with an AWS-owned key
     */
    kmsKeyArn?: pulumi.Input<string>;
    /** Protect the repository from deletion and replacement. @default true */
    protect?: boolean;
    /** Tags for the repository. @default {} */
    tags?: Record<string, string>;
}

/**
 * An immutable ECR repository with scanning and retention, plus one image built from `context`
 * and pushed under a tag derived from `modelVersion`. Deploy `imageReference` (a digest), never
 * the tag.
 */
export class ModelImage extends pulumi.ComponentResource {
    /** ECR repository URL, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
    public readonly repositoryUrl: pulumi.Output<string>;
    /** ARN of the ECR repository, for IAM policies that pull from it. */
    public readonly repositoryArn: pulumi.Output<string>;
    /** Tag pushed for this model version (never `latest`). */
    public readonly imageTag: pulumi.Output<string>;
    /** `<repositoryUrl>@sha256:<digest>` of the pushed image. */
    public readonly imageReference: pulumi.Output<string>;

    constructor(name: string, args: ModelImageArgs, opts?: pulumi.ComponentResourceOptions) {
        const platform = args.platform ?? defaultImagePlatform;
        const keepTaggedImages = args.keepTaggedImages ?? defaultKeepTaggedImages;
        const untaggedExpiryDays = args.untaggedExpiryDays ?? defaultUntaggedExpiryDays;
        const protect = args.protect ?? true;

        const problems = new Problems();
        checkModelImageArgs({ ...args, platform, keepTaggedImages, untaggedExpiryDays }, problems);
        // Before super(): a rejected component registers nothing, not even itself.
        problems.throwIfAny(`ModelImage "${name}"`);
        super("gpu-serving:index:ModelImage", name, {}, opts);
        const tag = imageTagFor(args.modelVersion);

        const repository = createRepository(name, args, { parent: this, protect });
        new aws.ecr.LifecyclePolicy(
            `${name}-lifecycle`,
            {
                repository: repository.name,
                policy: renderEcrLifecyclePolicy(keepTaggedImages, untaggedExpiryDays),
            },
            { parent: this },
        );
        const image = buildAndPush(name, args, { repository, tag, platform, parent: this });

        this.repositoryUrl = repository.repositoryUrl;
        this.repositoryArn = repository.arn;
        this.imageTag = pulumi.output(tag);
        this.imageReference = pulumi
            .all([image.repoDigest, repository.repositoryUrl])
            .apply(([repoDigest, repositoryUrl]) => {
                // A tag can be re-pointed and a local image ID cannot be pulled; only a digest in
                // this repository pins what nodes run.
                if (!isImageDigestReference(repoDigest ?? "", repositoryUrl)) {
                    throw new pulumi.ResourceError(
                        `image ${tag} was pushed but its reference "${repoDigest}" is not ` +
                            `${repositoryUrl}@sha256:<digest>`,
                        this,
                    );
                }
                return repoDigest;
            });

        this.registerOutputs({
            repositoryUrl: this.repositoryUrl,
            repositoryArn: this.repositoryArn,
            imageTag: this.imageTag,
            imageReference: this.imageReference,
        });
    }
}

function createRepository(
    name: string,
    args: ModelImageArgs,
    opts: { parent: ModelImage; protect: boolean },
): aws.ecr.Repository {
    return new aws.ecr.Repository(
        `${name}-repository`,
        {
            name: args.repositoryName,
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [
                args.kmsKeyArn === undefined
                    ? { encryptionType: "AES256" }
                    : { encryptionType: "KMS", kmsKey: args.kmsKeyArn },
            ],
            // Deleting the repository must never take pushed model images with it.
            forceDelete: false,
            tags: args.tags,
        },
        opts,
    );
}

/** Builds `context` and pushes it as `<repository>:<tag>`, reusing the previous version's layers. */
function buildAndPush(
    name: string,
    args: ModelImageArgs,
    target: { repository: aws.ecr.Repository; tag: string; platform: string; parent: ModelImage },
): docker.Image {
    const { repository, tag, platform, parent } = target;
    const previousTag =
        args.previousModelVersion === undefined
            ? undefined
            : imageTagFor(args.previousModelVersion);
    const authorization = aws.ecr.getAuthorizationTokenOutput(
        { registryId: repository.registryId },
        { parent },
    );
    return new docker.Image(
        `${name}-image`,
        {
            imageName: pulumi.interpolate`${repository.repositoryUrl}:${tag}`,
            build: {
                context: args.context,
                dockerfile: args.dockerfile ?? path.join(args.context, "Dockerfile"),
                args: { BUILDKIT_INLINE_CACHE: "1", ...(args.buildArgs ?? {}) },
                platform,
                cacheFrom: {
                    images: cacheSourceTags(tag, previousTag).map(
                        (cacheTag) => pulumi.interpolate`${repository.repositoryUrl}:${cacheTag}`,
                    ),
                },
            },
            registry: {
                server: repository.repositoryUrl,
                username: authorization.userName,
                password: pulumi.secret(authorization.password),
            },
        },
        { parent },
    );
}
