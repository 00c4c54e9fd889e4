import type * as pulumi from "@pulumi/pulumi";
import type { AddonVersions } from "./kubernetes-versions";
import type { GpuNodePoolInputs, KarpenterInputs } from "./node-pool-types";

// The input shapes the cluster plan reads. GpuCluster's published Args extend them, so each key is
// declared (and documented for the package schema) once, here, beside the code that decides on it.

export interface SystemNodeGroupInputs {
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

export interface GpuNodeGroupInputs {
    /** Group name: DNS-1123 label of at most 36 characters, unique within the cluster. */
    name: string;
    /** GPU instance types from the catalogue in `plan/gpu-instances.ts`; mixed types are sized by the one with fewest GPUs. */
    instanceTypes: string[];
    /** "ON_DEMAND", "SPOT" or "CAPACITY_BLOCK" (a Capacity Block for ML named by capacityReservationId). @default "ON_DEMAND" */
    capacityType?: string;
    /** On-demand Capacity Reservation or Capacity Block (`cr-…`) every instance of the group launches into. @default none */
    capacityReservationId?: string;
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

export interface ClusterAddonVersionsInputs {
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

/**
 * Everything the cluster plan reads. The type parameters let GpuClusterArgs name its nested types
 * (GpuNodeGroupArgs…), which the package schema publishes under those names.
 */
export interface ClusterInputs<
    GpuGroup extends GpuNodeGroupInputs = GpuNodeGroupInputs,
    SystemGroup extends SystemNodeGroupInputs = SystemNodeGroupInputs,
    Addons extends ClusterAddonVersionsInputs = ClusterAddonVersionsInputs,
    Pool extends GpuNodePoolInputs = GpuNodePoolInputs,
    Karpenter extends KarpenterInputs = KarpenterInputs,
> {
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
    addonVersions?: Addons;
    /** The CPU node group for cluster add-ons. @default 2–3 × m6i.large */
    systemNodeGroup?: SystemGroup;
    /** GPU managed node groups, tainted `nvidia.com/gpu=true:NoSchedule`: at least one with capacity engine "node-groups", none with "karpenter". */
    gpuNodeGroups: GpuGroup[];
    /** "node-groups" (managed node groups scaled by the cluster-autoscaler) or "karpenter" (NodePools, consolidation, spot and reservations). @default "node-groups" */
    capacityEngine?: string;
    /** GPU NodePools, at least one with capacity engine "karpenter"; tainted like the node groups. @default [] */
    gpuNodePools?: Pool[];
    /** The Karpenter controller and node classes, with capacity engine "karpenter". @default AL2023 nodes, chart 1.13.0 */
    karpenter?: Karpenter;
    /** Install the AWS Load Balancer Controller (with its own IRSA role, on the system nodes), which makes the NLBs of LoadBalancer Services such as ModelService's load balancer service types. @default false */
    loadBalancerController?: boolean;
    /** Protect the cluster and its secrets KMS key from deletion and replacement. @default true */
    protect?: boolean;
    /** Tags for every AWS resource. @default {} */
    tags?: Record<string, string>;
}

/** ClusterInputs with every default applied (`clusterName` defaults to the component name). */
export interface ClusterSettings {
    clusterName: string;
    kubernetesVersion: string;
    endpointPublicAccess: boolean;
    publicAccessCidrs: string[];
    controlPlaneLogRetentionDays: number;
    addonVersions: AddonVersions;
    systemNodeGroup: Required<SystemNodeGroupInputs>;
    gpuNodeGroups: Required<GpuNodeGroupInputs>[];
    capacityEngine: string;
    gpuNodePools: GpuNodePoolInputs[];
    karpenter: Required<KarpenterInputs>;
    loadBalancerController: boolean;
    protect: boolean;
    tags: Record<string, string>;
}
