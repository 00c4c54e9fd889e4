import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { validateKubernetesObject } from "./harness/kubernetes-schemas";
import { render } from "./harness/render";

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

    it("records the id and the state the mock gave each resource, distinct per resource", async () => {
        const { resources } = await render(() => {
            new aws.ec2.Vpc("a", { cidrBlock: "10.0.0.0/16" });
            new aws.ec2.Vpc("b", { cidrBlock: "10.1.0.0/16" });
            new random.RandomPassword("key", { length: 8 });
        });
        const [a, b] = resources.ofType("aws:ec2/vpc:Vpc");
        assert.deepEqual([a.name, b.name], ["a", "b"]);
        assert.match(a.id, /^vpc-[0-9a-f]{17}$/);
        assert.notEqual(a.id, b.id);
        assert.equal(a.outputs.cidrBlock, "10.0.0.0/16");
        assert.match(
            resources.one("random:index/randomPassword:RandomPassword").outputs.result,
            /./,
        );
    });

    it("records custom timeouts as registered", async () => {
        const { resources } = await render(() => {
            new aws.ec2.Vpc(
                "a",
                { cidrBlock: "10.0.0.0/16" },
                { customTimeouts: { create: "5m" } },
            );
        });
        assert.deepEqual(resources.one("aws:ec2/vpc:Vpc").customTimeouts, {
            create: "5m",
            update: "",
            delete: "",
        });
    });
});
