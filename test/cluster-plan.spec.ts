import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as fc from "fast-check";
import type { GpuClusterArgs } from "../components/gpu-cluster";
import {
    kubernetesVersionPins,
    resolveClusterSettings,
    validateClusterSettings,
} from "../components/plan/cluster-plan";
import {
    gpuNodeGroupPlan,
    launchTemplateBlockDeviceMappings,
    systemNodeGroupPlan,
} from "../components/plan/node-group-plan";
import {
    clusterAutoscalerPolicyStatements,
    clusterAutoscalerValues,
    devicePluginValues,
    renderKubeconfig,
    serviceAccountSubject,
} from "../components/plan/in-cluster-plan";
import { Problems } from "../components/plan/problems";

const baseArgs: GpuClusterArgs = {
    vpcId: "vpc-1",
    privateSubnetIds: ["subnet-a", "subnet-b"],
    gpuNodeGroups: [{ name: "inference", instanceTypes: ["g5.xlarge"], maxSize: 4 }],
};

function problemsFor(overrides: Partial<GpuClusterArgs>): string[] {
    const args = { ...baseArgs, ...overrides };
    const problems = new Problems();
    validateClusterSettings(resolveClusterSettings("demo", args), args, problems);
    return problems.list.map((p) => `${p.propertyPath}: ${p.reason}`);
}

