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
import {
    IrsaIssuer,
    RoleContext,
    irsaRole,
    roleWithManagedPolicies,
    serviceTrustPolicy,
} from "./cluster/iam";
import {
    InClusterContext,
    installClusterAutoscaler,
    installNvidiaDevicePlugin,
} from "./cluster/in-cluster";
import { installLoadBalancerController } from "./cluster/load-balancer-controller";
import { clusterKubeconfig, createKubernetesProvider } from "./cluster/kubeconfig";
import { createManagedNodeGroup } from "./cluster/node-groups";
import { GpuNodePoolArgs, GpuNodePools } from "./gpu-node-pools";
import { KarpenterController } from "./karpenter-controller";
import {
    ClusterSettings,
    kubernetesVersionPins,
    resolveClusterSettings,
    validateClusterSettings,
} from "./plan/cluster-plan";
import type { KarpenterInputs } from "./plan/node-pool-types";
import type {
    ClusterAddonVersionsInputs,
    ClusterInputs,
    GpuNodeGroupInputs,
    SystemNodeGroupInputs,
} from "./plan/cluster-types";
import { gpuNodeGroupPlan, systemNodeGroupPlan } from "./plan/node-group-plan";
import {
    clusterAutoscalerChart,
    clusterAutoscalerPolicyStatements,
    efsCsiControllerServiceAccount,
} from "./plan/in-cluster-plan";
import {
    loadBalancerControllerChart,
    loadBalancerControllerPolicyStatements,
} from "./plan/load-balancer-controller-plan";
import { Problems } from "./plan/problems";

/** The CPU node group that runs cluster add-ons (CoreDNS, autoscaler, CSI controllers). */
export interface SystemNodeGroupArgs extends SystemNodeGroupInputs {}

/** One pool of identical GPU nodes; workloads pick it by the `gpu-serving.io/gpu-group` label. */
export interface GpuNodeGroupArgs extends GpuNodeGroupInputs {}

/** EKS managed add-on versions (`v<version>-eksbuild.<n>`). Each defaults to the pin for `kubernetesVersion`. */
export interface ClusterAddonVersionsArgs extends ClusterAddonVersionsInputs {}

// Keys and their documentation live with the plan (plan/cluster-types.ts); these names are what the
// package schema publishes.
export interface GpuClusterArgs extends ClusterInputs<
    GpuNodeGroupArgs,
    SystemNodeGroupArgs,
    ClusterAddonVersionsArgs,
    GpuNodePoolArgs,
    KarpenterArgs
> {}

