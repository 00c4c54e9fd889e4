import * as k8s from "@pulumi/kubernetes";
import { stagingComponentLabel } from "./staging-job";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Where the cluster DNS runs: CoreDNS keeps the kube-dns labels on EKS and upstream alike. */
export interface ClusterDns {
    namespace: string;
    podLabels: Record<string, string>;
}

export const defaultClusterDns: ClusterDns = {
    namespace: "kube-system",
    podLabels: { "k8s-app": "kube-dns" },
};

/**
 * Pod Security admission labels: `restricted` enforced, and audited and warned at the latest
 * version so a rule the next Kubernetes release adds shows up before it bites. Every pod the
 * serving components render passes it (checked in tests by the admission's own evaluator).
 */
export const podSecurityLabels: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
};

/** Nothing in or out of any pod of the namespace unless another policy admits it. */
export function defaultDenySpec(): NetworkPolicySpec {
    return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/** Every pod may resolve names, and only with the cluster DNS. */
export function allowDnsSpec(dns: ClusterDns): NetworkPolicySpec {
    return {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            {
                to: [
                    {
                        namespaceSelector: {
                            matchLabels: { "kubernetes.io/metadata.name": dns.namespace },
                        },
                        podSelector: { matchLabels: dns.podLabels },
                    },
                ],
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                ],
            },
        ],
    };
}

/**
 * Staging Jobs reach the weights' source over HTTPS only: S3 (through the VPC's gateway endpoint,
 * whose addresses are S3's public ranges), STS for their IRSA credentials, the Hugging Face Hub.
 * Any address on 443, since those ranges change; nothing on any other port (IMDS on 80 included).
 */
export function stagingEgressSpec(): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: { ...stagingComponentLabel } },
        policyTypes: ["Egress"],
        egress: [
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ],
    };
}