describe("cluster plan", () => {
    describe("defaults", () => {
        it("names the cluster after the component and pins 1.34 with its add-on builds", () => {
            const settings = resolveClusterSettings("demo", baseArgs);
            assert.equal(settings.clusterName, "demo");
            assert.equal(settings.kubernetesVersion, "1.34");
            assert.deepEqual(settings.addonVersions, kubernetesVersionPins["1.34"].addons);
            assert.equal(settings.protect, true);
        });

        it("gives the system group 2/2/3 m6i.large with a 50 GiB root volume", () => {
            const { systemNodeGroup } = resolveClusterSettings("demo", baseArgs);
            assert.deepEqual(systemNodeGroup, {
                instanceTypes: ["m6i.large"],
                minSize: 2,
                desiredSize: 2,
                maxSize: 3,
                rootVolumeSizeGiB: 50,
            });
        });

        it("lets GPU groups scale from zero on demand with 200 GiB root volumes", () => {
            const [group] = resolveClusterSettings("demo", baseArgs).gpuNodeGroups;
            assert.equal(group.minSize, 0);
            assert.equal(group.desiredSize, 0);
            assert.equal(group.capacityType, "ON_DEMAND");
            assert.equal(group.rootVolumeSizeGiB, 200);
            assert.equal(group.maxUnavailable, 1);
        });

        it("overrides one add-on version without dropping the other pins", () => {
            const settings = resolveClusterSettings("demo", {
                ...baseArgs,
                addonVersions: { coredns: "v1.12.4-eksbuild.1" },
            });
            assert.equal(settings.addonVersions.coredns, "v1.12.4-eksbuild.1");
            assert.equal(
                settings.addonVersions.kubeProxy,
                kubernetesVersionPins["1.34"].addons.kubeProxy,
            );
        });
    });

    describe("validation", () => {
        const clusterCases: [string, Partial<GpuClusterArgs>, string[]][] = [
            [
                "an unpinned Kubernetes version",
                { kubernetesVersion: "1.20" },
                [
                    'kubernetesVersion: "1.20" has no pinned add-on and autoscaler versions; supported: 1.33, 1.34 (add a row to kubernetesVersionPins)',
                ],
            ],
            [
                "a reservation on spot",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            capacityType: "SPOT",
                            capacityReservationId: "cr-0123456789abcdef0",
                        },
                    ],
                },
                [
                    'gpuNodeGroups[0].capacityReservationId: reservations hold on-demand capacity; use capacityType "ON_DEMAND" or "CAPACITY_BLOCK"',
                ],
            ],
            [
                "a Capacity Block without its id",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            capacityType: "CAPACITY_BLOCK",
                        },
                    ],
                },
                [
                    'gpuNodeGroups[0].capacityReservationId: is required with capacityType "CAPACITY_BLOCK": the id of the Capacity Block',
                ],
            ],
            [
                "a Capacity Block with its id",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            capacityType: "CAPACITY_BLOCK",
                            capacityReservationId: "cr-0123456789abcdef0",
                        },
                    ],
                },
                [],
            ],
            [
                "a malformed reservation id",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            capacityType: "ON_DEMAND",
                            capacityReservationId: "xcr-1",
                        },
                    ],
                },
                [
                    'gpuNodeGroups[0].capacityReservationId: "xcr-1" is not a capacity reservation id (cr-…)',
                ],
            ],
            [
                "spot without a reservation",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            capacityType: "SPOT",
                        },
                    ],
                },
                [],
            ],
            [
                "an unknown capacity type",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            capacityType: "RESERVED",
                        },
                    ],
                },
                [
                    'gpuNodeGroups[0].capacityType: "RESERVED" is not one of ON_DEMAND, SPOT, CAPACITY_BLOCK',
                ],
            ],
            [
                "a GPU group without instance types",
                { gpuNodeGroups: [{ name: "inference", instanceTypes: [], maxSize: 4 }] },
                ["gpuNodeGroups[0].instanceTypes: at least one GPU instance type is required"],
            ],
            [
                "a system group without instance types",
                { systemNodeGroup: { instanceTypes: [] } },
                ["systemNodeGroup.instanceTypes: at least one instance type is required"],
            ],
            [
                "a GPU type in the system group",
                { systemNodeGroup: { instanceTypes: ["m6i.large", "g5.xlarge"] } },
                [
                    'systemNodeGroup.instanceTypes[1]: "g5.xlarge" is a GPU type; the system group runs CPU-only add-ons on the AL2023_x86_64_STANDARD AMI',
                ],
            ],
            [
                "an unknown capacity engine",
                { capacityEngine: "fargate" },
                [
                    'capacityEngine: "fargate" is not a capacity engine; use node-groups or karpenter',
                ],
            ],
            [
                "node groups without any GPU group",
                { capacityEngine: "node-groups", gpuNodeGroups: [] },
                [
                    'gpuNodeGroups: at least one GPU node group is required with capacity engine "node-groups"',
                ],
            ],
            [
                "NodePools with the node-groups engine",
                {
                    capacityEngine: "node-groups",
                    gpuNodePools: [
                        {
                            name: "p",
                            instanceFamilies: ["g6e"],
                            gpuLimit: 8,
                            consolidateAfterSeconds: 60,
                        },
                    ],
                },
                [
                    'gpuNodePools: are scaled by Karpenter; set capacityEngine: "karpenter" or move them to gpuNodeGroups',
                ],
            ],
            [
                "Karpenter with node groups and no pools",
                { capacityEngine: "karpenter" },
                [
                    'gpuNodeGroups: would have no autoscaler with capacity engine "karpenter"; move them to gpuNodePools',
                    "gpuNodePools: must list at least one GPU pool",
                ],
            ],
            [
                "Karpenter with one pool",
                {
                    capacityEngine: "karpenter",
                    gpuNodeGroups: [],
                    gpuNodePools: [
                        {
                            name: "p",
                            instanceFamilies: ["g6e"],
                            gpuLimit: 8,
                            consolidateAfterSeconds: 60,
                        },
                    ],
                },
                [],
            ],
            [
                "Karpenter with an empty pool list",
                { capacityEngine: "karpenter", gpuNodeGroups: [], gpuNodePools: [] },
                ["gpuNodePools: must list at least one GPU pool"],
            ],
            [
                "public CIDRs with a prefix, a suffix, an octet over 255, a mask over 32 and a 4-digit octet",
                {
                    endpointPublicAccess: true,
                    publicAccessCidrs: [
                        "10.0.0.0/8",
                        "x10.0.0.0/8",
                        "10.0.0.0/8x",
                        "256.0.0.0/8",
                        "10.0.0.0/33",
                        "1.1234.0.0/8",
                        "10.0.0.0/32",
                        "255.255.255.255/0",
                    ],
                },
                [
                    'publicAccessCidrs[1]: "x10.0.0.0/8" is not an IPv4 CIDR like 203.0.113.0/24',
                    'publicAccessCidrs[2]: "10.0.0.0/8x" is not an IPv4 CIDR like 203.0.113.0/24',
                    'publicAccessCidrs[3]: "256.0.0.0/8" is not an IPv4 CIDR like 203.0.113.0/24',
                    'publicAccessCidrs[4]: "10.0.0.0/33" is not an IPv4 CIDR like 203.0.113.0/24',
                    'publicAccessCidrs[5]: "1.1234.0.0/8" is not an IPv4 CIDR like 203.0.113.0/24',
                ],
            ],
            [
                "a public endpoint without CIDRs",
                { endpointPublicAccess: true },
                [
                    'publicAccessCidrs: required when endpointPublicAccess is true; list the networks that may reach the API (write "0.0.0.0/0" to allow the whole internet on purpose)',
                ],
            ],
            [
                "admin ARNs: prefixed, trailing line, sts, wrong partition and a repeat",
                {
                    adminPrincipalArns: [
                        "arn:aws:iam::123456789012:role/admin",
                        "xarn:aws:iam::123456789012:role/a",
                        "arn:aws:iam::123456789012:role/a\nx",
                        "arn:aws-cn:iam::123456789012:user/u",
                        "arn:aws:sts::123456789012:assumed-role/a/b",
                        "arn:aws1:iam::123456789012:role/a",
                        "arn:aws:iam::123456789012:role/admin",
                    ],
                },
                [
                    'adminPrincipalArns[1]: "xarn:aws:iam::123456789012:role/a" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); use the role ARN, not an sts assumed-role ARN',
                    'adminPrincipalArns[2]: "arn:aws:iam::123456789012:role/a\nx" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); use the role ARN, not an sts assumed-role ARN',
                    'adminPrincipalArns[4]: "arn:aws:sts::123456789012:assumed-role/a/b" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); use the role ARN, not an sts assumed-role ARN',
                    'adminPrincipalArns[5]: "arn:aws1:iam::123456789012:role/a" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); use the role ARN, not an sts assumed-role ARN',
                    'adminPrincipalArns[6]: "arn:aws:iam::123456789012:role/admin" is listed twice; EKS allows one access entry per principal',
                ],
            ],
            [
                "a fractional maxSize",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 2.5,
                            minSize: 0,
                        },
                    ],
                },
                [
                    "gpuNodeGroups[0].maxSize: 2.5 must be an integer ≥ 1; a group of at most 0 nodes can never run anything",
                ],
            ],
            [
                "a fractional minSize above maxSize, reported once, as not an integer",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            minSize: 2.5,
                            desiredSize: 2,
                            maxSize: 2,
                        },
                    ],
                },
                ["gpuNodeGroups[0].minSize: 2.5 must be an integer ≥ 0"],
            ],
            [
                "a fractional desiredSize",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            desiredSize: 1.5,
                        },
                    ],
                },
                ["gpuNodeGroups[0].desiredSize: 1.5 must be an integer"],
            ],
            [
                "a GPU group name that is not a label",
                { gpuNodeGroups: [{ name: "Bad", instanceTypes: ["g5.xlarge"], maxSize: 4 }] },
                [
                    "gpuNodeGroups[0].name: \"Bad\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters",
                ],
            ],
            [
                "two GPU groups with one name",
                {
                    gpuNodeGroups: [
                        { name: "a", instanceTypes: ["g5.xlarge"], maxSize: 1 },
                        { name: "a", instanceTypes: ["g5.xlarge"], maxSize: 1 },
                    ],
                },
                [
                    'gpuNodeGroups[1].name: "a" is used by an earlier group; group names must be unique',
                ],
            ],
            [
                "a fractional GPU root volume",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            rootVolumeSizeGiB: 60.5,
                        },
                    ],
                },
                [
                    "gpuNodeGroups[0].rootVolumeSizeGiB: 60.5 GiB must be an integer in [50, 16384] (serving images are 10–25 GB unpacked, stored twice by containerd)",
                ],
            ],
            [
                "a fractional maxUnavailable",
                {
                    gpuNodeGroups: [
                        {
                            name: "inference",
                            instanceTypes: ["g5.xlarge"],
                            maxSize: 4,
                            maxUnavailable: 2.5,
                        },
                    ],
                },
                [
                    "gpuNodeGroups[0].maxUnavailable: 2.5 must be an integer in [1, 100] (EKS update limit)",
                ],
            ],
        ];
        for (const [what, overrides, expected] of clusterCases)
            it(`${expected.length === 0 ? "accepts" : "names every problem with"} ${what}`, () => {
                assert.deepEqual(problemsFor(overrides), expected);
            });

        it("accepts the minimal arguments", () => {
            assert.deepEqual(problemsFor({}), []);
        });

        it("requires a kube-proxy build that matches the Kubernetes version", () => {
            const problems = problemsFor({
                kubernetesVersion: "1.33",
                addonVersions: { kubeProxy: "v1.34.0-eksbuild.2" },
            });
            assert.deepEqual(problems, [
                'addonVersions.kubeProxy: "v1.34.0-eksbuild.2" does not match kubernetesVersion 1.33; kube-proxy must run the control plane\'s minor version',
            ]);
        });

        it("rejects a system group that could scale to zero", () => {
            const problems = problemsFor({ systemNodeGroup: { minSize: 0, desiredSize: 0 } });
            assert.match(
                problems.join("\n"),
                /^systemNodeGroup\.minSize: 0 must be an integer ≥ 1 \(the system group hosts CoreDNS/m,
            );
        });

        it("rejects GPU instance types in the system group", () => {
            assert.match(
                problemsFor({ systemNodeGroup: { instanceTypes: ["g5.xlarge"] } }).join("\n"),
                /systemNodeGroup\.instanceTypes\[0\]: "g5\.xlarge" is a GPU type/,
            );
        });

        it("rejects reserved scheduling labels in user labels", () => {
            const problems = problemsFor({
                gpuNodeGroups: [
                    {
                        name: "a",
                        instanceTypes: ["g5.xlarge"],
                        maxSize: 1,
                        labels: { "gpu-serving.io/gpu-group": "b" },
                    },
                ],
            });
            assert.deepEqual(problems, [
                'gpuNodeGroups[0].labels["gpu-serving.io/gpu-group"]: is set by GpuCluster for workload scheduling and cannot be overridden',
            ]);
        });

        it("rejects group names that leave no room for the node group suffix", () => {
            const name = "a".repeat(37);
            assert.match(
                problemsFor({
                    gpuNodeGroups: [{ name, instanceTypes: ["g5.xlarge"], maxSize: 1 }],
                }).join("\n"),
                /gpuNodeGroups\[0\]\.name: "a{37}" has 37 characters; at most 36/,
            );
        });

        it("rejects CIDRs when the endpoint stays private", () => {
            assert.deepEqual(problemsFor({ publicAccessCidrs: ["203.0.113.0/24"] }), [
                "publicAccessCidrs: set while endpointPublicAccess is false; the CIDRs would have no effect",
            ]);
        });

        it("accepts the whole internet only when it is listed explicitly", () => {
            assert.deepEqual(
                problemsFor({ endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }),
                [],
            );
        });

        it("reports a second admin access entry for the same principal", () => {
            const arn = "arn:aws:iam::123456789012:role/admin";
            assert.deepEqual(problemsFor({ adminPrincipalArns: [arn, arn] }), [
                `adminPrincipalArns[1]: "${arn}" is listed twice; EKS allows one access entry per principal`,
            ]);
        });

        it("skips the subnet count check while the subnet list is still an Output", () => {
            assert.deepEqual(problemsFor({ privateSubnetIds: pulumi.output([]) }), []);
        });

        it("accepts any desired size within [min, max] and rejects any outside (property)", () => {
            fc.assert(
                fc.property(fc.nat(20), fc.nat(20), fc.nat(20), (minSize, desiredSize, extra) => {
                    const maxSize = Math.max(1, minSize + extra);
                    const problems = problemsFor({
                        gpuNodeGroups: [
                            {
                                name: "a",
                                instanceTypes: ["g5.xlarge"],
                                minSize,
                                desiredSize,
                                maxSize,
                            },
                        ],
                    });
                    const inRange = desiredSize >= minSize && desiredSize <= maxSize;
                    assert.equal(problems.length === 0, inRange, problems.join("\n"));
                }),
            );
        });
    });

    describe("node groups", () => {
        // Resolved per test: Stryker counts only code run in a test or its beforeEach.
        let settings: ReturnType<typeof resolveClusterSettings>;
        beforeEach(() => {
            settings = resolveClusterSettings("demo", {
                ...baseArgs,
                tags: { team: "ml" },
                gpuNodeGroups: [
                    {
                        name: "big",
                        instanceTypes: ["g5.12xlarge", "g6.12xlarge"],
                        maxSize: 2,
                        labels: { tier: "gold" },
                    },
                ],
            });
        });

        it("labels GPU nodes with the scheduling contract plus user labels and taints them", () => {
            const plan = gpuNodeGroupPlan(settings, settings.gpuNodeGroups[0]);
            assert.deepEqual(plan.labels, {
                tier: "gold",
                "gpu-serving.io/node-role": "gpu",
                "gpu-serving.io/gpu-group": "big",
                "nvidia.com/gpu.present": "true",
            });
            assert.deepEqual(plan.taints, [
                { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" },
            ]);
            assert.equal(plan.amiType, "AL2023_x86_64_NVIDIA");
        });

        it("keeps the system group untainted on the standard AMI", () => {
            const plan = systemNodeGroupPlan(settings);
            assert.deepEqual(plan.taints, []);
            assert.equal(plan.amiType, "AL2023_x86_64_STANDARD");
            assert.deepEqual(plan.labels, { "gpu-serving.io/node-role": "system" });
            assert.deepEqual(plan.nodeTemplateTags, {});
        });

        it("tags GPU groups for auto-discovery and a scale-from-zero node template", () => {
            const { tags } = gpuNodeGroupPlan(settings, settings.gpuNodeGroups[0]);
            assert.equal(tags.team, "ml");
            assert.equal(tags["k8s.io/cluster-autoscaler/enabled"], "true");
            assert.equal(tags["k8s.io/cluster-autoscaler/demo"], "owned");
            assert.equal(
                tags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"],
                "true:NoSchedule",
            );
            assert.equal(
                tags["k8s.io/cluster-autoscaler/node-template/label/gpu-serving.io/gpu-group"],
                "big",
            );
            assert.equal(
                tags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"],
                "4",
            );
        });

        it("advertises the GPU count of the smallest type in a mixed group", () => {
            const mixed = resolveClusterSettings("demo", {
                ...baseArgs,
                gpuNodeGroups: [
                    { name: "mixed", instanceTypes: ["g5.12xlarge", "g5.2xlarge"], maxSize: 2 },
                ],
            });
            const plan = gpuNodeGroupPlan(mixed, mixed.gpuNodeGroups[0]);
            assert.equal(
                plan.nodeTemplateTags[
                    "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"
                ],
                "1",
            );
        });

        it("maps the root volume to the AL2023 root device as encrypted gp3", () => {
            assert.deepEqual(launchTemplateBlockDeviceMappings(300), [
                {
                    deviceName: "/dev/xvda",
                    ebs: {
                        volumeSize: 300,
                        volumeType: "gp3",
                        encrypted: "true",
                        deleteOnTermination: "true",
                    },
                },
            ]);
        });
    });

    describe("in-cluster", () => {
        it("renders a kubeconfig that runs aws eks get-token for the cluster and region", () => {
            const kubeconfig = JSON.parse(
                renderKubeconfig({
                    clusterName: "demo",
                    endpoint: "https://x.eks",
                    certificateAuthorityData: "Q0E=",
                    region: "eu-west-1",
                }),
            );
            assert.equal(kubeconfig.clusters[0].cluster.server, "https://x.eks");
            assert.equal(kubeconfig.clusters[0].cluster["certificate-authority-data"], "Q0E=");
            assert.equal(kubeconfig["current-context"], "demo");
            const exec = kubeconfig.users[0].user.exec;
            assert.equal(exec.command, "aws");
            assert.deepEqual(exec.args, [
                "eks",
                "get-token",
                "--cluster-name",
                "demo",
                "--region",
                "eu-west-1",
                "--output",
                "json",
            ]);
        });

        it("schedules the device plugin on GPU nodes only and tolerates the GPU taint", () => {
            const values = devicePluginValues() as any;
            assert.deepEqual(values.nodeSelector, { "gpu-serving.io/node-role": "gpu" });
            const terms =
                values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
                    .nodeSelectorTerms;
            assert.deepEqual(terms, [
                {
                    matchExpressions: [
                        { key: "gpu-serving.io/node-role", operator: "In", values: ["gpu"] },
                    ],
                },
            ]);
            assert.deepEqual(values.tolerations[0], {
                key: "nvidia.com/gpu",
                operator: "Equal",
                value: "true",
                effect: "NoSchedule",
            });
        });

        it("runs the autoscaler on system nodes with least-waste and balanced groups", () => {
            const values = clusterAutoscalerValues({
                clusterName: "demo",
                region: "eu-west-1",
                imageTag: "v1.34.2",
            }) as any;
            assert.deepEqual(values.autoDiscovery, { clusterName: "demo" });
            assert.equal(values.awsRegion, "eu-west-1");
            assert.deepEqual(values.nodeSelector, { "gpu-serving.io/node-role": "system" });
            assert.equal(values.extraArgs.expander, "least-waste");
            assert.equal(values.extraArgs["balance-similar-node-groups"], true);
            assert.deepEqual(values.rbac.serviceAccount, {
                create: false,
                name: "cluster-autoscaler",
            });
        });

        it("lets the autoscaler resize only Auto Scaling groups tagged as the cluster's", () => {
            const [scale, describe] = clusterAutoscalerPolicyStatements("demo");
            assert.deepEqual(scale.actions, [
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ]);
            assert.deepEqual(scale.conditions, [
                {
                    test: "StringEquals",
                    variable: "aws:ResourceTag/k8s.io/cluster-autoscaler/demo",
                    values: ["owned"],
                },
            ]);
            // Everything else it needs only reads: Describe*/Get* on any resource.
            assert.deepEqual(describe.actions, [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ]);
            assert.deepEqual(describe.conditions, undefined);
        });
    });
});

