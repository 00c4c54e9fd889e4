import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { sanitizeForName } from "./settings";

/**
 * vLLM's torch.compile cache on the shared model claim. vLLM keeps compiled artifacts under
 * VLLM_CACHE_ROOT and the directory can be copied to later deployments to skip most of the compile
 * (docs.vllm.ai, design/torch_compile). Compiled kernels are only valid for the same code and the
 * same GPU, so the directory is keyed by model version, image digest and GPU model: a new image or
 * a different GPU starts a fresh directory instead of loading foreign kernels.
 */

/** Where the cache directory is mounted in the server container. */
export const compileCacheMountPath = "/compile-cache";
/** Directory on the claim holding every model's compile caches. */
export const compileCacheRoot = ".vllm-compile-cache";

/** `sha256:abc…` of an image reference (`repo@sha256:…`), shortened to 16 hex digits. */
export function digestKey(image: string): string {
    const match = /@sha256:([0-9a-f]{64})$/.exec(image);
    if (!match) throw new Error(`image "${image}" is not pinned by digest`);
    return match[1].slice(0, 16);
}

/** `<root>/<model>/<version>/<digest16>/<gpu>`: the claim subdirectory of one cache. */
export function compileCacheSubPath(
    modelName: string,
    modelVersion: string,
    image: string,
    gpuModel: string,
): string {
    return [
        compileCacheRoot,
        modelName,
        sanitizeForName(modelVersion),
        digestKey(image),
        sanitizeForName(gpuModel),
    ].join("/");
}

/** The volume (the claim again, writable) the cache lives on; the weights mount stays read-only. */
export function compileCacheVolume(
    claimName: pulumi.Input<string>,
): k8s.types.input.core.v1.Volume {
    return { name: "compile-cache", persistentVolumeClaim: { claimName } };
}

export function compileCacheMount(
    subPath: pulumi.Input<string>,
): k8s.types.input.core.v1.VolumeMount {
    return { name: "compile-cache", mountPath: compileCacheMountPath, subPath };
}

/** VLLM_CACHE_ROOT pointing at the mounted cache. */
export const compileCacheEnv: k8s.types.input.core.v1.EnvVar = {
    name: "VLLM_CACHE_ROOT",
    value: compileCacheMountPath,
};
