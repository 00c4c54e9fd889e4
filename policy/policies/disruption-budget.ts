import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    arrayOf,
    deploymentType,
    describeWorkload,
    isObject,
    Json,
    namespaceOf,
    podDisruptionBudgetType,
} from "./workloads";

/**
 * Kubernetes label selector semantics (metav1.LabelSelector). For a PodDisruptionBudget in
 * policy/v1 an empty selector selects every pod of the namespace and a missing one selects none.
 */
export function selectorMatches(
    selector: unknown,
    labels: Readonly<Record<string, string>>,
): boolean {
    if (!isObject(selector)) return false;
    const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
    if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) return false;
    return arrayOf(selector.matchExpressions).every((expression) => {
        const key = String(expression.key);
        const values: string[] = Array.isArray(expression.values)
            ? expression.values.map(String)
            : [];
        const present = Object.prototype.hasOwnProperty.call(labels, key);
        switch (expression.operator) {
            case "In":
                return present && values.includes(labels[key]);
            case "NotIn":
                return !present || !values.includes(labels[key]);
            case "Exists":
                return present;
            case "DoesNotExist":
                return !present;
            default:
                return false;
        }
    });
}

/** A missing namespace resolves to the provider's, "default" unless the provider sets another. */
function namespaceOrDefault(props: Json): string {
    return namespaceOf(props) ?? "default";
}

function isZero(value: unknown): boolean {
    return value === 0 || value === "0" || value === "0%";
}

/** Whether the Deployment refuses to lose a ready pod during a rollout (and so expects the same from drains). */
function holdsAvailability(spec: Json): boolean {
    const strategy = isObject(spec.strategy) ? spec.strategy : {};
    if (strategy.type !== undefined && strategy.type !== "RollingUpdate") return false;
    const maxUnavailable = isObject(strategy.rollingUpdate)
        ? strategy.rollingUpdate.maxUnavailable
        : undefined;
    // Kubernetes defaults replicas to 1.
    const replicas = Number(spec.replicas ?? 1);
    return isZero(maxUnavailable) && replicas >= 1;
}

function podLabelsOf(spec: Json): Record<string, string> {
    const metadata =
        isObject(spec.template) && isObject(spec.template.metadata) ? spec.template.metadata : {};
    return isObject(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
}

export const zeroUnavailableDeploymentsHavePdb: StackValidationPolicy = {
    name: "zero-unavailable-deployments-have-pdb",
    description:
        "maxUnavailable: 0 keeps a rollout from taking a ready pod away, but node drains (GPU node group upgrades, " +
        "consolidation, spot reclaim handling) evict through the eviction API, which only a PodDisruptionBudget " +
        "restrains. Without one, a drain can stop every replica of a model at once, and a GPU pod needs minutes to come back.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const budgets = args.resources.filter((r) => r.type === podDisruptionBudgetType);
        const deployments = args.resources.filter((r) => r.type === deploymentType);
        for (const deployment of deployments) {
            const spec = isObject(deployment.props.spec) ? deployment.props.spec : {};
            if (!holdsAvailability(spec)) continue;
            const namespace = namespaceOrDefault(deployment.props);
            const labels = podLabelsOf(spec);
            const covered = budgets.some(
                (budget: PolicyResource) =>
                    namespaceOrDefault(budget.props) === namespace &&
                    selectorMatches(
                        isObject(budget.props.spec) ? budget.props.spec.selector : undefined,
                        labels,
                    ),
            );
            if (!covered) {
                reportViolation(
                    `${describeWorkload(deployment.type, deployment.props, deployment.name)} rolls out with ` +
                        `maxUnavailable: 0 but no PodDisruptionBudget in namespace "${namespace}" selects its pod labels ` +
                        `${JSON.stringify(labels)}; add one so that drains evict its replicas one at a time.`,
                    deployment.urn,
                );
            }
        }
    },
};
