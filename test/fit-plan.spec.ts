import { strict as assert } from "assert";
import {
    allocatableOf,
    cpuMillicores,
    gpuMemoryFitProblem,
    gpuMemoryGiBOf,
    kubeReservedCpuMillicores,
    kvCacheHeadroomGiB,
    maxPodsUpperBound,
    requestFitProblems,
} from "../components/plan/fit-plan";

describe("replica fit", () => {
    describe("GPU memory", () => {
        it("takes GPU memory from EC2's MiB: 22.35 GiB for A10G and L4, 44.7 for L40S, 80 for p4de's A100", () => {
            assert.equal(gpuMemoryGiBOf("g5.2xlarge"), 22_888 / 1024);
            assert.equal(Math.round(gpuMemoryGiBOf("g6.xlarge")! * 100) / 100, 22.35);
            assert.equal(Math.round(gpuMemoryGiBOf("g6e.12xlarge")! * 100) / 100, 44.7);
            assert.equal(gpuMemoryGiBOf("p4d.24xlarge"), 40);
            assert.equal(gpuMemoryGiBOf("p4de.24xlarge"), 80);
            assert.equal(gpuMemoryGiBOf("m6i.large"), undefined);
        });

        it("refuses 132 GiB of weights on one L4 and shows the arithmetic", () => {
            const problem = gpuMemoryFitProblem({
                runtime: "vllm",
                weightsSizeGiB: 132,
                gpusPerReplica: 1,
                instanceTypes: ["g6.xlarge"],
            });
            assert.equal(
                problem,
                "132 GiB of weights ÷ 1 GPU(s) = 132 GiB per GPU, + 26.4 GiB KV-cache and activation " +
                    "headroom (20 %, at least 1 GiB) = 158.4 GiB, more than the L4 of g6.xlarge offers: " +
                    "20.12 GiB usable (90 % of 22.35 GiB). Spread the replica over more GPUs " +
                    "(gpusPerReplica ≥ 8 of this GPU) on an instance type that has them, or pick a GPU " +
                    "group with more memory per GPU",
            );
        });

        it("fits 132 GiB over 4 L40S with 33 + 6.6 = 39.6 GiB of 40.23, and not 134.2 GiB", () => {
            const fit = (weightsSizeGiB: number) =>
                gpuMemoryFitProblem({
                    runtime: "vllm",
                    weightsSizeGiB,
                    gpusPerReplica: 4,
                    instanceTypes: ["g6e.12xlarge"],
                });
            assert.equal(fit(132), undefined);
            // Bound: 1.2 × size / 4 ≤ 0.9 × 45,776 / 1024 → size ≤ 134.11 GiB.
            assert.equal(fit(134.1), undefined);
            assert.match(fit(134.2)!, /= 40\.26 GiB, more than .* 40\.23 GiB usable/);
        });

        it("budgets 20 % of the weights per GPU as headroom, at least 1 GiB", () => {
            assert.equal(kvCacheHeadroomGiB(0.1), 1);
            assert.equal(kvCacheHeadroomGiB(5), 1);
            assert.equal(kvCacheHeadroomGiB(10), 2);
        });

        it("lets a custom runtime use the whole GPU: 13.33 GiB fits a 16 GiB T4, 13.34 does not", () => {
            const fit = (weightsSizeGiB: number) =>
                gpuMemoryFitProblem({
                    runtime: "custom",
                    weightsSizeGiB,
                    gpusPerReplica: 1,
                    instanceTypes: ["g4dn.xlarge"],
                });
            assert.equal(fit(13.33), undefined);
            assert.match(
                fit(13.34)!,
                /= 16\.01 GiB, more than the T4 of g4dn\.xlarge offers: 16 GiB\./,
            );
        });

        it("sizes a mixed group by its smallest GPU", () => {
            const problem = gpuMemoryFitProblem({
                runtime: "vllm",
                weightsSizeGiB: 30,
                gpusPerReplica: 1,
                instanceTypes: ["g6e.xlarge", "g5.xlarge"],
            });
            assert.match(problem!, /A10G of g5\.xlarge/);
        });
        it("fits weights plus headroom exactly equal to the usable memory: 60 + 12 GiB on 90 % of an 80 GiB A100", () => {
            const fit = (weightsSizeGiB: number) =>
                gpuMemoryFitProblem({
                    runtime: "vllm",
                    weightsSizeGiB,
                    gpusPerReplica: 1,
                    instanceTypes: ["p4de.24xlarge"],
                });
            assert.equal(fit(60), undefined);
            assert.match(
                fit(60.01)!,
                /= 72\.01 GiB, more than the A100 of p4de\.24xlarge offers: 72 GiB usable/,
            );
        });

        it("judges nothing for a group of unknown types or a replica without GPUs", () => {
            const fit = (gpusPerReplica: number, instanceTypes: string[]) =>
                gpuMemoryFitProblem({
                    runtime: "vllm",
                    weightsSizeGiB: 60,
                    gpusPerReplica,
                    instanceTypes,
                });
            assert.equal(fit(1, ["m6i.large"]), undefined);
            assert.equal(fit(0, ["g5.xlarge"]), undefined);
        });

        it("sizes a group by its known types and skips the unknown ones", () => {
            const problem = gpuMemoryFitProblem({
                runtime: "vllm",
                weightsSizeGiB: 60,
                gpusPerReplica: 1,
                instanceTypes: ["m6i.large", "g5.xlarge"],
            });
            assert.match(
                problem!,
                /more than the A10G of g5\.xlarge offers: 20\.12 GiB usable .*gpusPerReplica ≥ 4 /,
            );
        });
    });

    describe("allocatable CPU and memory (EKS AL2023 kube-reserved)", () => {
        it("reserves 6 % of the first core, 1 % of the second, 0.5 % up to four, 0.25 % beyond", () => {
            assert.equal(kubeReservedCpuMillicores(1), 60);
            assert.equal(kubeReservedCpuMillicores(2), 70);
            assert.equal(kubeReservedCpuMillicores(4), 80);
            assert.equal(kubeReservedCpuMillicores(8), 90);
            assert.equal(kubeReservedCpuMillicores(48), 190);
        });

        it("leaves 3920m and 14.47 GiB on a g5.xlarge (16 GiB − 1465 MiB for 110 pods − 100 MiB)", () => {
            const allocatable = allocatableOf("g5.xlarge")!;
            assert.equal(allocatable.cpuMillicores, 3920);
            assert.equal(allocatable.memoryGiB, (16 * 1024 - 1465 - 100) / 1024);
        });

        it("reserves for 250 pods from 30 vCPUs up", () => {
            const allocatable = allocatableOf("g6e.12xlarge")!;
            assert.equal(allocatable.memoryGiB, (384 * 1024 - (11 * 250 + 255) - 100) / 1024);
            assert.equal(allocatable.cpuMillicores, 47_810);
        });

        it("accepts requests up to allocatable and refuses one millicore or a hundredth of a GiB more", () => {
            const fit = (cpu: number, memoryGiB: number) =>
                requestFitProblems({ cpuMillicores: cpu, memoryGiB, instanceTypes: ["g5.xlarge"] });
            assert.deepEqual(fit(3920, 14.47), {});
            const over = fit(3921, 14.48);
            assert.equal(
                over.cpu,
                "requests 3921m but g5.xlarge has 3920m allocatable (4 vCPUs = 4000m − 80m kube-reserved); " +
                    "request at most 3920m or use a larger instance type",
            );
            assert.equal(
                over.memoryGiB,
                "14.48 GiB exceeds the 14.47 GiB allocatable on g5.xlarge (16 GiB − 1465 MiB kube-reserved " +
                    "for 110 pods − 100 MiB eviction threshold); request at most 14.47 GiB or use a larger instance type",
            );
        });

        it("caps pods at 110 below 30 vCPUs and 250 from 30", () => {
            assert.deepEqual([maxPodsUpperBound(29), maxPodsUpperBound(30)], [110, 250]);
        });

        it("knows no allocatable for a type outside the GPU catalogue, and judges no requests on it", () => {
            assert.equal(allocatableOf("m6i.large"), undefined);
            assert.deepEqual(
                requestFitProblems({
                    cpuMillicores: 48_000,
                    memoryGiB: 300,
                    instanceTypes: ["m6i.large"],
                }),
                {},
            );
        });

        it("accepts memory exactly at allocatable", () => {
            const allocatable = allocatableOf("g5.xlarge")!.memoryGiB;
            assert.deepEqual(
                requestFitProblems({
                    cpuMillicores: 1000,
                    memoryGiB: allocatable,
                    instanceTypes: ["g5.xlarge"],
                }),
                {},
            );
        });

        it("judges CPU on the type with least CPU and memory on the one with least memory, in any order", () => {
            const cpu =
                "requests 48000m but g6e.12xlarge has 47810m allocatable (48 vCPUs = 48000m − 190m kube-reserved); " +
                "request at most 47810m or use a larger instance type";
            const memoryGiB =
                "300 GiB exceeds the 252.96 GiB allocatable on g5.16xlarge (256 GiB − 3005 MiB kube-reserved for 250 pods " +
                "− 100 MiB eviction threshold); request at most 252.96 GiB or use a larger instance type";
            for (const instanceTypes of [
                ["g5.16xlarge", "g6e.12xlarge"],
                ["g6e.12xlarge", "g5.16xlarge"],
            ])
                assert.deepEqual(
                    requestFitProblems({ cpuMillicores: 48_000, memoryGiB: 300, instanceTypes }),
                    { cpu, memoryGiB },
                );
        });

        it("names the first of equally small types", () => {
            const problems = requestFitProblems({
                cpuMillicores: 4000,
                memoryGiB: 15,
                instanceTypes: ["g5.xlarge", "g6.xlarge"],
            });
            assert.match(problems.cpu!, /but g5\.xlarge has 3920m/);
            assert.match(problems.memoryGiB!, /allocatable on g5\.xlarge/);
        });

        it("refuses CPU quantities with anything before or after the number", () => {
            assert.deepEqual(["x4", "4x", "4 ", "3.25"].map(cpuMillicores), [
                undefined,
                undefined,
                undefined,
                3250,
            ]);
        });

        it("parses CPU quantities in cores and millicores", () => {
            assert.equal(cpuMillicores("4"), 4000);
            assert.equal(cpuMillicores("3.5"), 3500);
            assert.equal(cpuMillicores("3500m"), 3500);
            assert.equal(cpuMillicores("four"), undefined);
        });
    });
});
