import { strict as assert } from "assert";
import fc from "fast-check";
import * as plan from "../components/plan/observability-plan";
import {
    observabilityArgsProblems,
    resolveObservabilitySettings,
} from "../components/plan/observability-validation";
import { Problems } from "../components/plan/problems";
import { gpuPresentLabel, gpuTaint, nodeRoleLabel } from "../components/plan/scheduling";

const defaults: plan.ObservabilitySettings = {
    namespace: "monitoring",
    agentNamespace: "monitoring-agents",
    logRetentionDays: 30,
    prometheusRetention: "15d",
    prometheusStorageGiB: 50,
    kubePrometheusStackVersion: plan.defaultChartVersions.kubePrometheusStack,
    kedaVersion: plan.defaultChartVersions.keda,
    dcgmExporterVersion: plan.defaultChartVersions.dcgmExporter,
    fluentBitVersion: plan.defaultChartVersions.fluentBit,
    gpuUtilizationLowPercent: 20,
    queueDepthHighThreshold: 20,
    p95LatencySecondsThreshold: 10,
};

function problemsOf(overrides: Partial<plan.ObservabilitySettings>): Record<string, string> {
    const problems = new Problems();
    plan.observabilityProblems({ ...defaults, ...overrides }, problems);
    return Object.fromEntries(problems.list.map((p) => [p.propertyPath, p.reason]));
}

const thresholds = {
    gpuUtilizationLowPercent: 35,
    queueDepthHighThreshold: 12,
    p95LatencySecondsThreshold: 4.5,
};

