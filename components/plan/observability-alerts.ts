/**
 * The serving alerts (a PrometheusRule's rules) and the serving Grafana dashboard of the
 * Observability component, as plain data. Metric names come from NVIDIA's DCGM exporter,
 * vLLM's /metrics and kube-state-metrics.
 */

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

/** Validated by `observabilityProblems` in observability-plan.ts. */
export interface AlertThresholds {
    /** Percent (0–100). */
    gpuUtilizationLowPercent: number;
    /** Waiting requests per replica. */
    queueDepthHighThreshold: number;
    /** Seconds. */
    p95LatencySecondsThreshold: number;
}

export const gpuUtilizationQuery = "avg by (Hostname, gpu, modelName) (DCGM_FI_DEV_GPU_UTIL)";
/** Per replica, so the threshold compares with KEDA's per-replica target whatever the replica count. */
export const queueDepthQuery = "avg by (namespace, model_name) (vllm:num_requests_waiting)";
export const p95LatencyQuery =
    "histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket[5m])))";
/**
 * Serving pods are the pods that request a GPU (kube-state-metrics spells the resource
 * `nvidia_com_gpu`); Pending ones count as not ready, so a pod waiting for a GPU node is caught too.
 */
export const gpuPodsNotReadyQuery = [
    `max by (namespace, pod) (kube_pod_container_resource_requests{resource="nvidia_com_gpu"} > 0)`,
    `and on (namespace, pod) max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)`,
    `unless on (namespace, pod) max by (namespace, pod) (kube_pod_status_ready{condition="true"} == 1)`,
].join("\n");

/**
 * Longer than a slow cold start, which is not an incident: a 27B model on a new A100 node took
 * 966 s end to end (kaito-project/kaito issue 2325, see REFERENCE.md).
 */
export const podNotReadyFor = "20m";

export function alertRules(t: AlertThresholds): AlertRule[] {
    return [
        {
            alert: "GpuUtilizationLow",
            expr: `${gpuUtilizationQuery} < ${t.gpuUtilizationLowPercent}`,
            // Short idle gaps between bursts are normal; half an hour idle is a GPU paid for nothing.
            for: "30m",
            labels: { severity: "warning" },
            annotations: {
                summary: "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is mostly idle",
                description: `Utilisation below ${t.gpuUtilizationLowPercent}% for 30 minutes: scale the model down or consolidate.`,
            },
        },
        {
            alert: "ModelQueueDepthHigh",
            expr: `${queueDepthQuery} > ${t.queueDepthHighThreshold}`,
            // Long enough for KEDA plus a GPU node launch (80–120 s) and a cold start to catch up.
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: "{{ $labels.model_name }} has a long request queue",
                description: `More than ${t.queueDepthHighThreshold} requests waiting per replica for 10 minutes: autoscaling is not keeping up (max replicas or no GPU capacity).`,
            },
        },
        {
            alert: "ModelLatencyP95High",
            expr: `${p95LatencyQuery} > ${t.p95LatencySecondsThreshold}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: "{{ $labels.model_name }} p95 latency is high",
                description: `p95 end-to-end latency above ${t.p95LatencySecondsThreshold} s for 10 minutes.`,
            },
        },
        {
            alert: "ServingPodNotReady",
            expr: gpuPodsNotReadyQuery,
            for: podNotReadyFor,
            labels: { severity: "critical" },
            annotations: {
                summary: "Serving pod {{ $labels.namespace }}/{{ $labels.pod }} is not ready",
                description: `A GPU pod has not been ready for ${podNotReadyFor}: check scheduling, image pull and model load.`,
            },
        },
    ];
}

interface PanelSpec {
    title: string;
    expr: string;
    legend: string;
    unit: string;
    threshold: number;
    /** True when values BELOW the threshold are bad (idle GPUs). */
    lowIsBad: boolean;
}

function panel(id: number, spec: PanelSpec): Record<string, unknown> {
    const good = { color: "green", value: null };
    const bad = { color: "red", value: null };
    const steps = spec.lowIsBad
        ? [bad, { color: "green", value: spec.threshold }]
        : [good, { color: "red", value: spec.threshold }];
    return {
        id,
        type: "timeseries",
        title: spec.title,
        datasource: { type: "prometheus", uid: "${datasource}" },
        gridPos: { h: 9, w: 8, x: (id - 1) * 8, y: 0 },
        fieldConfig: {
            defaults: {
                unit: spec.unit,
                thresholds: { mode: "absolute", steps },
                custom: { thresholdsStyle: { mode: "line" } },
            },
            overrides: [],
        },
        targets: [{ refId: "A", expr: spec.expr, legendFormat: spec.legend }],
    };
}

export const dashboardUid = "gpu-serving-overview";

/** The serving dashboard; each panel draws its alert threshold as a line. */
export function servingDashboard(t: AlertThresholds): Record<string, unknown> {
    return {
        uid: dashboardUid,
        title: "GPU serving",
        tags: ["gpu-serving"],
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [
                {
                    name: "datasource",
                    label: "Data source",
                    type: "datasource",
                    query: "prometheus",
                },
            ],
        },
        panels: [
            panel(1, {
                title: "GPU utilisation",
                expr: gpuUtilizationQuery,
                legend: "{{Hostname}} GPU {{gpu}}",
                unit: "percent",
                threshold: t.gpuUtilizationLowPercent,
                lowIsBad: true,
            }),
            panel(2, {
                title: "Requests waiting per replica",
                expr: queueDepthQuery,
                legend: "{{namespace}}/{{model_name}}",
                unit: "short",
                threshold: t.queueDepthHighThreshold,
                lowIsBad: false,
            }),
            panel(3, {
                title: "p95 end-to-end latency",
                expr: p95LatencyQuery,
                legend: "{{model_name}}",
                unit: "s",
                threshold: t.p95LatencySecondsThreshold,
                lowIsBad: false,
            }),
        ],
    };
}
