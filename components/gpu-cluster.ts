import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    createNodeBootstrapAddons,
    createWorkloadAddons,
    ebsCsiControllerServiceAccount,
    vpcCniServiceAccount,
} from "./cluster/addons";
import { grantClusterAdmins } from "./cluster/access";
import { createControlPlane } from "./cluster/control-plane";
import { irsaRole, roleWithManagedPolicies, serviceTrustPolicy } from "./cluster/iam";
import { installClusterAutoscaler, installNvidiaDevicePlugin } from "./cluster/in-cluster";
import { clusterKubeconfig, createKubernetesProvider } from "./cluster/kubeconfig";
import { createManagedNodeGroup } from "./cluster/node-groups";
import {
    kubernetesVersionPins,
    resolveClusterSettings,
    validateClusterSettings,
} from "./plan/cluster-plan";
import { gpuNodeGroupPlan, systemNodeGroupPlan } from "./plan/node-group-plan";
import {
    clusterAutoscalerChart,
    clusterAutoscalerPolicyStatements,
    efsCsiControllerServiceAccount,
} from "./plan/in-cluster-plan";
import { Problems } from "./plan/problems";

/** The CPU node group that runs cluster add-ons (CoreDNS, autoscaler, CSI controllers). */
export interface SystemNodeGroupArgs {
    /** x86_64 CPU instance types; GPU types are rejected. @default ["m6i.large"] */
    instanceTypes?: string[];
    /** Fewest nodes, ≥ 1: the autoscaler that would add nodes runs here. @default 2 */
    minSize?: number;
    /** Nodes at creation; the cluster-autoscaler owns it afterwards. @default minSize */
    desiredSize?: number;
    /** Most nodes. @default 3 */
    maxSize?: number;
    /** Root EBS volume (gp3, encrypted), GiB, ≥ 20. @default 50 */
    rootVolumeSizeGiB?: number;
}

/** One pool of identical GPU nodes; workloads pick it by the `gpu-serving.io/gpu-group` label. */
export interface GpuNodeGroupArgs {
    /** Group name: DNS-1123 label of at most 36 characters, unique within the cluster. */
    name: string;
    /** GPU instance types from the catalogue in `plan/gpu-instances.ts`; mixed types are sized by the one with fewest GPUs. */
    instanceTypes: string[];
    /** "ON_DEMAND" or "SPOT". @default "ON_DEMAND" */
    capacityType?: string;
    /** Fewest nodes; 0 lets the group scale to zero when idle. @default 0 */
    minSize?: number;
    /** Nodes at creation; the cluster-autoscaler owns it afterwards. @default minSize */
    desiredSize?: number;
    /** Most nodes the autoscaler may run, ≥ 1. */
    maxSize: number;
    /** Root EBS volume (gp3, encrypted), GiB, ≥ 50: serving images are 10–25 GB unpacked and containerd also keeps the compressed layers. @default 200 */
    rootVolumeSizeGiB?: number;
    /** Nodes replaced at once during a node group update, 1–100. @default 1 */
    maxUnavailable?: number;
    /** Extra node labels; the `gpu-serving.io/*` and `nvidia.com/gpu.present` labels are reserved. @default {} */
    labels?: Record<string, string>;
}

/** EKS managed add-on versions (`v<version>-eksbuild.<n>`). Each defaults to the pin for `kubernetesVersion`. */
export interface ClusterAddonVersionsArgs {
    /** Amazon VPC CNI. */
    vpcCni?: string;
    /** CoreDNS. */
    coredns?: string;
    /** kube-proxy; must be built for `kubernetesVersion`. */
    kubeProxy?: string;
    /** EKS Pod Identity agent. */
    podIdentityAgent?: string;
    /** Amazon EFS CSI driver. */
    efsCsiDriver?: string;
    /** Amazon EBS CSI driver, which provisions gp3 volumes (Observability's Prometheus storage). */
    ebsCsiDriver?: string;
}

