import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createFlowLogs } from "./network/flow-logs";
import { planSubnets } from "./plan/cidr";
import {
    minEksAvailabilityZones,
    networkDefaults,
    networkProblems,
    subnetDiscoveryTags,
} from "./plan/network-plan";
import type { NetworkInputs } from "./plan/network-types";

// Keys and their documentation live with the plan (plan/network-types.ts).
export interface NetworkArgs extends NetworkInputs {}

type NetworkOutputs = Pick<
    Network,
    | "vpcId"
    | "privateSubnetIds"
    | "publicSubnetIds"
    | "availabilityZones"
    | "privateSubnetCidrs"
    | "publicSubnetCidrs"
>;
type CreateSettings = Required<
    Pick<
        NetworkArgs,
        "clusterName" | "cidrBlock" | "availabilityZoneCount" | "natGatewayPerAz" | "tags"
    >
>;

/**
 * A VPC for an EKS cluster: private subnets for nodes (egress through NAT), public subnets for NAT
 * gateways and internet-facing load balancers, and an S3 gateway endpoint. Or, with
 * `existingVpcId`, a check of existing subnets and their ids passed through.
 */
export class Network extends pulumi.ComponentResource {
    /** Id of the VPC, created or existing. */
    public readonly vpcId: pulumi.Output<string>;
    /** Private subnet ids, one per AZ in `availabilityZones` order when created. */
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** Public subnet ids, one per AZ when created; `existingPublicSubnetIds` (or []) otherwise. */
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    /** AZ names the private subnets are in. */
    public readonly availabilityZones: pulumi.Output<string[]>;
    /** IPv4 blocks of the private subnets, in `privateSubnetIds` order (internal NLBs live here). */
    public readonly privateSubnetCidrs: pulumi.Output<string[]>;
    /** IPv4 blocks of the public subnets, in `publicSubnetIds` order (internet-facing NLBs). */
    public readonly publicSubnetCidrs: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): a bad config must fail without registering anything, component included.
        networkProblems(args).throwIfAny(`Network "${name}"`);
        super("gpu-serving:index:Network", name, {}, opts);
        const settings: CreateSettings = {
            clusterName: args.clusterName,
            cidrBlock: args.cidrBlock ?? networkDefaults.cidrBlock,
            availabilityZoneCount:
                args.availabilityZoneCount ?? networkDefaults.availabilityZoneCount,
            natGatewayPerAz: args.natGatewayPerAz ?? networkDefaults.natGatewayPerAz,
            tags: args.tags ?? {},
        };

        const outputs =
            args.existingVpcId === undefined
                ? createNetwork(this, name, settings)
                : existingNetwork(
                      this,
                      args.existingVpcId,
                      args.existingPrivateSubnetIds ?? [],
                      args.existingPublicSubnetIds ?? [],
                  );
        this.vpcId = outputs.vpcId;
        this.privateSubnetIds = outputs.privateSubnetIds;
        this.publicSubnetIds = outputs.publicSubnetIds;
        this.availabilityZones = outputs.availabilityZones;
        this.privateSubnetCidrs = outputs.privateSubnetCidrs;
        this.publicSubnetCidrs = outputs.publicSubnetCidrs;
        if (args.flowLogRetentionDays !== undefined) {
            createFlowLogs(this, name, {
                vpcId: this.vpcId,
                retentionDays: args.flowLogRetentionDays,
                tags: settings.tags,
            });
        }
        this.registerOutputs({ ...outputs });
    }
}

/** What the builders of a created VPC share: the component, the name prefix and the tagging rule. */
interface CreateContext {
    name: string;
    parent: Network;
    tagged: (role: string, extra?: Record<string, string>) => Record<string, string>;
}

function createNetwork(parent: Network, name: string, settings: CreateSettings): NetworkOutputs {
    const { clusterName, cidrBlock, availabilityZoneCount, natGatewayPerAz } = settings;
    const plan = planSubnets(cidrBlock, availabilityZoneCount);
    const tagged = (role: string, extra: Record<string, string> = {}) => ({
        ...settings.tags,
        ...extra,
        Name: `${name}-${role}`,
    });
    const ctx: CreateContext = { name, parent, tagged };

    const availabilityZones = pickAvailabilityZones(parent, availabilityZoneCount);
    const { vpc, internetGateway } = createVpc(ctx, cidrBlock);
    const subnets = (kind: "public" | "private", cidrs: string[]) =>
        cidrs.map((cidr, i) =>
            createSubnet(ctx, { vpc, kind, index: i, cidr, availabilityZones, clusterName }),
        );
    const publicSubnets = subnets("public", plan.publicSubnetCidrs);
    const privateSubnets = subnets("private", plan.privateSubnetCidrs);
    routePublicSubnets(ctx, vpc, internetGateway, publicSubnets);
    const natGateways = createNatGateways(ctx, internetGateway, publicSubnets, natGatewayPerAz);
    const privateRouteTables = routePrivateSubnets(
        ctx,
        vpc,
        privateSubnets,
        (i) => natGateways[natGatewayPerAz ? i : 0],
    );
    createS3Endpoint(ctx, vpc, privateRouteTables);

    return {
        vpcId: vpc.id,
        privateSubnetIds: pulumi.all(privateSubnets.map((s) => s.id)),
        publicSubnetIds: pulumi.all(publicSubnets.map((s) => s.id)),
        availabilityZones,
        privateSubnetCidrs: pulumi.output(plan.privateSubnetCidrs),
        publicSubnetCidrs: pulumi.output(plan.publicSubnetCidrs),
    };
}

