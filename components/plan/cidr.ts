/**
 * IPv4 CIDR arithmetic and the subnet plan of the Network component, as plain functions so the
 * allocation can be property-tested without a Pulumi runtime (the way pulumi-awsx keeps its
 * `subnetDistributor` pure).
 */

/** An IPv4 block; `address` is the first address as an unsigned 32-bit integer. */
export interface Ipv4Cidr {
    readonly address: number;
    readonly prefixLength: number;
}

/** Subnet CIDR blocks by AZ index: element `i` of each list lives in the `i`-th AZ. */
export interface SubnetPlan {
    readonly privateSubnetCidrs: string[];
    readonly publicSubnetCidrs: string[];
}

/** AWS caps a VPC's primary CIDR block at /16 (65,536 addresses). */
export const largestVpcPrefixLength = 16;
/**
 * Public subnets get 1/16 of the VPC, and AWS's smallest subnet is a /28, so a /24 VPC is the
 * smallest this plan can split.
 */
export const smallestVpcPrefixLength = 24;
/** Each AZ gets a quarter of the VPC as its private subnet; the last quarter holds public ones. */
export const maxPlannedAvailabilityZones = 3;

/** AWS keeps the first four addresses and the last one of every subnet. */
export const awsReservedAddressesPerSubnet = 5;

const ipv4CidrPattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Why `text` is not an IPv4 CIDR block in canonical form, or undefined when it is one. */
export function cidrSyntaxProblem(text: string): string | undefined {
    const match = ipv4CidrPattern.exec(text);
    const example = `an IPv4 CIDR block like "10.0.0.0/16"`;
    if (!match) return `"${text}" is not ${example}`;
    const octets = match.slice(1, 5);
    // A leading zero reads as octal to some tools (inet_aton), so "010.0.0.0" is ambiguous.
    if (octets.some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith("0")))) {
        return `"${text}" is not ${example}: each octet must be 0-255 without leading zeros`;
    }
    const prefixLength = Number(match[5]);
    if (prefixLength > 32 || (match[5].length > 1 && match[5].startsWith("0"))) {
        return `"${text}" is not ${example}: the prefix length must be 0-32`;
    }
    const address = octets.reduce((sum, o) => sum * 256 + Number(o), 0);
    const canonical = formatCidr({ address: networkAddress(address, prefixLength), prefixLength });
    if (canonical !== text) {
        return `"${text}" has host bits set; the block it names is "${canonical}"`;
    }
    return undefined;
}

/** Parses a canonical IPv4 CIDR block; throws the reason from `cidrSyntaxProblem` otherwise. */
export function parseCidr(text: string): Ipv4Cidr {
    const problem = cidrSyntaxProblem(text);
    if (problem) throw new Error(problem);
    const match = ipv4CidrPattern.exec(text)!;
    const address = match.slice(1, 5).reduce((sum, o) => sum * 256 + Number(o), 0);
    return { address, prefixLength: Number(match[5]) };
}

export function formatCidr(cidr: Ipv4Cidr): string {
    const a = cidr.address;
    const octets = [a / 2 ** 24, a / 2 ** 16, a / 2 ** 8, a].map((v) => Math.floor(v) % 256);
    return `${octets.join(".")}/${cidr.prefixLength}`;
}

/** Number of addresses in a block of this prefix length. */
export function blockSize(prefixLength: number): number {
    return 2 ** (32 - prefixLength);
}

/** Why `text` cannot be this plan's VPC block, or undefined when it can. */
export function vpcCidrProblem(text: string): string | undefined {
    const syntax = cidrSyntaxProblem(text);
    if (syntax) return syntax;
    const { prefixLength } = parseCidr(text);
    const allowed =
        `use a prefix length from /${largestVpcPrefixLength} to /${smallestVpcPrefixLength}, ` +
        `got /${prefixLength}`;
    if (prefixLength < largestVpcPrefixLength) {
        return `"${text}" is larger than AWS allows for a VPC: ${allowed}`;
    }
    if (prefixLength > smallestVpcPrefixLength) {
        return (
            `"${text}" is too small: ${allowed} ` +
            "(public subnets get 1/16 of the VPC and AWS subnets are at least /28)"
        );
    }
    return undefined;
}

/**
 * Splits a VPC block into one private and one public subnet per AZ.
 *
 * The VPC is cut into quarters: AZ `i` gets quarter `i` as its private subnet (nodes and, with the
 * VPC CNI, every pod take an address there, so it gets the room), and the last quarter is cut into
 * sixteenths for the public subnets, which hold only NAT gateways and load balancer nodes. For
 * 10.0.0.0/16 that is private /18s (16,379 usable addresses each) and public /20s.
 *
 * Every block depends only on its AZ index, never on the AZ count, so going from 2 to 3 AZs adds
 * subnets without changing (and so replacing) the existing ones.
 */
export function planSubnets(vpcCidr: string, availabilityZoneCount: number): SubnetPlan {
    const problem = vpcCidrProblem(vpcCidr);
    if (problem) throw new RangeError(problem);
    if (
        !Number.isInteger(availabilityZoneCount) ||
        availabilityZoneCount < 1 ||
        availabilityZoneCount > maxPlannedAvailabilityZones
    ) {
        throw new RangeError(
            `availabilityZoneCount must be an integer from 1 to ${maxPlannedAvailabilityZones}, ` +
                `got ${availabilityZoneCount}`,
        );
    }
    const vpc = parseCidr(vpcCidr);
    const privatePrefixLength = vpc.prefixLength + 2;
    const publicPrefixLength = vpc.prefixLength + 4;
    const publicRangeStart = vpc.address + 3 * blockSize(privatePrefixLength);
    const zones = Array.from({ length: availabilityZoneCount }, (_, i) => i);
    return {
        privateSubnetCidrs: zones.map((i) =>
            formatCidr({
                address: vpc.address + i * blockSize(privatePrefixLength),
                prefixLength: privatePrefixLength,
            }),
        ),
        publicSubnetCidrs: zones.map((i) =>
            formatCidr({
                address: publicRangeStart + i * blockSize(publicPrefixLength),
                prefixLength: publicPrefixLength,
            }),
        ),
    };
}

function networkAddress(address: number, prefixLength: number): number {
    const size = blockSize(prefixLength);
    return Math.floor(address / size) * size;
}
