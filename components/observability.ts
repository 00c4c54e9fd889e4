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
 * container logs to CloudWatch, serving alerts and a serving dashboard. The node agents that read the
 * host run in a namespace of their own, the only one that admits privileged pods.
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
        const ctx: Context = { name, parent: this, s, tags: args.tags ?? {} };

        const namespaces = createNamespaces(ctx);
        const ns = namespaces.monitoring.metadata.name;
        const agents = namespaces.agents.metadata.name;
        const kubePrometheusStack = installKubePrometheusStack(ctx, ns, namespaces.agents);
        // KEDA and the DCGM exporter create ServiceMonitors, whose CRD kube-prometheus-stack installs.
        const afterPrometheus = { parent: this, dependsOn: [kubePrometheusStack] };
        installKeda(ctx, ns, afterPrometheus);
        installDcgmExporter(ctx, agents, afterPrometheus);
        const logGroup = createContainerLogGroup(ctx, args.clusterName);
        const fluentBit = createFluentBitRole(ctx, args, logGroup);
        installFluentBit(ctx, agents, logGroup, fluentBit);
        createAlertsAndDashboard(ctx, ns, afterPrometheus);

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

/** What every builder below needs: the component (parent and name prefix), settings and tags. */
interface Context {
    name: string;
    parent: Observability;
    s: plan.ObservabilitySettings;
    tags: Record<string, string>;
}

/** The stack's namespace (Pod Security baseline) and the node agents' (privileged). */
function createNamespaces({ name, parent, s }: Context) {
    const namespace = (resourceName: string, namespaceName: string, labels: object) =>
        new k8s.core.v1.Namespace(
            resourceName,
            {
                metadata: {
                    name: namespaceName,
                    labels: { "app.kubernetes.io/part-of": "gpu-serving", ...labels },
                },
            },
            { parent },
        );
    return {
        monitoring: namespace(`${name}-namespace`, s.namespace, plan.monitoringPodSecurityLabels),
        agents: namespace(`${name}-agent-namespace`, s.agentNamespace, plan.agentPodSecurityLabels),
    };
}

/**
 * Prometheus, Alertmanager and Grafana, with Prometheus' gp3 storage class and Grafana's admin;
 * its node-exporter goes to the agents' namespace.
 */
function installKubePrometheusStack(
    { name, parent, s }: Context,
    ns: pulumi.Output<string>,
    agentNamespace: k8s.core.v1.Namespace,
): k8s.helm.v3.Release {
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
        { parent },
    );
    const grafanaPassword = new random.RandomPassword(
        `${name}-grafana-admin-password`,
        { length: 32, special: false },
        { parent },
    );
    const grafanaAdmin = new k8s.core.v1.Secret(
        `${name}-grafana-admin`,
        {
            metadata: { name: plan.grafanaAdminSecretName, namespace: ns },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": grafanaPassword.result },
        },
        { parent },
    );
    return new k8s.helm.v3.Release(
        `${name}-kube-prometheus-stack`,
        {
            name: plan.kubePrometheusStackName,
            chart: plan.charts.kubePrometheusStack.chart,
            version: s.kubePrometheusStackVersion,
            repositoryOpts: { repo: plan.charts.kubePrometheusStack.repo },
            namespace: ns,
            values: plan.kubePrometheusStackValues(s, plan.prometheusStorageClassName(s.namespace)),
        },
        { parent, dependsOn: [storageClass, grafanaAdmin, agentNamespace] },
    );
}

function installKeda(
    { name, s }: Context,
    ns: pulumi.Output<string>,
    opts: pulumi.CustomResourceOptions,
): void {
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
        opts,
    );
}

function installDcgmExporter(
    { name, s }: Context,
    ns: pulumi.Output<string>,
    opts: pulumi.CustomResourceOptions,
): void {
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
        opts,
    );
}

function createContainerLogGroup(
    { name, parent, s, tags }: Context,
    clusterName: pulumi.Input<string>,
): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        `${name}-containers`,
        {
            name: pulumi.output(clusterName).apply(plan.containerLogGroupName),
            retentionInDays: s.logRetentionDays,
            tags,
        },
        { parent },
    );
}

/** The log shipper's IRSA role: trusted by its service account only, writing to `logGroup` only. */
function createFluentBitRole(
    { name, parent, s, tags }: Context,
    args: ObservabilityArgs,
    logGroup: aws.cloudwatch.LogGroup,
) {
    const issuer = pulumi.output(args.oidcProviderUrl).apply(plan.oidcIssuerHost);
    const subject = plan.serviceAccountSubject(s.agentNamespace, plan.fluentBitServiceAccountName);
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
                            values: [subject],
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
        { parent },
    );
    const role = new aws.iam.Role(
        `${name}-fluent-bit`,
        {
            description: "Ships container logs to CloudWatch (IRSA for fluent-bit)",
            assumeRolePolicy: trustPolicy.json,
            tags,
        },
        { parent },
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
        { parent },
    );
    const logsPolicyAttachment = new aws.iam.RolePolicy(
        `${name}-fluent-bit-logs`,
        { role: role.name, policy: logsPolicy.json },
        { parent },
    );
    return { role, logsPolicyAttachment };
}

function installFluentBit(
    { name, parent, s }: Context,
    ns: pulumi.Output<string>,
    logGroup: aws.cloudwatch.LogGroup,
    fluentBit: { role: aws.iam.Role; logsPolicyAttachment: aws.iam.RolePolicy },
): void {
    const region = aws.getRegionOutput({}, { parent }).region;
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
                roleArn: fluentBit.role.arn,
            }),
        },
        // Pods that start before the policy is attached drop their first log batches.
        { parent, dependsOn: [fluentBit.logsPolicyAttachment] },
    );
}

/** The serving alert rules (a PrometheusRule) and the Grafana dashboard (a labelled ConfigMap). */
function createAlertsAndDashboard(
    { name, parent, s }: Context,
    ns: pulumi.Output<string>,
    afterPrometheus: pulumi.CustomResourceOptions,
): void {
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
        { parent },
    );
}
