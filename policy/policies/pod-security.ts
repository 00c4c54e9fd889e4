import {
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
} from "@pulumi/policy";
import {
    containersOf,
    ContainerRef,
    describeWorkload,
    isObject,
    Json,
    namespaceOf,
    podSpecOf,
    workloadTypes,
} from "./workloads";

const defaultExemptNamespaces: readonly string[] = ["kube-system"];

interface PodSecurityConfig {
    exemptNamespaces?: string[];
}

const podSecurityConfigSchema: PolicyConfigSchema = {
    properties: {
        exemptNamespaces: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [...defaultExemptNamespaces],
            description:
                "Namespaces whose workloads are node agents (e.g. the NVIDIA device plugin, which must run as root " +
                "to register with the kubelet's device-plugin socket) and are exempt.",
        },
    },
};

interface Workload {
    podSpec: Json;
    containers: ContainerRef[];
    description: string;
}

/** The workload to check, or undefined when the resource is not one or its namespace is exempt. */
function workloadToCheck(args: ResourceValidationArgs): Workload | undefined {
    if (!workloadTypes.includes(args.type)) return undefined;
    const podSpec = podSpecOf(args.type, args.props);
    if (!podSpec) return undefined;
    const exempt = args.getConfig<PodSecurityConfig>().exemptNamespaces ?? defaultExemptNamespaces;
    const namespace = namespaceOf(args.props);
    if (namespace !== undefined && exempt.includes(namespace)) return undefined;
    return {
        podSpec,
        containers: containersOf(podSpec),
        description: describeWorkload(args.type, args.props, args.name),
    };
}

function securityContextOf(container: Json): Json {
    return isObject(container.securityContext) ? container.securityContext : {};
}

export const podsRunAsNonRoot: ResourceValidationPolicy = {
    name: "pods-run-as-non-root",
    description:
        "Model servers parse untrusted prompts and load third-party weights and code; running them as root turns a " +
        "container escape or a writable hostPath into node root. Every container must run with runAsNonRoot: true " +
        "(set on the pod or the container) and not as UID 0.",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const workload = workloadToCheck(args);
        if (!workload) return;
        const pod = isObject(workload.podSpec.securityContext)
            ? workload.podSpec.securityContext
            : {};
        for (const { container, label } of workload.containers) {
            const own = securityContextOf(container);
            // A container's securityContext overrides the pod's for the same field.
            const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
            const runAsUser = own.runAsUser ?? pod.runAsUser;
            if (runAsNonRoot !== true) {
                reportViolation(
                    `${workload.description} ${label} may run as root; set securityContext.runAsNonRoot: true on the pod or the container.`,
                );
            } else if (Number(runAsUser) === 0) {
                reportViolation(
                    `${workload.description} ${label} sets runAsUser: 0 with runAsNonRoot: true; the kubelet refuses to start it.`,
                );
            }
        }
    },
};

export const containersNoPrivilegeEscalation: ResourceValidationPolicy = {
    name: "containers-no-privilege-escalation",
    description:
        "A privileged container or one allowed to gain privileges (setuid binaries, file capabilities) can take over " +
        "the node and with it the node role and every pod's secrets. Kubernetes allows escalation unless " +
        "allowPrivilegeEscalation is false, so each container must say so and none may be privileged.",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const workload = workloadToCheck(args);
        if (!workload) return;
        for (const { container, label } of workload.containers) {
            const own = securityContextOf(container);
            if (own.privileged === true) {
                reportViolation(
                    `${workload.description} ${label} is privileged; remove securityContext.privileged.`,
                );
            }
            if (own.allowPrivilegeEscalation !== false) {
                reportViolation(
                    `${workload.description} ${label} allows privilege escalation; set securityContext.allowPrivilegeEscalation: false.`,
                );
            }
        }
    },
};

export const podSecurityPolicies: ResourceValidationPolicy[] = [
    podsRunAsNonRoot,
    containersNoPrivilegeEscalation,
];
