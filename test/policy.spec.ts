import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gpuTaintEks, gpuToleration } from "../components/plan/scheduling";
import { guardrailPolicies } from "../policy/policies";
import { productionVerdict } from "../policy/policies/stacks";
import { policyViolations, PolicyRunOptions, PolicyViolation } from "./harness/policy";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { RegisteredResource, render, Rendered } from "./harness/render";

const image = `123456789012.dkr.ecr.us-west-2.amazonaws.com/llm@sha256:${"ab".repeat(32)}`;
const gpuSelector = { "gpu-serving.io/gpu-group": "inference" };

let sequence = 0;

/** A record in the shape test/harness/render.ts produces; Kubernetes objects get apiVersion and kind as the SDK adds them. */
function record(
    type: string,
    name: string,
    inputs: Record<string, any>,
    extra: Partial<RegisteredResource> = {},
): RegisteredResource {
    sequence++;
    const [provider, apiPath, kind] = type.split(":");
    const identity =
        provider === "kubernetes" ? { apiVersion: apiPath.replace(/^core\//, ""), kind } : {};
    return {
        type,
        name,
        urn: `urn:pulumi:test::gpu-serving-infra::${type}::${name}-${sequence}`,
        id: `${name}-id`,
        outputs: {},
        parent: "",
        custom: true,
        inputs: { ...identity, ...inputs },
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        ignoreChanges: [],
        replaceOnChanges: [],
        additionalSecretOutputs: [],
        secretInputs: [],
        aliases: [],
        customTimeouts: { create: "", update: "", delete: "" },
        provider: "",
        dependencies: [],
        ...extra,
    };
}

function container(name = "server", overrides: Record<string, any> = {}): Record<string, any> {
    return {
        name,
        image,
        securityContext: { allowPrivilegeEscalation: false },
        resources: { limits: { "nvidia.com/gpu": 1 } },
        ...overrides,
    };
}

/** A GPU serving pod spec that every policy accepts. */
function podSpec(overrides: Record<string, any> = {}): Record<string, any> {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        nodeSelector: { ...gpuSelector },
        tolerations: [{ ...gpuToleration }],
        containers: [container()],
        ...overrides,
    };
}

const podLabels = { "app.kubernetes.io/name": "llm" };

function deployment(
    name: string,
    spec: Record<string, any> = podSpec(),
    deploymentSpec: Record<string, any> = {},
) {
    return record("kubernetes:apps/v1:Deployment", name, {
        metadata: { name, namespace: "serving" },
        spec: {
            replicas: 2,
            selector: { matchLabels: podLabels },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
            template: { metadata: { labels: podLabels }, spec },
            ...deploymentSpec,
        },
    });
}

function cronJob(name: string, spec: Record<string, any>) {
    return record("kubernetes:batch/v1:CronJob", name, {
        metadata: { name, namespace: "serving" },
        spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec } } } },
    });
}

function statefulSet(name: string, spec: Record<string, any>) {
    return record("kubernetes:apps/v1:StatefulSet", name, {
        metadata: { name, namespace: "serving" },
        spec: {
            serviceName: name,
            selector: { matchLabels: podLabels },
            template: { metadata: { labels: podLabels }, spec },
        },
    });
}

function daemonSet(name: string, namespace: string, spec: Record<string, any>) {
    return record("kubernetes:apps/v1:DaemonSet", name, {
        metadata: { name, namespace },
        spec: {
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec },
        },
    });
}

function pdb(name: string, namespace: string, selector: unknown) {
    return record("kubernetes:policy/v1:PodDisruptionBudget", name, {
        metadata: { name, namespace },
        spec: { maxUnavailable: 1, selector },
    });
}

function eksCluster(vpcConfig: Record<string, any>, extra: Record<string, any> = {}) {
    return record(
        "aws:eks/cluster:Cluster",
        "gpu-cluster",
        {
            vpcConfig: { subnetIds: ["subnet-1"], ...vpcConfig },
            encryptionConfig: {
                provider: { keyArn: "arn:aws:kms:us-west-2:123456789012:key/k" },
                resources: ["secrets"],
            },
            ...extra,
        },
        { protect: true },
    );
}

const certificateArn = "arn:aws:acm:us-west-2:123456789012:certificate/abc";

