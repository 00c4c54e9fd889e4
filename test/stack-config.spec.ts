import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { configReferenceTable } from "../stacks/config-reference";
import { readmeSection } from "../scripts/readme";
import { InvalidInputsError } from "../components/plan/problems";
import * as v from "valibot";
import { describeAccepts, describeValue, integer, number, string } from "../stacks/config-schema";
import * as pulumi from "@pulumi/pulumi";
import {
    decodeConfigValue,
    readApiKey,
    readHuggingFaceToken,
    readSecretKeys,
    readWeightsCredentials,
    UndecodedConfigValue,
} from "../stacks/read-config";
import { isSecret, render, valueOf } from "./harness/render";
import {
    committedStacks,
    parseStackFile,
    projectConfig,
    readStackFile,
    StackFileError,
} from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";
import { vllmDigest as digest } from "./harness/model-service-inputs";

function validConfig(): Record<string, any> {
    return {
        cluster: {
            gpuNodeGroups: [
                { name: "inference", instanceTypes: ["g5.2xlarge"], minSize: 1, maxSize: 4 },
            ],
        },
        models: [
            {
                name: "llama",
                runtime: "vllm",
                version: "1",
                image: { context: "images/vllm" },
                weights: {
                    source: "hf://meta-llama/Llama-3.1-8B-Instruct",
                    revision: "0e9e39f249a16976918f6564b8830bc894c89659",
                    sizeGiB: 15,
                },
                gpuGroup: "inference",
            },
        ],
    };
}

/** The problems parseStackConfig reports for `config`, as "path: reason" lines. */
function problemsOf(config: Record<string, unknown>, stack = "test"): string[] {
    try {
        parseStackConfig(config, stack);
    } catch (error) {
        assert.ok(error instanceof InvalidInputsError, `unexpected ${error}`);
        return error.errors.map((e) => `${e.propertyPath}: ${e.reason}`);
    }
    return [];
}

function expectProblem(config: Record<string, unknown>, pattern: RegExp): void {
    const problems = problemsOf(config);
    assert.ok(
        problems.some((p) => pattern.test(p)),
        `expected ${pattern} among:\n${problems.join("\n")}`,
    );
}

