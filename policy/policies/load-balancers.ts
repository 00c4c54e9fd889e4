import { ResourceValidationPolicy } from "@pulumi/policy";
import { productionConfigSchema, productionVerdict } from "./stacks";
import { describeWorkload, isObject } from "./workloads";

const serviceType = "kubernetes:core/v1:Service";
const openToTheInternet = ["0.0.0.0/0", "::/0"];
const sslCert = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";
const sslPorts = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports";

/** Service ports an annotation value names (`443`, `https`, `"443,8443"`); `*` or absent means all. */
function tlsPortsOf(annotation: unknown, ports: Record<string, unknown>[]): Set<unknown> {
    if (typeof annotation !== "string" || annotation.trim() === "*")
        return new Set(ports.flatMap((p) => [p.name, p.port]));
    return new Set(
        annotation.split(",").map((v) => (/^\d+$/.test(v.trim()) ? Number(v) : v.trim())),
    );
}

export const loadBalancersTlsAndSourceRangesInProduction: ResourceValidationPolicy = {
    name: "load-balancers-tls-and-source-ranges-in-prod",
    description:
        "A model endpoint authenticates callers with a bearer key: behind a plain TCP listener that key crosses the " +
        "network in clear, and a load balancer without source ranges accepts connections from anywhere it is " +
        "routable (internet-facing: the internet). In production every LoadBalancer Service must terminate TLS " +
        `on all its ports (${sslCert}) and list loadBalancerSourceRanges, none of them 0.0.0.0/0 or ::/0.`,
    enforcementLevel: "mandatory",
    configSchema: productionConfigSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== serviceType) return;
        const spec = isObject(args.props.spec) ? args.props.spec : {};
        if (spec.type !== "LoadBalancer") return;
        const verdict = productionVerdict(args);
        if (!verdict.production) return;
        const service = describeWorkload(args.type, args.props, args.name);
        const annotations = isObject(args.props.metadata?.annotations)
            ? args.props.metadata.annotations
            : {};
        const ports: Record<string, unknown>[] = Array.isArray(spec.ports) ? spec.ports : [];
        if (typeof annotations[sslCert] !== "string" || annotations[sslCert] === "") {
            reportViolation(
                `${service} is a load balancer without TLS; ${verdict.because}, so set the ${sslCert} annotation to an ACM certificate ARN.`,
            );
        } else {
            const tls = tlsPortsOf(annotations[sslPorts], ports);
            const clear = ports.filter((p) => !tls.has(p.name) && !tls.has(p.port));
            if (clear.length > 0) {
                reportViolation(
                    `${service} listens without TLS on port ${clear.map((p) => p.port).join(", ")}; list it in ${sslPorts} or remove it.`,
                );
            }
        }
        const ranges: unknown[] = Array.isArray(spec.loadBalancerSourceRanges)
            ? spec.loadBalancerSourceRanges
            : [];
        const open = ranges.filter((r) => openToTheInternet.includes(String(r)));
        if (ranges.length === 0 || open.length > 0) {
            const why =
                ranges.length === 0
                    ? "no loadBalancerSourceRanges"
                    : `loadBalancerSourceRanges ${open.join(", ")}`;
            reportViolation(
                `${service} is reachable from any address (${why}); ${verdict.because}, so list the client CIDRs in spec.loadBalancerSourceRanges.`,
            );
        }
    },
};
