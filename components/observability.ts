import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as plan from "./plan/observability-plan";
import type { ObservabilityInputs } from "./plan/observability-types";
import {
    observabilityArgsProblems,
    resolveObservabilitySettings,
} from "./plan/observability-validation";

// Keys and their documentation live with the plan (plan/observability-types.ts).
export interface ObservabilityArgs extends ObservabilityInputs {}

function settingsFor(name: string, args: ObservabilityArgs): plan.ObservabilitySettings {
    observabilityArgsProblems(args).throwIfAny(`Observability "${name}"`);
    return resolveObservabilitySettings(args);
}

/**
 * The cluster-wide monitoring, autoscaling and logging stack ModelService relies on: Prometheus,
 * Alertmanager and Grafana (kube-prometheus-stack), KEDA, NVIDIA's DCGM exporter on GPU nodes,
 * container logs to CloudWatch, serving alerts and a serving dashboard.
 */
export class Observability extends pulumi.ComponentResource {
    /** Namespace the stack runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** In-cluster Prometheus address, e.g. for KEDA's prometheus scaler. */
    public readonly prometheusUrl: pulumi.Output<string>;
    /** CloudWatch Logs group receiving every container's logs. */
    public readonly logGroupName: pulumi.Output<string>;
    /** Grafana's Service in `namespace` (port 80), for port-forwarding or an Ingress. */
    public readonly grafanaServiceName: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated before the component registers, so a bad config leaves nothing behind.
        const s = settingsFor(name, args);
        super("gpu-serving:index:Observability", name, {}, opts);
        const tags = args.tags ?? {};

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: s.namespace,
                    labels: { "app.kubernetes.io/part-of": "gpu-serving" },
                },
            },
            { parent: this },
        );
        const ns = namespace.metadata.name;

        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-prometheus-storage`,
            {
                metadata: { name: plan.prometheusStorageClassName(s.namespace) },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true" },
                // EBS volumes live in one AZ: bind once the pod is scheduled so both land together.
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: "Delete",
            },
            { parent: this },
        );

        const grafanaPassword = new random.RandomPassword(
            `${name}-grafana-admin-password`,
            { length: 32, special: false },
            { parent: this },
        );
        const grafanaAdmin = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: plan.grafanaAdminSecretName, namespace: ns },
                type: "Opaque",
                stringData: { "admin-user": "admin", "admin-password": grafanaPassword.result },
            },
            { parent: this },
        );

        const kubePrometheusStack = new k8s.helm.v3.Release(
            `${name}-kube-prometheus-stack`,
            {
                name: plan.kubePrometheusStackName,
                chart: plan.charts.kubePrometheusStack.chart,
                version: s.kubePrometheusStackVersion,
                repositoryOpts: { repo: plan.charts.kubePrometheusStack.repo },
                namespace: ns,
                values: plan.kubePrometheusStackValues(
                    s,
                    plan.prometheusStorageClassName(s.namespace),
                ),
            },
            { parent: this, dependsOn: [storageClass, grafanaAdmin] },
        );
        // KEDA and the DCGM exporter create ServiceMonitors, whose CRD kube-prometheus-stack installs.
        const afterPrometheus = { parent: this, dependsOn: [kubePrometheusStack] };

        new k8s.helm.v3.Release(
            `${name}-keda`,
            {
                name: "keda",
                chart: plan.charts.keda.chart,
                version: s.kedaVersion,
                repositoryOpts: { repo: plan.charts.keda.repo },
                namespace: ns,
                values: plan.kedaValues(),
            },
            afterPrometheus,
        );

        new k8s.helm.v3.Release(
            `${name}-dcgm-exporter`,
            {
                name: "dcgm-exporter",
                chart: plan.charts.dcgmExporter.chart,
                version: s.dcgmExporterVersion,
                repositoryOpts: { repo: plan.charts.dcgmExporter.repo },
                namespace: ns,
                values: plan.dcgmExporterValues(),
            },
            afterPrometheus,
        );

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-containers`,
            {
                name: pulumi.output(args.clusterName).apply(plan.containerLogGroupName),
                retentionInDays: s.logRetentionDays,
                tags,
            },
            { parent: this },
        );

        const issuer = pulumi.output(args.oidcProviderUrl).apply(plan.oidcIssuerHost);
        const trustPolicy = aws.iam.getPolicyDocumentOutput(
            {
                statements: [
                    {
                        effect: "Allow",
                        actions: ["sts:AssumeRoleWithWebIdentity"],
                        principals: [{ type: "Federated", identifiers: [args.oidcProviderArn] }],
                        conditions: [
                            {
                                test: "StringEquals",
                                variable: pulumi.interpolate`${issuer}:sub`,
                                values: [
                                    plan.serviceAccountSubject(
                                        s.namespace,
                                        plan.fluentBitServiceAccountName,
                                    ),
                                ],
                            },
                            {
                                test: "StringEquals",
                                variable: pulumi.interpolate`${issuer}:aud`,
                                values: ["sts.amazonaws.com"],
                            },
                        ],
                    },
                ],
            },
            { parent: this },
        );
        const fluentBitRole = new aws.iam.Role(
            `${name}-fluent-bit`,
            {
                description: "Ships container logs to CloudWatch (IRSA for fluent-bit)",
                assumeRolePolicy: trustPolicy.json,
                tags,
            },
            { parent: this },
        );
        const logsPolicy = aws.iam.getPolicyDocumentOutput(
            {
                statements: [
                    {
                        effect: "Allow",
                        actions: [
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogStreams",
                        ],
                        // The group itself and its streams (`<arn>:log-stream:<name>`), nothing else.
                        resources: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
                    },
                ],
            },
            { parent: this },
        );
        const fluentBitLogs = new aws.iam.RolePolicy(
            `${name}-fluent-bit-logs`,
            { role: fluentBitRole.name, policy: logsPolicy.json },
            { parent: this },
        );

        const region = aws.getRegionOutput({}, { parent: this }).region;
        new k8s.helm.v3.Release(
            `${name}-fluent-bit`,
            {
                name: "aws-for-fluent-bit",
                chart: plan.charts.fluentBit.chart,
                version: s.fluentBitVersion,
                repositoryOpts: { repo: plan.charts.fluentBit.repo },
                namespace: ns,
                values: plan.fluentBitValues({
                    region,
                    logGroupName: logGroup.name,
                    roleArn: fluentBitRole.arn,
                }),
            },
            // Pods that start before the policy is attached drop their first log batches.
            { parent: this, dependsOn: [fluentBitLogs] },
        );

        const thresholds = {
            gpuUtilizationLowPercent: s.gpuUtilizationLowPercent,
            queueDepthHighThreshold: s.queueDepthHighThreshold,
            p95LatencySecondsThreshold: s.p95LatencySecondsThreshold,
        };
        new k8s.apiextensions.CustomResource(
            `${name}-alerts`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "gpu-serving-alerts", namespace: ns },
                spec: { groups: [{ name: "gpu-serving", rules: plan.alertRules(thresholds) }] },
            },
            afterPrometheus,
        );

        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: "gpu-serving-dashboard",
                    namespace: ns,
                    labels: { grafana_dashboard: "1" },
                },
                data: { "gpu-serving.json": JSON.stringify(plan.servingDashboard(thresholds)) },
            },
            { parent: this },
        );

        this.namespace = ns;
        this.prometheusUrl = kubePrometheusStack.namespace.apply(plan.prometheusUrl);
        this.logGroupName = logGroup.name;
        this.grafanaServiceName = kubePrometheusStack.name.apply(() => plan.grafanaServiceName);
        this.registerOutputs({
            namespace: this.namespace,
            prometheusUrl: this.prometheusUrl,
            logGroupName: this.logGroupName,
            grafanaServiceName: this.grafanaServiceName,
        });
    }
}