describe("stack config", () => {
    it("accepts a minimal valid config and fills in documented defaults", () => {
        const config = parseStackConfig(validConfig(), "test");
        assert.equal(config.platform, "eks");
        assert.equal(config.protect, true);
        assert.equal(config.network.availabilityZoneCount, 3);
        assert.equal(config.cluster.gpuNodeGroups[0].capacityType, "ON_DEMAND");
        assert.equal(config.cluster.gpuNodeGroups[0].rootVolumeSizeGiB, 200);
        assert.equal(config.models[0].gpusPerReplica, 1);
        assert.equal(config.serving.namespace, "models");
        assert.equal(config.modelStore.readThroughputMiBps, 500);
    });

    it("is documented key by key in the README (regenerate with `npm run docs`)", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        assert.equal(readmeSection(readme, "config-reference"), configReferenceTable());
    });

    for (const stack of committedStacks) {
        it(`accepts the committed ${stack} stack file`, () => {
            parseStackConfig(projectConfig(readStackFile(stack)), stack);
        });
    }

    it("reports an empty gpuGroup once, as a group that does not exist", () => {
        const config = validConfig();
        config.models[0].gpuGroup = "";
        assert.deepEqual(problemsOf(config), [
            'models[0].gpuGroup: "" is not a GPU group; groups: inference',
        ]);
    });

    it("reports every problem in one error instead of stopping at the first", () => {
        const config = validConfig();
        config.models[0].name = "Llama_3";
        config.models[0].gpuGroup = "missing";
        config.network = { availabilityZoneCount: 1 };
        const paths = problemsOf(config).map((p) => p.split(":")[0]);
        assert.deepEqual([...new Set(paths)].sort(), [
            "models[0].gpuGroup",
            "models[0].name",
            "network.availabilityZoneCount",
        ]);
    });

    const badConfigs: [string, (c: Record<string, any>) => void, RegExp][] = [
        [
            "an unknown top-level key",
            (c) => (c.replicas = 2),
            /^replicas: is not a known config key; known keys: platform, protect/,
        ],
        [
            "an unknown nested key",
            (c) => (c.models[0].gpus = 2),
            /^models\[0\]\.gpus: is not a known key; allowed keys: name, runtime/,
        ],
        [
            "a missing models list",
            (c) => delete c.models,
            /^models: is required \(a list of objects\)$/,
        ],
        ["an empty models list", (c) => (c.models = []), /^models: must have at least 1 item/],
        ["a missing cluster", (c) => delete c.cluster, /^cluster: is required/],
        [
            "a string where a number belongs",
            (c) => (c.models[0].maxReplicas = "many"),
            /^models\[0\]\.maxReplicas: must be an integer ≥ 1, got "many"/,
        ],
        [
            "a fractional GPU count",
            (c) => (c.models[0].gpusPerReplica = 1.5),
            /^models\[0\]\.gpusPerReplica: must be an integer ≥ 1, got 1.5/,
        ],
        [
            "a boolean given as a word",
            (c) => (c.protect = "yes"),
            /^protect: must be true or false, got "yes"/,
        ],
        [
            "an unknown platform",
            (c) => (c.platform = "gke"),
            /^platform: must be one of "eks", "existing", got "gke"/,
        ],
        [
            "an unknown runtime",
            (c) => (c.models[0].runtime = "triton"),
            /^models\[0\]\.runtime: must be one of "vllm", "custom", got "triton"/,
        ],
        [
            "a single availability zone",
            (c) => (c.network = { availabilityZoneCount: 1 }),
            /^network\.availabilityZoneCount: must be an integer between 2 and 3, got 1/,
        ],
        [
            "a model name that is not DNS-1123",
            (c) => (c.models[0].name = "Llama_3"),
            /^models\[0\]\.name: "Llama_3" is not a DNS-1123 label/,
        ],
        [
            "a model served twice",
            (c) => c.models.push({ ...c.models[0] }),
            /^models\[1\]\.name: "llama" is served twice/,
        ],
        [
            "an unknown GPU instance family",
            (c) => (c.cluster.gpuNodeGroups[0].instanceTypes = ["x9.large"]),
            /instanceTypes\[0\]: unknown GPU instance family "x9"/,
        ],
        [
            "an unknown size of a GPU family",
            (c) => (c.cluster.gpuNodeGroups[0].instanceTypes = ["g5.3xlarge"]),
            /instanceTypes\[0\]: unknown size "g5.3xlarge"; g5 sizes: g5.xlarge/,
        ],
        [
            "min above max in a node group",
            (c) => Object.assign(c.cluster.gpuNodeGroups[0], { minSize: 5, maxSize: 2 }),
            /gpuNodeGroups\[0\]\.minSize: 5 exceeds maxSize 2/,
        ],
        [
            "desired outside min..max",
            (c) => (c.cluster.gpuNodeGroups[0].desiredSize = 9),
            /^cluster\.gpuNodeGroups\[0\]\.desiredSize: 9 is outside \[minSize 1, maxSize 4\]/,
        ],
        [
            "an unknown capacity type",
            (c) => (c.cluster.gpuNodeGroups[0].capacityType = "RESERVED"),
            /capacityType: must be one of "ON_DEMAND", "SPOT"/,
        ],
        [
            "duplicate GPU group names",
            (c) => c.cluster.gpuNodeGroups.push({ ...c.cluster.gpuNodeGroups[0] }),
            /^cluster\.gpuNodeGroups\[1\]\.name: "inference" is used by an earlier group/,
        ],
        [
            "a model on a group that does not exist",
            (c) => (c.models[0].gpuGroup = "training"),
            /^models\[0\]\.gpuGroup: "training" is not a GPU group; groups: inference/,
        ],
        [
            "min replicas above max replicas",
            (c) => Object.assign(c.models[0], { minReplicas: 3, maxReplicas: 2 }),
            /^models\[0\]\.minReplicas: 3 exceeds maxReplicas 2/,
        ],
        [
            "weights without a source",
            (c) => delete c.models[0].weights.source,
            /^models\[0\]\.weights\.source: is required \(a string\)$/,
        ],
        [
            "a node group without maxSize",
            (c) => delete c.cluster.gpuNodeGroups[0].maxSize,
            /^cluster\.gpuNodeGroups\[0\]\.maxSize: is required \(an integer ≥ 1\)$/,
        ],
        [
            "a model without weights",
            (c) => delete c.models[0].weights,
            /^models\[0\]\.weights: is required \(an object\)$/,
        ],
        [
            "weights from an unsupported scheme",
            (c) => (c.models[0].weights.source = "gs://bucket/m"),
            /^models\[0\]\.weights\.source: "gs:\/\/bucket\/m" must be s3:\/\/<bucket>\[\/<prefix>\] or hf:\/\/<org>\/<repo>/,
        ],
        [
            "a Hugging Face source without a revision",
            (c) => delete c.models[0].weights.revision,
            /^models\[0\]\.weights\.revision: is missing: a branch/,
        ],
        [
            "both a build context and an image reference",
            (c) => (c.models[0].image.reference = digest),
            /^models\[0\]\.image: set exactly one of `context`/,
        ],
        [
            "an image referenced by tag",
            (c) => (c.models[0].image = { reference: "vllm/vllm-openai:latest" }),
            /^models\[0\]\.image\.reference: "vllm\/vllm-openai:latest" is not pinned by digest/,
        ],
        [
            "a public endpoint without allowed CIDRs",
            (c) => (c.cluster.endpointPublicAccess = true),
            /^cluster\.publicAccessCidrs: required when endpointPublicAccess is true/,
        ],
        [
            "an invalid cluster name",
            (c) => (c.cluster.name = "-bad name"),
            /^cluster\.name: "-bad name" is not an EKS cluster name/,
        ],
        [
            "a vLLM-only key on a custom model",
            (c) => Object.assign(c.models[0], { runtime: "custom", loadFormat: "safetensors" }),
            /^models\[0\]\.loadFormat: applies to runtime "vllm" only/,
        ],
        [
            "a custom-only key on a vLLM model",
            (c) => (c.models[0].port = 9000),
            /^models\[0\]\.port: applies to runtime "custom" only/,
        ],
        [
            "a build context on an existing cluster",
            (c) => (c.platform = "existing"),
            /^models\[0\]\.image\.context: cannot build without ECR on platform "existing"/,
        ],
        [
            "network settings on an existing cluster",
            (c) => Object.assign(c, { platform: "existing", network: {} }),
            /^network: is only used when platform is "eks"/,
        ],
        [
            "a kubeconfig path on EKS",
            (c) => (c.cluster.kubeconfigPath = "/tmp/kubeconfig"),
            /^cluster\.kubeconfigPath: is only used when platform is "existing"/,
        ],
        [
            "observability settings on an existing cluster",
            (c) => Object.assign(c, { platform: "existing", observability: {} }),
            /^observability: is only used when platform is "eks"; install monitoring on your cluster yourself$/,
        ],
        [
            "a host path for the model store on EKS",
            (c) => (c.modelStore = { hostPath: "/models" }),
            /^modelStore\.hostPath: is only used when platform is "existing"$/,
        ],
        [
            "a Karpenter node class on EKS",
            (c) => (c.cluster.karpenter = { nodeClass: { group: "g", kind: "K", name: "n" } }),
            /^cluster\.karpenter\.nodeClass: is only used when platform is "existing"; on EKS each NodePool gets its own EC2NodeClass$/,
        ],
        [
            "a model version that would tag its image latest, under the model's version",
            (c) => (c.models[0].version = "latest"),
            /^models\[0\]\.version: "latest" becomes the tag "latest"/,
        ],
        [
            "an image repository name ECR refuses, under the model's image",
            (c) => (c.models[0].image.repository = "Bad Repo"),
            /^models\[0\]\.image\.repository: "Bad Repo" is not an ECR repository name/,
        ],
        [
            "a section given as text instead of an object",
            (c) => (c.modelStore = "x"),
            /^modelStore: must be an object, got "x"$/,
        ],
        [
            "a nested section given as a number instead of an object",
            (c) => (c.models[0].weights = 7),
            /^models\[0\]\.weights: must be an object, got 7$/,
        ],
        [
            "a tag value that is not a string",
            (c) => (c.tags = { team: 7 }),
            /^tags\.team: must be a string, got 7/,
        ],
    ];

    for (const [what, mutate, expected] of badConfigs) {
        it(`rejects ${what}`, () => {
            const config = validConfig();
            mutate(config);
            expectProblem(config, expected);
        });
    }
});

