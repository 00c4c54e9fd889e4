import { strict as assert } from "assert";
import fc from "fast-check";
import {
    cidrSyntaxProblem,
    formatCidr,
    parseCidr,
    planSubnets,
    vpcCidrProblem,
} from "../components/plan/cidr";

/** [first, last] address of a block, computed independently of the module under test. */
function range(cidr: string): [number, number] {
    const [ip, prefix] = cidr.split("/");
    const first = ip.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
    return [first, first + 2 ** (32 - Number(prefix)) - 1];
}

function prefixOf(cidr: string): number {
    return Number(cidr.split("/")[1]);
}

/** Valid VPC blocks: any address, masked to a /16–/24 network address. */
const vpcCidrs = fc
    .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 16, max: 24 }))
    .map(([address, prefixLength]) => {
        const size = 2 ** (32 - prefixLength);
        return formatCidr({ address: Math.floor(address / size) * size, prefixLength });
    });
const zoneCounts = fc.integer({ min: 1, max: 3 });

describe("CIDR plan", () => {
    it("splits 10.0.0.0/16 into /18 private and /20 public subnets per AZ", () => {
        assert.deepEqual(planSubnets("10.0.0.0/16", 3), {
            privateSubnetCidrs: ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"],
            publicSubnetCidrs: ["10.0.192.0/20", "10.0.208.0/20", "10.0.224.0/20"],
        });
    });

    it("fits the smallest VPC, a /24, with /28 public subnets (the AWS minimum)", () => {
        assert.deepEqual(planSubnets("192.168.7.0/24", 2), {
            privateSubnetCidrs: ["192.168.7.0/26", "192.168.7.64/26"],
            publicSubnetCidrs: ["192.168.7.192/28", "192.168.7.208/28"],
        });
    });

    it("plans one private and one public subnet per AZ", () => {
        fc.assert(
            fc.property(vpcCidrs, zoneCounts, (vpc, zones) => {
                const plan = planSubnets(vpc, zones);
                assert.equal(plan.privateSubnetCidrs.length, zones);
                assert.equal(plan.publicSubnetCidrs.length, zones);
            }),
        );
    });

    it("keeps every subnet inside the VPC", () => {
        fc.assert(
            fc.property(vpcCidrs, zoneCounts, (vpc, zones) => {
                const [vpcFirst, vpcLast] = range(vpc);
                const plan = planSubnets(vpc, zones);
                for (const subnet of [...plan.privateSubnetCidrs, ...plan.publicSubnetCidrs]) {
                    const [first, last] = range(subnet);
                    assert.ok(first >= vpcFirst && last <= vpcLast, `${subnet} outside ${vpc}`);
                }
            }),
        );
    });

    it("never overlaps two subnets", () => {
        fc.assert(
            fc.property(vpcCidrs, zoneCounts, (vpc, zones) => {
                const plan = planSubnets(vpc, zones);
                const subnets = [...plan.privateSubnetCidrs, ...plan.publicSubnetCidrs];
                subnets.forEach((a, i) =>
                    subnets.slice(i + 1).forEach((b) => {
                        const [aFirst, aLast] = range(a);
                        const [bFirst, bLast] = range(b);
                        assert.ok(aLast < bFirst || bLast < aFirst, `${a} overlaps ${b}`);
                    }),
                );
            }),
        );
    });

    it("aligns every subnet on its own size, as AWS requires of a CIDR block", () => {
        fc.assert(
            fc.property(vpcCidrs, zoneCounts, (vpc, zones) => {
                const plan = planSubnets(vpc, zones);
                for (const subnet of [...plan.privateSubnetCidrs, ...plan.publicSubnetCidrs]) {
                    const [first] = range(subnet);
                    assert.equal(first % 2 ** (32 - prefixOf(subnet)), 0, `${subnet} misaligned`);
                    assert.equal(cidrSyntaxProblem(subnet), undefined);
                }
            }),
        );
    });

    it("gives private subnets 4 times the room of public ones, and never less than /28", () => {
        fc.assert(
            fc.property(vpcCidrs, zoneCounts, (vpc, zones) => {
                const plan = planSubnets(vpc, zones);
                for (let i = 0; i < zones; i++) {
                    assert.equal(prefixOf(plan.privateSubnetCidrs[i]), prefixOf(vpc) + 2);
                    assert.equal(prefixOf(plan.publicSubnetCidrs[i]), prefixOf(vpc) + 4);
                    assert.ok(prefixOf(plan.publicSubnetCidrs[i]) <= 28);
                }
            }),
        );
    });

    it("puts AZ i's private subnet at quarter i of the VPC and its public one at sixteenth 12 + i", () => {
        fc.assert(
            fc.property(vpcCidrs, zoneCounts, (vpc, zones) => {
                const [vpcFirst, vpcLast] = range(vpc);
                const size = vpcLast - vpcFirst + 1;
                const plan = planSubnets(vpc, zones);
                for (let i = 0; i < zones; i++) {
                    assert.deepEqual(range(plan.privateSubnetCidrs[i]), [
                        vpcFirst + (i * size) / 4,
                        vpcFirst + ((i + 1) * size) / 4 - 1,
                    ]);
                    assert.deepEqual(range(plan.publicSubnetCidrs[i]), [
                        vpcFirst + ((12 + i) * size) / 16,
                        vpcFirst + ((13 + i) * size) / 16 - 1,
                    ]);
                }
            }),
        );
    });

    it("keeps existing subnets unchanged when an AZ is added", () => {
        fc.assert(
            fc.property(vpcCidrs, fc.integer({ min: 1, max: 2 }), (vpc, zones) => {
                const before = planSubnets(vpc, zones);
                const after = planSubnets(vpc, zones + 1);
                const { privateSubnetCidrs, publicSubnetCidrs } = after;
                assert.deepEqual(privateSubnetCidrs.slice(0, zones), before.privateSubnetCidrs);
                assert.deepEqual(publicSubnetCidrs.slice(0, zones), before.publicSubnetCidrs);
            }),
        );
    });

    it("rejects an AZ count the plan cannot fit", () => {
        for (const zones of [0, 4, 1.5, NaN]) {
            assert.throws(
                () => planSubnets("10.0.0.0/16", zones),
                (error: Error) =>
                    error instanceof RangeError &&
                    error.message ===
                        `availabilityZoneCount must be an integer from 1 to 3, got ${zones}`,
            );
        }
    });

    it("refuses to plan an invalid VPC block", () => {
        assert.throws(() => planSubnets("10.0.0.0/25", 2), /too small/);
    });
});

