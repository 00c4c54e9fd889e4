import * as pulumi from "@pulumi/pulumi";

/**
 * The plain resources in a component's `dependsOn`. Pulumi does not hand a component's dependsOn
 * down to its children, so a child that must wait (a Helm release for the nodes it runs on, a
 * custom resource for the CRDs it needs) gets them passed on explicitly.
 */
export function dependenciesOf(opts?: pulumi.ComponentResourceOptions): pulumi.Resource[] {
    const given = opts?.dependsOn;
    if (given === undefined) return [];
    const list = Array.isArray(given) ? given : [given];
    return list.filter((item): item is pulumi.Resource => pulumi.Resource.isInstance(item));
}
