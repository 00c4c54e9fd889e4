import { strict as assert } from "assert";
import {
    dns1123LabelReason,
    isDns1123Label,
    isDockerTag,
    isEcrRepositoryName,
    isEksClusterName,
} from "../components/plan/names";

const a = (length: number) => "a".repeat(length);

/** One `it` per name: `rule(name)` must be `expected`. */
function nameTable(
    rule: (name: string) => boolean,
    accepted: readonly string[],
    refused: readonly string[],
): void {
    for (const name of accepted) {
        it(`accepts ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)}`, () =>
            assert.equal(rule(name), true));
    }
    for (const name of refused) {
        it(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)}`, () =>
            assert.equal(rule(name), false));
    }
}

describe("names", () => {
    describe("DNS-1123 labels (Services, Namespaces, Deployments)", () => {
        nameTable(
            isDns1123Label,
            ["a", "0", "llama-3-1-8b", a(63)],
            ["", a(64), "Llama", "-a", "a-", "a_b", "a.b", "a b", "a\nb"],
        );

        it("takes a longer limit for subdomain-like names (claims, storage classes)", () => {
            assert.equal(isDns1123Label(a(253), 253), true);
            assert.equal(isDns1123Label(a(254), 253), false);
        });

        it("says what a label is, with the limit it was checked against", () => {
            assert.equal(
                dns1123LabelReason("Bad_Name", 253),
                `"Bad_Name" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 253 characters`,
            );
        });
    });

    describe("EKS cluster names", () => {
        nameTable(
            isEksClusterName,
            ["a", "Gpu_Serving-prod", "0cluster", a(100)],
            ["", a(101), "-gpu", "_gpu", "gpu serving", "gpu.serving", "gpu\n"],
        );
    });

    describe("ECR repository names", () => {
        nameTable(
            isEcrRepositoryName,
            ["ab", "vllm", "gpu-serving/llama-3-1-8b", "a/b/c", "a.b_c-d", a(256)],
            [
                "a",
                a(257),
                "Serving/vllm",
                "serving/vllm!",
                "/serving",
                "serving/",
                "serving//vllm",
                "serving/-vllm",
                "serving/vllm-",
            ],
        );
    });

    describe("Docker tags", () => {
        nameTable(
            isDockerTag,
            ["v1", "_v1", "V1.2-rc_3", a(128)],
            ["", a(129), ".v1", "-v1", "v1/2", "v1:2", "v1 "],
        );
    });
});
