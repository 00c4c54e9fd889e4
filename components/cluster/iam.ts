import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, serviceAccountSubject } from "../plan/in-cluster-plan";

/** Where a role lives in the resource tree and what it is tagged with. */
export interface RoleContext {
    parent: pulumi.Resource;
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** The cluster's IAM OIDC provider, as IRSA trust policies need it. */
export interface IrsaIssuer {
    providerArn: pulumi.Input<string>;
    /** Issuer without `https://`; IAM names condition keys after it. */
    hostPath: pulumi.Input<string>;
}

function managedPolicyArn(
    partition: pulumi.Input<string>,
    policyName: string,
): pulumi.Output<string> {
    return pulumi.interpolate`arn:${partition}:iam::aws:policy/${policyName}`;
}

/** Trust policy letting an AWS service (`eks.amazonaws.com`, `ec2.amazonaws.com`) assume the role. */
export function serviceTrustPolicy(
    service: string,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    return aws.iam.getPolicyDocumentOutput(
        {
            statements: [
                {
                    actions: ["sts:AssumeRole"],
                    principals: [{ type: "Service", identifiers: [service] }],
                },
            ],
        },
        { parent },
    ).json;
}

/**
 * Trust policy for IRSA: only tokens the cluster issued for exactly this service account, and
 * meant for STS, may assume the role. Without the `aud` check any audience's token would do.
 */
export function irsaTrustPolicy(
    issuer: IrsaIssuer,
    serviceAccount: { namespace: string; name: string },
    parent: pulumi.Resource,
): pulumi.Output<string> {
    return aws.iam.getPolicyDocumentOutput(
        {
            statements: [
                {
                    actions: ["sts:AssumeRoleWithWebIdentity"],
                    principals: [{ type: "Federated", identifiers: [issuer.providerArn] }],
                    conditions: [
                        {
                            test: "StringEquals",
                            variable: pulumi.interpolate`${issuer.hostPath}:sub`,
                            values: [serviceAccountSubject(serviceAccount)],
                        },
                        {
                            test: "StringEquals",
                            variable: pulumi.interpolate`${issuer.hostPath}:aud`,
                            values: ["sts.amazonaws.com"],
                        },
                    ],
                },
            ],
        },
        { parent },
    ).json;
}

/** An IRSA role and the policy resources a workload using it must wait for. */
export interface IrsaRole {
    role: aws.iam.Role;
    arn: pulumi.Output<string>;
    /** Attachments and inline policies: until they exist the role can do nothing. */
    grants: pulumi.CustomResource[];
}

/** An IRSA role for one service account, with an optional inline policy. */
export function irsaRole(
    resourceName: string,
    issuer: IrsaIssuer,
    serviceAccount: { namespace: string; name: string },
    policies: {
        managedPolicyNames?: string[];
        inlineStatements?: pulumi.Input<PolicyStatement[]>;
    },
    context: RoleContext,
): IrsaRole {
    const { role, attachments } = roleWithManagedPolicies(
        resourceName,
        irsaTrustPolicy(issuer, serviceAccount, context.parent),
        policies.managedPolicyNames ?? [],
        context,
    );
    const grants: pulumi.CustomResource[] = [...attachments];
    if (policies.inlineStatements) {
        const policy = aws.iam.getPolicyDocumentOutput(
            { statements: policies.inlineStatements },
            { parent: context.parent },
        ).json;
        grants.push(
            new aws.iam.RolePolicy(
                `${resourceName}-policy`,
                { role: role.id, policy },
                { parent: context.parent },
            ),
        );
    }
    return { role, arn: role.arn, grants };
}

/** A role with AWS-managed policies attached; `attachments` are what a dependent must wait for. */
export function roleWithManagedPolicies(
    resourceName: string,
    assumeRolePolicy: pulumi.Input<string>,
    managedPolicyNames: string[],
    context: RoleContext,
): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
    const role = new aws.iam.Role(
        resourceName,
        { assumeRolePolicy, tags: context.tags },
        { parent: context.parent },
    );
    const attachments = managedPolicyNames.map(
        (policyName) =>
            new aws.iam.RolePolicyAttachment(
                // Keyed by the policy's last path segment so adding a policy leaves the others in place.
                `${resourceName}-${policyName.split("/").pop()}`,
                { role: role.name, policyArn: managedPolicyArn(context.partition, policyName) },
                { parent: context.parent },
            ),
    );
    return { role, attachments };
}

/**
 * Envelope encryption of Secrets calls KMS as the cluster role; the key policy only delegates to
 * IAM, so the role needs these on the key (EKS user guide, "Encrypt Kubernetes secrets with KMS").
 */
export function clusterKmsPolicy(
    resourceName: string,
    role: aws.iam.Role,
    keyArn: pulumi.Input<string>,
    parent: pulumi.Resource,
): aws.iam.RolePolicy {
    const policy = aws.iam.getPolicyDocumentOutput(
        {
            statements: [
                {
                    sid: "EnvelopeEncryptSecrets",
                    actions: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                    resources: [keyArn],
                },
            ],
        },
        { parent },
    ).json;
    return new aws.iam.RolePolicy(resourceName, { role: role.id, policy }, { parent });
}
