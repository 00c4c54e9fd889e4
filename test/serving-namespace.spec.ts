import { strict as assert } from "assert";
import { ServingNamespace } from "../components/serving-namespace";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { render, Rendered } from "./harness/render";

const policyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

describe("ServingNamespace", () => {
    let resources: Rendered;
    const policy = (name: string) =>
        resources.ofType(policyType).find((p) => p.inputs.metadata.name === name)!.inputs.spec;

    before(async () => {
        ({ resources } = await render(() => new ServingNamespace("serving", { name: "models" })));
    });

    it("enforces Pod Security restricted on the namespace, audited and warned at the latest version", () => {
        const labels = resources.one("kubernetes:core/v1:Namespace").inputs.metadata.labels;
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(labels["pod-security.kubernetes.io/enforce-version"], "latest");
        assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted");
        assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
    });

    it("denies all ingress and egress of every pod unless another policy admits it", () => {
        assert.deepEqual(policy("default-deny"), {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
        });
    });

    it("lets every pod query the cluster DNS on port 53, and nothing else through that rule", () => {
        const spec = policy("allow-dns");
        assert.deepEqual(spec.podSelector, {});
        assert.deepEqual(spec.policyTypes, ["Egress"]);
        assert.deepEqual(spec.egress[0].to, [
            {
                namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
        ]);
        assert.deepEqual(spec.egress[0].ports, [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ]);
    });

    it("lets staging pods, and only them, out on TCP 443", () => {
        const spec = policy("staging-egress-https");
        assert.deepEqual(spec.podSelector, {
            matchLabels: { "app.kubernetes.io/component": "weights-staging" },
        });
        assert.deepEqual(spec.egress, [
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
    });

    it("creates exactly the namespace and its three policies, all schema-valid", async () => {
        assert.equal(resources.ofType(policyType).length, 3);
        assert.equal(await validateRenderedKubernetesObjects(resources), 4);
    });

    it("keeps the namespace the stacks created before through an alias", () => {
        const namespace = resources.one("kubernetes:core/v1:Namespace");
        assert.equal(namespace.name, "serving-namespace");
        assert.equal(namespace.aliases.length, 1);
    });

    it("refuses a bad name or a Pod Security label of its own before creating anything", async () => {
        const { resources: none } = await render(() =>
            assert.throws(
                () =>
                    new ServingNamespace("serving", {
                        name: "Models",
                        labels: { "pod-security.kubernetes.io/enforce": "privileged" },
                    }),
                (error: Error) =>
                    /name: "Models" is not a DNS-1123 label/.test(error.message) &&
                    /labels\["pod-security.kubernetes.io\/enforce"\]/.test(error.message),
            ),
        );
        assert.equal(none.all.length, 0);
    });
});
