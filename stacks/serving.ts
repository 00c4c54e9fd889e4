import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ModelImage } from "../components/model-image";
import { GpuHeadroom } from "../components/gpu-headroom";
import { ModelService } from "../components/model-service";
import { ModelWeightsAccess } from "../components/model-weights-access";
import type { WarmHeadroomInput } from "../components/plan/warm-headroom";
import { parseS3Source, serverStreamsFromS3 } from "../components/plan/weights-access-plan";
import { headroomFor, weightsPathOf } from "./capacity-plan";
import { ServingPlatform } from "./existing-platform";
import { ServingWiring, modelServiceArgs } from "./serving-plan";
import { imageRepositoryName } from "./component-args";
import type { ModelConfig, StackConfig } from "./config-schema";

/** Build contexts in config are relative to the repository root, wherever Pulumi runs from. */
const repositoryRoot = path.join(__dirname, "..");

export interface ServedModel {
    endpoint: pulumi.Output<string>;
    image: pulumi.Output<string>;
    apiKey: pulumi.Output<string>;
    startupBudgetSeconds: pulumi.Output<number>;
}

function modelImage(config: StackConfig, model: ModelConfig): pulumi.Output<string> {
    if (model.image.reference !== undefined) return pulumi.output(model.image.reference);
    const image = new ModelImage(model.name, {
        repositoryName: model.image.repository ?? imageRepositoryName(model),
        context:
            path.relative(process.cwd(), path.join(repositoryRoot, model.image.context ?? "")) ||
            ".",
        dockerfile: model.image.dockerfile,
        buildArgs: model.image.buildArgs,
        modelVersion: model.version,
        protect: config.protect,
        tags: config.tags,
    });
    return image.imageReference;
}

/**
 * Whether the model's server streams its s3:// source itself (the Run:ai streamer), which then needs
 * the read role, instead of a staging Job.
 */
function streamsFromS3(model: ModelConfig): boolean {
    return serverStreamsFromS3(weightsPathOf(model));
}

/**
 * The IRSA role that reads an S3 source, when the platform has IRSA: the staging Job's, or the
 * server's when it streams. Other platforms (a local cluster) and hf:// sources get no AWS role.
 */
function weightsAccess(
    config: StackConfig,
    model: ModelConfig,
    platform: ServingPlatform,
): ModelWeightsAccess | undefined {
    if (!platform.irsa || parseS3Source(model.weights.source) === undefined) return undefined;
    return new ModelWeightsAccess(`${model.name}-weights`, {
        modelName: model.name,
        namespace: config.serving.namespace,
        weightsSource: model.weights.source,
        oidcProviderArn: platform.irsa.oidcProviderArn,
        oidcProviderUrl: platform.irsa.oidcProviderUrl,
        kmsKeyArn: model.weights.kmsKeyArn,
        servingReadsFromS3: streamsFromS3(model),
        tags: config.tags,
    });
}

/** Secrets the stack holds for the serving half; each reaches only the pods that need it. */
export interface ServingSecrets {
    apiKey?: pulumi.Output<string>;
    huggingFaceToken?: pulumi.Output<string>;
    /** Static S3 keys (config `weightsCredentials`) for models with `weights.endpoint`. */
    weightsCredentials?: ServingWiring["weightsCredentials"];
}

/** One image and one ModelService per configured model, after the platform is ready. */
export function deployModels(
    config: StackConfig,
    platform: ServingPlatform,
    secrets: ServingSecrets = {},
): Record<string, ServedModel> {
    const served: Record<string, ServedModel> = {};
    deployHeadroom(config, platform);
    for (const model of config.models) {
        const image = modelImage(config, model);
        const access = weightsAccess(config, model, platform);
        const service = new ModelService(
            model.name,
            modelServiceArgs(config, model, {
                namespace: platform.namespace,
                image,
                modelClaimName: platform.modelClaimName,
                prometheusUrl: platform.prometheusUrl,
                apiKey: secrets.apiKey,
                huggingFaceToken: secrets.huggingFaceToken,
                // One role per model: the staging Job's, or the server's when it streams.
                stagingRoleArn: access && !streamsFromS3(model) ? access.roleArn : undefined,
                servingRoleArn: access && streamsFromS3(model) ? access.roleArn : undefined,
                loadBalancerSubnets: platform.loadBalancerSubnets,
                weightsCredentials: secrets.weightsCredentials,
            }),
            { provider: platform.provider, dependsOn: platform.readiness },
        );
        served[model.name] = {
            endpoint: service.endpoint,
            image,
            apiKey: service.apiKey,
            startupBudgetSeconds: service.startupBudgetSeconds,
        };
    }
    return served;
}

/** Warm GPU headroom for every group that asks for it: placeholders a scale-out preempts. */
function deployHeadroom(config: StackConfig, platform: ServingPlatform): void {
    const groups = config.cluster.gpuNodePools
        .map((pool) => headroomFor(config, pool))
        .filter((group): group is WarmHeadroomInput => group !== undefined);
    if (groups.length === 0) return;
    new GpuHeadroom(
        "gpu-headroom",
        { namespace: platform.namespace, groups },
        { provider: platform.provider, dependsOn: platform.readiness },
    );
}
