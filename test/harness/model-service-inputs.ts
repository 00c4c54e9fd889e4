import type { ModelServiceInputs } from "../../components/serving/model-service-types";

/** A vLLM image pinned by digest, as ModelService requires. */
export const vllmDigest = `registry.local/vllm@sha256:${"a".repeat(64)}`;

/**
 * One valid vLLM model (16 GiB of weights from S3, one GPU per replica, 1 to 4 replicas), so a
 * spec that changes one input sees only the problems of that input. A fresh object per call.
 */
export function validModelServiceInputs(): ModelServiceInputs {
    return {
        modelName: "llama",
        namespace: "serving",
        image: vllmDigest,
        runtime: "vllm",
        modelVersion: "1",
        weightsSource: "s3://weights/llama/1",
        weightsSizeGiB: 16,
        modelClaimName: "model-cache",
        gpuGroup: "inference",
        gpusPerReplica: 1,
        minReplicas: 1,
        maxReplicas: 4,
    };
}