describe("CIDR parsing", () => {
    it("round-trips every canonical block", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 0, max: 2 ** 32 - 1 }),
                fc.integer({ min: 0, max: 32 }),
                (address, prefixLength) => {
                    const size = 2 ** (32 - prefixLength);
                    const cidr = { address: Math.floor(address / size) * size, prefixLength };
                    assert.deepEqual(parseCidr(formatCidr(cidr)), cidr);
                },
            ),
        );
    });

    const malformed = ["", "10.0.0.0", "10.0.0/16", "10.0.0.0/16 ", " 10.0.0.0/16", "a.b.c.d/16"];
    for (const text of [...malformed, "10.0.0.0/-1", "::/0"]) {
        it(`rejects ${JSON.stringify(text)} as not a CIDR block`, () => {
            const problem = cidrSyntaxProblem(text) ?? "";
            assert.match(problem, /is not an IPv4 CIDR block like "10.0.0.0\/16"/);
        });
    }

    it("rejects octets above 255", () => {
        assert.match(cidrSyntaxProblem("10.256.0.0/16") ?? "", /each octet must be 0-255/);
    });

    it("rejects octets with leading zeros, which some tools read as octal", () => {
        assert.match(cidrSyntaxProblem("010.0.0.0/16") ?? "", /without leading zeros/);
    });

    it("rejects prefix lengths above 32", () => {
        assert.match(cidrSyntaxProblem("10.0.0.0/33") ?? "", /prefix length must be 0-32/);
    });

    it("rejects a prefix length with a leading zero, and accepts /0 and /32", () => {
        assert.match(cidrSyntaxProblem("10.0.0.0/08") ?? "", /prefix length must be 0-32/);
        assert.equal(cidrSyntaxProblem("0.0.0.0/0"), undefined);
        assert.equal(cidrSyntaxProblem("10.0.0.1/32"), undefined);
    });

    it("refuses to parse a block it would report, with the same reason", () => {
        assert.throws(
            () => parseCidr("10.0.1.0/16"),
            new Error(`"10.0.1.0/16" has host bits set; the block it names is "10.0.0.0/16"`),
        );
    });

    it("rejects host bits and names the block that was meant", () => {
        assert.equal(
            cidrSyntaxProblem("10.0.1.0/16"),
            `"10.0.1.0/16" has host bits set; the block it names is "10.0.0.0/16"`,
        );
    });
});

describe("VPC CIDR rules", () => {
    it("accepts /16 to /24", () => {
        for (const cidr of ["10.0.0.0/16", "172.16.0.0/20", "192.168.1.0/24"]) {
            assert.equal(vpcCidrProblem(cidr), undefined);
        }
    });

    it("rejects blocks larger than AWS allows for a VPC", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 15 }), (prefixLength) => {
                assert.match(
                    vpcCidrProblem(`0.0.0.0/${prefixLength}`) ?? "",
                    /larger than AWS allows for a VPC: .*got \/\d+$/,
                );
            }),
        );
    });

    it("rejects blocks too small to split, saying why", () => {
        fc.assert(
            fc.property(fc.integer({ min: 25, max: 32 }), (prefixLength) => {
                assert.match(
                    vpcCidrProblem(`10.0.0.0/${prefixLength}`) ?? "",
                    /too small: use a prefix length from \/16 to \/24, got \/\d+ \(public subnets get 1\/16 of the VPC and AWS subnets are at least \/28\)/,
                );
            }),
        );
    });

    it("passes syntax problems through", () => {
        assert.match(vpcCidrProblem("10.0.0.0") ?? "", /not an IPv4 CIDR block/);
    });
});
