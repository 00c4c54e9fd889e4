import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/** Fixed identity of the mocked AWS account; specs compare against these. */
export const mockAccountId = "123456789012";
export const mockRegion = "us-west-2";
export const mockOidcIssuer =
    "https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";

function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 17);
}

function arnFor(type: string, name: string): string {
    const service = type.split(":")[1].split("/")[0];
    const kind = type.split(":")[2].toLowerCase();
    return `arn:aws:${service}:${mockRegion}:${mockAccountId}:${kind}/${name}`;
}

type State = Record<string, any>;

/** The one stack a `pulumi.StackReference` can read under mocks: a deployed platform stack. */
export const mockPlatformStackName = "acme/gpu-serving-infra/dev";
/** What that platform stack exports (the main program's outputs); names differ from the defaults. */
export const mockPlatformStackOutputs = {
    clusterName: "gpu-serving-dev",
    kubeconfig: JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "gpu-serving-dev" }],
    }),
    servingNamespace: "shared-models",
    modelClaimName: "shared-weights",
    imageDigests: {
        "llama-3-1-8b": `${mockAccountId}.dkr.ecr.${mockRegion}.amazonaws.com/gpu-serving/llama-3-1-8b@sha256:${"ab".repeat(32)}`,
    },
};

/**
 * What providers compute for the resources this project reads back. Anything a component reads
 * from a resource that is not an echo of its inputs must be produced here, or the spec would test
 * `undefined`.
 */
const computedState: Record<string, (name: string, inputs: State) => State> = {
    "aws:ecr/repository:Repository": (name, inputs) => {
        const repositoryName = inputs.name ?? name;
        return {
            name: repositoryName,
            arn: `arn:aws:ecr:${mockRegion}:${mockAccountId}:repository/${repositoryName}`,
            registryId: mockAccountId,
            repositoryUrl: `${mockAccountId}.dkr.ecr.${mockRegion}.amazonaws.com/${repositoryName}`,
        };
    },
    "docker:index/image:Image": (_name, inputs) => {
        const repository = String(inputs.imageName).replace(/:[^:/]+$/, "");
        const digest = createHash("sha256").update(JSON.stringify(inputs)).digest("hex");
        return { repoDigest: `${repository}@sha256:${digest}` };
    },
    "aws:eks/cluster:Cluster": (name, inputs) => ({
        name: inputs.name ?? name,
        arn: `arn:aws:eks:${mockRegion}:${mockAccountId}:cluster/${inputs.name ?? name}`,
        endpoint: `https://${shortHash(name).toUpperCase()}.gr7.${mockRegion}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from(`mock-ca-for-${name}`).toString("base64") },
        identities: [{ oidcs: [{ issuer: mockOidcIssuer }] }],
        vpcConfig: {
            ...inputs.vpcConfig,
            clusterSecurityGroupId: `sg-${shortHash(name + "cluster")}`,
        },
        version: inputs.version ?? "1.34",
        platformVersion: "eks.1",
    }),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_name, inputs) => ({
        arn: `arn:aws:iam::${mockAccountId}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`,
    }),
    // The provider's id of a role is its name; policies and attachments name the role either way.
    "aws:iam/role:Role": (name, inputs) => ({
        id: inputs.name ?? name,
        name: inputs.name ?? name,
        arn: `arn:aws:iam::${mockAccountId}:role/${inputs.name ?? name}`,
    }),
    "aws:iam/policy:Policy": (name, inputs) => ({
        arn: `arn:aws:iam::${mockAccountId}:policy/${inputs.name ?? name}`,
    }),
    // CloudWatch Logs ARNs are `...:logs:<region>:<account>:log-group:<name>`; IAM scoping relies on it.
    "aws:cloudwatch/logGroup:LogGroup": (name, inputs) => ({
        name: inputs.name ?? name,
        arn: `arn:aws:logs:${mockRegion}:${mockAccountId}:log-group:${inputs.name ?? name}`,
    }),
    "aws:ec2/vpc:Vpc": (name) => ({ id: `vpc-${shortHash(name)}` }),
    // SQS ARNs end in the bare queue name (no `queue/`); IAM scoping of the interruption queue relies on it.
    "aws:sqs/queue:Queue": (name, inputs) => ({
        name: inputs.name ?? name,
        arn: `arn:aws:sqs:${mockRegion}:${mockAccountId}:${inputs.name ?? name}`,
        url: `https://sqs.${mockRegion}.amazonaws.com/${mockAccountId}/${inputs.name ?? name}`,
    }),
    "aws:cloudwatch/eventRule:EventRule": (name, inputs) => ({ name: inputs.name ?? name }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1, defaultVersion: 1 }),
    "aws:eks/nodeGroup:NodeGroup": (name, inputs) => ({
        nodeGroupName:
            inputs.nodeGroupName ?? `${inputs.nodeGroupNamePrefix ?? ""}${shortHash(name)}`,
        status: "ACTIVE",
        resources: [{ autoscalingGroups: [{ name: `eks-${name}-asg` }] }],
    }),
    "aws:efs/fileSystem:FileSystem": (name) => {
        const id = mockId("aws:efs/fileSystem:FileSystem", name);
        return {
            id,
            arn: `arn:aws:elasticfilesystem:${mockRegion}:${mockAccountId}:file-system/${id}`,
            dnsName: `fs-${shortHash(name)}.efs.${mockRegion}.amazonaws.com`,
        };
    },
    "aws:kms/key:Key": (name) => ({ keyId: shortHash(name) }),
    "random:index/randomPassword:RandomPassword": (name) => ({
        result: `mock-password-${shortHash(name)}`,
    }),
    // Pulumi reads a referenced stack's outputs; any other stack is missing, as the backend reports it.
    "pulumi:pulumi:StackReference": (_name, inputs) => {
        if (inputs.name !== mockPlatformStackName)
            throw new Error(
                `unknown stack "${inputs.name}" (only ${mockPlatformStackName} exists under mocks)`,
            );
        return { outputs: mockPlatformStackOutputs, secretOutputNames: ["kubeconfig"] };
    },
};

