import * as pulumi from "@pulumi/pulumi";
import { provisionAwsPlatform } from "./aws-platform";
import { useExistingCluster } from "./existing-platform";
import {
    readApiKey,
    readHuggingFaceToken,
    readRawConfig,
    readSecretKeys,
    readWeightsCredentials,
} from "./read-config";
import { deployModels } from "./serving";
import { servingPlanSummary } from "./serving-plan";
import { parseStackConfig } from "./validate";

/**
 * The whole program: read and validate the stack's config (failing before any resource exists),
 * stand up or reach the platform, then serve every model on it.
 */
export function main(stack = pulumi.getStack()) {
    const config = parseStackConfig(readRawConfig(), stack, { secretKeys: readSecretKeys() });
    const platform =
        config.platform === "eks"
            ? provisionAwsPlatform(config, stack)
            : useExistingCluster(config, stack);
    const models = deployModels(config, platform, {
        apiKey: readApiKey(),
        huggingFaceToken: readHuggingFaceToken(),
        weightsCredentials: readWeightsCredentials(),
    });
    const names = Object.keys(models);
    const pick = <T>(field: (m: (typeof models)[string]) => pulumi.Output<T>) =>
        pulumi.all(Object.fromEntries(names.map((name) => [name, field(models[name])])));
    return {
        clusterName: platform.clusterName,
        kubeconfig: platform.kubeconfig ? pulumi.secret(platform.kubeconfig) : undefined,
        servingNamespace: platform.namespace,
        modelClaimName: platform.modelClaimName,
        endpoints: pick((m) => m.endpoint),
        imageDigests: pick((m) => m.image),
        apiKeys: pulumi.secret(pick((m) => m.apiKey)),
        plan: servingPlanSummary(config),
    };
}