describe("cluster plan details", () => {
    it("renders a kubeconfig of one cluster, context and exec user, all named after the cluster", () => {
        const kubeconfig = JSON.parse(
            renderKubeconfig({
                clusterName: "gpu",
                endpoint: "https://e",
                certificateAuthorityData: "Q0E=",
                region: "eu-west-1",
            } as any),
        );
        assert.deepEqual(kubeconfig, {
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                {
                    name: "gpu",
                    cluster: { server: "https://e", "certificate-authority-data": "Q0E=" },
                },
            ],
            contexts: [{ name: "gpu", context: { cluster: "gpu", user: "gpu" } }],
            "current-context": "gpu",
            users: [
                {
                    name: "gpu",
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: "aws",
                            args: [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                "gpu",
                                "--region",
                                "eu-west-1",
                                "--output",
                                "json",
                            ],
                            interactiveMode: "Never",
                        },
                    },
                },
            ],
        });
    });

    it("runs the device plugin node-critical, tolerating the GPU taint and CriticalAddonsOnly", () => {
        const values = devicePluginValues() as any;
        assert.deepEqual(values.tolerations, [
            { key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" },
            { key: "CriticalAddonsOnly", operator: "Exists" },
        ]);
        assert.equal(values.priorityClassName, "system-node-critical");
    });

    it("gives the autoscaler its cloud provider, region, image tag and the service account GpuCluster makes", () => {
        assert.deepEqual(
            clusterAutoscalerValues({
                clusterName: "gpu",
                region: "eu-west-1",
                imageTag: "v1.34.0",
            }),
            {
                cloudProvider: "aws",
                awsRegion: "eu-west-1",
                autoDiscovery: { clusterName: "gpu" },
                image: { tag: "v1.34.0" },
                fullnameOverride: "cluster-autoscaler",
                rbac: { serviceAccount: { create: false, name: "cluster-autoscaler" } },
                nodeSelector: { "gpu-serving.io/node-role": "system" },
                extraArgs: { expander: "least-waste", "balance-similar-node-groups": true },
            },
        );
    });

    it("lets the autoscaler scale only its own groups and describe the rest, by statement", () => {
        const [scale, describe] = clusterAutoscalerPolicyStatements("gpu");
        assert.deepEqual(
            [scale.sid, scale.resources, scale.conditions],
            [
                "ScaleOwnNodeGroups",
                ["*"],
                [
                    {
                        test: "StringEquals",
                        variable: "aws:ResourceTag/k8s.io/cluster-autoscaler/gpu",
                        values: ["owned"],
                    },
                ],
            ],
        );
        assert.deepEqual(
            [describe.sid, describe.resources, describe.conditions],
            ["DescribeScalingState", ["*"], undefined],
        );
    });

    it("names a ServiceAccount as the IRSA subject", () => {
        assert.equal(
            serviceAccountSubject({ namespace: "kube-system", name: "ca" }),
            "system:serviceaccount:kube-system:ca",
        );
    });

    it("plans the system group on demand as system-*, with its scaling and the cluster's tags", () => {
        const settings = resolveClusterSettings("demo", { ...baseArgs, tags: { team: "ml" } });
        const plan = systemNodeGroupPlan(settings);
        assert.deepEqual(
            [plan.role, plan.nodeGroupNamePrefix, plan.capacityType, plan.scaling, plan.tags],
            [
                "system",
                "system-",
                "ON_DEMAND",
                { minSize: 2, desiredSize: 2, maxSize: 3 },
                { team: "ml" },
            ],
        );
    });

    it("sends a GPU group into its reservation, as a Capacity Block when its capacity type says so", () => {
        const group = (name: string, capacityType?: string) => ({
            name,
            instanceTypes: ["g5.xlarge"],
            maxSize: 2,
            capacityType,
            capacityReservationId: "cr-0123456789abcdef0",
        });
        const settings = resolveClusterSettings("demo", {
            ...baseArgs,
            gpuNodeGroups: [group("big", "CAPACITY_BLOCK"), group("od")] as any,
        });
        assert.deepEqual(
            settings.gpuNodeGroups.map((g) => {
                const plan = gpuNodeGroupPlan(settings, g);
                return [plan.role, plan.nodeGroupNamePrefix, plan.reservation, plan.scaling];
            }),
            [
                [
                    "gpu-big",
                    "big-",
                    { capacityReservationId: "cr-0123456789abcdef0", capacityBlock: true },
                    { minSize: 0, desiredSize: 0, maxSize: 2 },
                ],
                [
                    "gpu-od",
                    "od-",
                    { capacityReservationId: "cr-0123456789abcdef0", capacityBlock: false },
                    { minSize: 0, desiredSize: 0, maxSize: 2 },
                ],
            ],
        );
        assert.equal(
            gpuNodeGroupPlan(settings, { ...settings.gpuNodeGroups[1], capacityReservationId: "" })
                .reservation,
            undefined,
        );
    });

    it("defaults Karpenter to AL2023 latest on the pinned chart, no Load Balancer Controller, no tags", () => {
        // No gpuNodeGroups at all, as a Karpenter-only stack may leave them out of plain JS args.
        const settings = resolveClusterSettings("demo", {
            vpcId: "v",
            privateSubnetIds: ["a", "b"],
        } as any);
        assert.deepEqual(
            [
                settings.karpenter,
                settings.loadBalancerController,
                settings.tags,
                settings.gpuNodeGroups,
            ],
            [{ amiFamily: "AL2023", amiVersion: "latest", chartVersion: "1.13.0" }, false, {}, []],
        );
    });

    it("takes Karpenter's AMI family, version and chart, and the Load Balancer Controller, as given", () => {
        const settings = resolveClusterSettings("demo", {
            ...baseArgs,
            karpenter: { amiFamily: "Bottlerocket", amiVersion: "v1", chartVersion: "1.2.3" },
            loadBalancerController: true,
        } as any);
        assert.deepEqual(
            [settings.karpenter, settings.loadBalancerController],
            [{ amiFamily: "Bottlerocket", amiVersion: "v1", chartVersion: "1.2.3" }, true],
        );
    });

    it("resolves a version without pins instead of throwing, so validation can name it", () => {
        assert.doesNotThrow(() =>
            resolveClusterSettings("demo", { ...baseArgs, kubernetesVersion: "1.20" }),
        );
    });
});
