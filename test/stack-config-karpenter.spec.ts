import { strict as assert } from "assert";
import { InvalidInputsError } from "../components/plan/problems";
import { parseStackConfig } from "../stacks/validate";
import { vllmDigest as digest } from "./harness/model-service-inputs";

/** An EKS stack on Karpenter: one g6e NodePool, one vLLM model. */
function karpenterConfig(): Record<string, any> {
    return {
        cluster: {
            capacityEngine: "karpenter",
            gpuNodePools: [
                { name: "inference", instanceFamilies: ["g6e"], maxGpusPerNode: 1, gpuLimit: 4 },
            ],
        },
        models: [
            {
                name: "llama",
                runtime: "vllm",
                version: "1",
                image: { context: "images/vllm" },
                weights: { source: "s3://models/llama/1", sizeGiB: 15 },
                gpuGroup: "inference",
                maxReplicas: 3,
            },
        ],
    };
}

function problemsOf(config: Record<string, unknown>): string[] {
    try {
        parseStackConfig(config, "test");
    } catch (error) {
        assert.ok(error instanceof InvalidInputsError, `unexpected ${error}`);
        return error.errors.map((e) => `${e.propertyPath}: ${e.reason}`);
    }
    return [];
}

function edited(edit: (config: any) => void): Record<string, any> {
    const config = karpenterConfig();
    edit(config);
    return config;
}

