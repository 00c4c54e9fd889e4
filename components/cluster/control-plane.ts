import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterSettings, controlPlaneLogTypes } from "../plan/cluster-plan";
import {
    IrsaIssuer,
    RoleContext,
    clusterKmsPolicy,
    roleWithManagedPolicies,
    serviceTrustPolicy,
} from "./iam";

/**
 * The EKS control plane: secrets key, cluster role, log group, cluster and the OIDC provider IRSA
 * roles trust. The cluster and the key carry `settings.protect`.
 */
export function createControlPlane(
    name: string,
    settings: ClusterSettings,
    subnetIds: pulumi.Input<pulumi.Input<string>[]>,
    roleContext: RoleContext,
): {
    cluster: aws.eks.Cluster;
    oidcProvider: aws.iam.OpenIdConnectProvider;
    issuerUrl: pulumi.Output<string>;
    issuer: IrsaIssuer;
} {
    const { parent } = roleContext;
    const secretsKey = createSecretsKey(name, settings, parent);
    const clusterRole = roleWithManagedPolicies(
        `${name}-cluster-role`,
        serviceTrustPolicy("eks.amazonaws.com", parent),
        ["AmazonEKSClusterPolicy"],
        roleContext,
    );
    const clusterKms = clusterKmsPolicy(
        `${name}-cluster-role-kms`,
        clusterRole.role,
        secretsKey.arn,
        parent,
    );
    const logGroup = createControlPlaneLogGroup(name, settings, parent);
    const cluster = createCluster(name, settings, {
        subnetIds,
        roleArn: clusterRole.role.arn,
        secretsKey,
        parent,
        dependsOn: [...clusterRole.attachments, clusterKms, logGroup],
    });
    const { oidcProvider, issuerUrl, issuer } = createOidcProvider(name, cluster, settings, parent);
    return { cluster, oidcProvider, issuerUrl, issuer };
}

function createSecretsKey(
    name: string,
    { clusterName, tags, protect }: ClusterSettings,
    parent: pulumi.Resource,
): aws.kms.Key {
    const secretsKey = new aws.kms.Key(
        `${name}-secrets-key`,
        {
            description: `Envelope encryption of Kubernetes secrets in EKS cluster ${clusterName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags,
        },
        // Losing this key makes every Secret in etcd unreadable.
        { parent, protect },
    );
    new aws.kms.Alias(
        `${name}-secrets-key-alias`,
        { name: `alias/eks/${clusterName}-secrets`, targetKeyId: secretsKey.keyId },
        { parent },
    );
    return secretsKey;
}

/** EKS would create this group itself with no expiry; audit logs then grow forever. */
function createControlPlaneLogGroup(
    name: string,
    settings: ClusterSettings,
    parent: pulumi.Resource,
): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        `${name}-control-plane-logs`,
        {
            name: `/aws/eks/${settings.clusterName}/cluster`,
            retentionInDays: settings.controlPlaneLogRetentionDays,
            tags: settings.tags,
        },
        { parent },
    );
}

interface ClusterWiring {
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    roleArn: pulumi.Input<string>;
    secretsKey: aws.kms.Key;
    parent: pulumi.Resource;
    dependsOn: pulumi.Resource[];
}

// Replaced (and so blocked by `protect` and deletionProtection) when the name, role or secrets key
// changes. Subnets update in place (EKS, 2023-10) but only within the Availability Zones chosen at
// creation; endpoint access and logging update in place.
function createCluster(
    name: string,
    settings: ClusterSettings,
    { subnetIds, roleArn, secretsKey, parent, dependsOn }: ClusterWiring,
): aws.eks.Cluster {
    const { clusterName, tags, protect } = settings;
    return new aws.eks.Cluster(
        `${name}-cluster`,
        {
            name: clusterName,
            version: settings.kubernetesVersion,
            roleArn,
            vpcConfig: {
                subnetIds,
                endpointPrivateAccess: true,
                endpointPublicAccess: settings.endpointPublicAccess,
                publicAccessCidrs: settings.endpointPublicAccess
                    ? settings.publicAccessCidrs
                    : undefined,
            },
            accessConfig: {
                authenticationMode: "API",
                // GpuCluster installs its Helm releases with the deployer's own credentials.
                bootstrapClusterCreatorAdminPermissions: true,
            },
            // vpc-cni, kube-proxy and CoreDNS come as managed add-ons instead.
            bootstrapSelfManagedAddons: false,
            encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.arn } },
            enabledClusterLogTypes: controlPlaneLogTypes,
            deletionProtection: protect,
            tags,
        },
        { parent, protect, dependsOn },
    );
}

function createOidcProvider(
    name: string,
    cluster: aws.eks.Cluster,
    settings: ClusterSettings,
    parent: pulumi.Resource,
) {
    const issuerUrl = cluster.identities.apply((identities) => identities[0].oidcs[0].issuer);
    const oidcProvider = new aws.iam.OpenIdConnectProvider(
        `${name}-oidc`,
        {
            url: issuerUrl,
            clientIdLists: ["sts.amazonaws.com"],
            // Inert: since 2023 IAM verifies EKS issuers against its own root CA library, not
            // thumbprints. Pinning the well-known root CA thumbprint of oidc.eks.*.amazonaws.com
            // keeps the input explicit instead of whatever IAM fetches at create time.
            thumbprintLists: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
            tags: settings.tags,
        },
        { parent },
    );
    const issuer: IrsaIssuer = {
        providerArn: oidcProvider.arn,
        hostPath: issuerUrl.apply((url) => url.replace(/^https:\/\//, "")),
    };
    return { oidcProvider, issuerUrl, issuer };
}
