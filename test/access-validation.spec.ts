import { strict as assert } from "assert";
import {
    kmsKeyArnProblem,
    loadBalancerExposureProblems,
    revisionProblem,
} from "../components/plan/access-validation";

const certificate =
    "arn:aws:acm:us-west-2:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

describe("access validation", () => {
    it("accepts only a full 40-character commit SHA as a Hugging Face revision", () => {
        assert.equal(revisionProblem("0e9e39f249a16976918f6564b8830bc894c89659"), undefined);
        for (const moving of [
            "main",
            "v1.0",
            "0e9e39f",
            "0E9E39F249A16976918F6564B8830BC894C89659",
            "refs/pr/1",
        ])
            assert.match(revisionProblem(moving)!, /can move.*40-character commit SHA/, moving);
        assert.match(revisionProblem(undefined)!, /^is missing/);
        // 39 and 41 hex digits: just outside.
        assert.ok(revisionProblem("0".repeat(39)));
        assert.ok(revisionProblem("0".repeat(41)));
    });

    it("requires TLS and, for internet-facing ones, source ranges on load balancers", () => {
        const keys = (serviceType: string, sourceRanges: string[], tlsCertificateArn?: string) =>
            loadBalancerExposureProblems({ serviceType, sourceRanges, tlsCertificateArn }).map(
                (p) => p.key,
            );
        assert.deepEqual(keys("ClusterIP", []), []);
        assert.deepEqual(keys("ExternalLoadBalancer", []), ["sourceRanges", "tlsCertificateArn"]);
        assert.deepEqual(keys("InternalLoadBalancer", []), ["tlsCertificateArn"]);
        assert.deepEqual(keys("ExternalLoadBalancer", ["203.0.113.0/24"], certificate), []);
    });

    it("leaves an unknown service type to its own check: no load balancer, no TLS demand", () => {
        assert.deepEqual(
            loadBalancerExposureProblems({ serviceType: "NodePort", sourceRanges: [] }),
            [],
        );
    });

    it("refuses open or malformed source ranges", () => {
        const problems = loadBalancerExposureProblems({
            serviceType: "InternalLoadBalancer",
            sourceRanges: ["10.0.0.0/8", "0.0.0.0/0", "::/0", "10.0.0.1/8"],
            tlsCertificateArn: certificate,
        });
        assert.deepEqual(
            problems.map((p) => p.key),
            ["sourceRanges[1]", "sourceRanges[2]", "sourceRanges[3]"],
        );
        assert.match(problems[0].reason, /opens the load balancer to every address/);
        assert.match(problems[2].reason, /host bits set/);
    });

    it("refuses a certificate ARN of another service or shape", () => {
        const reason = (arn: string) =>
            loadBalancerExposureProblems({
                serviceType: "InternalLoadBalancer",
                sourceRanges: [],
                tlsCertificateArn: arn,
            })[0]?.reason;
        assert.equal(reason(certificate), undefined);
        assert.match(
            reason("arn:aws:iam::123456789012:server-certificate/x")!,
            /not an ARN like arn:aws:acm:/,
        );
        assert.match(reason("my-cert")!, /not an ARN like/);
    });

    it("wants a KMS key ARN, not an alias", () => {
        assert.equal(
            kmsKeyArnProblem(
                "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
            undefined,
        );
        assert.equal(
            kmsKeyArnProblem(
                "arn:aws:kms:us-west-2:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            ),
            undefined,
        );
        assert.match(
            kmsKeyArnProblem("arn:aws:kms:us-west-2:123456789012:alias/weights")!,
            /not an alias/,
        );
    });
});
