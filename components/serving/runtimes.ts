import {
    customServerDefaultPort,
    customServerEnv,
    customServerPaths,
    vllmApiKeyEnv,
} from "./contract";

/**
 * What differs between serving runtimes: ports and paths, resource defaults, and the server's
 * command line. "vllm" is the vllm/vllm-openai image; "custom" is any HTTP server that follows the
 * contract in `contract.ts` (images/custom-server is one).
 */
export const runtimeNames = ["vllm", "custom"] as const;

/** vLLM `--load-format` values this component supports. The last two need an image with their extras installed. */
export const vllmLoadFormats = ["safetensors", "runai_streamer", "fastsafetensors"] as const;

export interface RuntimePreset {
    port: number;
    healthPath: string;
    readinessPath: string;
    metricsPath: string;
    /** CPU request per GPU of the replica, cores. */
    cpuPerGpu: number;
    /** Memory request per GPU of the replica, GiB. */
    memoryGiBPerGpu: number;
    /** Serving image size for the cold-start estimate, GiB. */
    imageSizeGiB: number;
    /** Environment variable the server reads its API key from. */
    apiKeyEnv: string;
}

/**
 * Resource defaults are sized to fit the smallest single-GPU instances in the catalogue (4 vCPU and
 * 16 GiB: g4dn/g5/g6 .xlarge) after kubelet reservations and daemonsets, so a default replica never
 * sits Pending on a node it could use; multi-GPU replicas scale them per GPU.
 */
export const runtimePresets: Readonly<Record<string, RuntimePreset>> = {
    vllm: {
        // The vllm/vllm-openai image's defaults; its API key guards /v1 routes only
        // (vllm entrypoints/openai/api_server.py), so probes and scrapes need no key.
        port: 8000,
        healthPath: "/health",
        readinessPath: "/health",
        metricsPath: "/metrics",
        cpuPerGpu: 3,
        memoryGiBPerGpu: 12,
        // ≈ 12 GB (vllm-project/vllm issues 27154, 17163); GB rounded up to GiB.
        imageSizeGiB: 12,
        apiKeyEnv: vllmApiKeyEnv,
    },
    custom: {
        port: customServerDefaultPort,
        healthPath: customServerPaths.health,
        // Not /health: that answers 200 while the model still loads, and a Ready pod would take
        // traffic it can only refuse with 503.
        readinessPath: customServerPaths.ready,
        metricsPath: customServerPaths.metrics,
        cpuPerGpu: 2,
        memoryGiBPerGpu: 8,
        // A CUDA + PyTorch serving image: 9.5 GB compressed (aws-ia/terraform-aws-eks-blueprints
        // patterns/ml-container-cache), rounded up.
        imageSizeGiB: 10,
        apiKeyEnv: customServerEnv.apiKey,
    },
};

/** Flags the vllm preset sets itself; repeating one in extraArgs would make the last one silently win. */
export const managedVllmFlags = [
    "--model",
    "--served-model-name",
    "--port",
    "--tensor-parallel-size",
    "--pipeline-parallel-size",
    "--load-format",
    "--api-key",
    "--max-model-len",
] as const;

export interface VllmArgsInput {
    modelName: string;
    modelDir: string;
    port: number;
    gpusPerReplica: number;
    tensorParallelSize: number;
    loadFormat: string;
    maxModelLen?: number;
    extraArgs: string[];
}

/**
 * Arguments appended to the vllm/vllm-openai entrypoint (the OpenAI-compatible API server). No
 * `--api-key`: vLLM reads VLLM_API_KEY, which the pod sets from the Secret, so the key is neither in
 * the pod spec nor on the process's command line (where `ps` and /proc show it to every user of the
 * node). GPUs beyond the tensor-parallel group form pipeline stages.
 */
export function vllmArgs(input: VllmArgsInput): string[] {
    const pipelineParallelSize = input.gpusPerReplica / input.tensorParallelSize;
    return [
        "--model",
        input.modelDir,
        "--served-model-name",
        input.modelName,
        "--port",
        String(input.port),
        "--tensor-parallel-size",
        String(input.tensorParallelSize),
        ...(pipelineParallelSize > 1
            ? ["--pipeline-parallel-size", String(pipelineParallelSize)]
            : []),
        "--load-format",
        input.loadFormat,
        ...(input.maxModelLen !== undefined ? ["--max-model-len", String(input.maxModelLen)] : []),
        ...input.extraArgs,
    ];
}

/** The flag an extraArgs entry sets (`--port=1` and `--port 1` both set `--port`). */
export function flagOf(arg: string): string {
    return arg.split("=")[0];
}

/**
 * Node-disk scratch a replica writes, GiB: it sizes the `/cache` and `/tmp` emptyDirs (`sizeLimit`)
 * and the container's `ephemeral-storage`, so a runaway cache evicts its own pod instead of filling
 * a GPU node's root volume under every other pod. Budgeted from what each runtime writes there (not
 * measured; the kubelet's eviction event shows when a budget is too small):
 * - vllm (HOME=/cache): torch.compile/Inductor artifacts, one directory per tensor-parallel rank
 *   (`~/.cache/vllm/torch_compile_cache/<hash>/rank_i_j`, vLLM docs "torch.compile integration"),
 *   Triton and FlashInfer JIT kernels per rank, Python bytecode. The Hub cache stays empty: weights
 *   come from the claim and `HF_HUB_OFFLINE=1`. 2 GiB for the engine plus 2 GiB per rank.
 * - custom: the framework's own caches (torch hub, Python), 1 GiB.
 * `/tmp` holds sockets and small temporary files for either: 1 GiB. Logs and the (read-only)
 * root layer add 1 GiB to the container's ephemeral-storage.
 */
export function scratchSizesGiB(
    runtime: string,
    tensorParallelSize: number,
): { cache: number; tmp: number; ephemeralStorage: number } {
    const cache = runtime === "vllm" ? 2 + 2 * tensorParallelSize : 1;
    const tmp = 1;
    return { cache, tmp, ephemeralStorage: cache + tmp + 1 };
}

/**
 * Default `/dev/shm` size, GiB. vLLM's tensor-parallel workers exchange activations through NCCL,
 * which uses shared memory for intra-node transport, and the container runtime's default /dev/shm is
 * 64 MiB, too small for NCCL's buffers (NCCL fails or falls back to slower paths). 2 GiB per
 * tensor-parallel rank, at least 1 GiB for the engine's own multiprocessing queues.
 */
export function defaultShmSizeGiB(runtime: string, tensorParallelSize: number): number {
    return runtime === "vllm" ? Math.max(1, 2 * tensorParallelSize) : 1;
}