describe("stack config checks that depend on the platform", () => {
    /** validConfig() on a cluster that exists, serving an image by digest. */
    function existingConfig(): Record<string, any> {
        const config = validConfig();
        config.platform = "existing";
        config.models[0].image = { reference: digest };
        return config;
    }

    it("accepts the same models on an existing cluster", () => {
        assert.deepEqual(problemsOf(existingConfig()), []);
    });

    it("eks: checks the VPC block the Network will create", () => {
        const config = validConfig();
        config.network = { cidrBlock: "10.0.0.0/8" };
        assert.deepEqual(problemsOf(config), [
            'network.cidrBlock: "10.0.0.0/8" is larger than AWS allows for a VPC: use a prefix length from /16 to /24, got /8',
        ]);
    });

    it("eks: checks the EFS claim name the ModelStore will create", () => {
        const config = validConfig();
        config.modelStore = { claimName: "Model_Cache" };
        assert.deepEqual(problemsOf(config), [
            "modelStore.claimName: \"Model_Cache\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 253 characters",
        ]);
    });

    it("eks: checks the log retention Observability will set", () => {
        const config = validConfig();
        config.observability = { logRetentionDays: 45 };
        assert.deepEqual(
            problemsOf(config).map((p) => p.split(" is ")[0]),
            ["observability.logRetentionDays: 45"],
        );
    });

    it("eks: skips the observability checks when observability is disabled", () => {
        const config = validConfig();
        config.observability = { enabled: false, logRetentionDays: 45 };
        assert.deepEqual(problemsOf(config), []);
    });

    it("existing: still checks the claim name, which names the PersistentVolumeClaim it creates", () => {
        const config = existingConfig();
        config.modelStore = { claimName: "Model_Cache" };
        assert.deepEqual(problemsOf(config), [
            "modelStore.claimName: \"Model_Cache\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 253 characters",
        ]);
    });

    it("existing: checks the storage class name the claim asks for", () => {
        const config = existingConfig();
        config.modelStore = { storageClassName: "Local Models" };
        assert.deepEqual(problemsOf(config), [
            "modelStore.storageClassName: \"Local Models\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 253 characters",
        ]);
    });

    it("eks: checks the GPU node groups GpuCluster will create", () => {
        const config = validConfig();
        config.cluster.gpuNodeGroups[0].minSize = 5;
        assert.deepEqual(problemsOf(config), [
            "cluster.gpuNodeGroups[0].minSize: 5 exceeds maxSize 4",
        ]);
    });

    it("existing: checks the GPU node groups, which describe its static nodes", () => {
        const config = existingConfig();
        config.cluster.gpuNodeGroups[0].minSize = 5;
        assert.deepEqual(problemsOf(config), [
            "cluster.gpuNodeGroups[0].minSize: 5 exceeds maxSize 4",
        ]);
    });

    it("existing on node groups: needs at least one group", () => {
        const config = existingConfig();
        config.cluster = { capacityEngine: "node-groups" };
        assert.deepEqual(problemsOf(config), [
            'cluster.gpuNodeGroups: at least one GPU node group is required with capacity engine "node-groups"',
            'models[0].gpuGroup: "inference" is not a GPU group; groups: (none)',
        ]);
    });

    describe("existing on Karpenter", () => {
        function karpenterConfig(): Record<string, any> {
            const config = existingConfig();
            config.cluster = {
                capacityEngine: "karpenter",
                karpenter: {
                    nodeClass: { group: "karpenter.kwok.sh", kind: "KWOKNodeClass", name: "local" },
                },
                gpuNodePools: [{ name: "inference", instanceFamilies: ["g5"], gpuLimit: 4 }],
            };
            return config;
        }

        it("needs no GPU node groups beside the NodePools", () => {
            assert.deepEqual(problemsOf(karpenterConfig()), []);
        });

        it("still checks the static GPU node groups it is given", () => {
            const config = karpenterConfig();
            config.cluster.gpuNodeGroups = [
                { name: "inference", instanceTypes: ["g5.2xlarge"], minSize: 5, maxSize: 4 },
            ];
            assert.deepEqual(problemsOf(config), [
                "cluster.gpuNodeGroups[0].minSize: 5 exceeds maxSize 4",
            ]);
        });
    });

    it("existing: skips the EFS and observability checks, which only apply to eks", () => {
        const config = existingConfig();
        // A provisioned EFS needs provisionedThroughputMiBps; on an existing cluster there is no EFS.
        config.modelStore = { throughputMode: "provisioned" };
        assert.deepEqual(problemsOf(config), []);
    });
});

