/**
 * GPU EC2 instance types this project can run, with the figures capacity planning needs.
 * Source: AWS "Accelerated computing instances" specifications (docs.aws.amazon.com/ec2/latest/instancetypes/ac.html),
 * read 2026-11. x86_64 only: the node AMI is AL2023_x86_64_NVIDIA.
 */
export interface GpuInstanceType {
    /** GPUs per instance. */
    gpus: number;
    /** NVIDIA model, for humans. */
    gpuModel: string;
    /** Memory of one GPU, GiB, from EC2's MiB (an A10G has 22.35 GiB, not the marketing 24 GB). */
    gpuMemoryGiB: number;
    vcpus: number;
    /** Host memory, GiB. */
    memoryGiB: number;
}

type Row = [size: string, gpus: number, vcpus: number, memoryGiB: number];

function family(
    name: string,
    gpuModel: string,
    gpuMemoryGiB: number,
    rows: Row[],
): Record<string, GpuInstanceType> {
    return Object.fromEntries(
        rows.map(([size, gpus, vcpus, memoryGiB]) => [
            `${name}.${size}`,
            { gpus, gpuModel, gpuMemoryGiB, vcpus, memoryGiB },
        ]),
    );
}

// g-family sizes share one shape: a single GPU up to 16xlarge except 12xlarge, then 4 and 8.
function gFamilyRows(memoryPerVcpu: number): Row[] {
    const sizes: [string, number, number][] = [
        ["xlarge", 1, 4],
        ["2xlarge", 1, 8],
        ["4xlarge", 1, 16],
        ["8xlarge", 1, 32],
        ["12xlarge", 4, 48],
        ["16xlarge", 1, 64],
        ["24xlarge", 4, 96],
        ["48xlarge", 8, 192],
    ];
    return sizes.map(([size, gpus, vcpus]) => [size, gpus, vcpus, vcpus * memoryPerVcpu]);
}

export const gpuInstanceTypes: Readonly<Record<string, GpuInstanceType>> = {
    ...family("g4dn", "T4", 16_384 / 1024, [
        ["xlarge", 1, 4, 16],
        ["2xlarge", 1, 8, 32],
        ["4xlarge", 1, 16, 64],
        ["8xlarge", 1, 32, 128],
        ["12xlarge", 4, 48, 192],
        ["16xlarge", 1, 64, 256],
        ["metal", 8, 96, 384],
    ]),
    // GPU memory in EC2's MiB (DescribeInstanceTypes GpuInfo, as recorded in
    // aws/karpenter-provider-aws website/content/en/docs/reference/instance-types.md) ÷ 1024.
    ...family("g5", "A10G", 22_888 / 1024, gFamilyRows(4)),
    ...family("g6", "L4", 22_888 / 1024, gFamilyRows(4)),
    ...family("g6e", "L40S", 45_776 / 1024, gFamilyRows(8)),
    ...family("p4d", "A100", 40_960 / 1024, [["24xlarge", 8, 96, 1152]]),
    ...family("p4de", "A100", 81_920 / 1024, [["24xlarge", 8, 96, 1152]]),
    ...family("p5", "H100", 81_920 / 1024, [["48xlarge", 8, 192, 2048]]),
    ...family("p5e", "H200", 144_384 / 1024, [["48xlarge", 8, 192, 2048]]),
    ...family("p5en", "H200", 144_384 / 1024, [["48xlarge", 8, 192, 2048]]),
};

export const gpuInstanceFamilies: readonly string[] = [
    ...new Set(Object.keys(gpuInstanceTypes).map((t) => t.split(".")[0])),
];

export function gpuInstanceType(instanceType: string): GpuInstanceType | undefined {
    return gpuInstanceTypes[instanceType];
}

/** Why `instanceType` is not usable, or undefined when it is. */
export function gpuInstanceTypeProblem(instanceType: string): string | undefined {
    if (gpuInstanceTypes[instanceType]) return undefined;
    const familyName = instanceType.split(".")[0];
    if (!gpuInstanceFamilies.includes(familyName)) {
        return `unknown GPU instance family "${familyName}" in "${instanceType}"; supported families: ${gpuInstanceFamilies.join(", ")}`;
    }
    const sizes = Object.keys(gpuInstanceTypes).filter((t) => t.startsWith(`${familyName}.`));
    return `unknown size "${instanceType}"; ${familyName} sizes: ${sizes.join(", ")}`;
}

/**
 * GPUs one node of a group offers. Mixed-type groups are sized by their smallest member, since the
 * autoscaler may launch any of them.
 */
export function gpusPerNode(instanceTypes: readonly string[]): number {
    const counts = instanceTypes.map((t) => gpuInstanceTypes[t]?.gpus ?? 0);
    return counts.length === 0 ? 0 : Math.min(...counts);
}
