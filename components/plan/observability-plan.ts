/**
 * What the Observability component installs, as plain data: chart coordinates, Helm values, alert
 * rules and the Grafana dashboard. Kept free of Pulumi so the scheduling and alerting decisions can
 * be tested without a runtime.
 */
import { isDns1123Label, dns1123LabelReason } from "./names";
import { Problems } from "./problems";
import { gpuPresentLabel, gpuToleration, systemNodeLabels } from "./scheduling";

// Alert rules and the dashboard live beside this module; importers see one plan.
export * from "./observability-alerts";

/** The only values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy API reference). */
export const cloudWatchRetentionDays: readonly number[] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/** A floor that catches unit slips (5 for 50); smaller volumes fill before the retention ends and Prometheus drops data early. */
export const minPrometheusStorageGiB = 10;

export const charts = {
    kubePrometheusStack: {
        chart: "kube-prometheus-stack",
        repo: "https://prometheus-community.github.io/helm-charts",
    },
    keda: { chart: "keda", repo: "https://kedacore.github.io/charts" },
    dcgmExporter: {
        chart: "dcgm-exporter",
        repo: "https://nvidia.github.io/dcgm-exporter/helm-charts",
    },
    fluentBit: { chart: "aws-for-fluent-bit", repo: "https://aws.github.io/eks-charts" },
} as const;

/** Chart versions this package was written against; bump deliberately, they change CRDs and values. */
export const defaultChartVersions = {
    kubePrometheusStack: "79.7.1",
    keda: "2.18.1",
    dcgmExporter: "4.7.1",
    fluentBit: "0.2.0",
} as const;

/**
 * Helm release name and chart `fullnameOverride` of kube-prometheus-stack. Services are named
 * `<fullname>-prometheus` and `<fullname>-grafana`; pinning both keeps `prometheusUrl` stable.
 */
export const kubePrometheusStackName = "kube-prometheus-stack";
export const prometheusServiceName = `${kubePrometheusStackName}-prometheus`;
export const grafanaServiceName = `${kubePrometheusStackName}-grafana`;
export const prometheusPort = 9090;
/** The service account the IRSA trust policy names; the chart must create exactly this one. */
export const fluentBitServiceAccountName = "fluent-bit";
export const grafanaAdminSecretName = "grafana-admin";

export function prometheusUrl(namespace: string): string {
    return `http://${prometheusServiceName}.${namespace}.svc:${prometheusPort}`;
}

/** Cluster-scoped, so named after the namespace to stay unique per Observability instance. */
export function prometheusStorageClassName(namespace: string): string {
    return `${namespace}-gp3`;
}

