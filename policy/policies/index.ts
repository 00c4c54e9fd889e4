import { Policies } from "@pulumi/policy";
import { zeroUnavailableDeploymentsHavePdb } from "./disruption-budget";
import { ecrScanOnPush } from "./ecr";
import { eksPolicies } from "./eks";
import { gpuSchedulingPolicies } from "./gpu-scheduling";
import { imagesPinnedByDigest } from "./image-digest";
import { loadBalancersTlsAndSourceRangesInProduction } from "./load-balancers";
import { nodePolicies } from "./nodes";
import { nodePoolPolicies } from "./node-pools";
import { podSecurityPolicies } from "./pod-security";
import { statefulResourcesProtectedInProduction } from "./prod-protection";

/**
 * Every policy of the gpu-serving-guardrails pack. Kept apart from ../index.ts because constructing
 * a PolicyPack starts the analyzer's gRPC server: tests import this list instead.
 */
export const guardrailPolicies: Policies = [
    ...gpuSchedulingPolicies,
    imagesPinnedByDigest,
    statefulResourcesProtectedInProduction,
    ...eksPolicies,
    loadBalancersTlsAndSourceRangesInProduction,
    ...nodePolicies,
    ...nodePoolPolicies,
    ...podSecurityPolicies,
    zeroUnavailableDeploymentsHavePdb,
    ecrScanOnPush,
];
