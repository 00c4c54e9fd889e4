// The input shapes of GPU NodePools and of the Karpenter controller. GpuNodePools' and GpuCluster's
// published Args extend them, so each key is declared and documented once, here.

/** UTC window in which busy serving nodes are neither consolidated nor replaced for drift. */
export interface BusinessHoursInputs {
    /** Cron day-of-week field, e.g. "mon-fri". */
    days: string;
    /** First hour of the window, 0–23, UTC (Karpenter evaluates budget schedules in UTC). */
    startHourUtc: number;
    /** Length of the window, hours, 1–24. */
    hours: number;
}

/** One GPU group as a Karpenter NodePool; workloads pick it by the `gpu-serving.io/gpu-group` label. */
export interface GpuNodePoolInputs<Hours extends BusinessHoursInputs = BusinessHoursInputs> {
    /** Group name: NodePool name and label value, DNS-1123 label of at most 36 characters. */
    name: string;
    /** Instance families from the GPU catalogue in `plan/gpu-instances.ts`, e.g. ["g6e", "g6"]. */
    instanceFamilies: string[];
    /** Oldest instance generation allowed (g5 is 5, g6e is 6). @default any */
    minInstanceGeneration?: number;
    /** GPUs of the largest replica the group runs: nodes with fewer are never launched. @default 1 */
    minGpusPerNode?: number;
    /** Largest node in GPUs (1 keeps the pool on single-GPU sizes). @default any */
    maxGpusPerNode?: number;
    /** "reserved", "on-demand" and/or "spot"; Karpenter uses reservations first, then the cheapest. @default ["on-demand"] */
    capacityTypes?: string[];
    /** Most GPUs all nodes of the pool may hold together (`limits.nvidia.com/gpu`), ≥ 1. */
    gpuLimit: number;
    /** Seconds an empty or underused node waits before consolidation; keep it at least the new-node cold start. */
    consolidateAfterSeconds: number;
    /** Hours when busy serving nodes stay put (empty ones are still removed). @default none */
    businessHours?: Hours;
    /** Node lifetime before replacement (new AMIs), hours. @default 720 */
    expireAfterHours?: number;
    /** Extra node labels; the `gpu-serving.io/*` and `nvidia.com/gpu.present` labels are reserved. @default {} */
    labels?: Record<string, string>;
    /** Root (OS) volume, GiB. @default 50 (AL2023), 4 (Bottlerocket) */
    rootVolumeSizeGiB?: number;
    /** Image volume, GiB (serving images are 10–25 GB unpacked). @default 200 */
    dataVolumeSizeGiB?: number;
    /** EBS snapshot (`snap-…`) of a volume with the serving images pre-pulled; restored as the image volume. */
    imageCacheSnapshotId?: string;
    /** On-demand Capacity Reservations or Capacity Blocks (`cr-…`) to launch into; needs capacity type "reserved". @default [] */
    capacityReservationIds?: string[];
}

/** A node class by API group, kind and name. */
export interface NodeClassRefInputs {
    /** API group, e.g. "karpenter.k8s.aws". */
    group: string;
    /** Kind, e.g. "EC2NodeClass". */
    kind: string;
    /** Object name. */
    name: string;
}

/** How GpuCluster runs Karpenter when its capacity engine is "karpenter". */
export interface KarpenterInputs {
    /** "AL2023" or "Bottlerocket"; either resolves to its NVIDIA variant on GPU types. @default "AL2023" */
    amiFamily?: string;
    /** AMI alias version, e.g. "v20251120"; "latest" rolls nodes onto new AMIs through drift. @default "latest" */
    amiVersion?: string;
    /** Exact karpenter chart version. @default "1.13.0" */
    chartVersion?: string;
}