describe("stack config on Karpenter", () => {
    it("accepts a NodePool whose limit holds maxReplicas plus the surge: 3 + 1 = 4 GPUs", () => {
        assert.deepEqual(problemsOf(karpenterConfig()), []);
    });

    it("says how many replicas would stay Pending one GPU below that", () => {
        assert.deepEqual(problemsOf(edited((c) => (c.cluster.gpuNodePools[0].gpuLimit = 3))), [
            "cluster.gpuNodePools[0].gpuLimit: plan needs a limit of 4 GPUs (llama: 4 replicas incl. surge, 0 on static nodes, 4 on g6e.xlarge (1 GPU each)) but gpuLimit is 3: 1 replica would stay Pending",
        ]);
    });

    it("names a model whose group is neither a node group nor a NodePool", () => {
        assert.match(
            problemsOf(edited((c) => (c.models[0].gpuGroup = "training"))).join("\n"),
            /models\[0\]\.gpuGroup: "training" is not a GPU group; groups: inference/,
        );
    });

    it("checks GPU memory on every type a NodePool may launch: 132 GiB on 4 L4s is refused, on 4 L40S accepted", () => {
        const large = (families: string[]) =>
            edited((c) => {
                c.cluster.gpuNodePools[0] = {
                    name: "inference",
                    instanceFamilies: families,
                    gpuLimit: 16,
                };
                Object.assign(c.models[0], {
                    gpusPerReplica: 4,
                    weights: { source: "s3://models/70b/1", sizeGiB: 132 },
                });
            });
        assert.deepEqual(problemsOf(large(["g6e"])), []);
        // 132 ÷ 4 = 33 GiB + 6.6 GiB headroom = 39.6 GiB > 90 % of an L4's 22.35 GiB.
        const problems = problemsOf(large(["g6", "g6e"]));
        assert.equal(problems.length, 1);
        assert.match(
            problems[0],
            /^models\[0\]\.gpusPerReplica: 132 GiB of weights ÷ 4 GPU\(s\) = 33 GiB per GPU, .* more than the L4 of g6\.12xlarge/,
        );
    });

    it("accepts requests one type of the NodePool fits, and names the largest type when none does", () => {
        // g6e.16xlarge: 64 vCPUs, 64000m − 60m − 10m − 10m − 150m kube-reserved = 63770m allocatable.
        const cpu = (quantity: string) => problemsOf(edited((c) => (c.models[0].cpu = quantity)));
        assert.deepEqual(cpu("63770m"), []);
        assert.deepEqual(cpu("63771m"), [
            "models[0].cpu: requests 63771m but g6e.16xlarge has 63770m allocatable (64 vCPUs = 64000m − 230m kube-reserved); request at most 63770m or use a larger instance type",
        ]);
    });

    it("keeps node groups and NodePools to their own engine", () => {
        const groups = [{ name: "extra", instanceTypes: ["g5.xlarge"], maxSize: 1 }];
        assert.match(
            problemsOf(edited((c) => (c.cluster.gpuNodeGroups = groups))).join("\n"),
            /cluster\.gpuNodeGroups: would have no autoscaler with capacity engine "karpenter"/,
        );
        assert.match(
            problemsOf(edited((c) => (c.cluster.capacityEngine = "node-groups"))).join("\n"),
            /cluster\.gpuNodePools: are scaled by Karpenter/,
        );
    });

    it("needs a snapshot for every pool when images come from an EBS snapshot", () => {
        const found = problemsOf(edited((c) => (c.coldStart = { imageCache: "ebs-snapshot" })));
        assert.deepEqual(found, [
            'cluster.gpuNodePools[0].imageCacheSnapshotId: is required with coldStart.imageCache "ebs-snapshot": the snapshot holding the serving images',
        ]);
    });

    it("refuses an EBS-snapshot image cache on node groups, which have no image volume", () => {
        const config = edited((c) => {
            c.cluster = {
                gpuNodeGroups: [{ name: "inference", instanceTypes: ["g6e.xlarge"], maxSize: 4 }],
            };
            c.coldStart = { imageCache: "ebs-snapshot" };
        });
        assert.match(
            problemsOf(config).join("\n"),
            /coldStart\.imageCache: "ebs-snapshot" restores a NodePool's image volume/,
        );
    });

    it("keeps consolidateAfter at least the new-node cold start: 397 s accepted, 396 s refused", () => {
        // 120 launch + ⌈12·1024/50⌉ = 246 pull + ⌈15·1024/500⌉ = 31 read + 195 warm-up = 592 s
        // without cuts; with the compile cache and EFS at 1,500 MiB/s: 120 + 246 + 11 + 20 = 397 s.
        const withCuts = (seconds: number) =>
            edited((c) => {
                c.coldStart = { compileCache: true, weightsReadMiBps: 1500 };
                c.cluster.gpuNodePools[0].consolidateAfterSeconds = seconds;
            });
        assert.deepEqual(problemsOf(withCuts(397)), []);
        assert.deepEqual(problemsOf(withCuts(396)), [
            "cluster.gpuNodePools[0].consolidateAfterSeconds: 396 s is shorter than the group's new-node cold start (397 s): a burst would bring back a node just removed",
        ]);
    });

    it("keys the compile cache by one GPU model: a pool mixing g5 and g6e cannot have it", () => {
        const mixed = edited((c) => {
            c.cluster.gpuNodePools[0].instanceFamilies = ["g5", "g6e"];
            c.coldStart = { compileCache: true };
        });
        assert.match(
            problemsOf(mixed).join("\n"),
            /coldStart\.compileCache: models\[0\] \(llama\): the compile cache is keyed by GPU model, but the group mixes A10G, L40S/,
        );
    });

    it("leaves the weights rate of an existing cluster's own store uncapped: it is not EFS", () => {
        const existing = edited((c) => {
            c.platform = "existing";
            c.models[0].image = { reference: digest };
            c.cluster.karpenter = {
                nodeClass: { group: "karpenter.kwok.sh", kind: "KWOKNodeClass", name: "local" },
            };
            c.coldStart = { weightsReadMiBps: 501 };
            c.modelStore = { throughputMode: "bursting" };
        });
        assert.deepEqual(problemsOf(existing), []);
    });

    it("caps the weights rate at EFS's per-client ceiling of the throughput mode", () => {
        assert.deepEqual(problemsOf(edited((c) => (c.coldStart = { weightsReadMiBps: 1500 }))), []);
        assert.match(
            problemsOf(
                edited((c) => {
                    c.coldStart = { weightsReadMiBps: 501 };
                    c.modelStore = { throughputMode: "bursting" };
                }),
            ).join("\n"),
            /coldStart\.weightsReadMiBps: 501 MiB\/s exceeds what EFS serves one client in bursting mode \(500 MiB\/s\)/,
        );
    });

    it("needs the node class on an existing cluster, and counts its static nodes of the group", () => {
        const existing = edited((c) => {
            c.platform = "existing";
            c.models[0].image = { reference: digest };
            c.models[0].maxReplicas = 5;
            c.cluster.gpuNodeGroups = [
                { name: "inference", instanceTypes: ["g5.2xlarge"], minSize: 2, maxSize: 2 },
            ];
        });
        assert.match(
            problemsOf(existing).join("\n"),
            /cluster\.karpenter\.nodeClass: is required on platform "existing"/,
        );
        existing.cluster.karpenter = {
            nodeClass: { group: "karpenter.kwok.sh", kind: "KWOKNodeClass", name: "local" },
        };
        // 5 + 1 surge: 2 on the static nodes, 4 on the pool's limit of 4.
        assert.deepEqual(problemsOf(existing), []);
        existing.models[0].maxReplicas = 6;
        assert.match(problemsOf(existing).join("\n"), /1 replica would stay Pending/);
    });

    it("rejects EC2NodeClass settings on an existing cluster's NodePools", () => {
        const existing = edited((c) => {
            c.platform = "existing";
            c.models[0].image = { reference: digest };
            c.cluster.karpenter = { nodeClass: { group: "g", kind: "K", name: "n" } };
            c.cluster.gpuNodePools[0].imageCacheSnapshotId = "snap-0123456789abcdef0";
        });
        assert.match(
            problemsOf(existing).join("\n"),
            /cluster\.gpuNodePools\[0\]\.imageCacheSnapshotId: is an EC2NodeClass setting/,
        );
    });

    it("takes capacity reservations on node groups: a Capacity Block needs its id, spot cannot have one", () => {
        const groups = (group: Record<string, unknown>) =>
            edited((c) => {
                c.cluster = {
                    gpuNodeGroups: [
                        { name: "inference", instanceTypes: ["g6e.xlarge"], maxSize: 4, ...group },
                    ],
                };
            });
        assert.deepEqual(
            problemsOf(
                groups({
                    capacityType: "CAPACITY_BLOCK",
                    capacityReservationId: "cr-0123456789abcdef0",
                }),
            ),
            [],
        );
        assert.match(
            problemsOf(groups({ capacityType: "CAPACITY_BLOCK" })).join("\n"),
            /capacityReservationId: is required with capacityType "CAPACITY_BLOCK"/,
        );
        assert.match(
            problemsOf(
                groups({ capacityType: "SPOT", capacityReservationId: "cr-0123456789abcdef0" }),
            ).join("\n"),
            /reservations hold on-demand capacity/,
        );
    });
});
