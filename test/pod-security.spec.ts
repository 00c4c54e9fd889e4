import { strict as assert } from "assert";
import { committedStacks, projectConfig, readStackFile } from "../stacks/stack-files";
import { podSecurityViolations, renderedPods } from "./harness/pod-security";
import { renderStack } from "./harness/stacks";

/** Pods of the committed stacks against Pod Security "restricted", by PodSecurity admission's evaluator. */
describe("Pod Security restricted", function () {
    // The first run builds the checker from Go modules (about a minute on two cores).
    this.timeout(600_000);

    it("is what the checker enforces: a privileged, root, hostPath pod fails with each reason", () => {
        const violations = podSecurityViolations([
            {
                name: "bad",
                metadata: {},
                spec: {
                    hostNetwork: true,
                    containers: [
                        {
                            name: "c",
                            image: "x",
                            securityContext: { privileged: true, runAsUser: 0 },
                        },
                    ],
                    volumes: [{ name: "h", hostPath: { path: "/" } }],
                },
            },
        ]).bad;
        const reasons = violations.map((v) => v.split(":")[0]).sort();
        assert.deepEqual(reasons, [
            "allowPrivilegeEscalation != false",
            "host namespaces",
            "privileged",
            "restricted volume types",
            "runAsNonRoot != true",
            "runAsUser=0",
            "seccompProfile",
            "unrestricted capabilities",
        ]);
    });

    for (const stack of committedStacks) {
        it(`admits every pod the ${stack} stack runs in its serving namespace`, async () => {
            const { resources } = await renderStack(stack);
            const serving = (projectConfig(readStackFile(stack)).serving as any)?.namespace;
            const pods = renderedPods(resources, serving ?? "models");
            const config = projectConfig(readStackFile(stack)) as any;
            const models = config.models as { loadFormat?: string }[];
            const headroomGroups = (config.cluster?.gpuNodePools ?? []).filter(
                (pool: { warmHeadroomGpus?: number }) => (pool.warmHeadroomGpus ?? 0) > 0,
            ).length;
            // A Deployment per model, a staging Job per model that does not stream from S3 (the
            // committed stacks' runai_streamer models all have s3:// sources), and a placeholder
            // Deployment per pool with warm headroom.
            const staged = models.filter((m) => m.loadFormat !== "runai_streamer").length;
            assert.equal(pods.length, models.length + staged + headroomGroups);
            const violations = podSecurityViolations(pods);
            const failing = Object.entries(violations).filter(([, v]) => v.length > 0);
            assert.deepEqual(failing, []);
        });
    }

    for (const stack of committedStacks) {
        it(`bounds every emptyDir and every container's ephemeral storage in the ${stack} stack`, async () => {
            const { resources } = await renderStack(stack);
            const serving = (projectConfig(readStackFile(stack)).serving as any)?.namespace;
            const unbounded: string[] = [];
            let volumes = 0;
            for (const pod of renderedPods(resources, serving ?? "models")) {
                const spec = pod.spec as any;
                for (const volume of spec.volumes ?? []) {
                    if (!volume.emptyDir) continue;
                    volumes++;
                    if (!volume.emptyDir.sizeLimit)
                        unbounded.push(`${pod.name} volume ${volume.name}`);
                }
                for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                    for (const kind of ["requests", "limits"])
                        if (!c.resources?.[kind]?.["ephemeral-storage"])
                            unbounded.push(`${pod.name} ${c.name} ${kind}`);
                }
            }
            assert.ok(volumes > 0);
            assert.deepEqual(unbounded, []);
        });
    }
});
