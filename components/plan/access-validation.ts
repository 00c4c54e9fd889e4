/**
 * Checks of the inputs that decide who reaches a model and what its identities may read: pinned
 * weights, load balancer exposure, key and certificate ARNs. Each returns the reason a value is
 * refused, worded for the key that holds it, or undefined when it is fine.
 */
import { cidrSyntaxProblem } from "./cidr";

/** A Hugging Face revision that cannot move: a full 40-character commit SHA. */
export function revisionProblem(revision: string | undefined): string | undefined {
    if (revision !== undefined && /^[0-9a-f]{40}$/.test(revision)) return undefined;
    const given = revision === undefined ? "is missing" : `"${revision}" can move`;
    return (
        `${given}: a branch ("main") or tag can point at other files tomorrow, under the same model ` +
        'version; set the full 40-character commit SHA (the repository\'s "Files and versions" history, ' +
        "or `git ls-remote https://huggingface.co/<org>/<repo> main`)"
    );
}

const openToTheInternet = ["0.0.0.0/0", "::/0"];

export interface LoadBalancerExposure {
    serviceType: string;
    sourceRanges: readonly string[];
    tlsCertificateArn?: string;
}

/** Problems of a load balancer's exposure, keyed "sourceRanges[i]", "sourceRanges" or "tlsCertificateArn". */
export function loadBalancerExposureProblems(
    exposure: LoadBalancerExposure,
): { key: string; reason: string }[] {
    // ClusterIP has no load balancer; an unknown type is refused by its own check, not here.
    if (!["InternalLoadBalancer", "ExternalLoadBalancer"].includes(exposure.serviceType)) return [];
    const problems: { key: string; reason: string }[] = [];
    exposure.sourceRanges.forEach((cidr, i) => {
        if (openToTheInternet.includes(cidr))
            problems.push({
                key: `sourceRanges[${i}]`,
                reason: `"${cidr}" opens the load balancer to every address; list the client networks instead`,
            });
        else {
            const syntax = cidrSyntaxProblem(cidr);
            if (syntax) problems.push({ key: `sourceRanges[${i}]`, reason: syntax });
        }
    });
    if (exposure.serviceType === "ExternalLoadBalancer" && exposure.sourceRanges.length === 0)
        problems.push({
            key: "sourceRanges",
            reason:
                "is required for an internet-facing load balancer: list the client CIDRs allowed to connect " +
                "(an empty list would let the controller open it to 0.0.0.0/0)",
        });
    const certificate = exposure.tlsCertificateArn;
    if (certificate === undefined)
        problems.push({
            key: "tlsCertificateArn",
            reason:
                "is required for a load balancer: the bearer key must not cross the network in clear; set the " +
                "ARN of an ACM certificate for the endpoint's name (arn:aws:acm:<region>:<account>:certificate/<id>)",
        });
    else {
        const reason = arnProblem(
            certificate,
            "acm",
            /^certificate\/[0-9a-f-]{36}$/,
            "certificate/<id>",
        );
        if (reason) problems.push({ key: "tlsCertificateArn", reason });
    }
    return problems;
}

/** Why `arn` is not an ARN of `service` whose resource part matches `resource`. */
export function arnProblem(
    arn: string,
    service: string,
    resource: RegExp,
    resourceExample: string,
): string | undefined {
    const match = /^arn:aws(?:-cn|-us-gov)?:([a-z0-9-]+):([a-z0-9-]+):(\d{12}):(.+)$/.exec(arn);
    if (match && match[1] === service && resource.test(match[4])) return undefined;
    return `"${arn}" is not an ARN like arn:aws:${service}:<region>:<12-digit account>:${resourceExample}`;
}

/** A KMS key by key ARN: IAM policies match the key's ARN, never an alias that points at it. */
export function kmsKeyArnProblem(arn: string): string | undefined {
    const reason = arnProblem(
        arn,
        "kms",
        /^key\/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$/,
        "key/<key id>",
    );
    return reason && `${reason} (a key ARN, not an alias: IAM grants match the key itself)`;
}
