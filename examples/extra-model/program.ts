import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
// Inside this repository the package is its own source; a consumer writes `from "gpu-serving"`.
import { ModelService } from "../../components";
import { readExtraModelConfig } from "./config";

/** Reads a deployed gpu-serving-infra stack's outputs, failing with what the stack lacks. */
function platformOutputs(stack: string) {
    const platform = new pulumi.StackReference(stack);
    const required = (key: string, missing: string): pulumi.Output<string> =>
        platform.getOutput(key).apply((value: unknown) => {
            if (typeof value !== "string" || value === "")
                throw new Error(`platform stack ${stack} exports no ${key}: ${missing}`);
            return value;
        });
    return {
        // `platform: existing` stacks export none: their cluster is reached with a local kubeconfig.
        kubeconfig: required(
            "kubeconfig",
            "use your own kubeconfig for a platform: existing stack",
        ),
        namespace: required("servingNamespace", "is it a gpu-serving-infra stack?"),
        modelClaimName: required("modelClaimName", "run `pulumi up` on it once to export it"),
        /** The image the platform built for one of its models, by digest. */
        imageOf: (model: string): pulumi.Output<string> =>
            platform.getOutput("imageDigests").apply((digests?: Record<string, string>) => {
                const built = Object.keys(digests ?? {});
                if (digests?.[model] === undefined)
                    throw new Error(
                        `model.sameImageAs: platform stack ${stack} built no image for "${model}"; ` +
                            `it built: ${built.join(", ") || "none"}`,
                    );
                return digests[model];
            }),
    };
}

/**
 * One more model on the cluster of an already deployed gpu-serving-infra stack: its kubeconfig,
 * serving namespace and model claim come from that stack's outputs, the model from this stack's
 * config. Returns this stack's outputs.
 */
export function deployExtraModel() {
    const { platformStack, model } = readExtraModelConfig();
    const platform = platformOutputs(platformStack);
    const image = model.image ?? platform.imageOf(model.sameImageAs as string);

    // secret() again: a platform that exported the kubeconfig in plain text must not leak it here.
    const provider = new k8s.Provider("platform-cluster", {
        kubeconfig: pulumi.secret(platform.kubeconfig),
    });
    const service = new ModelService(
        model.name,
        {
            modelName: model.name,
            namespace: platform.namespace,
            image,
            runtime: model.runtime,
            modelVersion: model.version,
            weightsSource: model.weights.source,
            weightsRevision: model.weights.revision,
            weightsSizeGiB: model.weights.sizeGiB,
            modelClaimName: platform.modelClaimName,
            gpuGroup: model.gpuGroup,
            gpusPerReplica: model.gpusPerReplica,
            minReplicas: model.minReplicas,
            maxReplicas: model.maxReplicas,
            maxModelLen: model.maxModelLen,
            monitoring: model.monitoring,
            autoscaling: model.autoscaling,
        },
        { provider },
    );
    return {
        endpoint: service.endpoint,
        apiKey: service.apiKey,
        coldStartSeconds: service.coldStartSeconds,
    };
}
