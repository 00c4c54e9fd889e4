import { isEksClusterName } from "./names";
import {
    ObservabilitySettings,
    defaultChartVersions,
    observabilityProblems,
} from "./observability-plan";
import type { ObservabilityInputs } from "./observability-types";
import { Problems, isKnown } from "./problems";

/** ObservabilityInputs with every default applied. */
export function resolveObservabilitySettings(args: ObservabilityInputs): ObservabilitySettings {
    const namespace = args.namespace ?? "monitoring";
    return {
        namespace,
        agentNamespace: args.agentNamespace ?? `${namespace}-agents`,
        logRetentionDays: args.logRetentionDays ?? 30,
        prometheusRetention: args.prometheusRetention ?? "15d",
        prometheusStorageGiB: args.prometheusStorageGiB ?? 50,
        kubePrometheusStackVersion:
            args.kubePrometheusStackVersion ?? defaultChartVersions.kubePrometheusStack,
        kedaVersion: args.kedaVersion ?? defaultChartVersions.keda,
        dcgmExporterVersion: args.dcgmExporterVersion ?? defaultChartVersions.dcgmExporter,
        fluentBitVersion: args.fluentBitVersion ?? defaultChartVersions.fluentBit,
        gpuUtilizationLowPercent: args.gpuUtilizationLowPercent ?? 20,
        queueDepthHighThreshold: args.queueDepthHighThreshold ?? 20,
        p95LatencySecondsThreshold: args.p95LatencySecondsThreshold ?? 10,
    };
}

/** Every problem with `args`, each under its property path; the stack runs this before creating anything. */
export function observabilityArgsProblems(
    args: ObservabilityInputs,
    problems = new Problems(),
): Problems {
    if (isKnown(args.clusterName)) {
        problems.expect(
            isEksClusterName(args.clusterName),
            "clusterName",
            `"${args.clusterName}" is not an EKS cluster name`,
        );
    }
    observabilityProblems(resolveObservabilitySettings(args), problems);
    return problems;
}
