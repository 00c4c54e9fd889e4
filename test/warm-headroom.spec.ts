import { strict as assert } from "assert";
import {
    WarmHeadroomInput,
    headroomDeploymentSpec,
    headroomName,
    heldGpus,
    placeholderCount,
} from "../components/plan/warm-headroom";

const group: WarmHeadroomInput = {
    group: "inference",
    gpus: 3,
    gpusPerPlaceholder: 2,
    cpu: "6",
    memoryGiB: 24,
    ephemeralStorageGiB: 7,
};

describe("warm headroom plan", () => {
    it("holds whole placeholders: 3 GPUs in 2-GPU placeholders hold 4 GPUs", () => {
        assert.equal(placeholderCount(group), 2);
        assert.equal(heldGpus(group), 4);
    });

    it("holds exactly the GPUs asked for when they divide into placeholders", () => {
        assert.equal(heldGpus({ ...group, gpus: 8, gpusPerPlaceholder: 4 }), 8);
    });

    it("names the placeholder Deployment after its group", () => {
        assert.equal(headroomName("inference"), "gpu-headroom-inference");
    });

    it("selects its pods by name and component, and labels them part of gpu-serving", () => {
        const spec = headroomDeploymentSpec(group);
        const labels = {
            "app.kubernetes.io/name": "gpu-headroom-inference",
            "app.kubernetes.io/component": "gpu-headroom",
        };
        assert.deepEqual(spec.selector, { matchLabels: labels });
        assert.deepEqual(spec.template.metadata, {
            labels: { ...labels, "app.kubernetes.io/part-of": "gpu-serving" },
        });
    });

    it("pins placeholders to their GPU group's nodes and tolerates the GPU taint", () => {
        const pod = headroomDeploymentSpec(group).template.spec;
        assert.deepEqual(pod.affinity, {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                {
                                    key: "gpu-serving.io/gpu-group",
                                    operator: "In",
                                    values: ["inference"],
                                },
                            ],
                        },
                    ],
                },
            },
        });
        assert.deepEqual(pod.tolerations, [
            { key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" },
        ]);
    });

    it("runs the pause image as non-root 65535 without a token, service links or privileges", () => {
        const pod = headroomDeploymentSpec(group).template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.enableServiceLinks, false);
        assert.deepEqual(pod.securityContext, {
            runAsNonRoot: true,
            runAsUser: 65535,
            seccompProfile: { type: "RuntimeDefault" },
        });
        const [container] = pod.containers;
        assert.equal(container.name, "placeholder");
        assert.match(container.image, /^registry\.k8s\.io\/pause:3\.10@sha256:[0-9a-f]{64}$/);
        assert.deepEqual(container.securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("runs the image it is given instead of the default pause image", () => {
        const pod = headroomDeploymentSpec(group, "mirror.example/pause:3.10").template.spec;
        assert.equal(pod.containers[0].image, "mirror.example/pause:3.10");
    });

    it("limits memory, scratch and GPUs to what it requests, and leaves CPU unlimited", () => {
        const { requests, limits } =
            headroomDeploymentSpec(group).template.spec.containers[0].resources;
        assert.deepEqual(requests, {
            cpu: "6",
            memory: "24Gi",
            "ephemeral-storage": "7Gi",
            "nvidia.com/gpu": "2",
        });
        assert.deepEqual(limits, {
            memory: "24Gi",
            "ephemeral-storage": "7Gi",
            "nvidia.com/gpu": "2",
        });
    });
});
