import type * as pulumi from "@pulumi/pulumi";

/** The input shape the network plan checks; the Network component's Args extend it. */
export interface NetworkInputs {
    /**
     * Name of the EKS cluster that will use this network; subnets get the
     * `kubernetes.io/cluster/<clusterName>: shared` discovery tag. Not applied to existing subnets:
     * tag those yourself.
     */
    clusterName: string;
    /**
     * IPv4 block of the VPC, a prefix length from /16 to /24. Each AZ gets a quarter as its private
     * subnet; the last quarter holds the public subnets (1/16 of the VPC each).
     * Only when the Network creates the VPC. @default "10.0.0.0/16"
     */
    cidrBlock?: string;
    /**
     * Number of AZs to spread subnets over, 2 or 3; the first ones the region lists as available.
     * Only when the Network creates the VPC. @default 3
     */
    availabilityZoneCount?: number;
    /**
     * One NAT gateway per AZ, so losing an AZ does not cut the other AZs off the internet and no
     * egress crosses AZs; false runs one shared NAT gateway in the first AZ (cheaper, not highly
     * available). Only when the Network creates the VPC. @default true
     */
    natGatewayPerAz?: boolean;
    /** Id of an existing VPC to use instead of creating one; the Network then creates nothing. */
    existingVpcId?: pulumi.Input<string>;
    /**
     * Private subnets of `existingVpcId` for nodes, at least 2 in different AZs. Required with,
     * and only allowed with, `existingVpcId`.
     */
    existingPrivateSubnetIds?: pulumi.Input<string>[];
    /** Public subnets of `existingVpcId` for internet-facing load balancers. @default [] */
    existingPublicSubnetIds?: pulumi.Input<string>[];
    /**
     * Days CloudWatch keeps the VPC's flow logs (every accepted and rejected flow, 1-minute
     * aggregation); one of the retentions CloudWatch Logs accepts. Works for an existing VPC too.
     * @default no flow logs
     */
    flowLogRetentionDays?: number;
    /** Tags for every resource the Network creates; it sets each `Name` tag. @default {} */
    tags?: Record<string, string>;
}
