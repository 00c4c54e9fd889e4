/** Versions of the EKS managed add-ons, `v<version>-eksbuild.<n>`. */
export interface AddonVersions {
    vpcCni: string;
    coredns: string;
    kubeProxy: string;
    podIdentityAgent: string;
    efsCsiDriver: string;
    ebsCsiDriver: string;
}

/**
 * Pins per Kubernetes minor version. Add-on builds are ones EKS published for that minor, as pinned
 * by public EKS configurations for it; check `aws eks describe-addon-versions --kubernetes-version
 * <v>` before adding a row. The EBS CSI builds are the ones public configs run beside this exact
 * 1.33 row (UK MoJ Analytical Platform EKS) and beside the 1.34 kube-proxy builds. The
 * cluster-autoscaler image must match the control-plane minor (kubernetes/autoscaler README,
 * "Releases"); 1.33.3 and 1.34.2 were promoted together in kubernetes/k8s.io PR 8815.
 */
export const kubernetesVersionPins: Readonly<
    Record<string, { addons: AddonVersions; clusterAutoscalerImageTag: string }>
> = {
    "1.33": {
        addons: {
            vpcCni: "v1.20.1-eksbuild.1",
            coredns: "v1.12.2-eksbuild.4",
            kubeProxy: "v1.33.3-eksbuild.4",
            podIdentityAgent: "v1.3.8-eksbuild.2",
            efsCsiDriver: "v2.1.10-eksbuild.1",
            ebsCsiDriver: "v1.47.0-eksbuild.1",
        },
        clusterAutoscalerImageTag: "v1.33.3",
    },
    "1.34": {
        addons: {
            vpcCni: "v1.20.4-eksbuild.2",
            coredns: "v1.12.3-eksbuild.1",
            kubeProxy: "v1.34.0-eksbuild.2",
            podIdentityAgent: "v1.3.10-eksbuild.2",
            efsCsiDriver: "v2.1.15-eksbuild.1",
            ebsCsiDriver: "v1.53.0-eksbuild.1",
        },
        clusterAutoscalerImageTag: "v1.34.2",
    },
};