/** The first `count` zones the region lists as available, failing when it has fewer. */
function pickAvailabilityZones(parent: Network, count: number): pulumi.Output<string[]> {
    const availableZones = aws.getAvailabilityZonesOutput(
        {
            state: "available",
            // Opted-in Local Zones also report "available"; EKS cannot place cluster subnets there.
            filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
        },
        { parent },
    );
    return availableZones.names.apply((names) => {
        if (names.length < count) {
            throw new pulumi.ResourceError(
                `availabilityZoneCount: ${count} AZs requested, but the region ` +
                    `has only ${names.length} available (${names.join(", ")})`,
                parent,
            );
        }
        return names.slice(0, count);
    });
}

function createVpc({ name, parent, tagged }: CreateContext, cidrBlock: string) {
    const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: tagged("vpc") },
        { parent },
    );
    const internetGateway = new aws.ec2.InternetGateway(
        `${name}-igw`,
        { vpcId: vpc.id, tags: tagged("igw") },
        { parent },
    );
    return { vpc, internetGateway };
}

interface SubnetSpec {
    vpc: aws.ec2.Vpc;
    kind: "public" | "private";
    index: number;
    cidr: string;
    availabilityZones: pulumi.Output<string[]>;
    clusterName: string;
}

function createSubnet({ name, parent, tagged }: CreateContext, spec: SubnetSpec): aws.ec2.Subnet {
    const { vpc, kind, index, cidr, availabilityZones, clusterName } = spec;
    const role = `${kind}-${index + 1}`;
    // Nothing but NAT gateways and load balancers lives in public subnets, and both get their
    // addresses explicitly, so no subnet hands out public IPs on launch.
    return new aws.ec2.Subnet(
        `${name}-${role}`,
        {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZone: availabilityZones.apply((zones) => zones[index]),
            mapPublicIpOnLaunch: false,
            tags: tagged(role, subnetDiscoveryTags(kind, clusterName)),
        },
        { parent },
    );
}

// Standalone routes rather than inline `routes`: inline routes own the whole table and would
// delete routes others add later (peering, transit gateway); the two styles cannot be mixed.
function routePublicSubnets(
    { name, parent, tagged }: CreateContext,
    vpc: aws.ec2.Vpc,
    internetGateway: aws.ec2.InternetGateway,
    publicSubnets: aws.ec2.Subnet[],
): void {
    const publicRouteTable = new aws.ec2.RouteTable(
        `${name}-public`,
        { vpcId: vpc.id, tags: tagged("public") },
        { parent },
    );
    new aws.ec2.Route(
        `${name}-public-internet`,
        {
            routeTableId: publicRouteTable.id,
            destinationCidrBlock: "0.0.0.0/0",
            gatewayId: internetGateway.id,
        },
        { parent },
    );
    publicSubnets.forEach(
        (s, i) =>
            new aws.ec2.RouteTableAssociation(
                `${name}-public-${i + 1}`,
                { subnetId: s.id, routeTableId: publicRouteTable.id },
                { parent },
            ),
    );
}

/** One NAT gateway (and its address) per AZ, or one shared in the first AZ. */
function createNatGateways(
    { name, parent, tagged }: CreateContext,
    internetGateway: aws.ec2.InternetGateway,
    publicSubnets: aws.ec2.Subnet[],
    perAz: boolean,
): aws.ec2.NatGateway[] {
    // AWS needs the internet gateway attached before an EIP can be associated and a public NAT
    // gateway can pass traffic (Terraform aws_eip / aws_nat_gateway docs: depend on the IGW).
    const natOpts = { parent, dependsOn: [internetGateway] };
    const zones = perAz ? publicSubnets.map((_, i) => i) : [0];
    return zones.map((i) => {
        const role = `nat-${i + 1}`;
        const address = new aws.ec2.Eip(
            `${name}-${role}`,
            { domain: "vpc", tags: tagged(role) },
            natOpts,
        );
        return new aws.ec2.NatGateway(
            `${name}-${role}`,
            {
                allocationId: address.id,
                subnetId: publicSubnets[i].id,
                connectivityType: "public",
                tags: tagged(role),
            },
            natOpts,
        );
    });
}

