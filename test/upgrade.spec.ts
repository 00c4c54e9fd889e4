import { strict as assert } from "assert";
import { committedStacks } from "../stacks/stack-files";
import { RegisteredResource, render } from "./harness/render";
import { renderStack } from "./harness/stacks";
import { ServingNamespace } from "../components/serving-namespace";

/**
 * Upgrading a stack from the release before ServingNamespace (main a1f8a14) must keep its stateful
 * objects. Checked once with the real engine on the local cluster (`pulumi up` at a1f8a14, then
 * `pulumi preview --diff` and `pulumi up` from this tree: the Namespace and the model claim keep
 * their UIDs); these specs keep the two causes of a replacement from coming back.
 */

/** Kubernetes objects that live in a namespace (not Namespaces, PersistentVolumes, StorageClasses…). */
function namespaced(resources: readonly RegisteredResource[]): RegisteredResource[] {
    return resources.filter(
        (r) =>
            r.type.startsWith("kubernetes:") &&
            r.custom &&
            r.inputs.metadata !== undefined &&
            "namespace" in r.inputs.metadata,
    );
}

describe("Upgrade from the release before ServingNamespace", function () {
    this.timeout(120_000);

    it("keeps the serving Namespace: its old top-level URN is an alias of the new one", async () => {
        const { resources } = await render(
            () => new ServingNamespace("serving", { name: "models" }),
            { stack: "local" },
        );
        const namespace = resources.one("kubernetes:core/v1:Namespace");
        // The release before created `serving-namespace` as a child of the stack itself.
        assert.equal(namespace.name, "serving-namespace");
        // Same name and type with no parent: exactly the old URN
        // (`urn:pulumi:<stack>::gpu-serving-infra::kubernetes:core/v1:Namespace::serving-namespace`).
        const aliases = namespace.aliases.map((alias: any) => alias.toObject().spec);
        assert.deepEqual(aliases, [
            { name: "", type: "", stack: "", project: "", parenturn: undefined, noparent: true },
        ]);
    });

    for (const stack of committedStacks) {
        it(`${stack}: names every object's namespace with a value a preview knows, even when the namespace's policies are new`, async () => {
            const { resources } = await renderStack(stack, {}, { preview: true });
            const objects = namespaced(resources.all);
            assert.ok(objects.length >= 10, `only ${objects.length} namespaced objects`);
            // An unknown namespace previews as "default": a replacement of every object in it,
            // the model claim included.
            const unknownNamespace = objects
                .filter((r) => typeof r.inputs.metadata.namespace !== "string")
                .map((r) => `${r.type} ${r.name}`);
            assert.deepEqual(unknownNamespace, []);
        });
    }
});