export function containerLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/containers`;
}

export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/** IAM condition keys use the issuer without its scheme; accept either spelling from callers. */
export function oidcIssuerHost(issuer: string): string {
    return issuer.replace(/^https:\/\//, "");
}

export interface ObservabilitySettings {
    namespace: string;
    agentNamespace: string;
    logRetentionDays: number;
    prometheusRetention: string;
    prometheusStorageGiB: number;
    kubePrometheusStackVersion: string;
    kedaVersion: string;
    dcgmExporterVersion: string;
    fluentBitVersion: string;
    gpuUtilizationLowPercent: number;
    queueDepthHighThreshold: number;
    p95LatencySecondsThreshold: number;
}

/** Prometheus' duration syntax, e.g. "15d" or "1w2d". */
const prometheusDuration = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
/** An exact chart version: a range would let a `pulumi up` silently pick up a new chart. */
const exactVersion = /^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;

export function observabilityProblems(settings: ObservabilitySettings, problems: Problems): void {
    const s = settings;
    problems.expect(isDns1123Label(s.namespace), "namespace", dns1123LabelReason(s.namespace));
    // A name derived from a bad namespace is that namespace's problem, reported once.
    const derived = s.agentNamespace === `${s.namespace}-agents`;
    if (isDns1123Label(s.namespace) || !derived)
        problems.expect(
            isDns1123Label(s.agentNamespace),
            "agentNamespace",
            dns1123LabelReason(s.agentNamespace),
        );
    problems.expect(
        s.agentNamespace !== s.namespace,
        "agentNamespace",
        `must differ from namespace "${s.namespace}": the agents need Pod Security privileged, the rest runs under baseline`,
    );
    problems.expect(
        cloudWatchRetentionDays.includes(s.logRetentionDays),
        "logRetentionDays",
        `${s.logRetentionDays} is not a CloudWatch Logs retention; use one of ${cloudWatchRetentionDays.join(", ")}`,
    );
    problems.expect(
        prometheusDuration.test(s.prometheusRetention),
        "prometheusRetention",
        `"${s.prometheusRetention}" is not a Prometheus duration such as "15d" or "12h"`,
    );
    problems.expect(
        Number.isInteger(s.prometheusStorageGiB) &&
            s.prometheusStorageGiB >= minPrometheusStorageGiB,
        "prometheusStorageGiB",
        `must be a whole number of GiB of at least ${minPrometheusStorageGiB}, got ${s.prometheusStorageGiB}`,
    );
    for (const key of [
        "kubePrometheusStackVersion",
        "kedaVersion",
        "dcgmExporterVersion",
        "fluentBitVersion",
    ] as const) {
        problems.expect(
            exactVersion.test(s[key]),
            key,
            `"${s[key]}" is not an exact chart version such as "1.2.3"`,
        );
    }
    problems.expect(
        Number.isFinite(s.gpuUtilizationLowPercent) &&
            s.gpuUtilizationLowPercent > 0 &&
            s.gpuUtilizationLowPercent < 100,
        "gpuUtilizationLowPercent",
        `must be a percentage between 0 and 100 (exclusive), got ${s.gpuUtilizationLowPercent}`,
    );
    for (const key of ["queueDepthHighThreshold", "p95LatencySecondsThreshold"] as const) {
        problems.expect(
            Number.isFinite(s[key]) && s[key] > 0,
            key,
            `must be a positive number, got ${s[key]}`,
        );
    }
}

/**
 * Pod Security admission labels of the two namespaces. The stack's own workloads (Prometheus,
 * Alertmanager, Grafana, the operator and its webhook Job, kube-state-metrics, KEDA) take no host
 * namespace, host path, privileged mode or added capability beyond the default set, so `baseline` is
 * enforced; `restricted` is audited and warned, to show what a stricter label would refuse (chart
 * defaults are not all checked against it). The node agents read the host: node-exporter runs with
 * hostNetwork, hostPID and the root file system mounted (prometheus-node-exporter chart defaults),
 * the DCGM exporter mounts the kubelet's pod-resources socket and adds SYS_ADMIN, the log shipper
 * mounts /var/log; none passes `baseline`, so their namespace is `privileged`, said explicitly.
 */
export const monitoringPodSecurityLabels: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
};
export const agentPodSecurityLabels: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "privileged",
    "pod-security.kubernetes.io/enforce-version": "latest",
};

/** Tolerates every taint: log shipping and node metrics must cover GPU nodes and any tainted node. */
const tolerateEverything = [{ operator: "Exists" }];

export function kubePrometheusStackValues(
    s: ObservabilitySettings,
    storageClassName: string,
): Record<string, unknown> {
    const onSystemNodes = { nodeSelector: { ...systemNodeLabels } };
    return {
        fullnameOverride: kubePrometheusStackName,
        prometheusOperator: { ...onSystemNodes, admissionWebhooks: { patch: onSystemNodes } },
        prometheus: {
            prometheusSpec: {
                ...onSystemNodes,
                // Without these the operator only selects objects labelled with this release, and
                // ModelService namespaces' ServiceMonitors and rules would be ignored.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                retention: s.prometheusRetention,
                storageSpec: {
                    volumeClaimTemplate: {
                        spec: {
                            storageClassName,
                            accessModes: ["ReadWriteOnce"],
                            resources: { requests: { storage: `${s.prometheusStorageGiB}Gi` } },
                        },
                    },
                },
            },
        },
        alertmanager: { alertmanagerSpec: onSystemNodes },
        grafana: {
            ...onSystemNodes,
            fullnameOverride: grafanaServiceName,
            // The chart's default admin password is public ("prom-operator"); read a generated one instead.
            admin: {
                existingSecret: grafanaAdminSecretName,
                userKey: "admin-user",
                passwordKey: "admin-password",
            },
            sidecar: {
                dashboards: {
                    enabled: true,
                    label: "grafana_dashboard",
                    labelValue: "1",
                    searchNamespace: "ALL",
                },
            },
        },
        "kube-state-metrics": onSystemNodes,
        "prometheus-node-exporter": {
            // Host network, PID and root file system: it runs with the other node agents.
            namespaceOverride: s.agentNamespace,
            tolerations: tolerateEverything,
        },
    };
}

export function kedaValues(): Record<string, unknown> {
    return {
        nodeSelector: { ...systemNodeLabels },
        // KEDA's own metrics show when a ScaledObject cannot reach Prometheus and stops scaling.
        prometheus: { operator: { enabled: true, serviceMonitor: { enabled: true } } },
    };
}

export function dcgmExporterValues(): Record<string, unknown> {
    return {
        fullnameOverride: "dcgm-exporter",
        // A DaemonSet pod on a CPU node has no GPU to read and crash-loops.
        nodeSelector: { [gpuPresentLabel]: "true" },
        tolerations: [{ ...gpuToleration }],
        serviceMonitor: { enabled: true, interval: "15s" },
    };
}

export interface FluentBitTarget<T> {
    region: T;
    logGroupName: T;
    roleArn: T;
}

export function fluentBitValues<T>(target: FluentBitTarget<T>): Record<string, unknown> {
    return {
        serviceAccount: {
            create: true,
            name: fluentBitServiceAccountName,
            annotations: { "eks.amazonaws.com/role-arn": target.roleArn },
        },
        tolerations: tolerateEverything,
        cloudWatchLogs: {
            enabled: true,
            region: target.region,
            logGroupName: target.logGroupName,
            // Some chart versions default to one group per namespace, outside the role's permissions.
            logGroupTemplate: "",
            logStreamPrefix: "fluentbit-",
            // The group is managed here with its retention; the role may not create groups.
            autoCreateGroup: false,
        },
        cloudWatch: { enabled: false },
        firehose: { enabled: false },
        kinesis: { enabled: false },
        elasticsearch: { enabled: false },
    };
}