describe("Observability plan", () => {
    describe("validation", () => {
        it("accepts the defaults", () => {
            assert.deepEqual(problemsOf({}), {});
        });

        it("accepts exactly CloudWatch's retention values", () => {
            fc.assert(
                fc.property(fc.integer({ min: -10, max: 4000 }), (days) => {
                    const accepted = !(
                        "logRetentionDays" in problemsOf({ logRetentionDays: days })
                    );
                    assert.equal(accepted, plan.cloudWatchRetentionDays.includes(days), `${days}`);
                }),
            );
        });

        it("lists the allowed retention values when one is wrong", () => {
            assert.match(
                problemsOf({ logRetentionDays: 31 }).logRetentionDays,
                /31 .*1, 3, 5, 7, 14, 30, 60/,
            );
        });

        it("rejects a namespace that is not a DNS-1123 label", () => {
            assert.match(
                problemsOf({ namespace: "Monitoring_NS" }).namespace,
                /not a DNS-1123 label/,
            );
        });

        it("rejects GPU utilisation thresholds outside 0–100", () => {
            for (const bad of [0, 100, 150, -5, Number.NaN]) {
                assert.match(
                    problemsOf({ gpuUtilizationLowPercent: bad }).gpuUtilizationLowPercent,
                    /between 0 and 100/,
                );
            }
        });

        it("rejects non-positive queue depth and latency thresholds", () => {
            const found = problemsOf({
                queueDepthHighThreshold: 0,
                p95LatencySecondsThreshold: -1,
            });
            assert.match(found.queueDepthHighThreshold, /positive number, got 0/);
            assert.match(found.p95LatencySecondsThreshold, /positive number, got -1/);
        });

        it("rejects Prometheus storage below 10 GiB or fractional", () => {
            assert.match(
                problemsOf({ prometheusStorageGiB: 8 }).prometheusStorageGiB,
                /at least 10, got 8/,
            );
            assert.match(
                problemsOf({ prometheusStorageGiB: 12.5 }).prometheusStorageGiB,
                /whole number/,
            );
        });

        it("rejects a retention that is not a Prometheus duration", () => {
            assert.match(
                problemsOf({ prometheusRetention: "15 days" }).prometheusRetention,
                /Prometheus duration/,
            );
            assert.deepEqual(problemsOf({ prometheusRetention: "1w2d" }), {});
        });

        it("rejects chart version ranges, which would float on every deploy", () => {
            const found = problemsOf({ kedaVersion: "^2.18.0", dcgmExporterVersion: "latest" });
            assert.deepEqual(Object.keys(found).sort(), ["dcgmExporterVersion", "kedaVersion"]);
        });

        const dns =
            "is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters";

        it("reports a bad namespace once, not again in the agents' namespace derived from it", () => {
            assert.deepEqual(problemsOf({ namespace: "Bad_NS", agentNamespace: "Bad_NS-agents" }), {
                namespace: `"Bad_NS" ${dns}`,
            });
        });

        it("still checks an agents' namespace set apart from a bad namespace", () => {
            assert.deepEqual(problemsOf({ namespace: "Bad_NS", agentNamespace: "x_y" }), {
                namespace: `"Bad_NS" ${dns}`,
                agentNamespace: `"x_y" ${dns}`,
            });
        });

        it("rejects an agents' namespace that is not a label, or is the monitoring namespace itself", () => {
            assert.deepEqual(problemsOf({ agentNamespace: "A" }), { agentNamespace: `"A" ${dns}` });
            assert.deepEqual(problemsOf({ agentNamespace: "monitoring" }), {
                agentNamespace:
                    'must differ from namespace "monitoring": the agents need Pod Security privileged, the rest runs under baseline',
            });
        });

        it("accepts Prometheus storage of exactly 10 GiB and names the bound under it", () => {
            assert.deepEqual(problemsOf({ prometheusStorageGiB: 10 }), {});
            assert.deepEqual(problemsOf({ prometheusStorageGiB: 9 }), {
                prometheusStorageGiB: "must be a whole number of GiB of at least 10, got 9",
            });
        });

        it("accepts GPU utilisation thresholds just inside 0 and 100, and refuses an infinite one", () => {
            assert.deepEqual(problemsOf({ gpuUtilizationLowPercent: 1 }), {});
            assert.deepEqual(problemsOf({ gpuUtilizationLowPercent: 99.9 }), {});
            assert.deepEqual(problemsOf({ gpuUtilizationLowPercent: Infinity }), {
                gpuUtilizationLowPercent:
                    "must be a percentage between 0 and 100 (exclusive), got Infinity",
            });
        });

        it("refuses an infinite queue threshold and accepts a fractional latency one", () => {
            assert.deepEqual(
                problemsOf({ queueDepthHighThreshold: Infinity, p95LatencySecondsThreshold: 0.1 }),
                { queueDepthHighThreshold: "must be a positive number, got Infinity" },
            );
        });

        it("refuses a retention with anything before or after the duration", () => {
            for (const retention of ["15d ", "x15d"])
                assert.deepEqual(problemsOf({ prometheusRetention: retention }), {
                    prometheusRetention: `"${retention}" is not a Prometheus duration such as "15d" or "12h"`,
                });
        });

        it("names a chart version with trailing text, and accepts a leading v", () => {
            assert.deepEqual(
                problemsOf({ kubePrometheusStackVersion: "1.2.3 ", fluentBitVersion: "v1.2.3" }),
                {
                    kubePrometheusStackVersion:
                        '"1.2.3 " is not an exact chart version such as "1.2.3"',
                },
            );
        });

        it("lists every CloudWatch retention when one is wrong", () => {
            assert.equal(
                problemsOf({ logRetentionDays: 31 }).logRetentionDays,
                "31 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
            );
        });

        it("fills every default, deriving the agents' namespace from the namespace", () => {
            assert.deepEqual(resolveObservabilitySettings({ namespace: "obs" } as any), {
                ...defaults,
                namespace: "obs",
                agentNamespace: "obs-agents",
            });
        });

        it("names a bad EKS cluster name among the argument problems", () => {
            assert.deepEqual(
                observabilityArgsProblems({ clusterName: "bad name!", namespace: "obs" } as any)
                    .list,
                [{ propertyPath: "clusterName", reason: '"bad name!" is not an EKS cluster name' }],
            );
        });

        it("collects every problem at once", () => {
            const found = problemsOf({
                namespace: "",
                logRetentionDays: 2,
                prometheusStorageGiB: 1,
                gpuUtilizationLowPercent: 101,
            });
            assert.deepEqual(Object.keys(found).sort(), [
                "gpuUtilizationLowPercent",
                "logRetentionDays",
                "namespace",
                "prometheusStorageGiB",
            ]);
        });
    });

    describe("scheduling", () => {
        // Computed per test: Stryker counts only code run in a test or its beforeEach.
        let stack: any;
        beforeEach(() => {
            stack = plan.kubePrometheusStackValues(defaults, "monitoring-gp3");
        });
        const system = { [nodeRoleLabel]: "system" };

        it("pins Prometheus, Alertmanager, Grafana, the operator and kube-state-metrics to system nodes", () => {
            assert.deepEqual(stack.prometheus.prometheusSpec.nodeSelector, system);
            assert.deepEqual(stack.alertmanager.alertmanagerSpec.nodeSelector, system);
            assert.deepEqual(stack.grafana.nodeSelector, system);
            assert.deepEqual(stack.prometheusOperator.nodeSelector, system);
            assert.deepEqual(stack["kube-state-metrics"].nodeSelector, system);
        });

        it("runs node-exporter everywhere, GPU nodes included", () => {
            assert.deepEqual(stack["prometheus-node-exporter"].tolerations, [
                { operator: "Exists" },
            ]);
        });

        it("pins KEDA to system nodes", () => {
            assert.deepEqual((plan.kedaValues() as any).nodeSelector, system);
        });

        it("lets KEDA export its own metrics to Prometheus", () => {
            assert.deepEqual((plan.kedaValues() as any).prometheus, {
                operator: { enabled: true, serviceMonitor: { enabled: true } },
            });
        });

        it("names the DCGM exporter plainly and scrapes it every 15 s", () => {
            const dcgm = plan.dcgmExporterValues() as any;
            assert.equal(dcgm.fullnameOverride, "dcgm-exporter");
            assert.deepEqual(dcgm.serviceMonitor, { enabled: true, interval: "15s" });
            assert.deepEqual(dcgm.tolerations, [
                { key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" },
            ]);
        });

        it("runs the DCGM exporter only on GPU nodes and tolerates their taint", () => {
            const dcgm = plan.dcgmExporterValues() as any;
            assert.deepEqual(dcgm.nodeSelector, { [gpuPresentLabel]: "true" });
            const tolerated = dcgm.tolerations.some(
                (t: any) =>
                    t.key === gpuTaint.key &&
                    t.value === gpuTaint.value &&
                    t.effect === gpuTaint.effect,
            );
            assert.ok(tolerated, JSON.stringify(dcgm.tolerations));
            assert.equal(dcgm.serviceMonitor.enabled, true);
        });
    });

    describe("kube-prometheus-stack values", () => {
        let stack: any;
        let spec: any;
        beforeEach(() => {
            stack = plan.kubePrometheusStackValues(
                { ...defaults, prometheusRetention: "30d", prometheusStorageGiB: 120 },
                "monitoring-gp3",
            );
            spec = stack.prometheus.prometheusSpec;
        });

        it("selects ServiceMonitors, PodMonitors and rules from every namespace", () => {
            assert.equal(spec.serviceMonitorSelectorNilUsesHelmValues, false);
            assert.equal(spec.podMonitorSelectorNilUsesHelmValues, false);
            assert.equal(spec.ruleSelectorNilUsesHelmValues, false);
        });

        it("sizes retention and the volume from the settings on the given storage class", () => {
            assert.equal(spec.retention, "30d");
            const claim = spec.storageSpec.volumeClaimTemplate.spec;
            assert.equal(claim.resources.requests.storage, "120Gi");
            assert.equal(claim.storageClassName, "monitoring-gp3");
        });

        it("names services so the Prometheus URL is kube-prometheus-stack-prometheus", () => {
            assert.equal(`${stack.fullnameOverride}-prometheus`, plan.prometheusServiceName);
            assert.equal(
                plan.prometheusUrl("obs"),
                "http://kube-prometheus-stack-prometheus.obs.svc:9090",
            );
            assert.equal(stack.grafana.fullnameOverride, plan.grafanaServiceName);
        });

        it("keeps the operator, its webhook Job, Alertmanager, Grafana and kube-state-metrics on system nodes", () => {
            const system = { nodeSelector: { [nodeRoleLabel]: "system" } };
            assert.deepEqual(stack.prometheusOperator, {
                ...system,
                admissionWebhooks: { patch: system },
            });
            assert.deepEqual(stack.alertmanager, { alertmanagerSpec: system });
            assert.deepEqual(stack["kube-state-metrics"], system);
            assert.deepEqual(stack.grafana.nodeSelector, system.nodeSelector);
            assert.deepEqual(spec.nodeSelector, system.nodeSelector);
        });

        it("claims one ReadWriteOnce volume for Prometheus", () => {
            assert.deepEqual(spec.storageSpec.volumeClaimTemplate.spec.accessModes, [
                "ReadWriteOnce",
            ]);
        });

        it("runs node-exporter in the agents' namespace, tolerating every taint", () => {
            assert.deepEqual(stack["prometheus-node-exporter"], {
                namespaceOverride: "monitoring-agents",
                tolerations: [{ operator: "Exists" }],
            });
        });

        it("loads dashboards labelled grafana_dashboard=1 from every namespace", () => {
            assert.deepEqual(stack.grafana.sidecar, {
                dashboards: {
                    enabled: true,
                    label: "grafana_dashboard",
                    labelValue: "1",
                    searchNamespace: "ALL",
                },
            });
        });

        it("reads Grafana's admin login from the generated secret, not the chart's public default", () => {
            assert.deepEqual(stack.grafana.admin, {
                existingSecret: "grafana-admin",
                userKey: "admin-user",
                passwordKey: "admin-password",
            });
        });
    });

    describe("log shipping", () => {
        let values: any;
        beforeEach(() => {
            values = plan.fluentBitValues({
                region: "eu-west-1",
                logGroupName: "/aws/eks/c/containers",
                roleArn: "arn:role",
            });
        });

        it("names the log group after the cluster", () => {
            assert.equal(plan.containerLogGroupName("prod-gpu"), "/aws/eks/prod-gpu/containers");
        });

        it("uses the service account the IRSA trust names, annotated with the role", () => {
            assert.equal(values.serviceAccount.name, plan.fluentBitServiceAccountName);
            assert.equal(
                values.serviceAccount.annotations["eks.amazonaws.com/role-arn"],
                "arn:role",
            );
            assert.equal(
                plan.serviceAccountSubject("monitoring", "fluent-bit"),
                "system:serviceaccount:monitoring:fluent-bit",
            );
        });

        it("writes only to the managed group: no per-namespace template, no group creation", () => {
            assert.equal(values.cloudWatchLogs.logGroupName, "/aws/eks/c/containers");
            assert.equal(values.cloudWatchLogs.logGroupTemplate, "");
            assert.equal(values.cloudWatchLogs.autoCreateGroup, false);
            assert.equal(values.cloudWatchLogs.region, "eu-west-1");
        });

        it("creates its service account and ships only to CloudWatch Logs, streams prefixed fluentbit-", () => {
            assert.equal(values.serviceAccount.create, true);
            assert.deepEqual(
                [values.cloudWatchLogs.enabled, values.cloudWatchLogs.logStreamPrefix],
                [true, "fluentbit-"],
            );
            for (const output of ["cloudWatch", "firehose", "kinesis", "elasticsearch"])
                assert.deepEqual(values[output], { enabled: false }, output);
        });

        it("tolerates every taint so GPU nodes' logs ship too", () => {
            assert.deepEqual(values.tolerations, [{ operator: "Exists" }]);
        });

        it("strips the scheme from an OIDC issuer", () => {
            assert.equal(plan.oidcIssuerHost("https://oidc.eks.x/id/A"), "oidc.eks.x/id/A");
            assert.equal(plan.oidcIssuerHost("oidc.eks.x/id/A"), "oidc.eks.x/id/A");
        });
    });

    describe("alerts", () => {
        let rules: Record<string, plan.AlertRule>;
        beforeEach(() => {
            rules = Object.fromEntries(plan.alertRules(thresholds).map((r) => [r.alert, r]));
        });

        it("alerts on GPUs below the utilisation threshold for 30 minutes", () => {
            assert.match(rules.GpuUtilizationLow.expr, /DCGM_FI_DEV_GPU_UTIL\) < 35$/);
            assert.equal(rules.GpuUtilizationLow.for, "30m");
        });

        it("alerts on waiting requests above the queue threshold for 10 minutes", () => {
            assert.match(rules.ModelQueueDepthHigh.expr, /vllm:num_requests_waiting\) > 12$/);
            assert.equal(rules.ModelQueueDepthHigh.for, "10m");
        });

        it("alerts on the p95 end-to-end latency above the threshold", () => {
            assert.equal(
                rules.ModelLatencyP95High.expr,
                "histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket[5m]))) > 4.5",
            );
        });

        it("alerts on GPU pods not ready for longer than a slow cold start (966 s)", () => {
            const rule = rules.ServingPodNotReady;
            assert.match(rule.expr, /resource="nvidia_com_gpu"/);
            assert.match(rule.expr, /kube_pod_status_ready\{condition="true"\}/);
            const minutes = Number(/^(\d+)m$/.exec(rule.for)![1]);
            assert.ok(minutes * 60 > 966, rule.for);
        });

        it("tells the operator what each alert means, with its threshold in the description", () => {
            assert.deepEqual(
                Object.values(rules).map((r) => [r.labels, r.annotations]),
                [
                    [
                        { severity: "warning" },
                        {
                            summary:
                                "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is mostly idle",
                            description:
                                "Utilisation below 35% for 30 minutes: scale the model down or consolidate.",
                        },
                    ],
                    [
                        { severity: "warning" },
                        {
                            summary: "{{ $labels.model_name }} has a long request queue",
                            description:
                                "More than 12 requests waiting per replica for 10 minutes: autoscaling is not keeping up (max replicas or no GPU capacity).",
                        },
                    ],
                    [
                        { severity: "warning" },
                        {
                            summary: "{{ $labels.model_name }} p95 latency is high",
                            description: "p95 end-to-end latency above 4.5 s for 10 minutes.",
                        },
                    ],
                    [
                        { severity: "critical" },
                        {
                            summary:
                                "Serving pod {{ $labels.namespace }}/{{ $labels.pod }} is not ready",
                            description:
                                "A GPU pod has not been ready for 20m: check scheduling, image pull and model load.",
                        },
                    ],
                ],
            );
        });

        it("counts a Pending or Running GPU pod that is not ready, per pod", () => {
            assert.equal(
                rules.ServingPodNotReady.expr,
                [
                    'max by (namespace, pod) (kube_pod_container_resource_requests{resource="nvidia_com_gpu"} > 0)',
                    'and on (namespace, pod) max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)',
                    'unless on (namespace, pod) max by (namespace, pod) (kube_pod_status_ready{condition="true"} == 1)',
                ].join("\n"),
            );
            assert.equal(rules.ServingPodNotReady.for, "20m");
        });

        it("gives every alert a severity and a summary", () => {
            assert.deepEqual(Object.keys(rules), [
                "GpuUtilizationLow",
                "ModelQueueDepthHigh",
                "ModelLatencyP95High",
                "ServingPodNotReady",
            ]);
            for (const rule of Object.values(rules)) {
                assert.ok(["warning", "critical"].includes(rule.labels.severity), rule.alert);
                assert.ok(rule.annotations.summary, rule.alert);
            }
        });
    });

    describe("dashboard", () => {
        let dashboard: any;
        beforeEach(() => {
            dashboard = JSON.parse(JSON.stringify(plan.servingDashboard(thresholds)));
        });

        it("has panels for GPU utilisation, queue depth and p95 latency", () => {
            const exprs = dashboard.panels.map((p: any) => p.targets[0].expr).join("\n");
            assert.match(exprs, /DCGM_FI_DEV_GPU_UTIL/);
            assert.match(exprs, /vllm:num_requests_waiting/);
            assert.match(
                exprs,
                /histogram_quantile\(0\.95.*vllm:e2e_request_latency_seconds_bucket/,
            );
        });

        it("draws each alert threshold, red below it only for GPU utilisation", () => {
            const steps = dashboard.panels.map((p: any) => p.fieldConfig.defaults.thresholds.steps);
            assert.deepEqual(steps[0][1], { color: "green", value: 35 });
            assert.deepEqual(steps[1][1], { color: "red", value: 12 });
            assert.deepEqual(steps[2][1], { color: "red", value: 4.5 });
        });

        it("is a read-only dashboard of the last 6 hours, refreshed every 30 s, with a data source choice", () => {
            const { panels: _panels, ...rest } = dashboard;
            assert.deepEqual(rest, {
                uid: "gpu-serving-overview",
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
            });
        });

        it("draws GPU utilisation per GPU in percent, green from the threshold up, from the chosen data source", () => {
            assert.deepEqual(dashboard.panels[0], {
                id: 1,
                type: "timeseries",
                title: "GPU utilisation",
                datasource: { type: "prometheus", uid: "${datasource}" },
                gridPos: { h: 9, w: 8, x: 0, y: 0 },
                fieldConfig: {
                    defaults: {
                        unit: "percent",
                        thresholds: {
                            mode: "absolute",
                            steps: [
                                { color: "red", value: null },
                                { color: "green", value: 35 },
                            ],
                        },
                        custom: { thresholdsStyle: { mode: "line" } },
                    },
                    overrides: [],
                },
                targets: [
                    {
                        refId: "A",
                        expr: "avg by (Hostname, gpu, modelName) (DCGM_FI_DEV_GPU_UTIL)",
                        legendFormat: "{{Hostname}} GPU {{gpu}}",
                    },
                ],
            });
        });

        it("titles, legends and units the queue and latency panels, green below their thresholds", () => {
            assert.deepEqual(
                dashboard.panels
                    .slice(1)
                    .map((p: any) => [
                        p.title,
                        p.targets[0].legendFormat,
                        p.fieldConfig.defaults.unit,
                        p.fieldConfig.defaults.thresholds.steps[0],
                    ]),
                [
                    [
                        "Requests waiting per replica",
                        "{{namespace}}/{{model_name}}",
                        "short",
                        { color: "green", value: null },
                    ],
                    [
                        "p95 end-to-end latency",
                        "{{model_name}}",
                        "s",
                        { color: "green", value: null },
                    ],
                ],
            );
        });

        it("lays panels side by side with unique ids and a stable uid", () => {
            const ids = dashboard.panels.map((p: any) => p.id);
            assert.equal(new Set(ids).size, ids.length);
            const xs = dashboard.panels.map((p: any) => p.gridPos.x);
            assert.deepEqual(xs, [0, 8, 16]);
            assert.equal(dashboard.uid, plan.dashboardUid);
        });
    });
});
