import * as k8s from "@pulumi/kubernetes";

/**
 * The Pod Security Standards "restricted" profile. uid/gid 1000 also own the files staged on the
 * model claim, so the serving pods can read what the staging Job wrote.
 */
export const servingUid = 1000;

export const restrictedPodSecurityContext: k8s.types.input.core.v1.PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: servingUid,
    runAsGroup: servingUid,
    fsGroup: servingUid,
    seccompProfile: { type: "RuntimeDefault" },
};

export function restrictedContainerSecurityContext(
    readOnlyRootFilesystem: boolean,
): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: servingUid,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
