import { strict as assert } from "assert";
import {
    disruptionBudgets,
    ec2NodeClassSpec,
    Ec2NodeClassInput,
    fittingInstanceTypes,
    GpuNodePoolInput,
    instanceGeneration,
    karpenterDuration,
    nodePoolRequirements,
    nodePoolSelectionProblems,
    nodePoolSpec,
} from "../components/plan/node-pool-plan";
import {
    gpuNodePoolProblems,
    NodePoolValidationInput,
    NodePoolsValidationInput,
} from "../components/plan/node-pool-validation";
import { Problems } from "../components/plan/problems";
import { validateKubernetesObject } from "./harness/kubernetes-schemas";

const pool: GpuNodePoolInput = {
    name: "inference",
    instanceFamilies: ["g6e"],
    capacityTypes: ["on-demand", "spot"],
    gpuLimit: 8,
    consolidateAfterSeconds: 161,
    labels: {},
    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu-inference" },
};

const nodeClass: Ec2NodeClassInput = {
    clusterName: "gpu-serving-prod",
    nodeRoleName: "karpenter-node-role",
    amiFamily: "AL2023",
    rootVolumeSizeGiB: 50,
    dataVolumeSizeGiB: 200,
    capacityReservationIds: [],
    tags: {},
};

function problems(input: Partial<NodePoolsValidationInput>, poolOverrides = {}): string[] {
    const found = new Problems();
    gpuNodePoolProblems(
        {
            clusterName: "c",
            nodeRoleName: "r",
            pools: [
                {
                    name: "inference",
                    instanceFamilies: ["g6e"],
                    gpuLimit: 8,
                    consolidateAfterSeconds: 161,
                    ...poolOverrides,
                },
            ],
            ...input,
        },
        found,
    );
    return found.list.map((p) => `${p.propertyPath}: ${p.reason}`);
}

