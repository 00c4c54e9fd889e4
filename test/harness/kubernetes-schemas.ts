import { Rendered, RegisteredResource } from "./render";

// kubernetes-models ships ES modules only; ts-node compiles `import()` to `require`, so load them natively.
const importEsm = new Function("specifier", "return import(specifier)") as (
    specifier: string,
) => Promise<any>;

/** Where the official schema for an apiVersion lives. */
function schemaModule(apiVersion: string): string {
    if (!apiVersion.includes("/")) return `kubernetes-models/${apiVersion}`;
    const [group] = apiVersion.split("/");
    if (group === "keda.sh") return `@kubernetes-models/keda/${apiVersion}`;
    if (group === "monitoring.coreos.com")
        return `@kubernetes-models/prometheus-operator/${apiVersion}`;
    if (group === "karpenter.sh" || group === "karpenter.k8s.aws")
        return `@kubernetes-models/karpenter/${apiVersion}`;
    return `kubernetes-models/${apiVersion}`;
}

/** Not Kubernetes objects: Helm releases carry chart values, providers carry kubeconfig. */
const notObjects = new Set(["kubernetes:helm.sh/v3:Release"]);

export function isKubernetesObject(resource: RegisteredResource): boolean {
    return (
        resource.type.startsWith("kubernetes:") && resource.custom && !notObjects.has(resource.type)
    );
}

/** Validates one object against its official schema; throws naming the object and every violation. */
export async function validateKubernetesObject(
    object: Record<string, any>,
    label = "",
): Promise<void> {
    const { apiVersion, kind } = object;
    let models: any;
    try {
        models = await importEsm(schemaModule(apiVersion));
    } catch {
        throw new Error(`${label}: no schema module for apiVersion ${apiVersion}`);
    }
    const Model = models[kind];
    if (typeof Model !== "function")
        throw new Error(`${label}: no schema for ${apiVersion} ${kind}`);
    try {
        new Model(JSON.parse(JSON.stringify(object))).validate();
    } catch (error) {
        const details = (error as any).errors ?? [];
        const lines = details
            .map((d: any) => `${d.instancePath} ${d.message ?? d.keyword}`)
            .join("; ");
        throw new Error(
            `${label} (${apiVersion} ${kind}) fails its schema: ${(error as Error).message} ${lines}`,
        );
    }
}

/** Validates every Kubernetes object a render registered; returns how many it checked. */
export async function validateRenderedKubernetesObjects(resources: Rendered): Promise<number> {
    const objects = resources.all.filter(isKubernetesObject);
    for (const resource of objects) {
        const [, apiPath, kind] = resource.type.split(":");
        const expected = apiPath.replace(/^core\//, "");
        const object = { ...resource.inputs };
        if (object.apiVersion !== expected || object.kind !== kind) {
            throw new Error(
                `${resource.name}: rendered ${object.apiVersion} ${object.kind} for a ${resource.type}`,
            );
        }
        await validateKubernetesObject(object, resource.name);
    }
    return objects.length;
}
