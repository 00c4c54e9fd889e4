import { createHash } from "crypto";
import { strict as assert } from "assert";
import { GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import { kubernetesVersionPins } from "../components/plan/kubernetes-versions";
import { validateRenderedKubernetesObjects } from "./harness/kubernetes-schemas";
import { mockAccountId, mockOidcIssuer, mockRegion } from "./harness/mocks";
import { RegisteredResource, Rendered, isSecret, render, valueOf } from "./harness/render";

const types = {
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    key: "aws:kms/key:Key",
    addon: "aws:eks/addon:Addon",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    asgTag: "aws:autoscaling/tag:Tag",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    release: "kubernetes:helm.sh/v3:Release",
    k8sProvider: "pulumi:providers:kubernetes",
};

const baseArgs: GpuClusterArgs = {
    vpcId: "vpc-123",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    gpuNodeGroups: [
        { name: "inference", instanceTypes: ["g5.2xlarge"], maxSize: 4, labels: { tier: "gold" } },
        {
            name: "batch",
            instanceTypes: ["g6e.12xlarge"],
            capacityType: "SPOT",
            minSize: 1,
            maxSize: 2,
            rootVolumeSizeGiB: 400,
        },
    ],
};

async function renderCluster(overrides: Partial<GpuClusterArgs> = {}) {
    return render(() => new GpuCluster("gc", { ...baseArgs, ...overrides }));
}

function trustOf(role: RegisteredResource): any {
    return JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
}

function dependsOn(resource: RegisteredResource, on: RegisteredResource): boolean {
    return resource.dependencies.includes(on.urn);
}

/** Asserts that constructing a GpuCluster with `overrides` throws `pattern` and registers nothing. */
async function assertRejected(overrides: Partial<GpuClusterArgs>, pattern: RegExp): Promise<void> {
    const { resources } = await render(() =>
        assert.throws(() => new GpuCluster("gc", { ...baseArgs, ...overrides }), pattern),
    );
    assert.deepEqual(
        resources.all.map((r) => r.name),
        [],
    );
}

describe("GpuCluster", () => {
    let resources: Rendered;
    let cluster: GpuCluster;

    before(async () => {
        ({ resources, result: cluster } = await renderCluster());
    });

    describe("control plane", () => {
        it("creates the cluster named after the component at Kubernetes 1.34", () => {
            const eks = resources.one(types.cluster);
            assert.equal(eks.inputs.name, "gc");
            assert.equal(eks.inputs.version, "1.34");
        });

        it("encrypts secrets with a rotating KMS key of its own", () => {
            const eks = resources.one(types.cluster);
            const key = resources.one(types.key);
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.deepEqual(eks.inputs.encryptionConfig.resources, ["secrets"]);
            assert.equal(
                eks.inputs.encryptionConfig.provider.keyArn,
                `arn:aws:kms:${mockRegion}:${mockAccountId}:key/gc-secrets-key`,
            );
        });

        it("lets the cluster role use the secrets key", () => {
            const policy = JSON.parse(
                resources.one(types.rolePolicy, "cluster-role-kms").inputs.policy,
            );
            assert.deepEqual(policy.Statement[0].Resource, [
                resources.one(types.cluster).inputs.encryptionConfig.provider.keyArn,
            ]);
            assert.ok(policy.Statement[0].Action.includes("kms:Encrypt"));
        });

        it("logs every control-plane component to a log group with a 90-day retention", () => {
            const eks = resources.one(types.cluster);
            assert.deepEqual(eks.inputs.enabledClusterLogTypes, [
                "api",
                "audit",
                "authenticator",
                "controllerManager",
                "scheduler",
            ]);
            const logs = resources.one("aws:cloudwatch/logGroup:LogGroup");
            assert.equal(logs.inputs.name, "/aws/eks/gc/cluster");
            assert.equal(logs.inputs.retentionInDays, 90);
            assert.ok(dependsOn(eks, logs));
        });

        it("authenticates through access entries only and skips EKS's self-managed add-ons", () => {
            const eks = resources.one(types.cluster);
            assert.equal(eks.inputs.accessConfig.authenticationMode, "API");
            assert.equal(eks.inputs.bootstrapSelfManagedAddons, false);
        });

        it("keeps the endpoint private unless asked otherwise", () => {
            const { vpcConfig } = resources.one(types.cluster).inputs;
            assert.equal(vpcConfig.endpointPrivateAccess, true);
            assert.equal(vpcConfig.endpointPublicAccess, false);
            assert.equal(vpcConfig.publicAccessCidrs, undefined);
            assert.deepEqual(vpcConfig.subnetIds, ["subnet-a", "subnet-b", "subnet-c"]);
        });

        it("opens the public endpoint to the listed CIDRs only", async () => {
            const { resources: open } = await renderCluster({
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24"],
            });
            const { vpcConfig } = open.one(types.cluster).inputs;
            assert.equal(vpcConfig.endpointPublicAccess, true);
            assert.equal(vpcConfig.endpointPrivateAccess, true);
            assert.deepEqual(vpcConfig.publicAccessCidrs, ["203.0.113.0/24"]);
        });

        it("protects the cluster and the secrets key by default", () => {
            assert.equal(resources.one(types.cluster).protect, true);
            assert.equal(resources.one(types.cluster).inputs.deletionProtection, true);
            assert.equal(resources.one(types.key).protect, true);
        });

        it("leaves cluster and key unprotected when protect is false", async () => {
            const { resources: loose } = await renderCluster({ protect: false });
            assert.equal(loose.one(types.cluster).protect, false);
            assert.equal(loose.one(types.cluster).inputs.deletionProtection, false);
            assert.equal(loose.one(types.key).protect, false);
        });

        it("grants each admin principal cluster-admin through an access entry", async () => {
            const admins = [
                "arn:aws:iam::123456789012:role/platform",
                "arn:aws:iam::123456789012:user/oncall",
            ];
            const { resources: withAdmins } = await renderCluster({ adminPrincipalArns: admins });
            const entries = withAdmins.ofType(types.accessEntry);
            assert.deepEqual(
                entries.map((e) => e.inputs.principalArn),
                admins,
            );
            assert.ok(
                entries.every((e) => e.inputs.type === "STANDARD" && e.inputs.clusterName === "gc"),
            );
            const associations = withAdmins.ofType(types.accessPolicy);
            assert.deepEqual(
                associations.map((a) => a.inputs.principalArn),
                admins,
            );
            for (const association of associations) {
                assert.equal(
                    association.inputs.policyArn,
                    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                );
                assert.deepEqual(association.inputs.accessScope, { type: "cluster" });
            }
            assert.equal(resources.ofType(types.accessEntry).length, 0);
        });
    });

    describe("IAM", () => {
        it("lets only EKS assume the cluster role, which carries AmazonEKSClusterPolicy", () => {
            const trust = trustOf(resources.one(types.role, "cluster-role"));
            assert.deepEqual(trust.Principal, { Service: ["eks.amazonaws.com"] });
            assert.deepEqual(trust.Action, ["sts:AssumeRole"]);
            const attached = resources
                .ofType(types.attachment)
                .filter((a) => a.name.startsWith("gc-cluster-role-"));
            assert.deepEqual(
                attached.map((a) => a.inputs.policyArn),
                ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
            );
        });

        it("lets only EC2 assume the node role, with worker, registry and SSM policies but not the CNI's", () => {
            assert.deepEqual(trustOf(resources.one(types.role, "node-role")).Principal, {
                Service: ["ec2.amazonaws.com"],
            });
            const attached = resources
                .ofType(types.attachment)
                .filter((a) => a.name.startsWith("gc-node-role-"));
            assert.deepEqual(attached.map((a) => a.inputs.policyArn.split("/").pop()).sort(), [
                "AmazonEC2ContainerRegistryReadOnly",
                "AmazonEKSWorkerNodePolicy",
                "AmazonSSMManagedInstanceCore",
            ]);
        });

        it("gives the VPC CNI's aws-node account its own IRSA role with AmazonEKS_CNI_Policy", () => {
            const trust = trustOf(resources.one(types.role, "vpc-cni-role"));
            const issuerHost = mockOidcIssuer.replace("https://", "");
            assert.deepEqual(trust.Condition.StringEquals, {
                [`${issuerHost}:sub`]: ["system:serviceaccount:kube-system:aws-node"],
                [`${issuerHost}:aud`]: ["sts.amazonaws.com"],
            });
            const attached = resources
                .ofType(types.attachment)
                .filter((a) => a.name.startsWith("gc-vpc-cni-role-"));
            assert.deepEqual(
                attached.map((a) => a.inputs.policyArn),
                ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"],
            );
            const vpcCni = resources.one(types.addon, "vpc-cni");
            assert.equal(
                vpcCni.inputs.serviceAccountRoleArn,
                `arn:aws:iam::${mockAccountId}:role/gc-vpc-cni-role`,
            );
            assert.ok(dependsOn(vpcCni, attached[0]), "aws-node must not start without its policy");
        });

        it("registers the cluster's OIDC issuer for STS", () => {
            const oidc = resources.one(types.oidc);
            assert.equal(oidc.inputs.url, mockOidcIssuer);
            assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
            assert.equal(oidc.inputs.thumbprintLists.length, 1);
        });

        it("trusts the EFS CSI role to the controller service account's STS tokens only", () => {
            const trust = trustOf(resources.one(types.role, "efs-csi-role"));
            const issuerHost = mockOidcIssuer.replace("https://", "");
            assert.deepEqual(trust.Action, ["sts:AssumeRoleWithWebIdentity"]);
            assert.deepEqual(trust.Principal, {
                Federated: [`arn:aws:iam::${mockAccountId}:oidc-provider/${issuerHost}`],
            });
            assert.deepEqual(trust.Condition.StringEquals, {
                [`${issuerHost}:sub`]: ["system:serviceaccount:kube-system:efs-csi-controller-sa"],
                [`${issuerHost}:aud`]: ["sts.amazonaws.com"],
            });
            const attached = resources.one(types.attachment, "efs-csi-role");
            assert.equal(
                attached.inputs.policyArn,
                "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy",
            );
        });

        it("trusts the EBS CSI role to the controller service account's STS tokens only", () => {
            const trust = trustOf(resources.one(types.role, "ebs-csi-role"));
            const issuerHost = mockOidcIssuer.replace("https://", "");
            assert.deepEqual(trust.Action, ["sts:AssumeRoleWithWebIdentity"]);
            assert.deepEqual(trust.Principal, {
                Federated: [`arn:aws:iam::${mockAccountId}:oidc-provider/${issuerHost}`],
            });
            assert.deepEqual(trust.Condition.StringEquals, {
                [`${issuerHost}:sub`]: ["system:serviceaccount:kube-system:ebs-csi-controller-sa"],
                [`${issuerHost}:aud`]: ["sts.amazonaws.com"],
            });
            const attached = resources.one(types.attachment, "ebs-csi-role");
            assert.equal(
                attached.inputs.policyArn,
                "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
            );
        });

        it("trusts the autoscaler role to its service account and scopes scaling to the cluster's groups", () => {
            const trust = trustOf(resources.one(types.role, "cluster-autoscaler-role"));
            const issuerHost = mockOidcIssuer.replace("https://", "");
            assert.deepEqual(trust.Condition.StringEquals[`${issuerHost}:sub`], [
                "system:serviceaccount:kube-system:cluster-autoscaler",
            ]);
            const policy = JSON.parse(
                resources.one(types.rolePolicy, "cluster-autoscaler-role-policy").inputs.policy,
            );
            const scale = policy.Statement.find((s: any) =>
                s.Action.includes("autoscaling:SetDesiredCapacity"),
            );
            assert.deepEqual(scale.Condition.StringEquals, {
                "aws:ResourceTag/k8s.io/cluster-autoscaler/gc": ["owned"],
            });
        });
    });

    describe("node groups", () => {
        const group = (role: string) => resources.one(types.nodeGroup, `gc-${role}`);
        const template = (role: string) => resources.one(types.launchTemplate, `gc-${role}-lt`);

        it("taints and labels GPU groups on the NVIDIA AMI and leaves the system group plain", () => {
            const inference = group("gpu-inference");
            assert.equal(inference.inputs.amiType, "AL2023_x86_64_NVIDIA");
            assert.deepEqual(inference.inputs.taints, [
                { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" },
            ]);
            assert.equal(inference.inputs.labels["gpu-serving.io/gpu-group"], "inference");
            assert.equal(inference.inputs.labels.tier, "gold");
            const system = group("system");
            assert.equal(system.inputs.amiType, "AL2023_x86_64_STANDARD");
            assert.deepEqual(system.inputs.taints, []);
            assert.deepEqual(system.inputs.labels, { "gpu-serving.io/node-role": "system" });
            assert.deepEqual(system.inputs.instanceTypes, ["m6i.large"]);
        });

        it("gives every group its own launch template that requires IMDSv2 with a hop limit of 1", () => {
            const roles = ["system", "gpu-inference", "gpu-batch"];
            for (const role of roles) {
                const lt = template(role);
                assert.deepEqual(lt.inputs.metadataOptions, {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                });
                const usedBy = roles.filter((other) => dependsOn(group(other), lt));
                assert.deepEqual(usedBy, [role]);
                assert.equal(group(role).inputs.launchTemplate.version, "1");
            }
            const ids = roles.map((role) => group(role).inputs.launchTemplate.id);
            assert.equal(new Set(ids).size, 3);
            assert.ok(ids.every((id) => /^lt-/.test(id)));
        });

        it("sizes the root volume in the launch template, never through diskSize", () => {
            const sizes = Object.fromEntries(
                ["system", "gpu-inference", "gpu-batch"].map((role) => {
                    assert.equal(
                        group(role).inputs.diskSize,
                        undefined,
                        `${role} must not set diskSize`,
                    );
                    const [mapping] = template(role).inputs.blockDeviceMappings;
                    assert.equal(mapping.deviceName, "/dev/xvda");
                    assert.equal(mapping.ebs.volumeType, "gp3");
                    assert.equal(mapping.ebs.encrypted, "true");
                    return [role, mapping.ebs.volumeSize];
                }),
            );
            assert.deepEqual(sizes, { system: 50, "gpu-inference": 200, "gpu-batch": 400 });
        });

        it("leaves the desired size to the cluster-autoscaler", () => {
            for (const nodeGroup of resources.ofType(types.nodeGroup)) {
                assert.deepEqual(nodeGroup.ignoreChanges, ["scalingConfig.desiredSize"]);
            }
        });

        it("scales GPU groups from zero by default and repairs unhealthy nodes", () => {
            assert.deepEqual(group("gpu-inference").inputs.scalingConfig, {
                minSize: 0,
                desiredSize: 0,
                maxSize: 4,
            });
            assert.deepEqual(group("gpu-batch").inputs.scalingConfig, {
                minSize: 1,
                desiredSize: 1,
                maxSize: 2,
            });
            assert.equal(group("gpu-batch").inputs.capacityType, "SPOT");
            assert.deepEqual(group("gpu-inference").inputs.nodeRepairConfig, { enabled: true });
            assert.deepEqual(group("gpu-inference").inputs.updateConfig, { maxUnavailable: 1 });
        });

        it("tags GPU groups for autoscaler discovery and their ASGs with the node template", () => {
            const tags = group("gpu-batch").inputs.tags;
            assert.equal(tags["k8s.io/cluster-autoscaler/enabled"], "true");
            assert.equal(tags["k8s.io/cluster-autoscaler/gc"], "owned");
            const asgTags = resources
                .ofType(types.asgTag)
                .filter((t) => t.inputs.autoscalingGroupName === "eks-gc-gpu-batch-asg");
            const byKey = Object.fromEntries(
                asgTags.map((t) => [t.inputs.tag.key, t.inputs.tag.value]),
            );
            assert.equal(
                byKey["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"],
                "true:NoSchedule",
            );
            assert.equal(
                byKey["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"],
                "4",
            );
            assert.equal(
                byKey["k8s.io/cluster-autoscaler/node-template/label/gpu-serving.io/gpu-group"],
                "batch",
            );
            assert.equal(
                resources.ofType(types.asgTag).filter((t) => t.name.startsWith("gc-system-"))
                    .length,
                0,
            );
        });

        it("starts nodes only after the node role policies and networking add-ons exist", () => {
            const vpcCni = resources.one(types.addon, "vpc-cni");
            const workerPolicy = resources.one(types.attachment, "AmazonEKSWorkerNodePolicy");
            for (const nodeGroup of resources.ofType(types.nodeGroup)) {
                assert.ok(
                    dependsOn(nodeGroup, vpcCni) && dependsOn(nodeGroup, workerPolicy),
                    nodeGroup.name,
                );
            }
        });
    });

    describe("add-ons", () => {
        it("installs the six managed add-ons at the versions pinned for 1.34", () => {
            const versions = Object.fromEntries(
                resources
                    .ofType(types.addon)
                    .map((a) => [a.inputs.addonName, a.inputs.addonVersion]),
            );
            assert.deepEqual(Object.keys(versions).sort(), [
                "aws-ebs-csi-driver",
                "aws-efs-csi-driver",
                "coredns",
                "eks-pod-identity-agent",
                "kube-proxy",
                "vpc-cni",
            ]);
            assert.match(versions["kube-proxy"], /^v1\.34\./);
        });

        it("turns on the VPC CNI's network policy agent, so NetworkPolicies are enforced", () => {
            const vpcCni = resources.one(types.addon, "vpc-cni");
            assert.deepEqual(JSON.parse(vpcCni.inputs.configurationValues), {
                enableNetworkPolicy: "true",
            });
        });

        it("waits for the system node group before CoreDNS and the CSI drivers", () => {
            const system = resources.one(types.nodeGroup, "gc-system");
            assert.ok(dependsOn(resources.one(types.addon, "coredns"), system));
            assert.ok(dependsOn(resources.one(types.addon, "efs-csi-driver"), system));
            assert.ok(dependsOn(resources.one(types.addon, "ebs-csi-driver"), system));
            assert.ok(!dependsOn(resources.one(types.addon, "vpc-cni"), system));
        });

        it("runs the EFS CSI driver as its IRSA role", () => {
            const efs = resources.one(types.addon, "efs-csi-driver");
            assert.equal(
                efs.inputs.serviceAccountRoleArn,
                `arn:aws:iam::${mockAccountId}:role/gc-efs-csi-role`,
            );
        });

        it("runs the EBS CSI driver, which provisions Prometheus's gp3 volume, as its IRSA role", () => {
            const ebs = resources.one(types.addon, "ebs-csi-driver");
            assert.equal(
                ebs.inputs.serviceAccountRoleArn,
                `arn:aws:iam::${mockAccountId}:role/gc-ebs-csi-role`,
            );
        });

        it("pins the EBS CSI driver per Kubernetes version and lets addonVersions override it", async () => {
            const ebsVersion = (rendered: Rendered) =>
                rendered.one(types.addon, "ebs-csi-driver").inputs.addonVersion;
            const { resources: older } = await renderCluster({ kubernetesVersion: "1.33" });
            const { resources: overridden } = await renderCluster({
                addonVersions: { ebsCsiDriver: "v1.54.0-eksbuild.1" },
            });
            assert.equal(ebsVersion(resources), kubernetesVersionPins["1.34"].addons.ebsCsiDriver);
            assert.equal(ebsVersion(older), kubernetesVersionPins["1.33"].addons.ebsCsiDriver);
            assert.equal(ebsVersion(overridden), "v1.54.0-eksbuild.1");
            assert.equal(
                overridden.one(types.addon, "efs-csi-driver").inputs.addonVersion,
                resources.one(types.addon, "efs-csi-driver").inputs.addonVersion,
            );
        });
    });

    describe("in-cluster", () => {
        it("puts every Kubernetes child on the cluster's own provider", () => {
            const provider = resources.one(types.k8sProvider, "gc-k8s");
            const children = resources.all.filter((r) => r.type.startsWith("kubernetes:"));
            assert.ok(children.length >= 4);
            for (const child of children)
                assert.ok(child.provider.startsWith(`${provider.urn}::`), child.name);
        });

        it("installs a pinned NVIDIA device plugin that runs on GPU nodes only", () => {
            const release = resources.one(types.release, "device-plugin");
            assert.equal(release.inputs.chart, "nvidia-device-plugin");
            assert.equal(
                release.inputs.repositoryOpts.repo,
                "https://nvidia.github.io/k8s-device-plugin",
            );
            assert.match(release.inputs.version, /^\d+\.\d+\.\d+$/);
            assert.deepEqual(release.inputs.values.nodeSelector, {
                "gpu-serving.io/node-role": "gpu",
            });
            assert.ok(
                release.inputs.values.tolerations.some(
                    (t: any) => t.key === "nvidia.com/gpu" && t.effect === "NoSchedule",
                ),
            );
        });

        it("installs a pinned cluster-autoscaler for this cluster on its IRSA service account", () => {
            const release = resources.one(types.release, "cluster-autoscaler");
            assert.equal(release.inputs.chart, "cluster-autoscaler");
            assert.equal(
                release.inputs.repositoryOpts.repo,
                "https://kubernetes.github.io/autoscaler",
            );
            assert.match(release.inputs.version, /^\d+\.\d+\.\d+$/);
            assert.deepEqual(release.inputs.values.autoDiscovery, { clusterName: "gc" });
            assert.equal(release.inputs.values.awsRegion, mockRegion);
            assert.equal(release.inputs.values.image.tag, "v1.34.2");
            const account = resources.one(
                "kubernetes:core/v1:ServiceAccount",
                "cluster-autoscaler",
            );
            assert.equal(
                account.inputs.metadata.name,
                release.inputs.values.rbac.serviceAccount.name,
            );
            assert.equal(
                account.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
                `arn:aws:iam::${mockAccountId}:role/gc-cluster-autoscaler-role`,
            );
            assert.ok(dependsOn(release, resources.one(types.nodeGroup, "gc-system")));
        });

        it("renders only schema-valid Kubernetes objects", async () => {
            const count = await validateRenderedKubernetesObjects(resources);
            assert.ok(count > 0);
        });
    });

    describe("outputs", () => {
        it("exposes the kubeconfig as a secret that runs aws eks get-token for this cluster", async () => {
            assert.equal(await isSecret(cluster.kubeconfig), true);
            const kubeconfig = JSON.parse(await valueOf(cluster.kubeconfig));
            assert.deepEqual(kubeconfig.users[0].user.exec.args, [
                "eks",
                "get-token",
                "--cluster-name",
                "gc",
                "--region",
                mockRegion,
                "--output",
                "json",
            ]);
            assert.equal(kubeconfig.clusters[0].cluster.server, await valueOf(cluster.endpoint));
        });

        it("reports the EKS-created cluster security group as the node security group", async () => {
            // The mock derives the cluster security group from the cluster's resource name.
            const clusterSecurityGroup = `sg-${createHash("sha256").update("gc-clustercluster").digest("hex").slice(0, 17)}`;
            assert.equal(await valueOf(cluster.nodeSecurityGroupId), clusterSecurityGroup);
            // Nodes carry it only while no launch template names its own security groups.
            for (const lt of resources.ofType(types.launchTemplate)) {
                assert.equal(lt.inputs.vpcSecurityGroupIds, undefined, lt.name);
            }
        });

        it("names the GPU node groups with their group names as prefix, in order", async () => {
            const names = await valueOf(cluster.gpuNodeGroupNames);
            assert.equal(names.length, 2);
            assert.match(names[0], /^inference-/);
            assert.match(names[1], /^batch-/);
        });

        it("reports the OIDC issuer, provider and node role", async () => {
            assert.equal(await valueOf(cluster.oidcProviderUrl), mockOidcIssuer);
            assert.match(await valueOf(cluster.oidcProviderArn), /:oidc-provider\/oidc\.eks\./);
            assert.equal(
                await valueOf(cluster.nodeRoleArn),
                `arn:aws:iam::${mockAccountId}:role/gc-node-role`,
            );
            assert.equal(await valueOf(cluster.clusterName), "gc");
        });
    });

    describe("rejecting bad arguments before creating anything", () => {
        const gpu = (extra: object) => ({
            gpuNodeGroups: [{ name: "a", instanceTypes: ["g5.xlarge"], maxSize: 2, ...extra }],
        });

        it("rejects an unknown GPU instance family", () =>
            assertRejected(
                gpu({ instanceTypes: ["x9.large"] }),
                /gpuNodeGroups\[0\]\.instanceTypes\[0\]: unknown GPU instance family "x9"/,
            ));
        it("rejects an unknown size of a known family", () =>
            assertRejected(
                gpu({ instanceTypes: ["g5.huge"] }),
                /gpuNodeGroups\[0\]\.instanceTypes\[0\]: unknown size "g5\.huge"; g5 sizes:/,
            ));
        it("rejects minSize above maxSize", () =>
            assertRejected(
                gpu({ minSize: 3, maxSize: 2 }),
                /gpuNodeGroups\[0\]\.minSize: 3 exceeds maxSize 2/,
            ));
        it("rejects a desired size outside [min, max]", () =>
            assertRejected(
                gpu({ minSize: 1, desiredSize: 5, maxSize: 2 }),
                /gpuNodeGroups\[0\]\.desiredSize: 5 is outside \[minSize 1, maxSize 2\]/,
            ));
        it("rejects maxSize 0", () =>
            assertRejected(
                gpu({ maxSize: 0 }),
                /gpuNodeGroups\[0\]\.maxSize: 0 must be an integer ≥ 1/,
            ));
        it("rejects duplicate group names", () =>
            assertRejected(
                {
                    gpuNodeGroups: [
                        baseArgs.gpuNodeGroups[0],
                        { ...baseArgs.gpuNodeGroups[1], name: "inference" },
                    ],
                },
                /gpuNodeGroups\[1\]\.name: "inference" is used by an earlier group/,
            ));
        it("rejects a group name that is not a DNS-1123 label", () =>
            assertRejected(
                gpu({ name: "Big_GPUs" }),
                /gpuNodeGroups\[0\]\.name: "Big_GPUs" is not a DNS-1123 label/,
            ));
        it("rejects a cluster without GPU node groups", () =>
            assertRejected(
                { gpuNodeGroups: [] },
                /gpuNodeGroups: at least one GPU node group is required/,
            ));
        it("rejects a capacity type other than ON_DEMAND or SPOT", () =>
            assertRejected(
                gpu({ capacityType: "spot" }),
                /gpuNodeGroups\[0\]\.capacityType: "spot" is not one of ON_DEMAND, SPOT/,
            ));
        it("rejects GPU root volumes under 50 GiB", () =>
            assertRejected(
                gpu({ rootVolumeSizeGiB: 30 }),
                /gpuNodeGroups\[0\]\.rootVolumeSizeGiB: 30 GiB must be an integer in \[50, 16384\]/,
            ));
        it("rejects a public endpoint without CIDRs", () =>
            assertRejected(
                { endpointPublicAccess: true },
                /publicAccessCidrs: required when endpointPublicAccess is true/,
            ));
        it("rejects a malformed public CIDR", () =>
            assertRejected(
                { endpointPublicAccess: true, publicAccessCidrs: ["10.0.0.0/33"] },
                /publicAccessCidrs\[0\]: "10\.0\.0\.0\/33" is not an IPv4 CIDR/,
            ));
        it("rejects an invalid cluster name", () =>
            assertRejected(
                { clusterName: "-gpu cluster" },
                /clusterName: "-gpu cluster" is not an EKS cluster name/,
            ));
        it("rejects an empty subnet list", () =>
            assertRejected(
                { privateSubnetIds: [] },
                /privateSubnetIds: got 0 subnet\(s\); EKS needs subnets in at least two Availability Zones/,
            ));
        it("rejects a Kubernetes version without pins", () =>
            assertRejected(
                { kubernetesVersion: "1.29" },
                /kubernetesVersion: "1\.29" has no pinned add-on and autoscaler versions; supported: 1\.33, 1\.34/,
            ));
        it("rejects an admin principal that is not an IAM role or user ARN", () =>
            assertRejected(
                { adminPrincipalArns: ["arn:aws:sts::123456789012:assumed-role/admin/me"] },
                /adminPrincipalArns\[0\]: "arn:aws:sts::123456789012:assumed-role\/admin\/me" is not an IAM role or user ARN/,
            ));
        it("rejects a log retention CloudWatch does not offer", () =>
            assertRejected(
                { controlPlaneLogRetentionDays: 45 },
                /controlPlaneLogRetentionDays: 45 is not a CloudWatch Logs retention/,
            ));

        it("lists every problem in one error", () =>
            assertRejected(
                {
                    clusterName: "_bad",
                    gpuNodeGroups: [{ name: "a", instanceTypes: ["g5.xlarge"], maxSize: 0 }],
                    privateSubnetIds: ["subnet-a"],
                },
                /GpuCluster "gc" has 3 problems:\n {2}- clusterName: .*\n {2}- privateSubnetIds: .*\n {2}- gpuNodeGroups\[0\]\.maxSize: /,
            ));
    });
});
