import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { podSpecOf, workloadTypes } from "../../policy/policies/workloads";
import { binDir, repositoryRoot } from "../../scripts/local/env";
import { Rendered } from "./render";

/**
 * Pod Security Standards checks by the evaluator kube-apiserver's PodSecurity admission runs
 * (k8s.io/pod-security-admission, built from `scripts/tools/pod-security`), not a re-implementation.
 */

const sourceDir = path.join(repositoryRoot, "scripts", "tools", "pod-security");

/** The checker binary, built once per source version into the tool cache (outside the clone). */
export function podSecurityChecker(): string {
    const hash = createHash("sha256");
    for (const file of ["main.go", "go.mod", "go.sum"])
        hash.update(fs.readFileSync(path.join(sourceDir, file)));
    const binary = path.join(binDir, `pod-security-${hash.digest("hex").slice(0, 12)}`);
    if (fs.existsSync(binary)) return binary;
    fs.mkdirSync(binDir, { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    const build = spawnSync("go", ["build", "-o", partial, "."], {
        cwd: sourceDir,
        env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly" },
        encoding: "utf8",
    });
    if (build.status !== 0)
        throw new Error(`building ${sourceDir} failed:\n${build.stderr ?? build.error}`);
    fs.renameSync(partial, binary);
    return binary;
}

export interface PodToCheck {
    name: string;
    metadata: Record<string, unknown>;
    spec: Record<string, unknown>;
}

/** Violations of `level` (privileged, baseline, restricted) per pod, as PodSecurity admission words them. */
export function podSecurityViolations(
    pods: readonly PodToCheck[],
    level = "restricted",
    version = "latest",
): Record<string, string[]> {
    const result = spawnSync(podSecurityChecker(), [level, version], {
        input: JSON.stringify(pods),
        encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`pod-security: ${result.stderr}`);
    const parsed = JSON.parse(result.stdout) as { name: string; violations: string[] }[];
    return Object.fromEntries(parsed.map((p) => [p.name, p.violations]));
}

/** The pod template of every workload a render registered in `namespace`. */
export function renderedPods(resources: Rendered, namespace: string): PodToCheck[] {
    return resources.all
        .filter((r) => workloadTypes.includes(r.type) && r.inputs.metadata?.namespace === namespace)
        .map((r) => {
            const spec = podSpecOf(r.type, r.inputs) ?? {};
            const template = r.type.endsWith(":Pod") ? r.inputs : (r.inputs.spec?.template ?? {});
            return {
                name: `${r.type.split(":").pop()} ${r.inputs.metadata.name}`,
                metadata: { namespace, labels: template.metadata?.labels ?? {} },
                spec,
            };
        });
}
