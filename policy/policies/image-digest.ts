import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeWorkload, podSpecOf, workloadTypes } from "./workloads";

/** `repository@sha256:<64 hex>`, optionally with a tag before the digest (`repo:tag@sha256:…`). */
const digestReference = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

export function isDigestReference(image: unknown): boolean {
    return typeof image === "string" && digestReference.test(image);
}

export const imagesPinnedByDigest: ResourceValidationPolicy = {
    name: "images-pinned-by-digest",
    description:
        "A tag can be moved or re-pushed, so nodes pulling the same tag can run different code and a rollback may " +
        "not restore what ran before; a sha256 digest names exactly one image. Applies to init containers too.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!workloadTypes.includes(args.type)) return;
        const podSpec = podSpecOf(args.type, args.props);
        if (!podSpec) return;
        for (const { container, label } of containersOf(podSpec)) {
            if (!isDigestReference(container.image)) {
                reportViolation(
                    `${describeWorkload(args.type, args.props, args.name)} ${label} uses image ` +
                        `${JSON.stringify(container.image ?? null)}; reference it by digest (<repository>@sha256:<64 hex>).`,
                );
            }
        }
    },
};
