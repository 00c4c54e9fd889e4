import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServingSettings } from "./settings";

/** TLS 1.3 and 1.2 with forward secrecy only (ELB security policies, "TLS listeners for NLB"). */
export const tlsNegotiationPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * AWS Load Balancer Controller annotations for an NLB that terminates TLS with an ACM certificate and
 * sends to pod IPs with the client's address preserved, so the pods' NetworkPolicy can admit the
 * same source ranges the NLB's security group does (kubernetes-sigs.github.io/aws-load-balancer-
 * controller, guide/service/annotations). "external" hands the Service to the controller instead of
 * the legacy in-tree one.
 */
export function loadBalancerAnnotations(
    s: Pick<ServingSettings, "serviceType" | "tlsCertificateArn"> &
        Partial<Pick<ServingSettings, "loadBalancerSubnetIds">>,
): Record<string, pulumi.Input<string>> {
    const annotations: Record<string, pulumi.Input<string>> = {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme":
            s.serviceType === "ExternalLoadBalancer" ? "internet-facing" : "internal",
        "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes":
            "preserve_client_ip.enabled=true",
    };
    if (s.loadBalancerSubnetIds && s.loadBalancerSubnetIds.length > 0) {
        annotations["service.beta.kubernetes.io/aws-load-balancer-subnets"] = pulumi
            .all(s.loadBalancerSubnetIds)
            .apply((ids) => ids.join(","));
    }
    if (s.tlsCertificateArn !== undefined) {
        annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"] = s.tlsCertificateArn;
        annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"] = "https";
        annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy"] =
            tlsNegotiationPolicy;
    }
    return annotations;
}

/** `<model>-lb`: the load balancer Service, beside the in-cluster one named after the model. */
export function loadBalancerServiceName(modelName: string): string {
    return `${modelName}-lb`;
}

/** The in-cluster Service: plain HTTP on the serving port, what ServiceMonitor and clients use. */
export function clusterServiceSpec(s: ServingSettings): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector: s.selectorLabels,
        ports: [{ name: "http", port: s.port, targetPort: "http", protocol: "TCP" }],
    };
}

/**
 * The load balancer Service: one TLS listener and nothing else (every Service port becomes an NLB
 * listener, so an HTTP port here would put the bearer key on the wire in clear), open only to
 * `loadBalancerSourceRanges`; the controller turns those into the NLB security group's rules.
 */
export function loadBalancerServiceSpec(s: ServingSettings): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "LoadBalancer",
        selector: s.selectorLabels,
        loadBalancerSourceRanges: s.loadBalancerSourceRanges,
        ports: [{ name: "https", port: s.loadBalancerPort, targetPort: "http", protocol: "TCP" }],
    };
}

function fromNamespace(name: string): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } };
}

/**
 * A server that streams its weights from S3 reaches S3 (public ranges, through the VPC's gateway
 * endpoint) and STS for its IRSA credentials: HTTPS to any address, as for the staging Jobs.
 */
const httpsEgress: k8s.types.input.networking.v1.NetworkPolicyEgressRule = {
    to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
    ports: [{ protocol: "TCP", port: 443 }],
};

/**
 * The server's own opening in the namespace's default deny: ingress to the serving port from
 * `allowedNamespaces` and the monitoring namespace (NetworkPolicy is L4: it cannot limit Prometheus
 * to the metrics path, the API key guards the inference routes), and for a load balancer from its
 * source ranges (client IPs are preserved) and its subnets (health checks come from the NLB's own
 * addresses). The stacks place every NLB in the public subnets, where no pod runs, so that rule
 * admits no pod; NLBs left to subnet discovery would sit in the node subnets and admit their pods
 * too. No egress beyond the namespace's DNS rule: the
 * server reads weights from the claim (mounted by the node) and runs with HF_HUB_OFFLINE; one that
 * streams them from S3 gets HTTPS out, nothing else.
 */
export function networkPolicySpec(
    s: ServingSettings,
): k8s.types.input.networking.v1.NetworkPolicySpec {
    const ports = [{ protocol: "TCP", port: s.port }];
    const ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [
        { from: [...s.allowedNamespaces, s.monitoringNamespace].map(fromNamespace), ports },
    ];
    if (s.serviceType !== "ClusterIP") {
        const cidrs = [...s.loadBalancerSourceRanges, ...s.loadBalancerSubnetCidrs];
        if (cidrs.length > 0)
            ingress.push({ from: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports });
    }
    return {
        podSelector: { matchLabels: s.selectorLabels },
        policyTypes: ["Ingress", "Egress"],
        ingress,
        egress: s.streamsFromS3 ? [httpsEgress] : [],
    };
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
