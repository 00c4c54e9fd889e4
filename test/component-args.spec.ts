import { strict as assert } from "assert";
import {
    clusterName,
    gpuClusterArgs,
    imageRepositoryName,
    observabilityArgs,
    privateSubnetCount,
    servesThroughLoadBalancers,
} from "../stacks/component-args";
import type { StackConfig } from "../stacks/config-schema";
import { projectConfig, readStackFile } from "../stacks/stack-files";
import { parseStackConfig } from "../stacks/validate";

/** A committed stack's parsed config, read inside each test so mutation testing sees it. */
function stack(name: string): StackConfig {
    return parseStackConfig(projectConfig(readStackFile(name)), name);
}

describe("component args from stack config", () => {
    it("names the cluster gpu-serving-<stack> unless cluster.name says otherwise", () => {
        const dev = stack("dev");
        assert.equal(clusterName(dev, "dev"), "gpu-serving-dev");
        assert.equal(clusterName({ ...dev, cluster: { ...dev.cluster, name: "ml" } }, "dev"), "ml");
    });

    it("puts a built model's image in gpu-serving/<model>", () => {
        assert.equal(imageRepositoryName(stack("dev").models[0]), "gpu-serving/llama-3-1-8b");
    });

    it("counts one private subnet per AZ of a created VPC, or the subnets given", () => {
        const dev = stack("dev");
        assert.equal(privateSubnetCount(dev), 2);
        assert.equal(
            privateSubnetCount({
                ...dev,
                network: { ...dev.network, existingPrivateSubnetIds: ["a", "b", "c", "d"] },
            }),
            4,
        );
        assert.equal(
            privateSubnetCount({
                ...dev,
                network: { ...dev.network, availabilityZoneCount: undefined },
            } as StackConfig),
            3,
        );
    });

    it("serves through load balancers when the shared or any model's service type is not ClusterIP", () => {
        const dev = stack("dev");
        assert.equal(servesThroughLoadBalancers(dev), false);
        assert.equal(servesThroughLoadBalancers(stack("prod")), true);
        const llama = dev.models[0];
        assert.equal(
            servesThroughLoadBalancers({
                ...dev,
                models: [llama, { ...llama, serviceType: "ExternalLoadBalancer" }],
            } as StackConfig),
            true,
        );
        assert.equal(
            servesThroughLoadBalancers({
                ...dev,
                serving: { ...dev.serving, serviceType: "InternalLoadBalancer" },
                models: [{ ...llama, serviceType: "ClusterIP" }],
            } as StackConfig),
            false,
        );
    });

    it("judges a config that failed its schema without sections as ClusterIP only", () => {
        assert.equal(servesThroughLoadBalancers({} as StackConfig), false);
        assert.equal(servesThroughLoadBalancers({ models: [undefined] } as any), false);
    });

    it("starts each node group at its minimum unless a desired size is set", () => {
        const local = stack("local");
        const groups = gpuClusterArgs(local, "local").gpuNodeGroups as any[];
        assert.deepEqual(
            groups.map((g) => [g.name, g.minSize, g.desiredSize]),
            [
                ["inference", 2, 2],
                ["real", 1, 1],
            ],
        );
    });

    it("passes Karpenter's AMI family and version, and enables the Load Balancer Controller for prod", () => {
        const args = gpuClusterArgs(stack("prod"), "prod");
        assert.deepEqual(args.karpenter, { amiFamily: "Bottlerocket", amiVersion: "latest" });
        assert.equal(args.loadBalancerController, true);
        assert.deepEqual([args.vpcId, args.privateSubnetIds], ["", []]);
    });

    it("points Observability at the cluster it is given, or at the config's own name without one", () => {
        const dev = stack("dev");
        assert.deepEqual(observabilityArgs(dev, "dev"), {
            clusterName: "gpu-serving-dev",
            oidcProviderArn: "",
            oidcProviderUrl: "",
            logRetentionDays: 7,
            tags: { environment: "dev", owner: "ml-platform" },
        });
        const cluster = {
            clusterName: "c",
            oidcProviderArn: "arn:oidc",
            oidcProviderUrl: "https://oidc",
        } as any;
        assert.deepEqual(
            [
                observabilityArgs(dev, "dev", cluster).clusterName,
                observabilityArgs(dev, "dev", cluster).oidcProviderArn,
                observabilityArgs(dev, "dev", cluster).oidcProviderUrl,
            ],
            ["c", "arn:oidc", "https://oidc"],
        );
    });
});
