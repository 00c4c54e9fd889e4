import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaRole, IrsaIssuer, IrsaRole } from "./cluster/iam";
import { isDns1123Label, dns1123LabelReason } from "./plan/names";
import { Problems, isKnown } from "./plan/problems";
import {
    S3Location,
    parseS3Source,
    stagingServiceAccountName,
    weightsReadStatements,
} from "./plan/weights-access-plan";

export interface ModelWeightsAccessArgs {
    /** The ModelService's `modelName`; the ServiceAccounts the roles trust are named after it. */
    modelName: string;
    /** Namespace of the ModelService; part of each trusted ServiceAccount's identity. */
    namespace: string;
    /** `s3://bucket/prefix` of the weights; the roles may list and read this prefix only. */
    weightsSource: string;
    /** ARN of the cluster's IAM OIDC provider (GpuCluster's `oidcProviderArn`). */
    oidcProviderArn: pulumi.Input<string>;
    /** OIDC issuer URL (GpuCluster's `oidcProviderUrl`); `https://` is removed for the condition keys. */
    oidcProviderUrl: pulumi.Input<string>;
    /** KMS key the weights are encrypted with (SSE-KMS); the roles may decrypt through S3 only. @default none (SSE-S3) */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * The server streams the weights from S3 itself (vLLM's Run:ai streamer) instead of reading a
     * staged copy: the serving ServiceAccount (named `modelName`) gets the role, and, since nothing
     * is staged, no staging role exists. @default false
     */
    servingReadsFromS3?: boolean;
    /** Tags for the IAM roles. @default {} */
    tags?: Record<string, string>;
}

/**
 * The IRSA role that reads one model's weights from S3: the staging Job's own ServiceAccount's
 * (`<modelName>-staging`) or, when the server streams from S3 and nothing is staged, the serving
 * ServiceAccount's. It may list and get its prefix and nothing else.
 */
export class ModelWeightsAccess extends pulumi.ComponentResource {
    /** The role, whichever ServiceAccount it is for. */
    public readonly roleArn: pulumi.Output<string>;
    /** Role for the staging Job's ServiceAccount (ModelService's `stagingRoleArn`); undefined when `servingReadsFromS3`. */
    public readonly stagingRoleArn: pulumi.Output<string | undefined>;
    /** Role for the serving ServiceAccount (ModelService's `serviceAccountRoleArn`) when `servingReadsFromS3`, else undefined. */
    public readonly servingRoleArn: pulumi.Output<string | undefined>;

    constructor(
        name: string,
        args: ModelWeightsAccessArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        // Before super(): a rejected component registers nothing, not even itself.
        const location = modelWeightsAccessLocation(args);
        super("gpu-serving:index:ModelWeightsAccess", name, {}, opts);
        const parent = this;
        const partition = aws.getPartitionOutput({}, { parent }).partition;
        const region = aws.getRegionOutput({}, { parent }).region;
        const context = { parent, partition, tags: args.tags ?? {} };
        const issuer: IrsaIssuer = {
            providerArn: args.oidcProviderArn,
            hostPath: pulumi
                .output(args.oidcProviderUrl)
                .apply((url) => url.replace(/^https:\/\//, "")),
        };
        const statements = pulumi
            .all([partition, region, args.kmsKeyArn])
            .apply(([p, r, kmsKeyArn]) =>
                weightsReadStatements({ partition: p, region: r, location, kmsKeyArn }),
            );
        const roleFor = (role: string, serviceAccountName: string): IrsaRole =>
            irsaRole(
                `${name}-${role}`,
                issuer,
                { namespace: args.namespace, name: serviceAccountName },
                { inlineStatements: statements },
                context,
            );

        const role = args.servingReadsFromS3
            ? roleFor("serving", args.modelName)
            : roleFor("staging", stagingServiceAccountName(args.modelName));

        // A pod that starts before its policy exists fails its first S3 call.
        this.roleArn = grantedArn(role);
        const none = pulumi.output<string | undefined>(undefined);
        this.stagingRoleArn = args.servingReadsFromS3 ? none : this.roleArn;
        this.servingRoleArn = args.servingReadsFromS3 ? this.roleArn : none;
        this.registerOutputs({
            roleArn: this.roleArn,
            stagingRoleArn: this.stagingRoleArn,
            servingRoleArn: this.servingRoleArn,
        });
    }
}

/** The role ARN, resolved only once its policies exist. */
function grantedArn(role: IrsaRole): pulumi.Output<string> {
    return pulumi.all([role.arn, ...role.grants.map((grant) => grant.id)]).apply(([arn]) => arn);
}

/** Every problem with the plain args, each under its property path; the S3 location when none. */
export function modelWeightsAccessProblems(args: ModelWeightsAccessArgs): Problems {
    const problems = new Problems();
    problems.expect(
        isDns1123Label(args.modelName),
        "modelName",
        dns1123LabelReason(args.modelName),
    );
    if (isKnown(args.namespace))
        problems.expect(
            isDns1123Label(args.namespace),
            "namespace",
            dns1123LabelReason(args.namespace),
        );
    problems.expect(
        parseS3Source(args.weightsSource) !== undefined,
        "weightsSource",
        `"${args.weightsSource}" is not s3://<bucket>[/<prefix>]: only S3 sources need an AWS role`,
    );
    return problems;
}

function modelWeightsAccessLocation(args: ModelWeightsAccessArgs): S3Location {
    modelWeightsAccessProblems(args).throwIfAny(`ModelWeightsAccess "${args.modelName}"`);
    return parseS3Source(args.weightsSource) as S3Location;
}
