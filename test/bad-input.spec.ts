import { strict as assert } from "assert";
import { InvalidInputsError } from "../components/plan/problems";
import { main } from "../stacks";
import { parseStackConfig, ParseOptions } from "../stacks/validate";
import { readStackFile } from "../stacks/stack-files";
import { render } from "./harness/render";

/**
 * Inputs that used to pass silently (issue 10): each is refused before anything registers, with an
 * error naming the key and the fix. Bounds are tried just inside and just outside.
 */

const commit = "0e9e39f249a16976918f6564b8830bc894c89659";
const certificate =
    "arn:aws:acm:us-west-2:111122223333:certificate/5f2b7c1e-0a9d-4e3b-8c6f-2d1e0b9a7c44";

function config(
    model: Record<string, unknown> = {},
    rest: Record<string, any> = {},
    instanceTypes = ["g5.2xlarge"],
): Record<string, any> {
    return {
        cluster: { gpuNodeGroups: [{ name: "inference", instanceTypes, minSize: 1, maxSize: 4 }] },
        models: [
            {
                name: "llama",
                runtime: "vllm",
                version: "1",
                image: { context: "images/vllm" },
                weights: { source: "s3://models/llama/1", sizeGiB: 15 },
                gpuGroup: "inference",
                ...model,
            },
        ],
        ...rest,
    };
}

function problemsOf(raw: Record<string, unknown>, options: ParseOptions = {}): string[] {
    try {
        parseStackConfig(raw, "test", options);
    } catch (error) {
        assert.ok(error instanceof InvalidInputsError, `unexpected ${error}`);
        return error.errors.map((e) => `${e.propertyPath}: ${e.reason}`);
    }
    return [];
}

/** Exactly one problem, under `key`, matching `reason`. */
function refused(
    raw: Record<string, unknown>,
    key: string,
    reason: RegExp,
    options?: ParseOptions,
) {
    const problems = problemsOf(raw, options);
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.ok(problems[0].startsWith(`${key}: `), problems[0]);
    assert.match(problems[0].slice(key.length + 2), reason);
}

const hf = (revision: string) => ({
    weights: { source: "hf://meta-llama/Llama-3.1-8B-Instruct", revision, sizeGiB: 15 },
});
const lb = (serving: Record<string, unknown>) => ({ serving });