export interface GpuClusterArgs {
    /** EKS cluster name, 1–100 letters, digits, '-', '_'. Renaming replaces the cluster (blocked while protected). @default the component name */
    clusterName?: string;
    /** Kubernetes minor version, one with pins in `kubernetesVersionPins` (1.33, 1.34). @default "1.34" */
    kubernetesVersion?: string;
    /** VPC of `privateSubnetIds`. EKS derives the VPC from the subnets; this documents the pairing for callers. */
    vpcId: pulumi.Input<string>;
    /** Private subnets for the control plane ENIs and all nodes, in ≥ 2 AZs. Later changes must stay in the AZs chosen at creation. */
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Also expose the API endpoint publicly (it is always reachable privately). The device plugin and autoscaler are installed from where Pulumi runs, so a private-only cluster needs Pulumi inside the VPC. @default false */
    endpointPublicAccess?: boolean;
    /** IPv4 CIDRs allowed to the public endpoint; required when `endpointPublicAccess`. "0.0.0.0/0" only if listed explicitly. @default [] */
    publicAccessCidrs?: string[];
    /** IAM role/user ARNs granted cluster-admin via access entries. Do not list the deploying principal: EKS already made it admin. @default [] */
    adminPrincipalArns?: pulumi.Input<string>[];
    /** Retention of control-plane logs (api, audit, authenticator, controllerManager, scheduler), days. @default 90 */
    controlPlaneLogRetentionDays?: number;
    /** Overrides of the pinned EKS add-on versions. @default the pins for `kubernetesVersion` */
    addonVersions?: ClusterAddonVersionsArgs;
    /** The CPU node group for cluster add-ons. @default 2–3 × m6i.large */
    systemNodeGroup?: SystemNodeGroupArgs;
    /** GPU node groups, at least one; tainted `nvidia.com/gpu=true:NoSchedule`. */
    gpuNodeGroups: GpuNodeGroupArgs[];
    /** Protect the cluster and its secrets KMS key from deletion and replacement. @default true */
    protect?: boolean;
    /** Tags for every AWS resource. @default {} */
    tags?: Record<string, string>;
}

/**
 * EKS cluster for GPU model serving: control plane with encrypted secrets and audit logs, IRSA, a
 * system node group, GPU node groups the cluster-autoscaler can scale from zero, and the NVIDIA
 * device plugin.
 */
export class GpuCluster extends pulumi.ComponentResource {
    /** EKS cluster name. */
    public readonly clusterName: pulumi.Output<string>;
    /** API server URL. */
    public readonly endpoint: pulumi.Output<string>;
    /** ARN of the IAM OIDC provider, the `Federated` principal of IRSA trust policies. */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`); IAM condition keys use it without `https://`. */
    public readonly oidcProviderUrl: pulumi.Output<string>;
    /** The EKS-created cluster security group, which every managed node carries. */
    public readonly nodeSecurityGroupId: pulumi.Output<string>;
    /** Exec-based kubeconfig (`aws eks get-token`), secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Kubernetes provider for this cluster. */
    public readonly provider: k8s.Provider;
    /** ARN of the IAM role all nodes run as. */
    public readonly nodeRoleArn: pulumi.Output<string>;
    /** EKS names of the GPU node groups, in `gpuNodeGroups` order. */
    public readonly gpuNodeGroupNames: pulumi.Output<string[]>;

    constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): a bad config must fail without registering anything, component included.
        const settings = resolveClusterSettings(name, args);
        const problems = new Problems();
        validateClusterSettings(settings, args, problems);
        problems.throwIfAny(`GpuCluster "${name}"`);
        super("gpu-serving:index:GpuCluster", name, {}, opts);
        const { clusterName, tags } = settings;
        const parent = this;

        const partition = aws.getPartitionOutput({}, { parent }).partition;
        const region = aws.getRegionOutput({}, { parent }).region;
        const roleContext = { parent, partition, tags };

        const { cluster, oidcProvider, issuerUrl, issuer } = createControlPlane(
            name,
            settings,
            args.privateSubnetIds,
            roleContext,
        );
        const nodeRole = roleWithManagedPolicies(
            `${name}-node-role`,
            serviceTrustPolicy("ec2.amazonaws.com", parent),
            [
                "AmazonEKSWorkerNodePolicy",
                "AmazonEC2ContainerRegistryReadOnly",
                "AmazonSSMManagedInstanceCore",
            ],
            roleContext,
        );
        // The CNI's ENI permissions on the node role would reach every pod able to read IMDS;
        // aws-node gets them through its own IRSA role (EKS user guide, "Configure the Amazon VPC
        // CNI plugin to use IRSA").
        const vpcCniRole = irsaRole(
            `${name}-vpc-cni-role`,
            issuer,
            vpcCniServiceAccount,
            { managedPolicyNames: ["AmazonEKS_CNI_Policy"] },
            roleContext,
        );

        const efsCsiRole = irsaRole(
            `${name}-efs-csi-role`,
            issuer,
            efsCsiControllerServiceAccount,
            { managedPolicyNames: ["service-role/AmazonEFSCSIDriverPolicy"] },
            roleContext,
        );
        const ebsCsiRole = irsaRole(
            `${name}-ebs-csi-role`,
            issuer,
            ebsCsiControllerServiceAccount,
            { managedPolicyNames: ["service-role/AmazonEBSCSIDriverPolicy"] },
            roleContext,
        );
        const autoscalerRole = irsaRole(
            `${name}-cluster-autoscaler-role`,
            issuer,
            {
                namespace: clusterAutoscalerChart.namespace,
                name: clusterAutoscalerChart.serviceAccountName,
            },
            { inlineStatements: clusterAutoscalerPolicyStatements(clusterName) },
            roleContext,
        );
        grantClusterAdmins(name, cluster, args.adminPrincipalArns ?? [], roleContext);

        const addonContext = {
            parent,
            clusterName: cluster.name,
            versions: settings.addonVersions,
            tags,
        };
        const bootstrapAddons = createNodeBootstrapAddons(name, addonContext, vpcCniRole);
        const nodeGroupContext = {
            parent,
            clusterName: cluster.name,
            kubernetesVersion: cluster.version,
            nodeRoleArn: nodeRole.role.arn,
            subnetIds: args.privateSubnetIds,
            tags,
            dependsOn: [...nodeRole.attachments, ...bootstrapAddons],
        };
        const system = createManagedNodeGroup(
            name,
            systemNodeGroupPlan(settings),
            nodeGroupContext,
        );
        const gpuGroups = settings.gpuNodeGroups.map((group) =>
            createManagedNodeGroup(name, gpuNodeGroupPlan(settings, group), nodeGroupContext),
        );
        createWorkloadAddons(name, addonContext, system.nodeGroup, {
            efsCsi: efsCsiRole.arn,
            ebsCsi: ebsCsiRole.arn,
        });

        const kubeconfig = clusterKubeconfig(cluster, region);
        const provider = createKubernetesProvider(`${name}-k8s`, kubeconfig, parent);
        const inCluster = { parent, provider };
        installNvidiaDevicePlugin(name, inCluster);
        installClusterAutoscaler(name, inCluster, {
            clusterName: cluster.name,
            region,
            imageTag: kubernetesVersionPins[settings.kubernetesVersion].clusterAutoscalerImageTag,
            roleArn: autoscalerRole.arn,
            dependsOn: [system.nodeGroup],
        });

        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.oidcProviderArn = oidcProvider.arn;
        this.oidcProviderUrl = issuerUrl;
        this.nodeSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
        this.kubeconfig = kubeconfig;
        this.provider = provider;
        this.nodeRoleArn = nodeRole.role.arn;
        this.gpuNodeGroupNames = pulumi.all(
            gpuGroups.map((group) => group.nodeGroup.nodeGroupName),
        );
        this.registerOutputs({
            clusterName: this.clusterName,
            endpoint: this.endpoint,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            kubeconfig: this.kubeconfig,
            provider: this.provider,
            nodeRoleArn: this.nodeRoleArn,
            gpuNodeGroupNames: this.gpuNodeGroupNames,
        });
    }
}