describe("stack config as Pulumi delivers it", () => {
    const byoNetwork = {
        existingVpcId: "vpc-0123456789abcdef0",
        existingPrivateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    };

    it("reads the exact text `pulumi config set` stores as numbers and booleans", () => {
        const config = validConfig();
        Object.assign(config, { protect: "false", observability: { enabled: "true" } });
        Object.assign(config.models[0], { minReplicas: "2", maxReplicas: "3" });
        config.modelStore = { readThroughputMiBps: "750.5" };
        const parsed = parseStackConfig(config, "test");
        assert.deepEqual(
            [
                parsed.protect,
                parsed.observability.enabled,
                parsed.models[0].minReplicas,
                parsed.models[0].maxReplicas,
                parsed.modelStore.readThroughputMiBps,
            ],
            [false, true, 2, 3, 750.5],
        );
    });

    const badText: [string, (c: Record<string, any>) => void, string][] = [
        [
            "a count with trailing letters",
            (c) => (c.models[0].maxReplicas = "8x"),
            'models[0].maxReplicas: must be an integer ≥ 1, got "8x"',
        ],
        [
            "a fraction as text where an integer belongs",
            (c) => (c.cluster.gpuNodeGroups[0].maxSize = "1.5"),
            'cluster.gpuNodeGroups[0].maxSize: must be an integer ≥ 1, got "1.5"',
        ],
        [
            "a YAML 1.1 boolean word",
            (c) => (c.serving = { monitoring: "yes" }),
            'serving.monitoring: must be true or false, got "yes"',
        ],
        [
            "YAML .inf",
            (c) => (c.models[0].weights.sizeGiB = Infinity),
            "models[0].weights.sizeGiB: must be a finite number (a number ≥ 0.001), got .inf",
        ],
        [
            "YAML .nan",
            (c) => (c.models[0].maxReplicas = NaN),
            "models[0].maxReplicas: must be a finite number (an integer ≥ 1), got .nan",
        ],
        [
            ".inf as text",
            (c) => (c.modelStore = { readThroughputMiBps: ".inf" }),
            'modelStore.readThroughputMiBps: must be a finite number (a number between 1 and 10000), got ".inf"',
        ],
        [
            "YAML -.inf",
            (c) => (c.models[0].warmupSeconds = -Infinity),
            "models[0].warmupSeconds: must be a finite number (an integer ≥ 0), got -.inf",
        ],
        [
            ".inf as text with spaces around it",
            (c) => (c.modelStore = { readThroughputMiBps: " .inf " }),
            'modelStore.readThroughputMiBps: must be a finite number (a number between 1 and 10000), got " .inf "',
        ],
        [
            "a list where a number belongs",
            (c) => (c.models[0].maxReplicas = [2]),
            "models[0].maxReplicas: must be an integer ≥ 1, got [2]",
        ],
        [
            "a 59-character value, shortened in the message",
            (c) => (c.models[0].runtime = "v".repeat(59)),
            `models[0].runtime: must be one of "vllm", "custom", got "${"v".repeat(56)}...`,
        ],
        [
            "a 58-character value, shown whole (60 with its quotes)",
            (c) => (c.models[0].runtime = "v".repeat(58)),
            `models[0].runtime: must be one of "vllm", "custom", got "${"v".repeat(58)}"`,
        ],
        [
            "a list where a map belongs",
            (c) => (c.tags = ["team"]),
            'tags: must be a map of string to string, got ["team"]',
        ],
        [
            "a list where an object belongs",
            (c) => (c.serving = []),
            "serving: must be an object, got []",
        ],
    ];
    for (const [what, mutate, expected] of badText) {
        it(`rejects ${what}, naming the key, the allowed values and the value`, () => {
            const config = validConfig();
            mutate(config);
            assert.deepEqual(problemsOf(config), [expected]);
        });
    }

    it("reports every unknown key at every level, each under its own path", () => {
        const config = validConfig();
        config.cluster.gpuNodeGroups[0].lables = { team: "a" };
        config.cluster.systemNodeGroup = { size: 2 };
        config.models[0].weights.url = "s3://x";
        config.models[0].image.tag = "v1";
        config.models[0].gpus = 1;
        config.models[0].replicas = 2;
        config.network = { vpcId: "vpc-1" };
        const unknown = problemsOf(config)
            .filter((p) => / is not a known key; allowed keys: /.test(p))
            .map((p) => p.split(":")[0])
            .sort();
        assert.deepEqual(unknown, [
            "cluster.gpuNodeGroups[0].lables",
            "cluster.systemNodeGroup.size",
            "models[0].gpus",
            "models[0].image.tag",
            "models[0].replicas",
            "models[0].weights.url",
            "network.vpcId",
        ]);
    });

    it("lists the allowed keys of the object where an unknown key sits", () => {
        const config = validConfig();
        config.models[0].weights.url = "s3://x";
        assert.deepEqual(problemsOf(config), [
            "models[0].weights.url: is not a known key; allowed keys: source, revision, kmsKeyArn, sizeGiB, endpoint",
        ]);
    });

    it("fills in the created VPC's defaults and keeps the values given", () => {
        const defaults = parseStackConfig(validConfig(), "test").network;
        assert.deepEqual(
            [defaults.cidrBlock, defaults.availabilityZoneCount, defaults.natGatewayPerAz],
            ["10.0.0.0/16", 3, true],
        );
        const config = validConfig();
        config.network = {
            cidrBlock: "10.8.0.0/16",
            availabilityZoneCount: 2,
            natGatewayPerAz: false,
        };
        const given = parseStackConfig(config, "test").network;
        assert.deepEqual(
            [given.cidrBlock, given.availabilityZoneCount, given.natGatewayPerAz],
            ["10.8.0.0/16", 2, false],
        );
    });

    it("accepts a bring-your-own VPC and fills in no created-VPC defaults beside it", () => {
        const config = validConfig();
        config.network = { ...byoNetwork };
        const parsed = parseStackConfig(config, "test");
        assert.equal(parsed.network.existingVpcId, byoNetwork.existingVpcId);
        assert.deepEqual(
            [
                parsed.network.cidrBlock,
                parsed.network.availabilityZoneCount,
                parsed.network.natGatewayPerAz,
            ],
            [undefined, undefined, undefined],
        );
    });

    it("still reports a created-VPC key the user set beside existingVpcId", () => {
        const config = validConfig();
        config.network = { ...byoNetwork, natGatewayPerAz: false };
        assert.deepEqual(problemsOf(config), [
            "network.natGatewayPerAz: only applies when the Network creates the VPC; remove it or remove existingVpcId",
        ]);
    });

    it("reports a config value that does not decode as JSON against its key, once", () => {
        const config = validConfig();
        config.network = decodeConfigValue('{"cidrBlock": "10.0.0.0/16",}');
        const problems = problemsOf(config);
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            problems[0],
            /^network: could not be decoded as JSON \(.+\); write the value as YAML in Pulumi\.<stack>\.yaml, or set one field with `pulumi config set --path`$/,
        );
    });

    it("decodes the JSON the engine passes for structured values and leaves text alone", () => {
        assert.deepEqual(decodeConfigValue('{"enabled": false}'), { enabled: false });
        assert.deepEqual(decodeConfigValue(' \n{"enabled": true}'), { enabled: true });
        assert.deepEqual(decodeConfigValue("[1, 2]"), [1, 2]);
        assert.equal(decodeConfigValue("10.0.0.0/16"), "10.0.0.0/16");
        assert.ok(decodeConfigValue("[oops") instanceof UndecodedConfigValue);
    });

    it("reports a bad serving.allowedNamespaces entry once, where it is written", () => {
        const config = validConfig();
        config.models.push({ ...config.models[0], name: "second" });
        config.serving = { allowedNamespaces: ["clients", "Team_A"] };
        assert.deepEqual(
            problemsOf(config).filter((p) => p.includes("Team_A")),
            [
                "serving.allowedNamespaces[1]: \"Team_A\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters",
            ],
        );
    });

    it("names the file, line and config key of a tab in a stack file", () => {
        const text = [
            "config:",
            "  gpu-serving-infra:protect: false",
            "  gpu-serving-infra:network:",
            "    cidrBlock: 10.0.0.0/16",
            "\tavailabilityZoneCount: 2",
        ].join("\n");
        assert.throws(
            () => parseStackFile(text, "Pulumi.dev.yaml"),
            (error: Error) =>
                error instanceof StackFileError &&
                /^Pulumi\.dev\.yaml line 5, column 1 \(under gpu-serving-infra:network\): .*replace the tab$/.test(
                    error.message,
                ),
        );
    });
});