/** How GpuCluster runs Karpenter when its capacity engine is "karpenter". */
export interface KarpenterArgs extends KarpenterInputs {}

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
        problems.expect(
            settings.capacityEngine !== "karpenter" || Array.isArray(args.privateSubnetIds),
            "privateSubnetIds",
            'must be a list (one entry per subnet) with capacity engine "karpenter": each subnet is tagged for discovery',
        );
        problems.throwIfAny(`GpuCluster "${name}"`);
        super("gpu-serving:index:GpuCluster", name, {}, opts);
        const parent = this;
        const partition = aws.getPartitionOutput({}, { parent }).partition;
        const region = aws.getRegionOutput({}, { parent }).region;
        const roleContext = { parent, partition, tags: settings.tags };

        const controlPlane = createControlPlane(name, settings, args.privateSubnetIds, roleContext);
        const { cluster } = controlPlane;
        const roles = createRoles(name, settings, controlPlane.issuer, roleContext);
        grantClusterAdmins(name, cluster, args.adminPrincipalArns ?? [], roleContext);
        const nodeGroups = createNodeGroups(name, settings, cluster, roles, {
            parent,
            privateSubnetIds: args.privateSubnetIds,
        });
        const kubeconfig = clusterKubeconfig(cluster, region);
        const provider = createKubernetesProvider(`${name}-k8s`, kubeconfig, parent);
        installClusterAddons(name, { parent, provider }, settings, {
            cluster,
            region,
            vpcId: args.vpcId,
            privateSubnetIds: args.privateSubnetIds as pulumi.Input<string>[],
            roles,
            systemNodeGroup: nodeGroups.system.nodeGroup,
        });

        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.oidcProviderArn = controlPlane.oidcProvider.arn;
        this.oidcProviderUrl = controlPlane.issuerUrl;
        this.nodeSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
        this.kubeconfig = kubeconfig;
        this.provider = provider;
        this.nodeRoleArn = roles.node.role.arn;
        this.gpuNodeGroupNames = pulumi.all(
            nodeGroups.gpu.map((group) => group.nodeGroup.nodeGroupName),
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

/**
 * The node role, and the IRSA roles of the EFS and EBS CSI controllers and, when installed, the
 * cluster-autoscaler (capacity engine "node-groups") and the load balancer controller.
 */
function createRoles(
    name: string,
    settings: ClusterSettings,
    issuer: IrsaIssuer,
    roleContext: RoleContext,
) {
    const node = roleWithManagedPolicies(
        `${name}-node-role`,
        serviceTrustPolicy("ec2.amazonaws.com", roleContext.parent),
        [
            "AmazonEKSWorkerNodePolicy",
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonSSMManagedInstanceCore",
        ],
        roleContext,
    );
    // The CNI's ENI permissions on the node role would reach every pod able to read IMDS; aws-node
    // gets them through its own IRSA role (EKS user guide, "Configure the Amazon VPC CNI plugin to
    // use IRSA").
    const vpcCni = irsaRole(
        `${name}-vpc-cni-role`,
        issuer,
        vpcCniServiceAccount,
        { managedPolicyNames: ["AmazonEKS_CNI_Policy"] },
        roleContext,
    );
    const efsCsi = irsaRole(
        `${name}-efs-csi-role`,
        issuer,
        efsCsiControllerServiceAccount,
        { managedPolicyNames: ["service-role/AmazonEFSCSIDriverPolicy"] },
        roleContext,
    );
    const ebsCsi = irsaRole(
        `${name}-ebs-csi-role`,
        issuer,
        ebsCsiControllerServiceAccount,
        { managedPolicyNames: ["service-role/AmazonEBSCSIDriverPolicy"] },
        roleContext,
    );
    // Karpenter replaces the cluster-autoscaler: no role that may resize node groups.
    const autoscaler =
        settings.capacityEngine !== "node-groups"
            ? undefined
            : irsaRole(
                  `${name}-cluster-autoscaler-role`,
                  issuer,
                  {
                      namespace: clusterAutoscalerChart.namespace,
                      name: clusterAutoscalerChart.serviceAccountName,
                  },
                  { inlineStatements: clusterAutoscalerPolicyStatements(settings.clusterName) },
                  roleContext,
              );
    const loadBalancerController = settings.loadBalancerController
        ? irsaRole(
              `${name}-load-balancer-controller-role`,
              issuer,
              {
                  namespace: loadBalancerControllerChart.namespace,
                  name: loadBalancerControllerChart.serviceAccountName,
              },
              {
                  inlineStatements: pulumi
                      .output(roleContext.partition)
                      .apply(loadBalancerControllerPolicyStatements),
              },
              roleContext,
          )
        : undefined;
    return { node, vpcCni, efsCsi, ebsCsi, autoscaler, loadBalancerController };
}

/** What the in-cluster add-ons need from the cluster that hosts them. */
interface ClusterAddonInputs {
    cluster: aws.eks.Cluster;
    region: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    /** Subnets Karpenter launches GPU nodes in (tagged for its discovery). */
    privateSubnetIds: pulumi.Input<string>[];
    roles: ReturnType<typeof createRoles>;
    /** Controllers run on the system nodes and wait for them. */
    systemNodeGroup: aws.eks.NodeGroup;
}

/**
 * The NVIDIA device plugin, the capacity engine (the cluster-autoscaler, or Karpenter with its
 * NodePools) and, when asked for, the load balancer controller.
 */
function installClusterAddons(
    name: string,
    context: InClusterContext & { parent: GpuCluster },
    settings: ClusterSettings,
    inputs: ClusterAddonInputs,
): void {
    const { cluster, region, roles, systemNodeGroup } = inputs;
    installNvidiaDevicePlugin(name, context);
    if (settings.capacityEngine === "karpenter") {
        createKarpenterCapacity(name, settings, {
            ...context,
            cluster,
            privateSubnetIds: inputs.privateSubnetIds,
            systemNodeGroup,
        });
    } else {
        installClusterAutoscaler(name, context, {
            clusterName: cluster.name,
            region,
            imageTag: kubernetesVersionPins[settings.kubernetesVersion].clusterAutoscalerImageTag,
            roleArn: roles.autoscaler!.arn,
            dependsOn: [systemNodeGroup],
        });
    }
    if (!roles.loadBalancerController) return;
    installLoadBalancerController(name, context, {
        clusterName: cluster.name,
        region,
        vpcId: inputs.vpcId,
        tags: settings.tags,
        roleArn: roles.loadBalancerController.arn,
        dependsOn: [systemNodeGroup, ...roles.loadBalancerController.grants],
    });
}

/**
 * The system and GPU managed node groups, with the add-ons nodes need to join first (VPC CNI,
 * kube-proxy) and those that need a node to run on after (CoreDNS, CSI drivers).
 */
function createNodeGroups(
    name: string,
    settings: ClusterSettings,
    cluster: aws.eks.Cluster,
    roles: ReturnType<typeof createRoles>,
    placement: { parent: GpuCluster; privateSubnetIds: GpuClusterArgs["privateSubnetIds"] },
) {
    const { parent } = placement;
    const addonContext = {
        parent,
        clusterName: cluster.name,
        versions: settings.addonVersions,
        tags: settings.tags,
    };
    const bootstrapAddons = createNodeBootstrapAddons(name, addonContext, roles.vpcCni);
    const nodeGroupContext = {
        parent,
        clusterName: cluster.name,
        kubernetesVersion: cluster.version,
        nodeRoleArn: roles.node.role.arn,
        subnetIds: placement.privateSubnetIds,
        tags: settings.tags,
        dependsOn: [...roles.node.attachments, ...bootstrapAddons],
    };
    const system = createManagedNodeGroup(name, systemNodeGroupPlan(settings), nodeGroupContext);
    const gpu = settings.gpuNodeGroups.map((group) =>
        createManagedNodeGroup(name, gpuNodeGroupPlan(settings, group), nodeGroupContext),
    );
    createWorkloadAddons(name, addonContext, system.nodeGroup, {
        efsCsi: roles.efsCsi.arn,
        ebsCsi: roles.ebsCsi.arn,
    });
    return { system, gpu };
}

/**
 * Karpenter instead of the cluster-autoscaler: its controller on the system nodes, and a NodePool
 * (with its EC2NodeClass) per GPU group.
 */
function createKarpenterCapacity(
    name: string,
    settings: ClusterSettings,
    context: {
        parent: GpuCluster;
        provider: k8s.Provider;
        cluster: aws.eks.Cluster;
        privateSubnetIds: pulumi.Input<string>[];
        systemNodeGroup: aws.eks.NodeGroup;
    },
): void {
    const { parent, provider, cluster } = context;
    const opts = { parent, providers: { kubernetes: provider } };
    const controller = new KarpenterController(
        `${name}-karpenter`,
        {
            clusterName: cluster.name,
            clusterEndpoint: cluster.endpoint,
            clusterSecurityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
            privateSubnetIds: context.privateSubnetIds,
            chartVersion: settings.karpenter.chartVersion,
            tags: settings.tags,
        },
        { ...opts, dependsOn: [context.systemNodeGroup] },
    );
    new GpuNodePools(
        `${name}-gpu-pools`,
        {
            pools: settings.gpuNodePools,
            clusterName: cluster.name,
            nodeRoleName: controller.nodeRoleName,
            amiFamily: settings.karpenter.amiFamily,
            amiVersion: settings.karpenter.amiVersion,
            tags: settings.tags,
        },
        { ...opts, dependsOn: [controller] },
    );
}