/**
 * One private route table per AZ even with a shared NAT gateway: switching natGatewayPerAz then
 * only repoints routes instead of replacing tables and associations.
 */
function routePrivateSubnets(
    { name, parent, tagged }: CreateContext,
    vpc: aws.ec2.Vpc,
    privateSubnets: aws.ec2.Subnet[],
    natGatewayFor: (zoneIndex: number) => aws.ec2.NatGateway,
): aws.ec2.RouteTable[] {
    return privateSubnets.map((s, i) => {
        const role = `private-${i + 1}`;
        const table = new aws.ec2.RouteTable(
            `${name}-${role}`,
            { vpcId: vpc.id, tags: tagged(role) },
            { parent },
        );
        new aws.ec2.Route(
            `${name}-${role}-nat`,
            {
                routeTableId: table.id,
                destinationCidrBlock: "0.0.0.0/0",
                natGatewayId: natGatewayFor(i).id,
            },
            { parent },
        );
        new aws.ec2.RouteTableAssociation(
            `${name}-${role}`,
            { subnetId: s.id, routeTableId: table.id },
            { parent },
        );
        return table;
    });
}

/**
 * ECR serves image layers from S3 and GPU serving images are 10-25 GB: a gateway endpoint keeps
 * those pulls (and model downloads from S3) off the NAT gateways, which bill per GB processed.
 */
function createS3Endpoint(
    { name, parent, tagged }: CreateContext,
    vpc: aws.ec2.Vpc,
    privateRouteTables: aws.ec2.RouteTable[],
): void {
    const region = aws.getRegionOutput({}, { parent });
    new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        {
            vpcId: vpc.id,
            serviceName: pulumi.interpolate`com.amazonaws.${region.region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: privateRouteTables.map((t) => t.id),
            tags: tagged("s3"),
        },
        { parent },
    );
}

/**
 * Looks the existing subnets up so a wrong id fails here, naming the list entry, rather than as an
 * EKS CreateCluster error later. Every output waits for the check.
 */
function existingNetwork(
    parent: Network,
    existingVpcId: pulumi.Input<string>,
    privateIds: pulumi.Input<string>[],
    publicIds: pulumi.Input<string>[],
): NetworkOutputs {
    const lookUp = (key: string, ids: pulumi.Input<string>[]) =>
        ids.map((id, i) => {
            const found = aws.ec2.getSubnetOutput({ id }, { parent });
            return pulumi.all([
                `${key}[${i}]`,
                found.id,
                found.vpcId,
                found.availabilityZone,
                found.cidrBlock,
            ]);
        });
    const subnets = [
        ...lookUp("existingPrivateSubnetIds", privateIds),
        ...lookUp("existingPublicSubnetIds", publicIds),
    ];
    const checked = pulumi.all([existingVpcId, pulumi.all(subnets)]).apply(([vpcId, found]) => {
        for (const [path, id, subnetVpcId] of found) {
            if (subnetVpcId !== vpcId) {
                throw new pulumi.ResourceError(
                    `${path}: subnet ${id} is in ${subnetVpcId}, not in existingVpcId ${vpcId}`,
                    parent,
                );
            }
        }
        const zones = [...new Set(found.slice(0, privateIds.length).map(([, , , zone]) => zone))];
        if (zones.length < minEksAvailabilityZones) {
            throw new pulumi.ResourceError(
                `existingPrivateSubnetIds: all subnets are in ${zones.join(", ")}; ` +
                    `EKS requires subnets in at least ${minEksAvailabilityZones} AZs`,
                parent,
            );
        }
        const cidrs = found.map(([, , , , cidr]) => cidr);
        return {
            vpcId,
            zones,
            privateCidrs: cidrs.slice(0, privateIds.length),
            publicCidrs: cidrs.slice(privateIds.length),
        };
    });
    return {
        vpcId: checked.vpcId,
        privateSubnetIds: checked.apply(() => pulumi.all(privateIds)),
        publicSubnetIds: checked.apply(() => pulumi.all(publicIds)),
        availabilityZones: checked.zones,
        privateSubnetCidrs: checked.privateCidrs,
        publicSubnetCidrs: checked.publicCidrs,
    };
}
