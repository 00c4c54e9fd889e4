import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Network, NetworkArgs } from "../components/network";
import { planSubnets } from "../components/plan/cidr";
import { InvalidInputsError } from "../components/plan/problems";
import { mockExistingVpcId, mockRegion } from "./harness/mocks";
import { RegisteredResource, Rendered, render, valueOf } from "./harness/render";

const types = {
    component: "gpu-serving:index:Network",
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
    eip: "aws:ec2/eip:Eip",
    natGateway: "aws:ec2/natGateway:NatGateway",
    routeTable: "aws:ec2/routeTable:RouteTable",
    route: "aws:ec2/route:Route",
    association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
};

function renderNetwork(args: Partial<NetworkArgs> = {}, name = "net") {
    return render(() => new Network(name, { clusterName: "gpu", ...args }));
}

/** The resources among `candidates` whose outputs `resource` takes as inputs. */
function inputsFrom(
    resource: RegisteredResource,
    candidates: readonly RegisteredResource[],
): RegisteredResource[] {
    return candidates.filter((c) => resource.dependencies.includes(c.urn));
}

function subnets(resources: Rendered, kind: "public" | "private"): RegisteredResource[] {
    return [1, 2, 3]
        .map((i) => resources.ofType(types.subnet).find((s) => s.name === `net-${kind}-${i}`))
        .filter((s): s is RegisteredResource => s !== undefined);
}

/** Asserts that constructing a Network with `args` throws `pattern` and registers nothing. */
async function assertRejected(args: Partial<NetworkArgs>, pattern: RegExp): Promise<void> {
    const { resources } = await render(() =>
        assert.throws(() => new Network("net", { clusterName: "gpu", ...args }), pattern),
    );
    assert.deepEqual(
        resources.all.map((r) => r.name),
        [],
    );
}

const ownSubnets = {
    a: "subnet-0a0a0a0a0a0a0a0a1",
    b: "subnet-0b0b0b0b0b0b0b0b1",
    c: "subnet-0c0c0c0c0c0c0c0c1",
    secondInA: "subnet-0a0a0a0a0a0a0a0a2",
    publicA: "subnet-0a0a0a0a0a0a0a0f1",
    publicB: "subnet-0b0b0b0b0b0b0b0f1",
    otherVpc: "subnet-0d0d0d0d0d0d0d0d1",
};

