import { strict as assert } from "assert";
import { Observability, ObservabilityArgs } from "../components/observability";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { mockOidcIssuer } from "./harness/mocks";
import { Rendered, render } from "./harness/render";
import { renderStack } from "./harness/stacks";

/**
 * The monitoring stack runs in two namespaces: Prometheus, Alertmanager, Grafana and KEDA under Pod
 * Security `baseline`, and the node agents that read the host (node-exporter, DCGM exporter, log
 * shipper) in a namespace of their own, the only `privileged` one.
 */

const release = "kubernetes:helm.sh/v3:Release";
const namespaceType = "kubernetes:core/v1:Namespace";

const args: ObservabilityArgs = {
    clusterName: "gpu-prod",
    oidcProviderArn:
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X",
    oidcProviderUrl: mockOidcIssuer,
};

const labelsOf = (resources: Rendered, name: string) =>
    resources.ofType(namespaceType).find((n) => n.inputs.metadata.name === name)!.inputs.metadata
        .labels;

describe("Monitoring namespaces and Pod Security", () => {
    let resources: Rendered;

    before(async () => {
        ({ resources } = await render(() => new Observability("obs", args)));
    });

    it("enforces baseline on the monitoring namespace, and audits and warns at restricted", () => {
        const labels = labelsOf(resources, "monitoring");
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(labels["pod-security.kubernetes.io/enforce-version"], "latest");
        assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted");
        assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
    });

    it("labels the agents' namespace privileged, explicitly, and nothing else in the stack", () => {
        assert.equal(
            labelsOf(resources, "monitoring-agents")["pod-security.kubernetes.io/enforce"],
            "privileged",
        );
        const privileged = resources
            .ofType(namespaceType)
            .filter(
                (n) =>
                    n.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] === "privileged",
            )
            .map((n) => n.inputs.metadata.name);
        assert.deepEqual(privileged, ["monitoring-agents"]);
    });

    it("puts every host-reading agent in the agents' namespace and the rest in monitoring", () => {
        const at = (name: string) =>
            resources.ofType(release).find((r) => r.inputs.name === name)!.inputs;
        assert.equal(at("dcgm-exporter").namespace, "monitoring-agents");
        assert.equal(at("aws-for-fluent-bit").namespace, "monitoring-agents");
        const stack = at("kube-prometheus-stack");
        assert.equal(stack.namespace, "monitoring");
        assert.equal(
            stack.values["prometheus-node-exporter"].namespaceOverride,
            "monitoring-agents",
        );
        assert.equal(at("keda").namespace, "monitoring");
    });

    it("creates the agents' namespace before the chart that places node-exporter there", () => {
        const stack = resources
            .ofType(release)
            .find((r) => r.inputs.name === "kube-prometheus-stack")!;
        const agents = resources
            .ofType(namespaceType)
            .find((n) => n.inputs.metadata.name === "monitoring-agents")!;
        assert.ok(stack.dependencies.includes(agents.urn));
    });

    it("renders only schema-valid Kubernetes objects", async () => {
        assert.ok((await validateRenderedKubernetesObjects(resources)) > 0);
    });

    it("refuses an agents' namespace equal to the monitoring namespace, before registering anything", async () => {
        const { resources: none } = await render(() =>
            assert.throws(
                () => new Observability("obs", { ...args, agentNamespace: "monitoring" }),
                /agentNamespace: must differ from namespace "monitoring"/,
            ),
        );
        assert.equal(none.all.length, 0);
    });

    it("keeps Prometheus where the serving NetworkPolicies admit scrapes from (prod)", async function () {
        this.timeout(60_000);
        const { resources: prod } = await renderStack("prod");
        const prometheus = prod
            .ofType(release)
            .find((r) => r.inputs.name === "kube-prometheus-stack")!;
        const servers = prod
            .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
            .filter(
                (p) =>
                    p.inputs.spec.podSelector.matchLabels?.["app.kubernetes.io/component"] ===
                    "model-server",
            );
        assert.equal(servers.length, 3);
        for (const policy of servers) {
            const namespaces = policy.inputs.spec.ingress.flatMap((rule: any) =>
                (rule.from ?? []).map(
                    (peer: any) =>
                        peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"],
                ),
            );
            assert.ok(namespaces.includes(prometheus.inputs.namespace), policy.name);
        }
    });
});
