import type * as pulumi from "@pulumi/pulumi";

/** The input shape the observability plan checks; the Observability component's Args extend it. */
export interface ObservabilityInputs {
    /** EKS cluster name; names the CloudWatch log group `/aws/eks/<clusterName>/containers`. */
    clusterName: pulumi.Input<string>;
    /** ARN of the cluster's IAM OIDC provider, trusted by the log shipper's IRSA role. */
    oidcProviderArn: pulumi.Input<string>;
    /**
     * The cluster's OIDC issuer without `https://` (e.g. `oidc.eks.us-west-2.amazonaws.com/id/ABC`),
     * the prefix of the IRSA trust conditions. A leading `https://` is removed.
     */
    oidcProviderUrl: pulumi.Input<string>;
    /** Namespace created for Prometheus, Alertmanager, Grafana and KEDA; Pod Security `baseline` enforced. @default "monitoring" */
    namespace?: string;
    /**
     * Namespace created for the node agents that read the host (node-exporter, the DCGM exporter, the
     * log shipper): host paths, host network and PID, SYS_ADMIN, which only Pod Security `privileged`
     * admits. Kept apart so the rest of the stack runs under `baseline`. @default "<namespace>-agents"
     */
    agentNamespace?: string;
    /** Days CloudWatch keeps container logs; one of the values CloudWatch Logs accepts. @default 30 */
    logRetentionDays?: number;
    /** How long Prometheus keeps samples, as a Prometheus duration. @default "15d" */
    prometheusRetention?: string;
    /** Size of Prometheus' gp3 volume in GiB, at least 10. @default 50 */
    prometheusStorageGiB?: number;
    /** Exact prometheus-community/kube-prometheus-stack chart version. @default "79.7.1" */
    kubePrometheusStackVersion?: string;
    /** Exact kedacore/keda chart version. @default "2.18.1" */
    kedaVersion?: string;
    /** Exact NVIDIA dcgm-exporter chart version. @default "4.7.1" */
    dcgmExporterVersion?: string;
    /** Exact aws/eks-charts aws-for-fluent-bit chart version. @default "0.2.0" */
    fluentBitVersion?: string;
    /** Alert when a GPU stays below this utilisation (percent, 0–100 exclusive) for 30 minutes. @default 20 */
    gpuUtilizationLowPercent?: number;
    /** Alert when a model averages more than this many waiting requests per replica for 10 minutes. @default 20 */
    queueDepthHighThreshold?: number;
    /** Alert when a model's p95 end-to-end latency exceeds this many seconds for 10 minutes. @default 10 */
    p95LatencySecondsThreshold?: number;
    /** Tags for the AWS resources (log group, IAM role). @default {} */
    tags?: Record<string, string>;
}
