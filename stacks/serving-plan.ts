import * as pulumi from "@pulumi/pulumi";
import type { ModelServiceInputs } from "../components/serving/model-service-types";
import { GpuGroupCapacity, ModelGpuDemand, planGpuCapacity } from "../components/plan/capacity";
import { ColdStartEstimate } from "../components/plan/cold-start";
import { coldStartFor } from "../components/serving/settings";
import type { GpuNodeGroupConfig, ModelConfig, StackConfig } from "./config-schema";

/** ModelService rolls with maxSurge 1: one extra replica per model during an upgrade. */
export const rolloutSurgeReplicas = 1;

/** What the serving half is wired to; placeholders suffice for validation. */
export interface ServingWiring {
    namespace: pulumi.Input<string>;
    image: pulumi.Input<string>;
    modelClaimName: pulumi.Input<string>;
    prometheusUrl?: pulumi.Input<string>;
    apiKey?: pulumi.Input<string>;
}

export function modelServiceArgs(
    config: StackConfig,
    model: ModelConfig,
    wiring: ServingWiring,
): ModelServiceInputs {
    return {
        modelName: model.name,
        namespace: wiring.namespace,
        image: wiring.image,
        runtime: model.runtime,
        modelVersion: model.version,
        weightsSource: model.weights.source,
        weightsRevision: model.weights.revision,
        weightsSizeGiB: model.weights.sizeGiB,
        modelClaimName: wiring.modelClaimName,
        gpuGroup: model.gpuGroup,
        gpusPerReplica: model.gpusPerReplica,
        minReplicas: model.minReplicas,
        maxReplicas: model.maxReplicas,
        cpu: model.cpu,
        memoryGiB: model.memoryGiB,
        shmSizeGiB: model.shmSizeGiB,
        storageReadMiBps: config.modelStore.readThroughputMiBps,
        warmupSeconds: model.warmupSeconds,
        loadFormat: model.loadFormat,
        tensorParallelSize: model.tensorParallelSize,
        maxModelLen: model.maxModelLen,
        port: model.port,
        healthPath: model.healthPath,
        readinessPath: model.readinessPath,
        metricsPath: model.metricsPath,
        extraArgs: model.extraArgs,
        queueDepthTarget: model.queueDepthTarget,
        cooldownSeconds: model.cooldownSeconds,
        prometheusUrl: wiring.prometheusUrl,
        hpaCpuUtilization: model.hpaCpuUtilization,
        serviceType: model.serviceType ?? config.serving.serviceType,
        allowedNamespaces: config.serving.allowedNamespaces,
        apiKey: wiring.apiKey,
        monitoring: config.serving.monitoring,
        autoscaling: config.serving.autoscaling,
    };
}

/** ModelService arg names → the config keys a user edits, so errors point at the YAML. */
export const modelConfigPaths: Readonly<Record<string, string>> = {
    modelName: "name",
    modelVersion: "version",
    image: "image.reference",
    weightsSource: "weights.source",
    weightsRevision: "weights.revision",
    weightsSizeGiB: "weights.sizeGiB",
    storageReadMiBps: "=modelStore.readThroughputMiBps",
    // Shared by every model: reported once, where the user wrote it.
    allowedNamespaces: "=serving.allowedNamespaces",
};

export function capacityGroups(groups: readonly GpuNodeGroupConfig[]) {
    return groups.map((g) => ({
        name: g.name,
        instanceTypes: g.instanceTypes,
        minSize: g.minSize,
        maxSize: g.maxSize,
    }));
}

export function gpuDemands(models: readonly ModelConfig[]): ModelGpuDemand[] {
    return models.map((m) => ({
        modelName: m.name,
        gpuGroup: m.gpuGroup,
        gpusPerReplica: m.gpusPerReplica,
        minReplicas: m.minReplicas,
        maxReplicas: m.maxReplicas,
        surge: rolloutSurgeReplicas,
    }));
}

export interface ModelPlanSummary {
    model: string;
    gpuGroup: string;
    coldStartSeconds: number;
    coldStart: ColdStartEstimate["stages"];
}

/** The plan exported as a stack output: GPUs requested vs available per group, cold start per model. */
export interface ServingPlanSummary {
    gpuGroups: GpuGroupCapacity[];
    models: ModelPlanSummary[];
}

export function servingPlanSummary(config: StackConfig): ServingPlanSummary {
    const placeholder: ServingWiring = {
        namespace: config.serving.namespace,
        image: "",
        modelClaimName: "",
    };
    return {
        gpuGroups: planGpuCapacity(
            capacityGroups(config.cluster.gpuNodeGroups),
            gpuDemands(config.models),
        ),
        models: config.models.map((model) => {
            const estimate = coldStartFor(modelServiceArgs(config, model, placeholder));
            return {
                model: model.name,
                gpuGroup: model.gpuGroup,
                coldStartSeconds: estimate.totalSeconds,
                coldStart: estimate.stages,
            };
        }),
    };
}
