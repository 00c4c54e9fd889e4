import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServingSettings } from "./settings";

/**
 * Requests waiting in vLLM's queue for this model. Queue depth is the common scaling signal for LLM
 * servers (KEDA, threshold ≈ 5); CPU tracks tokenisation, not GPU saturation. Scoped by namespace
 * as well as model_name so a preview namespace serving the same model does not scale this one.
 */
export function queueDepthQuery(modelName: string, namespace: string): string {
    return `sum(vllm:num_requests_waiting{namespace="${namespace}",model_name="${modelName}"})`;
}

/**
 * Scale-down waits `cooldownSeconds`, at least the cold-start estimate: dropping a replica that a
 * burst brings back minutes later costs a node launch, an image pull and a weights load. At most one
 * replica leaves per minute. KEDA's `cooldownPeriod` only governs the step to zero; the HPA
 * stabilization window governs every other step, so both get the same value.
 */
function scaleDownBehavior(s: ServingSettings) {
    return {
        stabilizationWindowSeconds: s.cooldownSeconds,
        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
    };
}

/** KEDA ScaledObject spec (keda.sh/v1alpha1) for the vllm runtime. */
export function scaledObjectSpec(
    s: ServingSettings,
    deploymentName: string,
): Record<string, unknown> {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicaCount: s.minReplicas,
        maxReplicaCount: s.maxReplicas,
        pollingInterval: 15,
        cooldownPeriod: s.cooldownSeconds,
        advanced: {
            horizontalPodAutoscalerConfig: { behavior: { scaleDown: scaleDownBehavior(s) } },
        },
        triggers: [
            {
                type: "prometheus",
                metadata: {
                    serverAddress: s.prometheusUrl,
                    query: pulumi
                        .output(s.namespace)
                        .apply((ns) => queueDepthQuery(s.modelName, ns)),
                    // AverageValue: desired replicas = ceil(total waiting / threshold).
                    threshold: String(s.queueDepthTarget),
                },
            },
        ],
    };
}

/**
 * autoscaling/v2 HPA spec for the custom runtime: CPU utilisation by default, or a per-pod metric
 * served by a metrics adapter (e.g. prometheus-adapter) when `hpaMetricName` is set.
 */
export function horizontalPodAutoscalerSpec(
    s: ServingSettings,
    deploymentName: string,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    const metrics: k8s.types.input.autoscaling.v2.MetricSpec[] = [];
    if (s.hpaCpuUtilization !== undefined) {
        metrics.push({
            type: "Resource",
            resource: {
                name: "cpu",
                target: { type: "Utilization", averageUtilization: s.hpaCpuUtilization },
            },
        });
    }
    if (s.hpaMetricName !== undefined && s.hpaMetricTarget !== undefined) {
        metrics.push({
            type: "Pods",
            pods: {
                metric: { name: s.hpaMetricName },
                target: { type: "AverageValue", averageValue: String(s.hpaMetricTarget) },
            },
        });
    }
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicas: s.minReplicas,
        maxReplicas: s.maxReplicas,
        metrics,
        behavior: { scaleDown: scaleDownBehavior(s) },
    };
}