describe("bad input refused before anything registers", () => {
    describe("GPU memory fit", () => {
        it("refuses a 70B model (132 GiB) on one 22.35 GiB L4 and shows the arithmetic", () => {
            refused(
                config({ weights: { source: "s3://models/llama-70b/1", sizeGiB: 132 } }, {}, [
                    "g6.xlarge",
                ]),
                "models[0].gpusPerReplica",
                /^132 GiB of weights ÷ 1 GPU\(s\) = 132 GiB per GPU, \+ 26\.4 GiB KV-cache and activation headroom .* = 158\.4 GiB, more than the L4 of g6\.xlarge offers: 20\.12 GiB usable \(90 % of 22\.35 GiB\)\. Spread the replica over more GPUs \(gpusPerReplica ≥ 8 of this GPU\)/,
            );
        });

        it("fits 16.76 GiB on an A10G and refuses 16.77 GiB (1.2 × weights ≤ 0.9 × 22.35 GiB)", () => {
            const sized = (sizeGiB: number) =>
                config({ weights: { source: "s3://models/llama/1", sizeGiB } });
            assert.deepEqual(problemsOf(sized(16.76)), []);
            refused(sized(16.77), "models[0].gpusPerReplica", /= 20\.12 GiB, more than the A10G/);
        });
    });

    describe("requests against allocatable (EKS AL2023 kube-reserved)", () => {
        it("refuses more memory than a g5.2xlarge leaves allocatable: 30.47 GiB passes, 30.48 does not", () => {
            assert.deepEqual(problemsOf(config({ memoryGiB: 30.47 })), []);
            refused(
                config({ memoryGiB: 30.48 }),
                "models[0].memoryGiB",
                /^30\.48 GiB exceeds the 30\.47 GiB allocatable on g5\.2xlarge \(32 GiB − 1465 MiB kube-reserved for 110 pods − 100 MiB eviction threshold\); request at most 30\.47 GiB or use a larger instance type$/,
            );
        });

        it("refuses more CPU than a g5.2xlarge leaves allocatable: 7910m passes, 7911m does not", () => {
            assert.deepEqual(problemsOf(config({ cpu: "7910m" })), []);
            refused(
                config({ cpu: "7911m" }),
                "models[0].cpu",
                /^requests 7911m but g5\.2xlarge has 7910m allocatable \(8 vCPUs = 8000m − 90m kube-reserved\)/,
            );
        });

        it("says when the runtime's default request is what does not fit", () => {
            // Two GPUs per replica on a one-GPU g4dn.xlarge: the default is 2 × 12 GiB.
            const problems = problemsOf(config({ gpusPerReplica: 2 }, {}, ["g4dn.xlarge"]));
            const memory = problems.find((p) => p.startsWith("models[0].memoryGiB: "));
            assert.match(
                memory!,
                /^models\[0\]\.memoryGiB: the vllm default \(12 GiB per GPU × 2\) 24 GiB exceeds the 14\.47 GiB allocatable on g4dn\.xlarge/,
            );
        });
    });

    describe("secrets in plain text", () => {
        for (const key of ["apiKey", "huggingFaceToken"]) {
            it(`refuses a plain-text ${key} in the stack file and names the --secret command`, () => {
                refused(
                    config({}, { [key]: "sk-in-the-clear" }),
                    key,
                    new RegExp(
                        `^is stored in plain text in Pulumi\\.<stack>\\.yaml.*pulumi config set --secret ${key} <value>`,
                    ),
                );
            });
        }

        it("accepts the encrypted form, offline (`secure:`) and from the engine (its secret-key list)", () => {
            assert.deepEqual(problemsOf(config({}, { apiKey: { secure: "v1:abc" } })), []);
            const engine = config({}, { apiKey: "decrypted-by-the-engine" });
            assert.deepEqual(problemsOf(engine, { secretKeys: new Set(["apiKey"]) }), []);
            refused(engine, "apiKey", /plain text/, { secretKeys: new Set() });
        });
    });

    describe("moving Hugging Face revisions", () => {
        for (const revision of ["main", "v1.0", commit.slice(0, 39), commit.slice(0, 7)]) {
            it(`refuses revision "${revision}"`, () => {
                refused(
                    config(hf(revision)),
                    "models[0].weights.revision",
                    /can move: .*set the full 40-character commit SHA/,
                );
            });
        }

        it("accepts a full commit SHA", () => {
            assert.deepEqual(problemsOf(config(hf(commit))), []);
        });
    });

    describe("load balancers", () => {
        it("refuses an internet-facing load balancer without source ranges", () => {
            refused(
                config(
                    {},
                    lb({ serviceType: "ExternalLoadBalancer", tlsCertificateArn: certificate }),
                ),
                "serving.loadBalancerSourceRanges",
                /is required for an internet-facing load balancer/,
            );
        });

        it("refuses a load balancer without a TLS certificate", () => {
            refused(
                config({}, lb({ serviceType: "InternalLoadBalancer" })),
                "serving.tlsCertificateArn",
                /is required for a load balancer: the bearer key must not cross the network in clear/,
            );
        });

        it("refuses 0.0.0.0/0 as a source range", () => {
            refused(
                config(
                    {},
                    lb({
                        serviceType: "ExternalLoadBalancer",
                        tlsCertificateArn: certificate,
                        loadBalancerSourceRanges: ["0.0.0.0/0"],
                    }),
                ),
                "serving.loadBalancerSourceRanges[0]",
                /opens the load balancer to every address/,
            );
        });

        it("refuses a certificate that is not an ACM certificate ARN", () => {
            refused(
                config(
                    {},
                    lb({ serviceType: "InternalLoadBalancer", tlsCertificateArn: "my-cert" }),
                ),
                "serving.tlsCertificateArn",
                /not an ARN like arn:aws:acm:/,
            );
        });

        it("refuses a load balancer on an existing VPC whose public subnets are not given", () => {
            refused(
                config(
                    {},
                    {
                        ...lb({
                            serviceType: "InternalLoadBalancer",
                            tlsCertificateArn: certificate,
                        }),
                        network: {
                            existingVpcId: "vpc-0e0e0e0e0e0e0e0e0",
                            existingPrivateSubnetIds: [
                                "subnet-0a0a0a0a0a0a0a0a1",
                                "subnet-0b0b0b0b0b0b0b0b1",
                            ],
                        },
                    },
                ),
                "network.existingPublicSubnetIds",
                /is required for a load balancer service type/,
            );
        });
    });

    describe("keys and logs", () => {
        it("refuses a KMS alias where the weights' key ARN belongs", () => {
            refused(
                config({
                    weights: {
                        source: "s3://models/llama/1",
                        sizeGiB: 15,
                        kmsKeyArn: "arn:aws:kms:us-west-2:111122223333:alias/weights",
                    },
                }),
                "models[0].weights.kmsKeyArn",
                /a key ARN, not an alias/,
            );
        });

        it("refuses a KMS key on a Hugging Face source", () => {
            refused(
                config({
                    weights: {
                        ...hf(commit).weights,
                        kmsKeyArn:
                            "arn:aws:kms:us-west-2:111122223333:key/8d0c3f4a-6b1e-4d2a-9f7c-3e5b1a0c9d21",
                    },
                }),
                "models[0].weights.kmsKeyArn",
                /applies to s3:\/\/ sources only/,
            );
        });

        it("refuses a flow-log retention CloudWatch does not offer: 60 passes, 45 does not", () => {
            assert.deepEqual(problemsOf(config({}, { network: { flowLogRetentionDays: 60 } })), []);
            refused(
                config({}, { network: { flowLogRetentionDays: 45 } }),
                "network.flowLogRetentionDays",
                /45 is not a CloudWatch Logs retention; use one of 1, 3, 5/,
            );
        });
    });

    it("lists every such problem in one error", () => {
        const problems = problemsOf(
            config(
                { ...hf("main"), memoryGiB: 64 },
                { apiKey: "clear", ...lb({ serviceType: "ExternalLoadBalancer" }) },
            ),
        );
        assert.deepEqual(problems.map((p) => p.split(":")[0]).sort(), [
            "apiKey",
            "models[0].memoryGiB",
            "models[0].weights.revision",
            "serving.loadBalancerSourceRanges",
            "serving.tlsCertificateArn",
        ]);
    });

    it("stops the program before it registers any resource", async () => {
        const raw = readStackFile("prod");
        const { resources } = await render(
            () =>
                assert.throws(
                    () => main("prod"),
                    /serving\.tlsCertificateArn: is required for a load balancer/,
                ),
            {
                stack: "prod",
                config: {
                    ...raw,
                    "gpu-serving-infra:serving": {
                        ...(raw["gpu-serving-infra:serving"] as object),
                        tlsCertificateArn: undefined,
                    },
                },
            },
        );
        assert.equal(resources.all.length, 0);
    });
});
