import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Observability, ObservabilityArgs } from "../components/observability";
import { gpuPresentLabel, gpuTaint, nodeRoleLabel } from "../components/plan/scheduling";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { mockAccountId, mockOidcIssuer, mockRegion } from "./harness/mocks";
import { Rendered, render, valueOf } from "./harness/render";

const release = "kubernetes:helm.sh/v3:Release";
const issuerHost = mockOidcIssuer.replace("https://", "");
const oidcProviderArn = `arn:aws:iam::${mockAccountId}:oidc-provider/${issuerHost}`;
const baseArgs: ObservabilityArgs = {
    clusterName: "gpu-prod",
    oidcProviderArn,
    oidcProviderUrl: issuerHost,
};
const systemNodes = { [nodeRoleLabel]: "system" };

async function renderObservability(args: Partial<ObservabilityArgs> = {}) {
    return render(() => new Observability("obs", { ...baseArgs, ...args }));
}

function iamJson(text: string): any {
    return JSON.parse(text);
}

describe("Observability", () => {
    let resources: Rendered;
    let component: Observability;

    before(async () => {
        ({ result: component, resources } = await renderObservability());
    });

    it("renders only schema-valid Kubernetes objects", async () => {
        const count = await validateRenderedKubernetesObjects(resources);
        assert.ok(count > 0);
        // Namespaces (the stack's and the agents'), StorageClass, Secret, PrometheusRule, ConfigMap
        assert.equal(count, 6);
    });

    it("names every child after the component and parents it", () => {
        const root = resources.one("gpu-serving:index:Observability");
        const children = resources.childrenOf(root);
        assert.ok(children.length >= 12);
        for (const child of children) assert.match(child.name, /^obs-/);
    });

    it("installs the four charts at pinned versions from their upstream repositories", () => {
        const charts = Object.fromEntries(
            resources
                .ofType(release)
                .map((r) => [r.inputs.chart, [r.inputs.version, r.inputs.repositoryOpts.repo]]),
        );
        assert.deepEqual(charts, {
            "kube-prometheus-stack": [
                "79.7.1",
                "https://prometheus-community.github.io/helm-charts",
            ],
            keda: ["2.18.1", "https://kedacore.github.io/charts"],
            "dcgm-exporter": ["4.7.1", "https://nvidia.github.io/dcgm-exporter/helm-charts"],
            "aws-for-fluent-bit": ["0.2.0", "https://aws.github.io/eks-charts"],
        });
        const namespaces = Object.fromEntries(
            resources.ofType(release).map((r) => [r.inputs.name, r.inputs.namespace]),
        );
        assert.deepEqual(namespaces, {
            "kube-prometheus-stack": "monitoring",
            keda: "monitoring",
            "dcgm-exporter": "monitoring-agents",
            "aws-for-fluent-bit": "monitoring-agents",
        });
    });

    it("runs the DCGM exporter only on GPU nodes, tolerating the GPU taint", () => {
        const values = resources.one(release, "dcgm-exporter").inputs.values;
        assert.deepEqual(values.nodeSelector, { [gpuPresentLabel]: "true" });
        assert.deepEqual(values.tolerations, [
            {
                key: gpuTaint.key,
                operator: "Equal",
                value: gpuTaint.value,
                effect: gpuTaint.effect,
            },
        ]);
        assert.equal(values.serviceMonitor.enabled, true);
    });

    it("pins Prometheus, Alertmanager, Grafana and KEDA to system nodes", () => {
        const stack = resources.one(release, "kube-prometheus-stack").inputs.values;
        assert.deepEqual(stack.prometheus.prometheusSpec.nodeSelector, systemNodes);
        assert.deepEqual(stack.alertmanager.alertmanagerSpec.nodeSelector, systemNodes);
        assert.deepEqual(stack.grafana.nodeSelector, systemNodes);
        assert.deepEqual(resources.one(release, "keda").inputs.values.nodeSelector, systemNodes);
    });

    it("lets Prometheus pick up monitors and rules from ModelService namespaces", () => {
        const spec = resources.one(release, "kube-prometheus-stack").inputs.values.prometheus
            .prometheusSpec;
        assert.equal(spec.serviceMonitorSelectorNilUsesHelmValues, false);
        assert.equal(spec.podMonitorSelectorNilUsesHelmValues, false);
        assert.equal(spec.ruleSelectorNilUsesHelmValues, false);
    });

    it("stores Prometheus data for 15 days on a 50 GiB gp3 volume by default", () => {
        const spec = resources.one(release, "kube-prometheus-stack").inputs.values.prometheus
            .prometheusSpec;
        const storageClass = resources.one("kubernetes:storage.k8s.io/v1:StorageClass");
        assert.equal(spec.retention, "15d");
        assert.equal(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, "50Gi");
        assert.equal(
            spec.storageSpec.volumeClaimTemplate.spec.storageClassName,
            storageClass.inputs.metadata.name,
        );
        assert.equal(storageClass.inputs.parameters.type, "gp3");
        assert.equal(storageClass.inputs.volumeBindingMode, "WaitForFirstConsumer");
    });

    it("publishes a Prometheus URL that matches the release's service naming", async () => {
        const stack = resources.one(release, "kube-prometheus-stack").inputs;
        const serviceName = `${stack.values.fullnameOverride}-prometheus`;
        assert.equal(stack.name, "kube-prometheus-stack");
        assert.equal(
            await valueOf(component.prometheusUrl),
            `http://${serviceName}.monitoring.svc:9090`,
        );
        assert.equal(
            await valueOf(component.grafanaServiceName),
            stack.values.grafana.fullnameOverride,
        );
    });

    it("gives Grafana a generated admin password instead of the chart default", () => {
        const secret = resources.one("kubernetes:core/v1:Secret", "grafana-admin").inputs;
        const admin = resources.one(release, "kube-prometheus-stack").inputs.values.grafana.admin;
        assert.equal(admin.existingSecret, secret.metadata.name);
        assert.match(secret.stringData[admin.passwordKey], /^mock-password-/);
    });

    it("ships container logs to /aws/eks/<cluster>/containers kept 30 days", async () => {
        const logGroup = resources.one("aws:cloudwatch/logGroup:LogGroup").inputs;
        assert.equal(logGroup.name, "/aws/eks/gpu-prod/containers");
        assert.equal(logGroup.retentionInDays, 30);
        assert.equal(await valueOf(component.logGroupName), "/aws/eks/gpu-prod/containers");
        const values = resources.one(release, "fluent-bit").inputs.values;
        assert.equal(values.cloudWatchLogs.logGroupName, logGroup.name);
        assert.equal(values.cloudWatchLogs.region, mockRegion);
    });

    it("lets only the fluent-bit service account of the agents' namespace assume the log role", () => {
        const trust = iamJson(
            resources.one("aws:iam/role:Role", "fluent-bit").inputs.assumeRolePolicy,
        );
        assert.equal(trust.Statement.length, 1);
        const [statement] = trust.Statement;
        assert.deepEqual(statement.Action, ["sts:AssumeRoleWithWebIdentity"]);
        assert.deepEqual(statement.Principal, { Federated: [oidcProviderArn] });
        assert.deepEqual(statement.Condition.StringEquals, {
            [`${issuerHost}:sub`]: ["system:serviceaccount:monitoring-agents:fluent-bit"],
            [`${issuerHost}:aud`]: ["sts.amazonaws.com"],
        });
    });

    it("scopes the log role to writing streams of its own log group", () => {
        const groupArn = `arn:aws:logs:${mockRegion}:${mockAccountId}:log-group:/aws/eks/gpu-prod/containers`;
        const policy = iamJson(
            resources.one("aws:iam/rolePolicy:RolePolicy", "fluent-bit").inputs.policy,
        );
        const actions = policy.Statement.flatMap((s: any) => s.Action).sort();
        assert.deepEqual(actions, [
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        ]);
        const targets = policy.Statement.flatMap((s: any) => s.Resource);
        assert.deepEqual(targets, [groupArn, `${groupArn}:*`]);
    });

    it("annotates the fluent-bit service account with the role and tolerates every taint", () => {
        const values = resources.one(release, "fluent-bit").inputs.values;
        const role = resources.one("aws:iam/role:Role", "fluent-bit");
        assert.equal(values.serviceAccount.name, "fluent-bit");
        assert.equal(
            values.serviceAccount.annotations["eks.amazonaws.com/role-arn"],
            `arn:aws:iam::${mockAccountId}:role/${role.name}`,
        );
        assert.deepEqual(values.tolerations, [{ operator: "Exists" }]);
    });

    it("installs fluent-bit only after its log permissions exist", () => {
        const rolePolicy = resources.one("aws:iam/rolePolicy:RolePolicy");
        assert.ok(resources.one(release, "fluent-bit").dependencies.includes(rolePolicy.urn));
    });

    it("creates serving alerts after kube-prometheus-stack installs their CRD", () => {
        const rule = resources.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        const stack = resources.one(release, "kube-prometheus-stack");
        assert.ok(rule.dependencies.includes(stack.urn));
        const alerts = rule.inputs.spec.groups[0].rules.map((r: any) => r.alert);
        assert.deepEqual(alerts, [
            "GpuUtilizationLow",
            "ModelQueueDepthHigh",
            "ModelLatencyP95High",
            "ServingPodNotReady",
        ]);
    });

    it("installs the ServiceMonitor-creating charts after kube-prometheus-stack", () => {
        const stack = resources.one(release, "kube-prometheus-stack");
        for (const chart of ["keda", "dcgm-exporter"]) {
            assert.ok(resources.one(release, chart).dependencies.includes(stack.urn), chart);
        }
    });

    it("publishes a dashboard ConfigMap Grafana's sidecar picks up", () => {
        const dashboard = resources.one("kubernetes:core/v1:ConfigMap", "dashboard").inputs;
        assert.equal(dashboard.metadata.labels.grafana_dashboard, "1");
        const json = JSON.parse(dashboard.data["gpu-serving.json"]);
        assert.equal(json.panels.length, 3);
        const sidecar = resources.one(release, "kube-prometheus-stack").inputs.values.grafana
            .sidecar.dashboards;
        assert.equal(sidecar.label, "grafana_dashboard");
    });

    it("exposes the namespace it created", async () => {
        assert.equal(await valueOf(component.namespace), "monitoring");
        assert.equal(
            resources.one("kubernetes:core/v1:Namespace", "obs-namespace").inputs.metadata.name,
            "monitoring",
        );
    });

    describe("with custom settings", () => {
        let custom: Rendered;

        before(async () => {
            ({ resources: custom } = await renderObservability({
                namespace: "observability",
                oidcProviderUrl: mockOidcIssuer,
                logRetentionDays: 365,
                gpuUtilizationLowPercent: 40,
                queueDepthHighThreshold: 8,
                p95LatencySecondsThreshold: 2.5,
                tags: { team: "ml" },
            }));
        });

        it("writes the alert thresholds into the PrometheusRule expressions", () => {
            const rules = custom.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule").inputs
                .spec.groups[0].rules;
            const expr = Object.fromEntries(rules.map((r: any) => [r.alert, r.expr]));
            assert.match(expr.GpuUtilizationLow, /DCGM_FI_DEV_GPU_UTIL\) < 40$/);
            assert.match(expr.ModelQueueDepthHigh, /vllm:num_requests_waiting\) > 8$/);
            assert.match(expr.ModelLatencyP95High, /^histogram_quantile\(0\.95, .*\) > 2\.5$/);
        });

        it("names the custom agents' namespace in the IRSA subject, and drops https:// from the issuer", () => {
            const trust = iamJson(custom.one("aws:iam/role:Role").inputs.assumeRolePolicy);
            assert.deepEqual(trust.Statement[0].Condition.StringEquals[`${issuerHost}:sub`], [
                "system:serviceaccount:observability-agents:fluent-bit",
            ]);
        });

        it("applies the retention and tags to the log group", () => {
            const logGroup = custom.one("aws:cloudwatch/logGroup:LogGroup").inputs;
            assert.equal(logGroup.retentionInDays, 365);
            assert.deepEqual(logGroup.tags, { team: "ml" });
        });

        it("deploys every chart and object into the custom namespace, the node agents beside it", () => {
            for (const r of custom.ofType(release))
                assert.equal(
                    r.inputs.namespace,
                    ["dcgm-exporter", "aws-for-fluent-bit"].includes(r.inputs.name)
                        ? "observability-agents"
                        : "observability",
                );
            assert.equal(
                custom.one("kubernetes:core/v1:ConfigMap").inputs.metadata.namespace,
                "observability",
            );
        });
    });

    it("gives Kubernetes children the component's provider and AWS children the default one", async () => {
        const { resources: withProvider } = await render(() => {
            const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
            return new Observability("obs", baseArgs, { providers: { kubernetes: provider } });
        });
        const providerUrn = withProvider.one("pulumi:providers:kubernetes").urn;
        assert.ok(withProvider.one(release, "keda").provider.startsWith(`${providerUrn}::`));
        assert.ok(
            withProvider
                .one("kubernetes:core/v1:Namespace", "obs-namespace")
                .provider.startsWith(`${providerUrn}::`),
        );
        assert.equal(withProvider.one("aws:cloudwatch/logGroup:LogGroup").provider, "");
    });

    describe("rejects bad inputs before registering anything", () => {
        const cases: [string, Partial<ObservabilityArgs>, RegExp][] = [
            [
                "logRetentionDays",
                { logRetentionDays: 45 },
                /logRetentionDays: 45 is not a CloudWatch Logs retention; use one of 1, 3, 5/,
            ],
            [
                "namespace",
                { namespace: "Monitoring" },
                /namespace: "Monitoring" is not a DNS-1123 label/,
            ],
            [
                "gpuUtilizationLowPercent",
                { gpuUtilizationLowPercent: 120 },
                /gpuUtilizationLowPercent: must be a percentage between 0 and 100 \(exclusive\), got 120/,
            ],
            [
                "queueDepthHighThreshold",
                { queueDepthHighThreshold: -3 },
                /queueDepthHighThreshold: must be a positive number, got -3/,
            ],
            [
                "p95LatencySecondsThreshold",
                { p95LatencySecondsThreshold: 0 },
                /p95LatencySecondsThreshold: must be a positive number, got 0/,
            ],
            [
                "prometheusStorageGiB",
                { prometheusStorageGiB: 5 },
                /prometheusStorageGiB: must be a whole number of GiB of at least 10, got 5/,
            ],
            [
                "kubePrometheusStackVersion",
                { kubePrometheusStackVersion: "79.x" },
                /kubePrometheusStackVersion: "79.x" is not an exact chart version/,
            ],
            [
                "clusterName",
                { clusterName: "-bad name" },
                /clusterName: "-bad name" is not an EKS cluster name/,
            ],
        ];
        for (const [field, bad, message] of cases) {
            it(`names ${field}`, async () => {
                const { resources: registered } = await render(() =>
                    assert.throws(() => new Observability("obs", { ...baseArgs, ...bad }), message),
                );
                assert.equal(registered.all.length, 0);
            });
        }

        it("lists every problem in one error", async () => {
            const { resources: registered } = await render(() =>
                assert.throws(
                    () =>
                        new Observability("obs", {
                            ...baseArgs,
                            logRetentionDays: 2,
                            namespace: "A",
                            prometheusStorageGiB: 1,
                        }),
                    (error: Error) =>
                        error.name === "InvalidInputsError" &&
                        /Observability "obs" has 3 problems/.test(error.message) &&
                        ["logRetentionDays", "namespace", "prometheusStorageGiB"].every((f) =>
                            error.message.includes(`${f}:`),
                        ),
                ),
            );
            assert.equal(registered.all.length, 0);
        });
    });
});