function loadBalancer(
    name: string,
    annotations: Record<string, string> = {},
    spec: Record<string, any> = {},
): RegisteredResource {
    return record("kubernetes:core/v1:Service", name, {
        metadata: { name, namespace: "serving", annotations },
        spec: {
            type: "LoadBalancer",
            selector: podLabels,
            ports: [{ name: "https", port: 443, targetPort: "http" }],
            loadBalancerSourceRanges: ["10.0.0.0/16"],
            ...spec,
        },
    });
}

const tls = {
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": certificateArn,
    "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
};

/** One resource of every kind the pack checks, each compliant. */
function compliantStack(): RegisteredResource[] {
    return [
        deployment("llm", podSpec(), {
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0 } },
        }),
        pdb("llm", "serving", { matchLabels: podLabels }),
        eksCluster({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }),
        record("aws:efs/fileSystem:FileSystem", "models", { encrypted: true }, { protect: true }),
        record(
            "aws:ecr/repository:Repository",
            "llm",
            { imageScanningConfiguration: { scanOnPush: true } },
            { protect: true },
        ),
        record("aws:ec2/launchTemplate:LaunchTemplate", "gpu", {
            metadataOptions: { httpTokens: "required" },
        }),
        loadBalancer("llm-lb", tls),
        record("aws:eks/nodeGroup:NodeGroup", "gpu", {
            amiType: "AL2023_x86_64_NVIDIA",
            taints: [{ ...gpuTaintEks }],
        }),
    ];
}

/** Violations of one policy only, so each test is about that policy. */
async function violationsOf(
    policyName: string,
    records: RegisteredResource[],
    stack = "dev",
    options: PolicyRunOptions = {},
): Promise<PolicyViolation[]> {
    assert.ok(
        guardrailPolicies.some((p) => p.name === policyName),
        `no policy named ${policyName}`,
    );
    return (await policyViolations(records, stack, options)).filter(
        (v) => v.policyName === policyName,
    );
}

