import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dns1123LabelReason, isDns1123Label } from "./plan/names";
import { Problems } from "./plan/problems";
import {
    allowDnsSpec,
    defaultClusterDns,
    defaultDenySpec,
    podSecurityLabels,
    stagingEgressSpec,
} from "./serving/namespace-policies";

export interface ServingNamespaceArgs {
    /** Namespace name (DNS-1123 label). Renaming it replaces the namespace and everything in it. */
    name: string;
    /** Extra namespace labels; the `pod-security.kubernetes.io/*` ones are set here. @default {} */
    labels?: Record<string, string>;
    /** Namespace of the cluster DNS every pod may query. @default "kube-system" */
    dnsNamespace?: string;
    /** Pod labels of the cluster DNS. @default { "k8s-app": "kube-dns" } */
    dnsPodLabels?: Record<string, string>;
}

/**
 * The namespace ModelServices run in, closed by default: Pod Security `restricted` enforced, a
 * default deny for ingress and egress, DNS for every pod, and HTTPS egress for staging Jobs only.
 * Each ModelService opens its own server's ingress. NetworkPolicies need an engine (the VPC CNI's
 * network policy agent, which GpuCluster turns on, Calico or Cilium); without one they are inert.
 */
export class ServingNamespace extends pulumi.ComponentResource {
    /** The namespace's name, once it exists. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: ServingNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): a rejected component registers nothing, not even itself.
        servingNamespaceProblems(args).throwIfAny(`ServingNamespace "${name}"`);
        super("gpu-serving:index:ServingNamespace", name, {}, opts);
        const dns = {
            namespace: args.dnsNamespace ?? defaultClusterDns.namespace,
            podLabels: args.dnsPodLabels ?? defaultClusterDns.podLabels,
        };

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: args.name,
                    labels: {
                        "app.kubernetes.io/part-of": "gpu-serving",
                        ...args.labels,
                        ...podSecurityLabels,
                    },
                },
            },
            // Stacks created the namespace at the top level before this component existed; the
            // alias keeps that namespace (and everything in it) instead of replacing it.
            { parent: this, aliases: [{ parent: pulumi.rootStackResource }] },
        );
        const policy = (role: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${role}`,
                { metadata: { name: role, namespace: namespace.metadata.name }, spec },
                { parent: this },
            );
        policy("default-deny", defaultDenySpec());
        policy("allow-dns", allowDnsSpec(dns));
        policy("staging-egress-https", stagingEgressSpec());

        // The name stays known during a preview. Derived from the policies' ids it was unknown
        // whenever a policy was new, and the Kubernetes provider then previews every object in the
        // namespace as moving to "default", a replacement (pulumi preview from the release before
        // this component). Consumers that must not start a pod before the policies exist depend
        // on this component instead, which waits for its children.
        this.name = namespace.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}

export function servingNamespaceProblems(args: ServingNamespaceArgs): Problems {
    const problems = new Problems();
    problems.expect(isDns1123Label(args.name), "name", dns1123LabelReason(args.name));
    const dnsNamespace = args.dnsNamespace ?? defaultClusterDns.namespace;
    problems.expect(isDns1123Label(dnsNamespace), "dnsNamespace", dns1123LabelReason(dnsNamespace));
    for (const key of Object.keys(args.labels ?? {})) {
        if (key.startsWith("pod-security.kubernetes.io/"))
            problems.add(`labels["${key}"]`, "is set by ServingNamespace (restricted, enforced)");
    }
    return problems;
}
