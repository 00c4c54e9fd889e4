import * as pulumi from "@pulumi/pulumi";

type DependsOn = pulumi.ResourceOptions["dependsOn"];

/**
 * A child's `dependsOn`: what its component was given plus the child's own. Pulumi does not hand a
 * component's dependsOn down to its children (a child waits only for what it names), so a child
 * that must wait for the platform (a Job or Deployment for nodes and storage, a custom resource
 * for its CRDs, a Helm release for the nodes it runs on) gets the component's list passed on. Any
 * form Pulumi takes is kept: resources, a list, or an Output of either.
 */
export function inheritedDependsOn(
    opts: pulumi.ComponentResourceOptions | undefined,
    own: pulumi.Resource[] = [],
): DependsOn {
    const given = opts?.dependsOn;
    if (given === undefined) return own;
    if (Array.isArray(given)) return [...given, ...own];
    if (pulumi.Resource.isInstance(given)) return [given, ...own];
    // An Output of one resource or of a list: resolved together with the child's own.
    return (given as pulumi.Output<pulumi.Resource | pulumi.Input<pulumi.Resource>[]>).apply(
        (resolved) => [...(Array.isArray(resolved) ? resolved : [resolved]), ...own],
    );
}