describe("gpu-serving-guardrails policy pack", () => {
    describe("the pack", () => {
        it("names every policy uniquely in kebab-case with a description of why", () => {
            const names = guardrailPolicies.map((p) => p.name);
            // 13 today; other issues add more, so only the floor is pinned here.
            assert.ok(names.length >= 13, `only ${names.length} policies`);
            assert.equal(new Set(names).size, names.length);
            for (const policy of guardrailPolicies) {
                assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)+$/);
                assert.ok(
                    policy.description.length > 80,
                    `${policy.name}: description too short to say why`,
                );
            }
        });

        it("enforces every policy except the GPU node group and NodePool taint advice", () => {
            const advisory = guardrailPolicies
                .filter((p) => p.enforcementLevel !== "mandatory")
                .map((p) => p.name);
            assert.deepEqual(advisory, ["gpu-node-groups-tainted", "gpu-node-pools-tainted"]);
        });

        it("finds nothing in a compliant GPU serving stack", async () => {
            assert.deepEqual(await policyViolations(compliantStack(), "prod"), []);
        });

        it("renders only schema-valid Kubernetes objects as fixtures", async () => {
            const fixtures = [
                ...compliantStack(),
                cronJob("eval", podSpec()),
                statefulSet("cache", podSpec({ initContainers: [container("fetch")] })),
                daemonSet("device-plugin", "kube-system", podSpec()),
                record("kubernetes:core/v1:Pod", "debug", {
                    metadata: { name: "debug", namespace: "serving" },
                    spec: podSpec(),
                }),
            ];
            assert.ok((await validateRenderedKubernetesObjects(new Rendered(fixtures))) >= 6);
        });

        it("checks the resources of a mocked render", async () => {
            const { resources } = await render(
                () => {
                    new aws.efs.FileSystem("models", { encrypted: true }, { protect: false });
                    new k8s.apps.v1.Deployment("llm", {
                        metadata: { name: "llm", namespace: "serving" },
                        spec: {
                            selector: { matchLabels: podLabels },
                            template: {
                                metadata: { labels: podLabels },
                                spec: podSpec({
                                    containers: [
                                        container("server", { image: "vllm/vllm-openai:v0.11.0" }),
                                    ],
                                }) as k8s.types.input.core.v1.PodSpec,
                            },
                        },
                    });
                },
                { stack: "prod" },
            );
            const found = (await policyViolations(resources, "prod")).map(
                (v) => `${v.policyName} ${v.resourceName}`,
            );
            assert.deepEqual(found.sort(), [
                "images-pinned-by-digest llm",
                "stateful-resources-protected-in-prod models",
            ]);
            assert.equal(await validateRenderedKubernetesObjects(resources), 1);
        });
    });

    describe("gpu-workloads-tolerate-gpu-taint", () => {
        it("fires on a GPU Deployment without the GPU toleration", async () => {
            const found = await violationsOf("gpu-workloads-tolerate-gpu-taint", [
                deployment("llm", podSpec({ tolerations: [] })),
            ]);
            assert.equal(found.length, 1);
            assert.match(
                found[0].message,
                /Deployment serving\/llm requests nvidia\.com\/gpu but does not tolerate/,
            );
        });

        it("fires on a toleration with another effect", async () => {
            const tolerations = [{ ...gpuToleration, effect: "NoExecute" }];
            const found = await violationsOf("gpu-workloads-tolerate-gpu-taint", [
                cronJob("eval", podSpec({ tolerations })),
            ]);
            assert.equal(found.length, 1);
        });

        it("accepts the gpuToleration and an Exists toleration on the key", async () => {
            const exists = [{ key: "nvidia.com/gpu", operator: "Exists" }];
            const found = await violationsOf("gpu-workloads-tolerate-gpu-taint", [
                deployment("llm"),
                deployment("embedder", podSpec({ tolerations: exists })),
            ]);
            assert.deepEqual(found, []);
        });
    });

    describe("gpu-requests-set-limits", () => {
        it("fires on a GPU request without a limit", async () => {
            const requestOnly = container("server", {
                resources: { requests: { "nvidia.com/gpu": 1 } },
            });
            const found = await violationsOf("gpu-requests-set-limits", [
                deployment("llm", podSpec({ containers: [requestOnly] })),
            ]);
            assert.equal(found.length, 1);
            assert.match(
                found[0].message,
                /containers\[0\] "server" requests 1 nvidia\.com\/gpu without a limit/,
            );
        });

        it("fires when the request differs from the limit", async () => {
            const uneven = container("server", {
                resources: { requests: { "nvidia.com/gpu": 1 }, limits: { "nvidia.com/gpu": 2 } },
            });
            const found = await violationsOf("gpu-requests-set-limits", [
                deployment("llm", podSpec({ containers: [uneven] })),
            ]);
            assert.equal(found.length, 1);
            assert.match(found[0].message, /requests 1 nvidia\.com\/gpu but limits 2/);
        });

        it("accepts GPUs stated in limits", async () => {
            const matching = container("server", {
                resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": 1 } },
            });
            const found = await violationsOf("gpu-requests-set-limits", [
                deployment("llm"),
                deployment("matching", podSpec({ containers: [matching] })),
            ]);
            assert.deepEqual(found, []);
        });
    });

    describe("gpu-node-pods-limit-gpus", () => {
        const cpuOnly = container("proxy", { resources: { limits: { cpu: "1" } } });

        it("fires on a pod pinned to a GPU group by nodeSelector without a GPU limit", async () => {
            const found = await violationsOf("gpu-node-pods-limit-gpus", [
                deployment("proxy", podSpec({ containers: [cpuOnly] })),
            ]);
            assert.equal(found.length, 1);
            assert.match(found[0].message, /selects GPU nodes/);
        });

        it("fires on required node affinity for nodes with a GPU", async () => {
            const affinity = {
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [
                            {
                                matchExpressions: [
                                    {
                                        key: "nvidia.com/gpu.present",
                                        operator: "In",
                                        values: ["true"],
                                    },
                                ],
                            },
                        ],
                    },
                },
            };
            const spec = podSpec({ nodeSelector: undefined, affinity, containers: [cpuOnly] });
            const found = await violationsOf("gpu-node-pods-limit-gpus", [
                deployment("proxy", spec),
            ]);
            assert.equal(found.length, 1);
        });

        it("stays quiet for GPU-claiming pods, DaemonSet node agents and pods that may run elsewhere", async () => {
            const eitherNode = {
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [
                            {
                                matchExpressions: [
                                    {
                                        key: "gpu-serving.io/node-role",
                                        operator: "In",
                                        values: ["gpu"],
                                    },
                                ],
                            },
                            {
                                matchExpressions: [
                                    {
                                        key: "gpu-serving.io/node-role",
                                        operator: "In",
                                        values: ["system"],
                                    },
                                ],
                            },
                        ],
                    },
                },
            };
            const found = await violationsOf("gpu-node-pods-limit-gpus", [
                deployment("llm"),
                daemonSet("dcgm-exporter", "monitoring", podSpec({ containers: [cpuOnly] })),
                deployment(
                    "proxy",
                    podSpec({
                        nodeSelector: undefined,
                        affinity: eitherNode,
                        containers: [cpuOnly],
                    }),
                ),
            ]);
            assert.deepEqual(found, []);
        });
    });

    describe("images-pinned-by-digest", () => {
        it("fires on a tagged init container of a StatefulSet", async () => {
            const spec = podSpec({
                initContainers: [container("fetch", { image: "amazon/aws-cli:2.17.0" })],
            });
            const found = await violationsOf("images-pinned-by-digest", [
                statefulSet("cache", spec),
            ]);
            assert.equal(found.length, 1);
            assert.match(
                found[0].message,
                /initContainers\[0\] "fetch" uses image "amazon\/aws-cli:2\.17\.0"/,
            );
        });

        it("fires on a CronJob image without a full sha256 digest", async () => {
            const spec = podSpec({
                containers: [container("eval", { image: "repo/eval@sha256:abc" })],
            });
            const found = await violationsOf("images-pinned-by-digest", [cronJob("eval", spec)]);
            assert.equal(found.length, 1);
        });

        it("accepts digest references in every container list", async () => {
            const spec = podSpec({ initContainers: [container("fetch")] });
            const found = await violationsOf("images-pinned-by-digest", [
                deployment("llm", spec),
                daemonSet("agent", "monitoring", spec),
            ]);
            assert.deepEqual(found, []);
        });
    });

    describe("stateful-resources-protected-in-prod", () => {
        const unprotected = () =>
            [
                record("aws:efs/fileSystem:FileSystem", "models", {}),
                record("aws:ecr/repository:Repository", "llm", {}),
                eksCluster({ endpointPublicAccess: false }, {}),
            ].map((r) => ({ ...r, protect: false }));

        it("fires on each unprotected EFS file system, ECR repository and EKS cluster in prod", async () => {
            const found = await violationsOf(
                "stateful-resources-protected-in-prod",
                unprotected(),
                "prod",
            );
            assert.deepEqual(
                found.map((v) => v.resourceName),
                ["models", "llm", "gpu-cluster"],
            );
            assert.match(found[0].message, /stack "prod" is production/);
        });

        it("stays quiet outside production and for protected resources", async () => {
            assert.deepEqual(
                await violationsOf("stateful-resources-protected-in-prod", unprotected(), "dev"),
                [],
            );
            const protectedRecords = unprotected().map((r) => ({ ...r, protect: true }));
            assert.deepEqual(
                await violationsOf(
                    "stateful-resources-protected-in-prod",
                    protectedRecords,
                    "prod",
                ),
                [],
            );
        });

        it("takes the production stacks from the policy config", async () => {
            const config = {
                "stateful-resources-protected-in-prod": { productionStacks: ["live"] },
            };
            assert.equal(
                (
                    await violationsOf(
                        "stateful-resources-protected-in-prod",
                        unprotected(),
                        "live",
                        { config },
                    )
                ).length,
                3,
            );
            assert.deepEqual(
                await violationsOf("stateful-resources-protected-in-prod", unprotected(), "prod", {
                    config,
                }),
                [],
            );
        });

        it("falls back to pulumi.getStack() when the policy args carry no stack name", () => {
            const verdict = productionVerdict({
                getConfig: <T extends object>() => ({ productionStacks: [pulumi.getStack()] }) as T,
            });
            assert.deepEqual(verdict, {
                production: true,
                because: `stack "${pulumi.getStack()}" is production`,
            });
        });
    });

    describe("eks-secrets-encrypted", () => {
        it("fires on a cluster without secrets encryption", async () => {
            const found = await violationsOf("eks-secrets-encrypted", [
                eksCluster({}, { encryptionConfig: undefined }),
                eksCluster({}, { encryptionConfig: { provider: { keyArn: "k" }, resources: [] } }),
            ]);
            assert.equal(found.length, 2);
        });

        it('accepts encryptionConfig with resources ["secrets"] in any stack', async () => {
            assert.deepEqual(
                await violationsOf("eks-secrets-encrypted", [eksCluster({})], "prod"),
                [],
            );
        });
    });

    describe("eks-endpoint-not-open-in-prod", () => {
        it("fires in prod on a public endpoint left at the AWS defaults", async () => {
            const found = await violationsOf(
                "eks-endpoint-not-open-in-prod",
                [eksCluster({})],
                "prod",
            );
            assert.equal(found.length, 1);
            assert.match(
                found[0].message,
                /no publicAccessCidrs \(AWS defaults to 0\.0\.0\.0\/0\)/,
            );
        });

        it("fires in prod when 0.0.0.0/0 is among the allowed CIDRs", async () => {
            const cluster = eksCluster({
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"],
            });
            const found = await violationsOf("eks-endpoint-not-open-in-prod", [cluster], "prod");
            assert.equal(found.length, 1);
            assert.match(found[0].message, /publicAccessCidrs 0\.0\.0\.0\/0/);
        });

        it("accepts restricted or private endpoints in prod and an open endpoint in dev", async () => {
            const restricted = eksCluster({
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24"],
            });
            const privateOnly = eksCluster({
                endpointPublicAccess: false,
                endpointPrivateAccess: true,
            });
            assert.deepEqual(
                await violationsOf(
                    "eks-endpoint-not-open-in-prod",
                    [restricted, privateOnly],
                    "prod",
                ),
                [],
            );
            assert.deepEqual(
                await violationsOf("eks-endpoint-not-open-in-prod", [eksCluster({})], "dev"),
                [],
            );
        });
    });

    describe("launch-templates-require-imdsv2", () => {
        it("fires on launch templates that leave IMDSv1 on", async () => {
            const found = await violationsOf("launch-templates-require-imdsv2", [
                record("aws:ec2/launchTemplate:LaunchTemplate", "implicit", {}),
                record("aws:ec2/launchTemplate:LaunchTemplate", "optional", {
                    metadataOptions: { httpTokens: "optional" },
                }),
            ]);
            assert.deepEqual(
                found.map((v) => v.resourceName),
                ["implicit", "optional"],
            );
        });

        it("accepts httpTokens: required", async () => {
            const template = record("aws:ec2/launchTemplate:LaunchTemplate", "gpu", {
                metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
            });
            assert.deepEqual(await violationsOf("launch-templates-require-imdsv2", [template]), []);
        });
    });

    describe("launch-templates-keep-imds-on-the-node", () => {
        it("fires on a hop limit above 1, which lets pods read the node role", async () => {
            const found = await violationsOf("launch-templates-keep-imds-on-the-node", [
                record("aws:ec2/launchTemplate:LaunchTemplate", "two", {
                    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
                }),
            ]);
            assert.equal(found.length, 1);
            assert.match(found[0].message, /httpPutResponseHopLimit is 2\); set it to 1/);
        });

        it("accepts a hop limit of 1 or the EC2 default", async () => {
            const templates = [
                record("aws:ec2/launchTemplate:LaunchTemplate", "one", {
                    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
                }),
                record("aws:ec2/launchTemplate:LaunchTemplate", "default", {
                    metadataOptions: { httpTokens: "required" },
                }),
            ];
            assert.deepEqual(
                await violationsOf("launch-templates-keep-imds-on-the-node", templates),
                [],
            );
        });
    });

    describe("load-balancers-tls-and-source-ranges-in-prod", () => {
        const policy = "load-balancers-tls-and-source-ranges-in-prod";

        it("fires in prod on a load balancer without a certificate", async () => {
            const found = await violationsOf(policy, [loadBalancer("plain")], "prod");
            assert.equal(found.length, 1);
            assert.match(found[0].message, /without TLS.*aws-load-balancer-ssl-cert/);
        });

        it("fires in prod on a port left out of the TLS ports", async () => {
            const twoPorts = loadBalancer("mixed", tls, {
                ports: [
                    { name: "https", port: 443, targetPort: "http" },
                    { name: "http", port: 8000, targetPort: "http" },
                ],
            });
            const found = await violationsOf(policy, [twoPorts], "prod");
            assert.equal(found.length, 1);
            assert.match(found[0].message, /without TLS on port 8000/);
        });

        it("fires in prod on missing or open source ranges", async () => {
            const found = await violationsOf(
                policy,
                [
                    loadBalancer("none", tls, { loadBalancerSourceRanges: [] }),
                    loadBalancer("open", tls, {
                        loadBalancerSourceRanges: ["10.0.0.0/16", "0.0.0.0/0"],
                    }),
                    loadBalancer("open6", tls, { loadBalancerSourceRanges: ["::/0"] }),
                ],
                "prod",
            );
            assert.deepEqual(
                found.map((v) => v.resourceName),
                ["none", "open", "open6"],
            );
            assert.match(found[0].message, /no loadBalancerSourceRanges/);
            assert.match(found[1].message, /loadBalancerSourceRanges 0\.0\.0\.0\/0/);
        });

        it("accepts TLS on every port with ranges, with the certificate covering all ports when ssl-ports is unset", async () => {
            const allPorts = loadBalancer("all", {
                "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": certificateArn,
            });
            assert.deepEqual(
                await violationsOf(policy, [loadBalancer("ok", tls), allPorts], "prod"),
                [],
            );
        });

        it("leaves ClusterIP Services and other stacks alone", async () => {
            const clusterIp = record("kubernetes:core/v1:Service", "internal", {
                metadata: { name: "internal", namespace: "serving" },
                spec: { type: "ClusterIP", ports: [{ port: 8000 }] },
            });
            assert.deepEqual(await violationsOf(policy, [clusterIp], "prod"), []);
            assert.deepEqual(await violationsOf(policy, [loadBalancer("plain")], "dev"), []);
        });
    });

    describe("pods-run-as-non-root", () => {
        it("fires on containers that may run as root", async () => {
            const spec = podSpec({
                securityContext: {},
                containers: [
                    container("server"),
                    container("sidecar", {
                        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
                    }),
                ],
            });
            const found = await violationsOf("pods-run-as-non-root", [deployment("llm", spec)]);
            assert.equal(found.length, 1);
            assert.match(found[0].message, /containers\[0\] "server" may run as root/);
        });

        it("fires when a container overrides the pod's runAsNonRoot or runs as UID 0", async () => {
            const spec = podSpec({
                containers: [
                    container("override", {
                        securityContext: { runAsNonRoot: false, allowPrivilegeEscalation: false },
                    }),
                    container("uid0", {
                        securityContext: { runAsUser: 0, allowPrivilegeEscalation: false },
                    }),
                ],
            });
            const found = await violationsOf("pods-run-as-non-root", [deployment("llm", spec)]);
            assert.equal(found.length, 2);
            assert.match(found[1].message, /runAsUser: 0 with runAsNonRoot: true/);
        });

        it("accepts runAsNonRoot on the pod and exempts kube-system unless configured otherwise", async () => {
            const rootAgent = podSpec({ securityContext: {} });
            assert.deepEqual(
                await violationsOf("pods-run-as-non-root", [
                    deployment("llm"),
                    daemonSet("device-plugin", "kube-system", rootAgent),
                ]),
                [],
            );
            const config = { "pods-run-as-non-root": { exemptNamespaces: [] } };
            const found = await violationsOf(
                "pods-run-as-non-root",
                [daemonSet("device-plugin", "kube-system", rootAgent)],
                "dev",
                { config },
            );
            assert.equal(found.length, 1);
        });
    });

    describe("containers-no-privilege-escalation", () => {
        it("fires on an init container that does not forbid privilege escalation", async () => {
            const spec = podSpec({ initContainers: [container("fetch", { securityContext: {} })] });
            const found = await violationsOf("containers-no-privilege-escalation", [
                deployment("llm", spec),
            ]);
            assert.equal(found.length, 1);
            assert.match(
                found[0].message,
                /initContainers\[0\] "fetch" allows privilege escalation/,
            );
        });

        it("fires on a privileged container", async () => {
            const spec = podSpec({
                containers: [
                    container("server", {
                        securityContext: { privileged: true, allowPrivilegeEscalation: false },
                    }),
                ],
            });
            const found = await violationsOf("containers-no-privilege-escalation", [
                deployment("llm", spec),
            ]);
            assert.equal(found.length, 1);
            assert.match(found[0].message, /is privileged/);
        });

        it("accepts allowPrivilegeEscalation: false on every container", async () => {
            const spec = podSpec({ initContainers: [container("fetch")] });
            assert.deepEqual(
                await violationsOf("containers-no-privilege-escalation", [deployment("llm", spec)]),
                [],
            );
        });
    });

    describe("zero-unavailable-deployments-have-pdb", () => {
        const zeroUnavailable = {
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        };

        it("fires on a maxUnavailable: 0 Deployment without a PodDisruptionBudget, replicas defaulting to 1", async () => {
            const found = await violationsOf("zero-unavailable-deployments-have-pdb", [
                deployment("llm", podSpec(), { ...zeroUnavailable, replicas: undefined }),
            ]);
            assert.equal(found.length, 1);
            assert.equal(found[0].resourceName, "llm");
            assert.match(
                found[0].message,
                /no PodDisruptionBudget in namespace "serving" selects its pod labels/,
            );
        });

        it("fires when the only budget is in another namespace or selects other pods", async () => {
            const found = await violationsOf("zero-unavailable-deployments-have-pdb", [
                deployment("llm", podSpec(), zeroUnavailable),
                pdb("elsewhere", "default", { matchLabels: podLabels }),
                pdb("other-pods", "serving", {
                    matchLabels: { "app.kubernetes.io/name": "embedder" },
                }),
                pdb("no-selector", "serving", undefined),
            ]);
            assert.equal(found.length, 1);
        });

        it("accepts a budget whose selector matches the pod labels", async () => {
            const found = await violationsOf("zero-unavailable-deployments-have-pdb", [
                deployment("llm", podSpec(), {
                    ...zeroUnavailable,
                    strategy: { rollingUpdate: { maxUnavailable: "0%" } },
                }),
                pdb("llm", "serving", {
                    matchExpressions: [
                        { key: "app.kubernetes.io/name", operator: "In", values: ["llm", "x"] },
                    ],
                }),
            ]);
            assert.deepEqual(found, []);
        });

        it("ignores Deployments that may lose a pod during rollouts and ones scaled to zero", async () => {
            const found = await violationsOf("zero-unavailable-deployments-have-pdb", [
                deployment("llm"),
                deployment("parked", podSpec(), { ...zeroUnavailable, replicas: 0 }),
            ]);
            assert.deepEqual(found, []);
        });
    });

    describe("ecr-scan-on-push", () => {
        it("fires on a repository without scan on push", async () => {
            const found = await violationsOf("ecr-scan-on-push", [
                record("aws:ecr/repository:Repository", "unset", {}),
                record("aws:ecr/repository:Repository", "off", {
                    imageScanningConfiguration: { scanOnPush: false },
                }),
            ]);
            assert.deepEqual(
                found.map((v) => v.resourceName),
                ["unset", "off"],
            );
        });

        it("accepts scanOnPush: true", async () => {
            const repository = record("aws:ecr/repository:Repository", "llm", {
                imageScanningConfiguration: { scanOnPush: true },
            });
            assert.deepEqual(await violationsOf("ecr-scan-on-push", [repository]), []);
        });
    });

    describe("gpu-node-groups-tainted (advisory)", () => {
        const untainted = () =>
            record("aws:eks/nodeGroup:NodeGroup", "gpu", {
                amiType: "AL2023_x86_64_NVIDIA",
                taints: [],
            });

        it("fires on an NVIDIA node group without the GPU taint", async () => {
            const found = await violationsOf("gpu-node-groups-tainted", [untainted()]);
            assert.equal(found.length, 1);
            assert.match(found[0].message, /AL2023_x86_64_NVIDIA AMI without the taint/);
        });

        it("accepts tainted GPU groups and CPU groups without a taint", async () => {
            const found = await violationsOf("gpu-node-groups-tainted", [
                record("aws:eks/nodeGroup:NodeGroup", "gpu", {
                    amiType: "BOTTLEROCKET_x86_64_NVIDIA",
                    taints: [{ ...gpuTaintEks }],
                }),
                record("aws:eks/nodeGroup:NodeGroup", "system", {
                    amiType: "AL2023_x86_64_STANDARD",
                }),
            ]);
            assert.deepEqual(found, []);
        });

        it("is left out when advisory violations are not asked for", async () => {
            assert.deepEqual(
                await violationsOf("gpu-node-groups-tainted", [untainted()], "dev", {
                    includeAdvisory: false,
                }),
                [],
            );
        });
    });
});