describe("GPU NodePool plan", () => {
    it("renders a NodePool the karpenter.sh/v1 schema accepts", async () => {
        await validateKubernetesObject(
            {
                apiVersion: "karpenter.sh/v1",
                kind: "NodePool",
                metadata: { name: "inference" },
                spec: nodePoolSpec({
                    ...pool,
                    minGpusPerNode: 4,
                    businessHours: { days: "mon-fri", startHourUtc: 8, hours: 10 },
                }),
            },
            "NodePool",
        );
    });

    it("renders EC2NodeClasses the karpenter.k8s.aws/v1 schema accepts, for both AMI families", async () => {
        for (const amiFamily of ["AL2023", "Bottlerocket"] as const) {
            await validateKubernetesObject(
                {
                    apiVersion: "karpenter.k8s.aws/v1",
                    kind: "EC2NodeClass",
                    metadata: { name: "gpu-inference" },
                    spec: ec2NodeClassSpec({
                        ...nodeClass,
                        amiFamily,
                        imageCacheSnapshotId: "snap-0123456789abcdef0",
                        capacityReservationIds: ["cr-0123456789abcdef0"],
                    }),
                },
                amiFamily,
            );
        }
    });

    it("taints nodes nvidia.com/gpu=true:NoSchedule and labels them with the group, like node groups", () => {
        const template = nodePoolSpec(pool).template;
        assert.deepEqual(template.spec.taints, [
            { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" },
        ]);
        assert.deepEqual(template.metadata.labels, {
            "gpu-serving.io/node-role": "gpu",
            "gpu-serving.io/gpu-group": "inference",
            "nvidia.com/gpu.present": "true",
        });
    });

    it("limits the pool's GPUs and consolidates after the configured seconds", () => {
        const spec = nodePoolSpec(pool);
        assert.deepEqual(spec.limits, { "nvidia.com/gpu": "8" });
        assert.equal(spec.disruption.consolidateAfter, "161s");
        assert.equal(spec.disruption.consolidationPolicy, "WhenEmptyOrUnderutilized");
    });

    it("selects families, GPU count from the largest replica up, and capacity types", () => {
        assert.deepEqual(nodePoolRequirements({ ...pool, minGpusPerNode: 4 }), [
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g6e"] },
            { key: "karpenter.k8s.aws/instance-gpu-count", operator: "Gt", values: ["3"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand", "spot"] },
        ]);
    });

    it("adds a generation floor and a GPU ceiling when set (Gt n-1, Lt n+1)", () => {
        const keys = nodePoolRequirements({
            ...pool,
            minInstanceGeneration: 6,
            maxGpusPerNode: 1,
        }).map((r) => `${r.key} ${r.operator} ${r.values?.join(",")}`);
        assert.ok(keys.includes("karpenter.k8s.aws/instance-generation Gt 5"));
        assert.ok(keys.includes("karpenter.k8s.aws/instance-gpu-count Gt 0"));
        assert.ok(keys.includes("karpenter.k8s.aws/instance-gpu-count Lt 2"));
    });

    it("keeps at most one node in disruption, and busy nodes in place during business hours", () => {
        assert.deepEqual(disruptionBudgets(pool), [{ nodes: "1" }]);
        assert.deepEqual(
            disruptionBudgets({
                ...pool,
                businessHours: { days: "mon-fri", startHourUtc: 7, hours: 11 },
            }),
            [
                { nodes: "1" },
                {
                    nodes: "0",
                    reasons: ["Underutilized", "Drifted"],
                    schedule: "0 7 * * mon-fri",
                    duration: "11h",
                },
            ],
        );
    });

    it("writes durations in the largest whole unit Karpenter accepts", () => {
        assert.equal(karpenterDuration(59), "59s");
        assert.equal(karpenterDuration(60), "1m");
        assert.equal(karpenterDuration(61), "61s");
        assert.equal(karpenterDuration(3600), "1h");
        assert.equal(karpenterDuration(720 * 3600), "720h");
        assert.equal(karpenterDuration(160.2), "161s");
    });

    it("reads generations from family names", () => {
        assert.deepEqual(
            ["g4dn", "g5", "g6e", "p4de", "p5en"].map(instanceGeneration),
            [4, 5, 6, 4, 5],
        );
    });

    it("lists fitting types fewest GPUs first, within the GPU bounds", () => {
        assert.deepEqual(
            fittingInstanceTypes({ instanceFamilies: ["g6e"], maxGpusPerNode: 1 }, 1),
            ["g6e.xlarge", "g6e.2xlarge", "g6e.4xlarge", "g6e.8xlarge", "g6e.16xlarge"],
        );
        assert.deepEqual(fittingInstanceTypes({ instanceFamilies: ["g6e"] }, 4), [
            "g6e.12xlarge",
            "g6e.24xlarge",
            "g6e.48xlarge",
        ]);
        assert.deepEqual(
            fittingInstanceTypes({ instanceFamilies: ["g5", "g6e"], minInstanceGeneration: 6 }, 8),
            ["g6e.48xlarge"],
        );
    });

    it("writes zero seconds as seconds, not hours or minutes", () => {
        assert.equal(karpenterDuration(0), "0s");
    });

    it("expires nodes after 720 hours unless told otherwise", () => {
        assert.equal(nodePoolSpec(pool).template.spec.expireAfter, "720h");
        assert.equal(
            nodePoolSpec({ ...pool, expireAfterHours: 36 }).template.spec.expireAfter,
            "36h",
        );
    });

    it("reads multi-letter categories, multi-digit generations, and nothing from a name not starting with letters", () => {
        assert.deepEqual(["trn1", "g10", "9g6", ""].map(instanceGeneration), [1, 10, 0, 0]);
    });

    it("orders fitting types across families by GPUs, then vCPUs, then name", () => {
        assert.deepEqual(fittingInstanceTypes({ instanceFamilies: ["g6e", "g5"] }, 1), [
            "g5.xlarge",
            "g6e.xlarge",
            "g5.2xlarge",
            "g6e.2xlarge",
            "g5.4xlarge",
            "g6e.4xlarge",
            "g5.8xlarge",
            "g6e.8xlarge",
            "g5.16xlarge",
            "g6e.16xlarge",
            "g5.12xlarge",
            "g6e.12xlarge",
            "g5.24xlarge",
            "g6e.24xlarge",
            "g5.48xlarge",
            "g6e.48xlarge",
        ]);
    });

    it("names an unknown family by index and lists the supported ones", () => {
        assert.deepEqual(nodePoolSelectionProblems({ instanceFamilies: ["g5", "x9"] }), [
            {
                propertyPath: "instanceFamilies[1]",
                reason: 'unknown GPU instance family "x9"; supported families: g4dn, g5, g6, g6e, p4d, p4de, p5, p5e, p5en',
            },
        ]);
    });

    it("says which GPU count and generation no type of the families has", () => {
        assert.deepEqual(
            nodePoolSelectionProblems({ instanceFamilies: ["g5"], minGpusPerNode: 16 }),
            [
                {
                    propertyPath: "instanceFamilies",
                    reason: "no g5 type has 16 or more GPUs; widen the families or raise maxGpusPerNode",
                },
            ],
        );
        assert.deepEqual(
            nodePoolSelectionProblems({ instanceFamilies: ["g5"], minInstanceGeneration: 6 }),
            [
                {
                    propertyPath: "instanceFamilies",
                    reason: "no g5 type has 1 or more GPUs at generation ≥ 6; widen the families or raise maxGpusPerNode",
                },
            ],
        );
    });

    describe("EC2NodeClass", () => {
        it("uses IMDSv2 only with a hop limit of 1", () => {
            assert.deepEqual(ec2NodeClassSpec(nodeClass).metadataOptions, {
                httpEndpoint: "enabled",
                httpProtocolIPv6: "disabled",
                httpPutResponseHopLimit: 1,
                httpTokens: "required",
            });
        });

        it("finds subnets and security groups by the cluster's discovery tag", () => {
            const spec = ec2NodeClassSpec(nodeClass);
            const discovery = [{ tags: { "karpenter.sh/discovery": "gpu-serving-prod" } }];
            assert.deepEqual(spec.subnetSelectorTerms, discovery);
            assert.deepEqual(spec.securityGroupSelectorTerms, discovery);
        });

        it("restores the image volume from the snapshot, on xvdb for Bottlerocket and AL2023", () => {
            for (const amiFamily of ["AL2023", "Bottlerocket"] as const) {
                const devices = ec2NodeClassSpec({
                    ...nodeClass,
                    amiFamily,
                    imageCacheSnapshotId: "snap-0123456789abcdef0",
                }).blockDeviceMappings as any[];
                assert.equal(devices[1].deviceName, "/dev/xvdb");
                assert.equal(devices[1].ebs.snapshotID, "snap-0123456789abcdef0");
                assert.equal(devices[1].ebs.encrypted, true);
                assert.equal(devices[0].ebs.snapshotID, undefined);
            }
        });

        it("mounts AL2023's image volume over containerd's root before images are pulled", () => {
            const spec = ec2NodeClassSpec(nodeClass);
            assert.match(String(spec.userData), /mount \/dev\/xvdb \/var\/lib\/containerd/);
            assert.equal(
                ec2NodeClassSpec({ ...nodeClass, amiFamily: "Bottlerocket" }).userData,
                undefined,
            );
        });

        it("picks the NVIDIA-capable AMI family by alias", () => {
            assert.deepEqual(ec2NodeClassSpec(nodeClass).amiSelectorTerms, [
                { alias: "al2023@latest" },
            ]);
            assert.deepEqual(
                ec2NodeClassSpec({ ...nodeClass, amiFamily: "Bottlerocket", amiVersion: "v1.30.0" })
                    .amiSelectorTerms,
                [{ alias: "bottlerocket@v1.30.0" }],
            );
        });

        it("boots Bottlerocket from an encrypted gp3 xvda and keeps its images on xvdb, tagged as asked", () => {
            const spec = ec2NodeClassSpec({
                ...nodeClass,
                amiFamily: "Bottlerocket",
                rootVolumeSizeGiB: 8,
                tags: { team: "ml" },
            });
            const gp3 = { volumeType: "gp3", encrypted: true, deleteOnTermination: true };
            assert.deepEqual(spec.blockDeviceMappings, [
                { deviceName: "/dev/xvda", rootVolume: false, ebs: { volumeSize: "8Gi", ...gp3 } },
                { deviceName: "/dev/xvdb", rootVolume: true, ebs: { volumeSize: "200Gi", ...gp3 } },
            ]);
            assert.deepEqual(spec.tags, { team: "ml" });
        });

        it("boots AL2023 from its root device and mounts the image volume from xvdb", () => {
            const gp3 = { volumeType: "gp3", encrypted: true, deleteOnTermination: true };
            assert.deepEqual(ec2NodeClassSpec(nodeClass).blockDeviceMappings, [
                { deviceName: "/dev/xvda", rootVolume: true, ebs: { volumeSize: "50Gi", ...gp3 } },
                {
                    deviceName: "/dev/xvdb",
                    rootVolume: false,
                    ebs: { volumeSize: "200Gi", ...gp3 },
                },
            ]);
        });

        it("gives AL2023 a MIME multipart user data that formats a blank volume and mounts it over containerd", () => {
            assert.equal(
                ec2NodeClassSpec(nodeClass).userData,
                [
                    "MIME-Version: 1.0",
                    'Content-Type: multipart/mixed; boundary="BOUNDARY"',
                    "",
                    "--BOUNDARY",
                    'Content-Type: text/x-shellscript; charset="us-ascii"',
                    "",
                    "#!/bin/bash",
                    "set -euo pipefail",
                    "for _ in $(seq 1 60); do [ -e /dev/xvdb ] && break; sleep 1; done",
                    "blkid /dev/xvdb >/dev/null || mkfs.xfs -q /dev/xvdb",
                    "running=0; systemctl is-active --quiet containerd && running=1 && systemctl stop containerd",
                    "mkdir -p /var/lib/containerd",
                    "mount /dev/xvdb /var/lib/containerd",
                    'echo "/dev/xvdb /var/lib/containerd xfs defaults,nofail 0 2" >> /etc/fstab',
                    '[ "$running" = 0 ] || systemctl start containerd',
                    "",
                    "--BOUNDARY--",
                    "",
                ].join("\n"),
            );
        });

        it("selects capacity reservations by id, only when there are some", () => {
            assert.equal(ec2NodeClassSpec(nodeClass).capacityReservationSelectorTerms, undefined);
            assert.deepEqual(
                ec2NodeClassSpec({ ...nodeClass, capacityReservationIds: ["cr-0123456789abcdef0"] })
                    .capacityReservationSelectorTerms,
                [{ id: "cr-0123456789abcdef0" }],
            );
        });
    });

    describe("validation", () => {
        it("accepts a plain pool", () => {
            assert.deepEqual(problems({}), []);
        });

        it("rejects a GPU limit below one node's worth, accepts exactly one", () => {
            assert.deepEqual(problems({}, { gpuLimit: 4, minGpusPerNode: 4 }), []);
            assert.match(
                problems({}, { gpuLimit: 3, minGpusPerNode: 4 }).join("\n"),
                /pools\[0\]\.gpuLimit: must be a whole number of GPUs, at least one node's worth \(4\), got 3/,
            );
        });

        it("bounds business hours to 0–23 and 1–24", () => {
            const hours = (startHourUtc: number, h: number) =>
                problems({}, { businessHours: { days: "mon-fri", startHourUtc, hours: h } });
            assert.deepEqual(hours(0, 1), []);
            assert.deepEqual(hours(23, 24), []);
            assert.match(hours(24, 10).join(), /startHourUtc: must be an hour 0–23/);
            assert.match(hours(8, 0).join(), /hours: must be 1–24 hours, got 0/);
            assert.match(hours(8, 25).join(), /hours: must be 1–24 hours, got 25/);
        });

        it("names unknown families and families without a fitting size", () => {
            assert.match(
                problems({}, { instanceFamilies: ["g7"] }).join(),
                /instanceFamilies\[0\]: unknown GPU instance family "g7"/,
            );
            assert.match(
                problems(
                    {},
                    { instanceFamilies: ["g5"], minGpusPerNode: 2, maxGpusPerNode: 2 },
                ).join(),
                /no g5 type has 2–2 GPUs/,
            );
        });

        it("ties reserved capacity and reservation ids together on EC2", () => {
            assert.match(
                problems({}, { capacityTypes: ["reserved"] }).join(),
                /capacity type "reserved" needs the reservations/,
            );
            assert.match(
                problems({}, { capacityReservationIds: ["cr-0123456789abcdef0"] }).join(),
                /add it to capacityTypes/,
            );
            assert.deepEqual(
                problems(
                    {},
                    {
                        capacityTypes: ["reserved", "on-demand"],
                        capacityReservationIds: ["cr-0123456789abcdef0"],
                    },
                ),
                [],
            );
            assert.match(
                problems({}, { capacityTypes: ["ondemand"] }).join(),
                /"ondemand" is not a capacity type/,
            );
        });

        it("rejects EC2-only settings with an existing node class", () => {
            assert.match(
                problems(
                    {
                        existingNodeClass: {
                            group: "karpenter.kwok.sh",
                            kind: "KWOKNodeClass",
                            name: "local",
                        },
                    },
                    { imageCacheSnapshotId: "snap-0123456789abcdef0" },
                ).join(),
                /imageCacheSnapshotId: is an EC2NodeClass setting/,
            );
        });

        const gpuBound = "must be 1–8, got";
        const badPools: [string, Partial<NodePoolValidationInput>, string[]][] = [
            ["minGpusPerNode under 1", { minGpusPerNode: 0 }, [`minGpusPerNode: ${gpuBound} 0`]],
            ["a GPU limit of exactly minGpusPerNode 8", { minGpusPerNode: 8, gpuLimit: 8 }, []],
            [
                "maxGpusPerNode over 8",
                { maxGpusPerNode: 9 },
                ["maxGpusPerNode: must be between minGpusPerNode (1) and 8, got 9"],
            ],
            [
                "a fractional minInstanceGeneration",
                { minInstanceGeneration: 4.5 },
                ["minInstanceGeneration: must be a generation number such as 5 or 6, got 4.5"],
            ],
            [
                "consolidateAfterSeconds under 0",
                { consolidateAfterSeconds: -1 },
                ["consolidateAfterSeconds: must be whole seconds ≥ 0, got -1"],
            ],
            ["consolidateAfterSeconds of 0", { consolidateAfterSeconds: 0 }, []],
            [
                "expireAfterHours under 1",
                { expireAfterHours: 0 },
                ["expireAfterHours: must be whole hours ≥ 1, got 0"],
            ],
            ["expireAfterHours of 1", { expireAfterHours: 1 }, []],
            [
                "business days with a capital letter",
                { businessHours: { days: "Mon", startHourUtc: 8, hours: 10 } },
                [
                    'businessHours.days: must be a cron day-of-week field such as "mon-fri" or "1-5", got "Mon"',
                ],
            ],
            [
                "business days with a trailing space",
                { businessHours: { days: "mon-fri ", startHourUtc: 8, hours: 10 } },
                [
                    'businessHours.days: must be a cron day-of-week field such as "mon-fri" or "1-5", got "mon-fri "',
                ],
            ],
            [
                "no capacity types",
                { capacityTypes: [] },
                ["capacityTypes: must list at least one capacity type"],
            ],
            [
                "an unknown second capacity type",
                { capacityTypes: ["on-demand", "ondemand"] },
                [
                    'capacityTypes[1]: "ondemand" is not a capacity type; use reserved, on-demand, spot',
                ],
            ],
            [
                "reservation ids with a prefix, a suffix, or too few digits",
                {
                    capacityTypes: ["reserved"],
                    capacityReservationIds: [
                        "xcr-0123456789abcdef0",
                        "cr-0123456789abcdef0x",
                        "cr-0123456",
                    ],
                },
                [
                    'capacityReservationIds[0]: "xcr-0123456789abcdef0" is not a capacity reservation id (cr-…)',
                    'capacityReservationIds[1]: "cr-0123456789abcdef0x" is not a capacity reservation id (cr-…)',
                    'capacityReservationIds[2]: "cr-0123456" is not a capacity reservation id (cr-…)',
                ],
            ],
            [
                "a 3 GiB root volume",
                { rootVolumeSizeGiB: 3 },
                ["rootVolumeSizeGiB: must be whole GiB ≥ 4, got 3"],
            ],
            ["a 4 GiB root volume", { rootVolumeSizeGiB: 4 }, []],
            [
                "a 49 GiB data volume",
                { dataVolumeSizeGiB: 49 },
                [
                    "dataVolumeSizeGiB: must be whole GiB ≥ 50 (serving images are 10–25 GB unpacked), got 49",
                ],
            ],
            ["a 50 GiB data volume", { dataVolumeSizeGiB: 50 }, []],
            [
                "a snapshot id with a prefix",
                { imageCacheSnapshotId: "xsnap-0123456789abcdef0" },
                [
                    'imageCacheSnapshotId: "xsnap-0123456789abcdef0" is not an EBS snapshot id (snap-…)',
                ],
            ],
            [
                "a snapshot id with a suffix",
                { imageCacheSnapshotId: "snap-0123456789abcdef0x" },
                [
                    'imageCacheSnapshotId: "snap-0123456789abcdef0x" is not an EBS snapshot id (snap-…)',
                ],
            ],
            ["a snapshot id", { imageCacheSnapshotId: "snap-0123456789abcdef0" }, []],
            ["a 36-character name", { name: "a".repeat(36) }, []],
            [
                "a 37-character name",
                { name: "a".repeat(37) },
                [`name: "${"a".repeat(37)}" must be a DNS-1123 label of at most 36 characters`],
            ],
            [
                "a name with a capital letter",
                { name: "Inference" },
                ['name: "Inference" must be a DNS-1123 label of at most 36 characters'],
            ],
            [
                "labels under the reserved prefixes",
                {
                    labels: {
                        "gpu-serving.io/x": "1",
                        "nvidia.com/gpu.present": "true",
                        team: "a",
                    },
                },
                [
                    "labels.gpu-serving.io/x: is reserved: GpuNodePools sets the gpu-serving.io labels and nvidia.com/gpu.present",
                    "labels.nvidia.com/gpu.present: is reserved: GpuNodePools sets the gpu-serving.io labels and nvidia.com/gpu.present",
                ],
            ],
        ];
        for (const [what, pool, expected] of badPools)
            it(`${expected.length === 0 ? "accepts" : "rejects"} ${what}`, () => {
                assert.deepEqual(
                    problems({}, pool),
                    expected.map((line) => `pools[0].${line}`),
                );
            });

        it("requires a family, and says only that when none is listed", () => {
            assert.deepEqual(problems({}, { instanceFamilies: [] }), [
                "pools[0].instanceFamilies: must list a family",
            ]);
        });

        it("requires at least one pool", () => {
            assert.deepEqual(problems({ pools: [] }), ["pools: must list at least one GPU pool"]);
        });

        it("names the AMI families it supports, and accepts Bottlerocket", () => {
            assert.deepEqual(problems({ amiFamily: "Ubuntu" }), [
                'amiFamily: "Ubuntu" is not supported; use AL2023 or Bottlerocket',
            ]);
            assert.deepEqual(problems({ amiFamily: "Bottlerocket" }), []);
        });

        it("names each missing EC2NodeClass input", () => {
            assert.deepEqual(problems({ clusterName: undefined, nodeRoleName: undefined }), [
                "clusterName: is required to create EC2NodeClasses",
                "nodeRoleName: is required to create EC2NodeClasses",
            ]);
        });

        it("names a pool listed twice under the key it was given", () => {
            const found = new Problems();
            const twice = {
                name: "a",
                instanceFamilies: ["g6e"],
                gpuLimit: 8,
                consolidateAfterSeconds: 1,
            };
            gpuNodePoolProblems(
                { clusterName: "c", nodeRoleName: "r", pools: [twice, { ...twice }] },
                found,
                "gpuNodePools",
            );
            assert.deepEqual(found.list, [
                { propertyPath: "gpuNodePools[1].name", reason: '"a" is listed twice' },
            ]);
        });

        it("with an existing node class, names each EC2-only setting but not an empty reservation list", () => {
            const existing = { existingNodeClass: { group: "g", kind: "k", name: "n" } };
            assert.deepEqual(
                problems(existing, {
                    capacityReservationIds: [],
                    rootVolumeSizeGiB: 100,
                    dataVolumeSizeGiB: 100,
                }),
                [
                    "pools[0].rootVolumeSizeGiB: is an EC2NodeClass setting; remove it with existingNodeClass",
                    "pools[0].dataVolumeSizeGiB: is an EC2NodeClass setting; remove it with existingNodeClass",
                ],
            );
        });

        it("with an existing node class, needs neither cluster, node role nor a supported AMI family", () => {
            assert.deepEqual(
                problems({
                    existingNodeClass: { group: "g", kind: "k", name: "n" },
                    clusterName: undefined,
                    nodeRoleName: undefined,
                    amiFamily: "Ubuntu",
                }),
                [],
            );
        });

        it("requires the cluster and node role to create EC2NodeClasses, and lists every problem at once", () => {
            const found = problems(
                { clusterName: undefined, nodeRoleName: undefined },
                { imageCacheSnapshotId: "ami-1", labels: { "gpu-serving.io/gpu-group": "x" } },
            );
            assert.equal(found.length, 4, found.join("\n"));
        });
    });
});
