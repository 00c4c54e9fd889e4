// The public API of the package: these components are what `pulumi package add` generates SDKs for.
export {
    GpuCluster,
    GpuClusterArgs,
    GpuNodeGroupArgs,
    SystemNodeGroupArgs,
    ClusterAddonVersionsArgs,
    KarpenterArgs,
} from "./gpu-cluster";
export { GpuHeadroom, GpuHeadroomArgs, GpuHeadroomGroupArgs } from "./gpu-headroom";
export {
    GpuNodePools,
    GpuNodePoolsArgs,
    GpuNodePoolArgs,
    BusinessHoursArgs,
    NodeClassRefArgs,
} from "./gpu-node-pools";
export { KarpenterController, KarpenterControllerArgs } from "./karpenter-controller";
export { ModelImage, ModelImageArgs } from "./model-image";
export { ModelService, ModelServiceArgs, S3CredentialsArgs } from "./model-service";
export { ModelStore, ModelStoreArgs } from "./model-store";
export { ModelWeightsAccess, ModelWeightsAccessArgs } from "./model-weights-access";
export { Network, NetworkArgs } from "./network";
export { Observability, ObservabilityArgs } from "./observability";
export { ServingNamespace, ServingNamespaceArgs } from "./serving-namespace";
