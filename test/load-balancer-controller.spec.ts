import { strict as assert } from "assert";
import { GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import {
    loadBalancerControllerChart,
    loadBalancerControllerWebhook,
} from "../components/plan/load-balancer-controller-plan";
import { servesThroughLoadBalancers } from "../stacks/component-args";
import { parseStackConfig } from "../stacks/validate";
import { projectConfig, readStackFile } from "../stacks/stack-files";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { mockAccountId, mockRegion } from "./harness/mocks";
import { RegisteredResource, Rendered, render } from "./harness/render";
import { renderStack } from "./harness/stacks";

const types = {
    release: "kubernetes:helm.sh/v3:Release",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    service: "kubernetes:core/v1:Service",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
};

const args: GpuClusterArgs = {
    vpcId: "vpc-0a1b2c3d",
    privateSubnetIds: ["subnet-a", "subnet-b"],
    gpuNodeGroups: [{ name: "inference", instanceTypes: ["g5.2xlarge"], maxSize: 2 }],
    tags: { owner: "ml-platform" },
};

const controllerRelease = (resources: Rendered) =>
    resources.ofType(types.release).find((r) => r.inputs.chart === "aws-load-balancer-controller");

describe("AWS Load Balancer Controller", () => {
    describe("on a GpuCluster that asks for it", () => {
        let resources: Rendered;
        let release: RegisteredResource;

        before(async () => {
            ({ resources } = await render(
                () => new GpuCluster("gc", { ...args, loadBalancerController: true }),
            ));
            release = controllerRelease(resources)!;
        });

        it("installs chart 1.17.1 (controller v2.17.1) into kube-system from the eks-charts repository", () => {
            assert.equal(release.inputs.version, "1.17.1");
            assert.equal(release.inputs.namespace, "kube-system");
            assert.equal(release.inputs.repositoryOpts.repo, "https://aws.github.io/eks-charts");
            assert.equal(loadBalancerControllerChart.appVersion, "v2.17.1");
        });

        it("sets the region and VPC explicitly: at one IMDS hop the controller cannot look them up", () => {
            assert.equal(release.inputs.values.region, mockRegion);
            assert.equal(release.inputs.values.vpcId, "vpc-0a1b2c3d");
            assert.equal(release.inputs.values.clusterName, "gc");
        });

        it("runs two replicas on the system nodes, one drained at a time, after the system node group exists", () => {
            const { values } = release.inputs;
            assert.deepEqual(values.nodeSelector, { "gpu-serving.io/node-role": "system" });
            assert.deepEqual(values.podDisruptionBudget, { maxUnavailable: 1 });
            assert.equal(values.replicaCount, undefined, "the chart's default of 2 replicas");
            assert.ok(release.dependencies.includes(resources.one(types.nodeGroup, "system").urn));
        });

        it("tags the NLBs, target groups and security groups it creates with the cluster's tags", () => {
            assert.deepEqual(release.inputs.values.defaultTags, { owner: "ml-platform" });
        });

        it("runs as its own ServiceAccount, annotated with its IRSA role, and waits for the role's policy", () => {
            const account = resources
                .ofType(types.serviceAccount)
                .find((sa) => sa.inputs.metadata.name === "aws-load-balancer-controller")!;
            assert.equal(account.inputs.metadata.namespace, "kube-system");
            assert.equal(
                account.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
                `arn:aws:iam::${mockAccountId}:role/gc-load-balancer-controller-role`,
            );
            assert.deepEqual(release.inputs.values.serviceAccount, {
                create: false,
                name: "aws-load-balancer-controller",
            });
            const policy = resources.one(types.rolePolicy, "gc-load-balancer-controller-role");
            assert.ok(release.dependencies.includes(policy.urn));
            assert.ok(release.dependencies.includes(account.urn));
        });

        it("serves its webhook on the pod port the chart's webhook Service targets", () => {
            assert.equal(
                release.inputs.values.webhookBindPort,
                loadBalancerControllerWebhook.podPort,
            );
        });

        it("renders only schema-valid Kubernetes objects", async () => {
            assert.ok((await validateRenderedKubernetesObjects(resources)) > 0);
        });
    });

    it("is not installed, and has no role, unless asked for", async () => {
        const { resources } = await render(() => new GpuCluster("gc", args));
        assert.equal(controllerRelease(resources), undefined);
        assert.equal(
            resources.ofType(types.role).filter((r) => r.name.includes("load-balancer")).length,
            0,
        );
    });

    describe("in the stacks", function () {
        this.timeout(60_000);

        const config = (stack: string, edit: (c: Record<string, any>) => void = () => {}) => {
            const raw = projectConfig(readStackFile(stack)) as Record<string, any>;
            edit(raw);
            return parseStackConfig(raw, stack, { secretKeys: new Set<string>() });
        };

        it("follow the models: prod serves through load balancers, dev and staging do not", () => {
            assert.equal(servesThroughLoadBalancers(config("prod")), true);
            assert.equal(servesThroughLoadBalancers(config("dev")), false);
            assert.equal(servesThroughLoadBalancers(config("staging")), false);
        });

        it("count one model's own serviceType, not only serving.serviceType", () => {
            const staging = config("staging", (c) => {
                c.serving.loadBalancerSourceRanges = ["10.100.0.0/16"];
                c.serving.tlsCertificateArn =
                    "arn:aws:acm:us-west-2:111122223333:certificate/5f2b7c1e-0a9d-4e3b-8c6f-2d1e0b9a7c44";
                c.models[1].serviceType = "InternalLoadBalancer";
            });
            assert.equal(staging.serving.serviceType, "ClusterIP");
            assert.equal(servesThroughLoadBalancers(staging), true);
        });

        describe("prod", () => {
            let resources: Rendered;
            before(async () => {
                ({ resources } = await renderStack("prod"));
            });

            it("installs the controller, and every load balancer Service waits for it", () => {
                const release = controllerRelease(resources)!;
                assert.ok(release, "no controller release");
                const loadBalancers = resources
                    .ofType(types.service)
                    .filter((s) => s.inputs.spec.type === "LoadBalancer");
                assert.equal(loadBalancers.length, 3);
                for (const service of loadBalancers)
                    assert.ok(service.dependencies.includes(release.urn), service.name);
            });

            it("leaves the controller's webhook reachable: no NetworkPolicy selects its pods without admitting the webhook port", () => {
                const policies = resources.ofType(types.networkPolicy);
                assert.ok(policies.length > 0);
                const blocking = policies.filter(
                    (p) =>
                        p.inputs.metadata.namespace === loadBalancerControllerChart.namespace &&
                        !JSON.stringify(p.inputs.spec.ingress ?? []).includes(
                            String(loadBalancerControllerWebhook.podPort),
                        ),
                );
                assert.deepEqual(
                    blocking.map((p) => p.name),
                    [],
                );
            });
        });

        it("dev installs no controller", async () => {
            const { resources } = await renderStack("dev");
            assert.equal(controllerRelease(resources), undefined);
        });
    });
});
