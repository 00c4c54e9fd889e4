import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { networkProblems, subnetDiscoveryTags } from "../components/plan/network-plan";

const existing = {
    existingVpcId: "vpc-0123456789abcdef0",
    existingPrivateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
};

function problems(overrides: Record<string, unknown>): string[] {
    return networkProblems({ clusterName: "gpu", ...overrides } as any).list.map(
        (p) => `${p.propertyPath}: ${p.reason}`,
    );
}

describe("Network plan validation", () => {
    it("names every problem with private subnet ids without existingVpcId", () => {
        assert.deepEqual(problems({ existingPrivateSubnetIds: ["subnet-0123456789abcdef0"] }), [
            "existingPrivateSubnetIds: needs existingVpcId: subnet ids only apply to a VPC the Network does not create",
        ]);
    });

    it("names every problem with public subnet ids without existingVpcId", () => {
        assert.deepEqual(problems({ existingPublicSubnetIds: ["subnet-0123456789abcdef0"] }), [
            "existingPublicSubnetIds: needs existingVpcId: subnet ids only apply to a VPC the Network does not create",
        ]);
    });

    it("names every problem with one AZ", () => {
        assert.deepEqual(problems({ availabilityZoneCount: 1 }), [
            "availabilityZoneCount: must be 2 or 3, got 1: 1 AZ is not highly available, and EKS requires subnets in at least 2 AZs",
        ]);
    });

    it("names every problem with four AZs", () => {
        assert.deepEqual(problems({ availabilityZoneCount: 4 }), [
            "availabilityZoneCount: must be 2 or 3, got 4: the subnet plan gives each AZ a quarter of the VPC and keeps the last quarter for public subnets",
        ]);
    });

    it("accepts two AZs", () => {
        assert.deepEqual(problems({ availabilityZoneCount: 2 }), []);
    });

    it("names every problem with create-only settings with an existing VPC", () => {
        assert.deepEqual(
            problems({
                ...existing,
                cidrBlock: "10.0.0.0/16",
                availabilityZoneCount: 3,
                natGatewayPerAz: true,
            }),
            [
                "cidrBlock: only applies when the Network creates the VPC; remove it or remove existingVpcId",
                "availabilityZoneCount: only applies when the Network creates the VPC; remove it or remove existingVpcId",
                "natGatewayPerAz: only applies when the Network creates the VPC; remove it or remove existingVpcId",
            ],
        );
    });

    it("names every problem with a malformed VPC id", () => {
        assert.deepEqual(problems({ ...existing, existingVpcId: "vpc-xyz" }), [
            'existingVpcId: "vpc-xyz" is not a VPC id like "vpc-0123456789abcdef0"',
        ]);
    });

    it("names every problem with an existing VPC without private subnets", () => {
        assert.deepEqual(problems({ existingVpcId: "vpc-0123456789abcdef0" }), [
            "existingPrivateSubnetIds: is required with existingVpcId: list at least 2 private subnet ids in different AZs (EKS requires subnets in at least 2 AZs)",
        ]);
    });

    it("names every problem with malformed and repeated subnet ids", () => {
        assert.deepEqual(
            problems({
                existingVpcId: "vpc-0123456789abcdef0",
                existingPrivateSubnetIds: [
                    "subnet-0123456789abcdef0",
                    "subnet-x",
                    "subnet-0123456789abcdef0",
                ],
                existingPublicSubnetIds: ["subnet-0123456789abcdef0"],
            }),
            [
                'existingPrivateSubnetIds[1]: "subnet-x" is not a subnet id like "subnet-0123456789abcdef0"',
                'existingPrivateSubnetIds[2]: "subnet-0123456789abcdef0" is already listed as existingPrivateSubnetIds[0]',
                'existingPublicSubnetIds[0]: "subnet-0123456789abcdef0" is already listed as existingPrivateSubnetIds[0]',
            ],
        );
    });

    it("accepts subnet ids still unknown", () => {
        assert.deepEqual(
            problems({
                existingVpcId: "vpc-0123456789abcdef0",
                existingPrivateSubnetIds: [pulumi.output("subnet-x"), pulumi.output("subnet-y")],
            }),
            [],
        );
    });

    it("tags public subnets for internet-facing and private ones for internal load balancers, shared with the cluster", () => {
        assert.deepEqual(subnetDiscoveryTags("public", "gpu"), {
            "kubernetes.io/role/elb": "1",
            "kubernetes.io/cluster/gpu": "shared",
        });
        assert.deepEqual(subnetDiscoveryTags("private", "gpu"), {
            "kubernetes.io/role/internal-elb": "1",
            "kubernetes.io/cluster/gpu": "shared",
        });
    });
});
