/**
 * Reading pod specs out of the Kubernetes workload kinds. Props arrive as plain objects (resource
 * inputs in `analyze`, outputs in `analyzeStack`), so everything here is defensive about shape.
 */

export const deploymentType = "kubernetes:apps/v1:Deployment";
export const statefulSetType = "kubernetes:apps/v1:StatefulSet";
export const daemonSetType = "kubernetes:apps/v1:DaemonSet";
export const jobType = "kubernetes:batch/v1:Job";
export const cronJobType = "kubernetes:batch/v1:CronJob";
export const podType = "kubernetes:core/v1:Pod";
export const podDisruptionBudgetType = "kubernetes:policy/v1:PodDisruptionBudget";

/** Where each workload kind keeps its pod spec. */
const podSpecPaths: Readonly<Record<string, readonly string[]>> = {
    [deploymentType]: ["spec", "template", "spec"],
    [statefulSetType]: ["spec", "template", "spec"],
    [daemonSetType]: ["spec", "template", "spec"],
    [jobType]: ["spec", "template", "spec"],
    [cronJobType]: ["spec", "jobTemplate", "spec", "template", "spec"],
    [podType]: ["spec"],
};

export const workloadTypes: readonly string[] = Object.keys(podSpecPaths);

export type Json = Record<string, any>;

export function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function arrayOf(value: unknown): Json[] {
    return Array.isArray(value) ? value.filter(isObject) : [];
}

/** The pod spec of a workload, or undefined for other types (or a workload without one). */
export function podSpecOf(type: string, props: Json): Json | undefined {
    const path = podSpecPaths[type];
    if (!path) return undefined;
    let node: unknown = props;
    for (const key of path) node = isObject(node) ? node[key] : undefined;
    return isObject(node) ? node : undefined;
}

export interface ContainerRef {
    container: Json;
    /** `containers`, `initContainers` or `ephemeralContainers`, for messages. */
    list: string;
    /** e.g. `initContainers[0] "fetch-weights"`. */
    label: string;
}

/** Every container of a pod spec, init and ephemeral ones included. */
export function containersOf(podSpec: Json): ContainerRef[] {
    const refs: ContainerRef[] = [];
    for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
        arrayOf(podSpec[list]).forEach((container, index) => {
            const name = typeof container.name === "string" ? ` "${container.name}"` : "";
            refs.push({ container, list, label: `${list}[${index}]${name}` });
        });
    }
    return refs;
}

/** Namespace as written in the object's metadata; undefined means the provider's default namespace. */
export function namespaceOf(props: Json): string | undefined {
    const namespace = isObject(props.metadata) ? props.metadata.namespace : undefined;
    return typeof namespace === "string" && namespace !== "" ? namespace : undefined;
}

/** A short `Kind namespace/name` for messages. */
export function describeWorkload(type: string, props: Json, resourceName: string): string {
    const kind = type.split(":").pop() ?? type;
    const metadata = isObject(props.metadata) ? props.metadata : {};
    const name = typeof metadata.name === "string" ? metadata.name : resourceName;
    const namespace = namespaceOf(props);
    return `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
}