describe("stack config building blocks", () => {
    it("describes each kind of range in words", () => {
        const described = [
            describeAccepts({ kind: "integer", min: 1, max: 3 }),
            describeAccepts({ kind: "number", min: 0.5 }),
            describeAccepts({ kind: "integer", max: 9 }),
            describeAccepts({ kind: "number" }),
        ];
        assert.deepEqual(described, [
            "an integer between 1 and 3",
            "a number ≥ 0.5",
            "an integer ≤ 9",
            "a number",
        ]);
    });

    /** What `schema` makes of `input`: the value, or the message of its one problem. */
    function read(schema: v.GenericSchema, input: unknown): unknown {
        const result = v.safeParse(schema, input, { abortPipeEarly: true });
        return result.success ? result.output : result.issues.map((i) => i.message).join("; ");
    }

    it("reads a bounded integer from a number or its exact text, and says why it refuses one", () => {
        const count = integer({ doc: "count", min: 1, max: 3 });
        const expected = "must be an integer between 1 and 3, got";
        assert.deepEqual(
            [1, "3", 0, "4", 1.5, "1.5", "3x", true, NaN, ".inf", undefined].map((input) =>
                read(count, input),
            ),
            [
                1,
                3,
                `${expected} 0`,
                `${expected} 4`,
                `${expected} 1.5`,
                `${expected} "1.5"`,
                `${expected} "3x"`,
                `${expected} true`,
                "must be a finite number (an integer between 1 and 3), got .nan",
                'must be a finite number (an integer between 1 and 3), got ".inf"',
                "is required (an integer between 1 and 3)",
            ],
        );
    });

    it("reads a number with a fraction, also as text, and keeps its lower bound", () => {
        const share = number({ doc: "share", min: 0.5 });
        assert.deepEqual(
            [0.75, "0.75", 0.25, "0.25", NaN, ".inf"].map((input) => read(share, input)),
            [
                0.75,
                0.75,
                "must be a number ≥ 0.5, got 0.25",
                "must be a number ≥ 0.5, got 0.25",
                "must be a finite number (a number ≥ 0.5), got .nan",
                'must be a finite number (a number ≥ 0.5), got ".inf"',
            ],
        );
    });

    it("quotes a value of up to 60 characters whole and cuts a longer one to 57 and an ellipsis", () => {
        assert.equal(describeValue("x".repeat(58)), `"${"x".repeat(58)}"`);
        assert.equal(describeValue("x".repeat(59)), `"${"x".repeat(56)}...`);
    });

    it("shows a value JSON cannot write as JavaScript prints it", () => {
        assert.equal(describeValue(undefined), "undefined");
    });

    it("asks a text key for text, not for a finite number, when given .inf", () => {
        assert.equal(read(string("name"), Infinity), "must be a string, got .inf");
    });

    it("reads an unbounded integer or number as written, also as text", () => {
        const unboundedInteger = integer({ doc: "any" });
        const unboundedNumber = number({ doc: "any" });
        assert.deepEqual(
            [
                read(unboundedInteger, -5),
                read(unboundedInteger, "-5"),
                read(unboundedNumber, -0.5),
                read(unboundedNumber, "-0.5"),
            ],
            [-5, -5, -0.5, -0.5],
        );
    });

    it("reads the API key as a secret from the project's config, and nothing when unset", async () => {
        const { result: given } = await render(() => readApiKey(), {
            config: { "gpu-serving-infra:apiKey": "k-123" },
        });
        assert.equal(await valueOf(given!), "k-123");
        assert.equal(await isSecret(given!), true);
        const { result: unset } = await render(() => readApiKey());
        assert.equal(unset, undefined);
    });

    it("reads the S3 keys as two secrets from one secret object, and nothing when unset", async () => {
        const { result: given } = await render(() => readWeightsCredentials(), {
            config: {
                "gpu-serving-infra:weightsCredentials": {
                    accessKeyId: "AKIA1",
                    secretAccessKey: "s3cr3t",
                },
            },
        });
        assert.deepEqual(
            [await valueOf(given!.accessKeyId), await valueOf(given!.secretAccessKey)],
            ["AKIA1", "s3cr3t"],
        );
        assert.deepEqual(
            [await isSecret(given!.accessKeyId), await isSecret(given!.secretAccessKey)],
            [true, true],
        );
        const { result: unset } = await render(() => readWeightsCredentials());
        assert.equal(unset, undefined);
    });

    it("reads the Hugging Face token as a secret, and nothing when unset", async () => {
        const { result: given } = await render(() => readHuggingFaceToken(), {
            config: { "gpu-serving-infra:huggingFaceToken": "hf_abc" },
        });
        assert.equal(await valueOf(given!), "hf_abc");
        assert.equal(await isSecret(given!), true);
        const { result: unset } = await render(() => readHuggingFaceToken());
        assert.equal(unset, undefined);
    });

    it("lists the project's keys the engine stores encrypted, without the prefix", () => {
        pulumi.runtime.setAllConfig(
            {
                "gpu-serving-infra:apiKey": "k",
                "gpu-serving-infra:protect": "true",
                "gpu-serving-infra:weightsCredentials": "{}",
                "other-project:apiKey": "o",
                "aws:region": "us-west-2",
            },
            [
                "gpu-serving-infra:apiKey",
                "gpu-serving-infra:weightsCredentials",
                "other-project:apiKey",
            ],
        );
        try {
            assert.deepEqual([...readSecretKeys("gpu-serving-infra")].sort(), [
                "apiKey",
                "weightsCredentials",
            ]);
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });
});