function mockId(type: string, name: string): string {
    const prefixes: Record<string, string> = {
        "aws:ec2/vpc:Vpc": "vpc-",
        "aws:ec2/subnet:Subnet": "subnet-",
        "aws:ec2/securityGroup:SecurityGroup": "sg-",
        "aws:efs/fileSystem:FileSystem": "fs-",
        "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
        "aws:ec2/natGateway:NatGateway": "nat-",
        "aws:ec2/internetGateway:InternetGateway": "igw-",
        "aws:ec2/routeTable:RouteTable": "rtb-",
        "aws:ec2/eip:Eip": "eipalloc-",
    };
    const prefix = prefixes[type];
    return prefix ? `${prefix}${shortHash(type + name)}` : `${name}-id`;
}

/**
 * Subnets that exist before the program runs, for bring-your-own-VPC specs. Looking up any other
 * id fails, as `aws.ec2.getSubnet` does against AWS.
 */
export const mockExistingVpcId = "vpc-0e0e0e0e0e0e0e0e0";
export const mockExistingSubnets: Record<
    string,
    { vpcId: string; availabilityZone: string; cidrBlock: string }
> = {
    "subnet-0a0a0a0a0a0a0a0a1": {
        vpcId: mockExistingVpcId,
        availabilityZone: "us-west-2a",
        cidrBlock: "10.0.1.0/24",
    },
    "subnet-0b0b0b0b0b0b0b0b1": {
        vpcId: mockExistingVpcId,
        availabilityZone: "us-west-2b",
        cidrBlock: "10.0.2.0/24",
    },
    "subnet-0c0c0c0c0c0c0c0c1": {
        vpcId: mockExistingVpcId,
        availabilityZone: "us-west-2c",
        cidrBlock: "10.0.3.0/24",
    },
    "subnet-0a0a0a0a0a0a0a0a2": {
        vpcId: mockExistingVpcId,
        availabilityZone: "us-west-2a",
        cidrBlock: "10.0.4.0/24",
    },
    "subnet-0a0a0a0a0a0a0a0f1": {
        vpcId: mockExistingVpcId,
        availabilityZone: "us-west-2a",
        cidrBlock: "10.0.5.0/24",
    },
    "subnet-0b0b0b0b0b0b0b0f1": {
        vpcId: mockExistingVpcId,
        availabilityZone: "us-west-2b",
        cidrBlock: "10.0.6.0/24",
    },
    "subnet-0d0d0d0d0d0d0d0d1": {
        vpcId: "vpc-0d0d0d0d0d0d0d0d0",
        availabilityZone: "us-west-2b",
        cidrBlock: "10.0.7.0/24",
    },
};

