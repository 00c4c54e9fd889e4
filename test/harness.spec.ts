import { strict as assert } from "assert";
import { validateKubernetesObject } from "./harness/kubernetes-schemas";

describe("test harness", () => {
    it("rejects a Kubernetes object that breaks its official schema", async () => {
        const badDeployment = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "m" },
            spec: { replicas: "two", selector: {}, template: {} },
        };
        await assert.rejects(validateKubernetesObject(badDeployment, "bad"), /fails its schema/);
    });

    it("accepts a valid Kubernetes object", async () => {
        const deployment = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "m" },
            spec: {
                replicas: 2,
                selector: { matchLabels: { app: "m" } },
                template: { spec: { containers: [{ name: "m" }] } },
            },
        };
        await validateKubernetesObject(deployment, "good");
    });
});
