import * as k8s from "@pulumi/kubernetes";
import { ServingSettings } from "./settings";

/**
 * AWS Load Balancer Controller annotations for an NLB sending straight to pod IPs
 * (kubernetes-sigs.github.io/aws-load-balancer-controller, guide/service/nlb and annotations).
 * "external" hands the Service to the controller instead of the legacy in-tree one.
 */
export function serviceAnnotations(serviceType: string): Record<string, string> | undefined {
    if (serviceType === "ClusterIP") return undefined;
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme":
            serviceType === "ExternalLoadBalancer" ? "internet-facing" : "internal",
    };
}

export function serviceSpec(s: ServingSettings): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: s.serviceType === "ClusterIP" ? "ClusterIP" : "LoadBalancer",
        selector: s.selectorLabels,
        ports: [{ name: "http", port: s.port, targetPort: "http", protocol: "TCP" }],
    };
}

function fromNamespace(name: string): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } };
}

/**
 * Ingress to the serving port only from the model's own namespace, `allowedNamespaces`, and the
 * monitoring namespace (NetworkPolicy is L4: it cannot limit Prometheus to the metrics path, the
 * API key guards the inference routes). An NLB in ip mode connects from its own subnet addresses
 * (or preserved client IPs), which no namespace selector matches, so a LoadBalancer Service opens the
 * port to any address; the load balancer's scheme and security groups bound who reaches it.
 * Enforced only where a policy engine runs (VPC CNI network policy agent, Calico, Cilium).
 */
export function networkPolicySpec(
    s: ServingSettings,
): k8s.types.input.networking.v1.NetworkPolicySpec {
    const ports = [{ protocol: "TCP", port: s.port }];
    const ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [
        { from: [{ podSelector: {} }, ...s.allowedNamespaces.map(fromNamespace)], ports },
        { from: [fromNamespace(s.monitoringNamespace)], ports },
    ];
    if (s.serviceType !== "ClusterIP")
        ingress.push({ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports });
    return { podSelector: { matchLabels: s.selectorLabels }, policyTypes: ["Ingress"], ingress };
}

/**
 * maxUnavailable 1 rather than minAvailable: replicas move with the autoscaler, and a minAvailable
 * equal to the current count (say 1 at minReplicas 1) blocks every node drain, which stalls node
 * group upgrades and cluster-autoscaler scale-down indefinitely. One eviction at a time keeps the
 * rest serving while the evicted replica pays its cold start elsewhere; use minReplicas ≥ 2 for no
 * downtime during drains. Unready pods may always be evicted, or a crash-looping pod would block drains.
 */
export function podDisruptionBudgetSpec(
    s: ServingSettings,
): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    return {
        maxUnavailable: 1,
        selector: { matchLabels: s.selectorLabels },
        unhealthyPodEvictionPolicy: "AlwaysAllow",
    };
}

/** Prometheus-operator ServiceMonitor spec (monitoring.coreos.com/v1). */
export function serviceMonitorSpec(s: ServingSettings): Record<string, unknown> {
    return {
        selector: { matchLabels: s.selectorLabels },
        endpoints: [{ port: "http", path: s.metricsPath, interval: "15s", scrapeTimeout: "10s" }],
    };
}

/** In-cluster URL of the Service. */
export function endpointUrl(serviceName: string, namespace: string, port: number): string {
    return `http://${serviceName}.${namespace}.svc.cluster.local:${port}`;
}