const invokes: Record<string, (inputs: State) => State> = {
    "aws:index/getRegion:getRegion": () => ({
        id: mockRegion,
        name: mockRegion,
        region: mockRegion,
    }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: mockAccountId,
        arn: `arn:aws:iam::${mockAccountId}:user/mock`,
        userId: "AIDAMOCK",
        id: mockAccountId,
    }),
    "aws:index/getPartition:getPartition": () => ({
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        id: "aws",
    }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
        names: ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
        zoneIds: ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"],
        id: mockRegion,
    }),
    "aws:ec2/getSubnet:getSubnet": (inputs) => {
        const subnet = mockExistingSubnets[inputs.id];
        if (!subnet) throw new Error(`no matching EC2 Subnet found (id ${inputs.id})`);
        return { id: inputs.id, arn: arnFor("aws:ec2/subnet:Subnet", inputs.id), ...subnet };
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs) => ({
        userName: "AWS",
        password: "mock-ecr-password",
        authorizationToken: Buffer.from("AWS:mock-ecr-password").toString("base64"),
        proxyEndpoint: `https://${inputs.registryId ?? mockAccountId}.dkr.ecr.${mockRegion}.amazonaws.com`,
        id: mockRegion,
    }),
    // The provider renders statements to IAM JSON; specs parse it back to check trust relationships.
    "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => ({
        json: JSON.stringify({
            Version: "2012-10-17",
            Statement: (inputs.statements ?? []).map(iamStatement),
        }),
        id: "policy",
    }),
};

function iamStatement(statement: State): State {
    const out: State = { Effect: statement.effect ?? "Allow" };
    if (statement.sid) out.Sid = statement.sid;
    if (statement.actions) out.Action = statement.actions;
    if (statement.resources) out.Resource = statement.resources;
    for (const principal of statement.principals ?? []) {
        // As the provider renders it: type "*" with identifiers ["*"] is the bare `"Principal": "*"`.
        if (principal.type === "*") out.Principal = "*";
        else out.Principal = { ...(out.Principal ?? {}), [principal.type]: principal.identifiers };
    }
    for (const condition of statement.conditions ?? []) {
        out.Condition = out.Condition ?? {};
        out.Condition[condition.test] = {
            ...(out.Condition[condition.test] ?? {}),
            [condition.variable]: condition.values,
        };
    }
    return out;
}

export const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs) {
        const compute = computedState[args.type];
        const computed = compute ? compute(args.name, args.inputs) : {};
        const id = computed.id ?? mockId(args.type, args.name);
        const state: State = { ...args.inputs, ...computed };
        if (args.type.startsWith("aws:") && args.custom && state.arn === undefined) {
            state.arn = arnFor(args.type, args.name);
        }
        return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs) {
        const invoke = invokes[args.token];
        if (!invoke) {
            // An unknown data source would otherwise resolve to undefined and hide a missing mock.
            throw new Error(`no mock for invoke ${args.token}; add one to test/harness/mocks.ts`);
        }
        return invoke(args.inputs);
    },
};