describe("Network", () => {
    describe("creating a VPC", () => {
        it("creates a 10.0.0.0/16 VPC with DNS hostnames and support on by default", async () => {
            const { resources } = await renderNetwork();
            const vpc = resources.one(types.vpc);
            assert.equal(vpc.inputs.cidrBlock, "10.0.0.0/16");
            assert.equal(vpc.inputs.enableDnsHostnames, true);
            assert.equal(vpc.inputs.enableDnsSupport, true);
        });

        it("puts a public and a private subnet in each of the first 3 AZs by default", async () => {
            const { result, resources } = await renderNetwork();
            const zones = ["us-west-2a", "us-west-2b", "us-west-2c"];
            const zonesOf = (kind: "public" | "private") =>
                subnets(resources, kind).map((s) => s.inputs.availabilityZone);
            assert.deepEqual(zonesOf("public"), zones);
            assert.deepEqual(zonesOf("private"), zones);
            assert.equal(resources.ofType(types.subnet).length, 6);
            assert.deepEqual(await valueOf(result.availabilityZones), zones);
        });

        it("uses only the first 2 AZs when availabilityZoneCount is 2", async () => {
            const { result, resources } = await renderNetwork({ availabilityZoneCount: 2 });
            assert.equal(resources.ofType(types.subnet).length, 4);
            assert.deepEqual(await valueOf(result.availabilityZones), ["us-west-2a", "us-west-2b"]);
            assert.equal((await valueOf(result.privateSubnetIds)).length, 2);
        });

        it("takes subnet CIDR blocks from the VPC block's plan, none overlapping", async () => {
            const { resources } = await renderNetwork({ cidrBlock: "172.20.0.0/20" });
            const plan = planSubnets("172.20.0.0/20", 3);
            const privateCidrs = subnets(resources, "private").map((s) => s.inputs.cidrBlock);
            const publicCidrs = subnets(resources, "public").map((s) => s.inputs.cidrBlock);
            assert.deepEqual(privateCidrs, plan.privateSubnetCidrs);
            assert.deepEqual(publicCidrs, plan.publicSubnetCidrs);
            assert.deepEqual(privateCidrs, ["172.20.0.0/22", "172.20.4.0/22", "172.20.8.0/22"]);
            assert.deepEqual(publicCidrs, ["172.20.12.0/24", "172.20.13.0/24", "172.20.14.0/24"]);
            assert.equal(new Set([...privateCidrs, ...publicCidrs]).size, 6);
        });

        it("never assigns public IPs on launch, in private or public subnets", async () => {
            const { resources } = await renderNetwork();
            assert.equal(resources.ofType(types.subnet).length, 6);
            for (const subnet of resources.ofType(types.subnet)) {
                assert.equal(subnet.inputs.mapPublicIpOnLaunch, false, subnet.name);
            }
        });

        it("tags public subnets for internet-facing load balancers and discovery", async () => {
            const { resources } = await renderNetwork({ clusterName: "serving-prod" });
            assert.equal(subnets(resources, "public").length, 3);
            for (const subnet of subnets(resources, "public")) {
                assert.equal(subnet.inputs.tags["kubernetes.io/role/elb"], "1");
                assert.equal(subnet.inputs.tags["kubernetes.io/cluster/serving-prod"], "shared");
                assert.equal(subnet.inputs.tags["kubernetes.io/role/internal-elb"], undefined);
            }
        });

        it("tags private subnets for internal load balancers and cluster discovery", async () => {
            const { resources } = await renderNetwork({ clusterName: "serving-prod" });
            assert.equal(subnets(resources, "private").length, 3);
            for (const subnet of subnets(resources, "private")) {
                assert.equal(subnet.inputs.tags["kubernetes.io/role/internal-elb"], "1");
                assert.equal(subnet.inputs.tags["kubernetes.io/cluster/serving-prod"], "shared");
                assert.equal(subnet.inputs.tags["kubernetes.io/role/elb"], undefined);
            }
        });

        it("adds the given tags to every resource and names each one after itself", async () => {
            const { resources } = await renderNetwork({ tags: { team: "ml", Name: "ignored" } });
            const tagged = resources.all.filter((r) => r.type.startsWith("aws:"));
            assert.equal(tagged.length, 29);
            for (const resource of tagged.filter((r) => r.inputs.tags !== undefined)) {
                assert.equal(resource.inputs.tags.team, "ml", resource.name);
                assert.equal(resource.inputs.tags.Name, resource.name, resource.name);
            }
            const untagged = tagged.filter((r) => r.inputs.tags === undefined).map((r) => r.type);
            const untaggable = [types.association, types.route].sort();
            assert.deepEqual([...new Set(untagged)].sort(), untaggable);
        });

        it("runs a NAT gateway with its own Elastic IP in each AZ's public subnet", async () => {
            const { resources } = await renderNetwork();
            const natGateways = resources.ofType(types.natGateway);
            assert.equal(natGateways.length, 3);
            assert.equal(resources.ofType(types.eip).length, 3);
            const publicSubnets = subnets(resources, "public");
            natGateways.forEach((nat, i) => {
                const natSubnets = inputsFrom(nat, publicSubnets).map((s) => s.name);
                assert.deepEqual(natSubnets, [`net-public-${i + 1}`]);
                const [eip] = inputsFrom(nat, resources.ofType(types.eip));
                assert.equal(eip.name, `net-nat-${i + 1}`);
                assert.equal(eip.inputs.domain, "vpc");
                assert.equal(nat.inputs.connectivityType, "public");
            });
        });

        it("runs a single NAT gateway in the first AZ when natGatewayPerAz is false", async () => {
            const { resources } = await renderNetwork({ natGatewayPerAz: false });
            const nat = resources.one(types.natGateway);
            assert.equal(resources.ofType(types.eip).length, 1);
            const [subnet] = inputsFrom(nat, subnets(resources, "public"));
            assert.equal(subnet.inputs.availabilityZone, "us-west-2a");
        });

        it("creates Elastic IPs and NAT gateways only after the internet gateway", async () => {
            const { resources } = await renderNetwork();
            const internetGateway = resources.one(types.internetGateway);
            const natResources = [types.eip, types.natGateway].flatMap((t) => resources.ofType(t));
            assert.equal(natResources.length, 6);
            for (const r of natResources) {
                assert.ok(r.dependencies.includes(internetGateway.urn), r.name);
            }
        });

        it("routes each private subnet's internet traffic to the NAT in its own AZ", async () => {
            const { resources } = await renderNetwork();
            const tables = resources.ofType(types.routeTable);
            assert.equal(subnets(resources, "private").length, 3);
            subnets(resources, "private").forEach((subnet, i) => {
                const association = resources.one(types.association, `net-private-${i + 1}`);
                const [table] = inputsFrom(association, tables);
                const [route] = resources
                    .ofType(types.route)
                    .filter((r) => inputsFrom(r, [table]).length);
                assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
                const [nat] = inputsFrom(route, resources.ofType(types.natGateway));
                const [natSubnet] = inputsFrom(nat, subnets(resources, "public"));
                assert.equal(natSubnet.inputs.availabilityZone, subnet.inputs.availabilityZone);
            });
        });

        it("keeps a route table per private subnet, each routed to a shared NAT", async () => {
            const { resources } = await renderNetwork({ natGatewayPerAz: false });
            const nat = resources.one(types.natGateway);
            const privateRoutes = resources
                .ofType(types.route)
                .filter((r) => r.name.includes("-private-"));
            assert.equal(privateRoutes.length, 3);
            for (const route of privateRoutes) {
                assert.deepEqual(inputsFrom(route, [nat]), [nat]);
            }
            assert.equal(resources.ofType(types.routeTable).length, 4);
        });

        it("routes public subnets to the internet gateway through one route table", async () => {
            const { resources } = await renderNetwork();
            const publicTable = resources.one(types.routeTable, "net-public");
            const route = resources.one(types.route, "net-public-internet");
            assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
            const routeInputs = inputsFrom(route, resources.all).map((r) => r.type);
            assert.deepEqual(routeInputs.sort(), [types.internetGateway, types.routeTable]);
            assert.deepEqual(inputsFrom(route, [publicTable]), [publicTable]);
            assert.equal(subnets(resources, "public").length, 3);
            for (const subnet of subnets(resources, "public")) {
                const [association] = resources
                    .ofType(types.association)
                    .filter((r) => inputsFrom(r, [subnet]).length);
                const tables = inputsFrom(association, resources.ofType(types.routeTable));
                assert.deepEqual(tables, [publicTable]);
            }
        });

        it("attaches a regional S3 gateway endpoint to the private route tables only", async () => {
            const { resources } = await renderNetwork();
            const endpoint = resources.one(types.endpoint);
            assert.equal(endpoint.inputs.serviceName, `com.amazonaws.${mockRegion}.s3`);
            assert.equal(endpoint.inputs.vpcEndpointType, "Gateway");
            assert.equal(endpoint.inputs.routeTableIds.length, 3);
            const attached = inputsFrom(endpoint, resources.ofType(types.routeTable));
            const names = attached.map((t) => t.name).sort();
            assert.deepEqual(names, ["net-private-1", "net-private-2", "net-private-3"]);
        });

        it("outputs the created VPC and subnet ids, private and public in AZ order", async () => {
            const { result, resources } = await renderNetwork({ availabilityZoneCount: 2 });
            const idsOf = (kind: "public" | "private") => subnets(resources, kind).map((s) => s.id);
            assert.equal(await valueOf(result.vpcId), resources.one(types.vpc).id);
            assert.deepEqual(await valueOf(result.privateSubnetIds), idsOf("private"));
            assert.deepEqual(await valueOf(result.publicSubnetIds), idsOf("public"));
            assert.equal(new Set([...idsOf("private"), ...idsOf("public")]).size, 4);
        });

        it("creates subnets, gateways, route tables and the S3 endpoint in the VPC it created", async () => {
            const { resources } = await renderNetwork();
            const vpcId = resources.one(types.vpc).id;
            const inVpc = [types.subnet, types.internetGateway, types.routeTable, types.endpoint]
                .flatMap((type) => resources.ofType(type))
                .map((r) => [r.name, r.inputs.vpcId]);
            // 6 subnets, 1 internet gateway, 3 private and 1 public route table, 1 endpoint.
            assert.equal(inVpc.length, 12);
            assert.deepEqual(
                inVpc,
                inVpc.map(([name]) => [name, vpcId]),
            );
        });

        it("routes through the gateways it created, by their ids", async () => {
            const { resources } = await renderNetwork();
            const route = (name: string) => resources.one(types.route, name).inputs;
            assert.equal(
                route("net-public-internet").gatewayId,
                resources.one(types.internetGateway).id,
            );
            for (const i of [1, 2, 3]) {
                assert.equal(
                    route(`net-private-${i}-nat`).natGatewayId,
                    resources.one(types.natGateway, `net-nat-${i}`).id,
                );
                assert.equal(
                    resources.one(types.natGateway, `net-nat-${i}`).inputs.allocationId,
                    resources.one(types.eip, `net-nat-${i}`).id,
                );
            }
        });

        it("parents every child to the component and names it after the component", async () => {
            const args = { availabilityZoneCount: 2, natGatewayPerAz: false };
            const { resources } = await renderNetwork(args, "edge");
            const component = resources.one(types.component, "edge");
            const children = resources.all.filter((r) => r !== component);
            assert.deepEqual(resources.childrenOf(component), children);
            const names = children.map((r) => `${r.type.split(":")[2]}/${r.name}`).sort();
            assert.deepEqual(names, [
                "Eip/edge-nat-1",
                "InternetGateway/edge-igw",
                "NatGateway/edge-nat-1",
                "Route/edge-private-1-nat",
                "Route/edge-private-2-nat",
                "Route/edge-public-internet",
                "RouteTable/edge-private-1",
                "RouteTable/edge-private-2",
                "RouteTable/edge-public",
                "RouteTableAssociation/edge-private-1",
                "RouteTableAssociation/edge-private-2",
                "RouteTableAssociation/edge-public-1",
                "RouteTableAssociation/edge-public-2",
                "Subnet/edge-private-1",
                "Subnet/edge-private-2",
                "Subnet/edge-public-1",
                "Subnet/edge-public-2",
                "Vpc/edge-vpc",
                "VpcEndpoint/edge-s3",
            ]);
        });
    });

    describe("bring-your-own VPC", () => {
        const existing = {
            existingVpcId: mockExistingVpcId,
            existingPrivateSubnetIds: [ownSubnets.a, ownSubnets.b, ownSubnets.secondInA],
            existingPublicSubnetIds: [ownSubnets.publicA, ownSubnets.publicB],
        };

        it("creates no EC2 resources, only the component", async () => {
            const { resources } = await renderNetwork(existing);
            assert.deepEqual(
                resources.all.map((r) => r.type),
                [types.component],
            );
        });

        it("passes the VPC and subnet ids through as outputs", async () => {
            const { result } = await renderNetwork(existing);
            assert.equal(await valueOf(result.vpcId), mockExistingVpcId);
            const { existingPrivateSubnetIds, existingPublicSubnetIds } = existing;
            assert.deepEqual(await valueOf(result.privateSubnetIds), existingPrivateSubnetIds);
            assert.deepEqual(await valueOf(result.publicSubnetIds), existingPublicSubnetIds);
        });

        it("reports the distinct AZs of the private subnets, in order", async () => {
            const { result } = await renderNetwork(existing);
            assert.deepEqual(await valueOf(result.availabilityZones), ["us-west-2a", "us-west-2b"]);
        });

        it("outputs no public subnets when none are given", async () => {
            const { existingVpcId, existingPrivateSubnetIds } = existing;
            const { result } = await renderNetwork({ existingVpcId, existingPrivateSubnetIds });
            assert.deepEqual(await valueOf(result.publicSubnetIds), []);
        });

        it("accepts ids that are outputs of other resources", async () => {
            const { result } = await renderNetwork({
                existingVpcId: pulumi.output(mockExistingVpcId),
                existingPrivateSubnetIds: [
                    pulumi.output(ownSubnets.b),
                    Promise.resolve(ownSubnets.c),
                ],
            });
            assert.deepEqual(await valueOf(result.availabilityZones), ["us-west-2b", "us-west-2c"]);
        });

        it("fails when every private subnet is in the same AZ", async () => {
            const { result } = await renderNetwork({
                existingVpcId: mockExistingVpcId,
                existingPrivateSubnetIds: [ownSubnets.a, ownSubnets.secondInA],
            });
            await assert.rejects(
                valueOf(result.privateSubnetIds),
                /existingPrivateSubnetIds: all subnets are in us-west-2a; EKS requires subnets in at least 2 AZs/,
            );
        });

        it("fails when a subnet belongs to another VPC, naming the list entry", async () => {
            const { result } = await renderNetwork({
                existingVpcId: mockExistingVpcId,
                existingPrivateSubnetIds: [ownSubnets.a, ownSubnets.b],
                existingPublicSubnetIds: [ownSubnets.otherVpc],
            });
            await assert.rejects(
                valueOf(result.vpcId),
                /existingPublicSubnetIds\[0\]: subnet subnet-0d0d0d0d0d0d0d0d1 is in vpc-0d0d0d0d0d0d0d0d0, not in existingVpcId vpc-0e0e0e0e0e0e0e0e0/,
            );
        });
    });

    describe("invalid arguments", () => {
        const existingVpc = { existingVpcId: mockExistingVpcId };
        const twoSubnets = {
            ...existingVpc,
            existingPrivateSubnetIds: [ownSubnets.a, ownSubnets.b],
        };
        const cases: { what: string; args: Partial<NetworkArgs>; error: RegExp }[] = [
            {
                what: "a single AZ, which is not highly available",
                args: { availabilityZoneCount: 1 },
                error: /availabilityZoneCount: must be 2 or 3, got 1: 1 AZ is not highly available, and EKS requires subnets in at least 2 AZs/,
            },
            {
                what: "no AZ at all",
                args: { availabilityZoneCount: 0 },
                error: /availabilityZoneCount: must be 2 or 3, got 0: EKS requires subnets in at least 2 AZs$/m,
            },
            {
                what: "more AZs than the plan splits the VPC into",
                args: { availabilityZoneCount: 4 },
                error: /availabilityZoneCount: must be 2 or 3, got 4: the subnet plan/,
            },
            {
                what: "a fractional AZ count",
                args: { availabilityZoneCount: 2.5 },
                error: /availabilityZoneCount: must be 2 or 3, got 2\.5$/m,
            },
            {
                what: "a CIDR block that does not parse",
                args: { cidrBlock: "10.0.0/16" },
                error: /cidrBlock: "10\.0\.0\/16" is not an IPv4 CIDR block/,
            },
            {
                what: "a CIDR block with host bits set",
                args: { cidrBlock: "10.0.1.0/16" },
                error: /cidrBlock: "10\.0\.1\.0\/16" has host bits set; the block it names is "10\.0\.0\.0\/16"/,
            },
            {
                what: "a CIDR block too small to split",
                args: { cidrBlock: "10.0.0.0/25" },
                error: /cidrBlock: "10\.0\.0\.0\/25" is too small: use a prefix length from \/16 to \/24/,
            },
            {
                what: "a CIDR block larger than a VPC can be",
                args: { cidrBlock: "10.0.0.0/8" },
                error: /cidrBlock: "10\.0\.0\.0\/8" is larger than AWS allows for a VPC/,
            },
            {
                what: "an invalid cluster name",
                args: { clusterName: "-gpu" },
                error: /clusterName: "-gpu" is not an EKS cluster name/,
            },
            {
                what: "an empty cluster name",
                args: { clusterName: "" },
                error: /clusterName: "" is not an EKS cluster name/,
            },
            {
                what: "an existing VPC without private subnets",
                args: existingVpc,
                error: /existingPrivateSubnetIds: is required with existingVpcId: list at least 2 private subnet ids in different AZs/,
            },
            {
                what: "an empty private subnet list",
                args: { ...existingVpc, existingPrivateSubnetIds: [] },
                error: /existingPrivateSubnetIds: needs at least 2 private subnet ids in different AZs \(EKS requires subnets in at least 2 AZs\), got 0/,
            },
            {
                what: "a single private subnet",
                args: { ...existingVpc, existingPrivateSubnetIds: [ownSubnets.a] },
                error: /existingPrivateSubnetIds: needs at least 2 private subnet ids .*, got 1/,
            },
            {
                what: "private subnets without a VPC id",
                args: { existingPrivateSubnetIds: [ownSubnets.a, ownSubnets.b] },
                error: /existingPrivateSubnetIds: needs existingVpcId/,
            },
            {
                what: "public subnets without a VPC id",
                args: { existingPublicSubnetIds: [ownSubnets.publicA] },
                error: /existingPublicSubnetIds: needs existingVpcId/,
            },
            {
                what: "cidrBlock next to an existing VPC",
                args: { ...twoSubnets, cidrBlock: "10.0.0.0/16" },
                error: /cidrBlock: only applies when the Network creates the VPC; remove it or remove existingVpcId/,
            },
            {
                what: "availabilityZoneCount next to an existing VPC",
                args: { ...twoSubnets, availabilityZoneCount: 3 },
                error: /availabilityZoneCount: only applies when the Network creates the VPC/,
            },
            {
                what: "natGatewayPerAz next to an existing VPC",
                args: { ...twoSubnets, natGatewayPerAz: false },
                error: /natGatewayPerAz: only applies when the Network creates the VPC/,
            },
            {
                what: "a VPC id that is not one",
                args: { ...twoSubnets, existingVpcId: "main-vpc" },
                error: /existingVpcId: "main-vpc" is not a VPC id like "vpc-0123456789abcdef0"/,
            },
            {
                what: "a subnet id that is not one",
                args: { ...existingVpc, existingPrivateSubnetIds: [ownSubnets.a, "private-b"] },
                error: /existingPrivateSubnetIds\[1\]: "private-b" is not a subnet id/,
            },
            {
                what: "a subnet listed twice",
                args: { ...twoSubnets, existingPublicSubnetIds: [ownSubnets.b] },
                error: /existingPublicSubnetIds\[0\]: "subnet-0b0b0b0b0b0b0b0b1" is already listed as existingPrivateSubnetIds\[1\]/,
            },
        ];
        for (const { what, args, error } of cases) {
            it(`rejects ${what}, naming the field, before registering anything`, async () => {
                await assertRejected(args, error);
            });
        }

        it("reports every problem in one InvalidInputsError", async () => {
            const args = {
                clusterName: "gpu cluster",
                cidrBlock: "10.0.0.0/28",
                availabilityZoneCount: 1,
            };
            let error: unknown;
            await render(() => {
                try {
                    new Network("net", args);
                } catch (e) {
                    error = e;
                }
            });
            assert.ok(error instanceof InvalidInputsError);
            assert.match(error.message, /^Network "net" has 3 problems:/);
            assert.deepEqual(
                error.errors.map((e) => e.propertyPath),
                ["clusterName", "cidrBlock", "availabilityZoneCount"],
            );
        });
    });
});
