import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { ModelStore, ModelStoreArgs } from "../components/model-store";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { render, valueOf } from "./harness/render";

const fileSystemType = "aws:efs/fileSystem:FileSystem";
const mountTargetType = "aws:efs/mountTarget:MountTarget";
const backupPolicyType = "aws:efs/backupPolicy:BackupPolicy";
const securityGroupType = "aws:ec2/securityGroup:SecurityGroup";
const ingressRuleType = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const storageClassType = "kubernetes:storage.k8s.io/v1:StorageClass";
const claimType = "kubernetes:core/v1:PersistentVolumeClaim";

const nodeSecurityGroupId = "sg-0nodes";
const baseArgs: ModelStoreArgs = {
    vpcId: "vpc-0abc",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    nodeSecurityGroupId,
    namespace: "serving",
};

function renderStore(overrides: Partial<ModelStoreArgs> = {}) {
    return render(() => new ModelStore("models", { ...baseArgs, ...overrides }));
}

describe("ModelStore", () => {
    it("creates one mount target per private subnet, in the NFS security group", async () => {
        for (const subnets of [
            ["subnet-a", "subnet-b"],
            ["subnet-a", "subnet-b", "subnet-c"],
        ]) {
            const { result, resources } = await renderStore({ privateSubnetIds: subnets });
            const mountTargets = resources.ofType(mountTargetType);
            assert.deepEqual(
                mountTargets.map((m) => m.inputs.subnetId),
                subnets,
            );
            const fileSystemId = await valueOf(result.fileSystemId);
            const securityGroupId = await valueOf(result.securityGroupId);
            for (const mountTarget of mountTargets) {
                assert.equal(mountTarget.inputs.fileSystemId, fileSystemId);
                assert.deepEqual(mountTarget.inputs.securityGroups, [securityGroupId]);
            }
        }
    });

    it("allows only TCP 2049 from the node security group, with no CIDR anywhere", async () => {
        const { result, resources } = await renderStore();
        const rules = resources.ofType(ingressRuleType);
        assert.equal(rules.length, 1);
        const rule = rules[0].inputs;
        assert.deepEqual(
            [rule.ipProtocol, rule.fromPort, rule.toPort, rule.referencedSecurityGroupId],
            ["tcp", 2049, 2049, nodeSecurityGroupId],
        );
        assert.equal(rule.securityGroupId, await valueOf(result.securityGroupId));
        for (const field of ["cidrIpv4", "cidrIpv6", "prefixListId"]) {
            assert.equal(rule[field], undefined, field);
        }
        const securityGroup = resources.one(securityGroupType).inputs;
        assert.equal(securityGroup.vpcId, "vpc-0abc");
        assert.equal(securityGroup.ingress, undefined, "no inline ingress");
        assert.equal(securityGroup.egress, undefined, "no inline egress");
        const egressRuleType = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
        assert.equal(resources.ofType(egressRuleType).length, 0);
    });

    it("creates an encrypted, elastic, general-purpose file system with no IA transition", async () => {
        const { resources } = await renderStore();
        const fileSystem = resources.one(fileSystemType).inputs;
        assert.equal(fileSystem.encrypted, true);
        assert.equal(fileSystem.performanceMode, "generalPurpose");
        assert.equal(fileSystem.throughputMode, "elastic");
        assert.equal(fileSystem.provisionedThroughputInMibps, undefined);
        assert.equal(fileSystem.lifecyclePolicies, undefined);
    });

    it("passes provisioned throughput through when that mode is chosen", async () => {
        const { resources } = await renderStore({
            throughputMode: "provisioned",
            provisionedThroughputMiBps: 256,
        });
        const fileSystem = resources.one(fileSystemType).inputs;
        assert.equal(fileSystem.throughputMode, "provisioned");
        assert.equal(fileSystem.provisionedThroughputInMibps, 256);
    });

    it("enables automatic backups by default and disables them when backup is false", async () => {
        const on = (await renderStore()).resources.one(backupPolicyType).inputs;
        assert.deepEqual(on.backupPolicy, { status: "ENABLED" });
        const off = (await renderStore({ backup: false })).resources.one(backupPolicyType).inputs;
        assert.deepEqual(off.backupPolicy, { status: "DISABLED" });
    });

    it("renders a retained EFS access-point StorageClass owned by uid/gid 1000", async () => {
        const { result, resources } = await renderStore();
        const storageClass = resources.one(storageClassType).inputs;
        assert.equal(storageClass.metadata.name, "efs-models");
        assert.equal(storageClass.provisioner, "efs.csi.aws.com");
        assert.deepEqual(storageClass.parameters, {
            provisioningMode: "efs-ap",
            fileSystemId: await valueOf(result.fileSystemId),
            directoryPerms: "700",
            uid: "1000",
            gid: "1000",
            basePath: "/models",
        });
        assert.equal(storageClass.reclaimPolicy, "Retain");
        assert.equal(storageClass.volumeBindingMode, "Immediate");
        assert.deepEqual(storageClass.mountOptions, ["tls"]);
    });

    it("attaches a file-system policy that refuses NFS without TLS on this file system", async () => {
        const { result, resources } = await renderStore();
        const record = resources.one("aws:efs/fileSystemPolicy:FileSystemPolicy");
        assert.equal(record.inputs.fileSystemId, await valueOf(result.fileSystemId));
        const policy = JSON.parse(record.inputs.policy);
        const deny = policy.Statement.find((s: any) => s.Effect === "Deny");
        assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.equal(deny.Resource, await valueOf(result.fileSystemArn));
        // The grants themselves are evaluated by the IAM simulator in iam-access.spec.ts.
    });

    it("renders a ReadWriteMany claim on that class in the namespace, 1024Gi by default", async () => {
        const { result, resources } = await renderStore();
        const claim = resources.one(claimType).inputs;
        assert.deepEqual(claim.metadata, { name: "model-cache", namespace: "serving" });
        assert.deepEqual(claim.spec.accessModes, ["ReadWriteMany"]);
        assert.equal(claim.spec.storageClassName, "efs-models");
        assert.deepEqual(claim.spec.resources.requests, { storage: "1024Gi" });
        assert.equal(await valueOf(result.claimName), "model-cache");
        assert.equal(await valueOf(result.storageClassName), "efs-models");
    });

    it("uses the names and size it is given", async () => {
        const { result, resources } = await renderStore({
            storageClassName: "weights",
            claimName: "llama",
            claimSizeGiB: 200,
        });
        const claim = resources.one(claimType).inputs;
        assert.equal(resources.one(storageClassType).inputs.metadata.name, "weights");
        assert.equal(claim.metadata.name, "llama");
        assert.equal(claim.spec.storageClassName, "weights");
        assert.equal(claim.spec.resources.requests.storage, "200Gi");
        assert.equal(await valueOf(result.claimName), "llama");
    });

    it("makes the claim wait for every mount target", async () => {
        const { resources } = await renderStore();
        const claim = resources.one(claimType);
        for (const mountTarget of resources.ofType(mountTargetType)) {
            assert.ok(claim.dependencies.includes(mountTarget.urn), mountTarget.name);
        }
    });

    it("protects the file system and the claim by default", async () => {
        const { resources } = await renderStore();
        assert.equal(resources.one(fileSystemType).protect, true);
        assert.equal(resources.one(claimType).protect, true);
        assert.equal(resources.one(storageClassType).protect, false);
    });

    it("leaves them unprotected when protect is false", async () => {
        const { resources } = await renderStore({ protect: false });
        assert.equal(resources.one(fileSystemType).protect, false);
        assert.equal(resources.one(claimType).protect, false);
    });

    it("hands the component's Kubernetes provider to its Kubernetes objects", async () => {
        const { resources } = await render(() => {
            const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
            return new ModelStore("models", baseArgs, { providers: { kubernetes: provider } });
        });
        const providerUrn = resources.one("pulumi:providers:kubernetes").urn;
        for (const type of [storageClassType, claimType]) {
            assert.ok(resources.one(type).provider.startsWith(`${providerUrn}::`), type);
        }
    });

    it("outputs the file system's id and ARN", async () => {
        const { result } = await renderStore();
        assert.match(await valueOf(result.fileSystemId), /^fs-/);
        assert.match(await valueOf(result.fileSystemArn), /^arn:aws:/);
    });

    it("renders only schema-valid Kubernetes objects", async () => {
        const { resources } = await renderStore();
        assert.ok((await validateRenderedKubernetesObjects(resources)) > 0);
    });

    it("reports every bad argument in one error and registers nothing", async () => {
        let thrown: Error | undefined;
        const { resources } = await render(() => {
            try {
                new ModelStore("bad", {
                    ...baseArgs,
                    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-a"],
                    storageClassName: "EFS_Models",
                    claimName: "model.cache!",
                    claimSizeGiB: 0,
                    throughputMode: "max-io",
                });
            } catch (error) {
                thrown = error as Error;
            }
        });
        assert.ok(thrown);
        assert.match(thrown.message, /^ModelStore "bad" has 5 problems:/);
        assert.match(
            thrown.message,
            /privateSubnetIds\[2\]: "subnet-a" repeats privateSubnetIds\[0\]; EFS allows one mount/,
        );
        assert.match(thrown.message, /storageClassName: "EFS_Models" is not a DNS-1123 label/);
        assert.match(thrown.message, /claimName: "model.cache!" is not a DNS-1123 label/);
        assert.match(thrown.message, /claimSizeGiB: must be a whole number of GiB >= 1, got 0/);
        assert.match(
            thrown.message,
            /throughputMode: "max-io" is not one of elastic, bursting, provisioned/,
        );
        assert.equal(resources.all.length, 0);
    });

    it("rejects an empty subnet list", () => {
        assert.throws(
            () => new ModelStore("bad", { ...baseArgs, privateSubnetIds: [] }),
            /privateSubnetIds: must list at least one subnet/,
        );
    });

    it("requires provisionedThroughputMiBps with provisioned throughput", () => {
        assert.throws(
            () => new ModelStore("bad", { ...baseArgs, throughputMode: "provisioned" }),
            /provisionedThroughputMiBps: is required when throughputMode is "provisioned"/,
        );
    });

    it("rejects provisionedThroughputMiBps with any other throughput mode", () => {
        assert.throws(
            () => new ModelStore("bad", { ...baseArgs, provisionedThroughputMiBps: 100 }),
            /provisionedThroughputMiBps: applies only to throughputMode "provisioned", not "elastic"/,
        );
    });

    it("rejects a provisioned throughput below 1 MiB/s", () => {
        assert.throws(
            () =>
                new ModelStore("bad", {
                    ...baseArgs,
                    throughputMode: "provisioned",
                    provisionedThroughputMiBps: 0,
                }),
            /provisionedThroughputMiBps: must be at least 1 MiB\/s, got 0/,
        );
    });
});
