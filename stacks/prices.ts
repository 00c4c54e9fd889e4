/**
 * The price table the offline plan report (`npm run plan`) prices a stack with. Dated and committed
 * on purpose: a report must not change because a price API answered differently, and a reviewer can
 * see which figures a cost came from. Pages read: EC2 On-Demand and Spot pricing, Amazon VPC pricing
 * (NAT gateway), Amazon EFS pricing, Amazon EKS pricing, Elastic Load Balancing pricing (NLB). Prices move (spot daily, list prices a few times a year):
 * re-check against the source before relying on a figure for money, and update `asOf` with it.
 */

export interface InstancePrice {
    /** On-demand Linux price, USD per instance-hour. */
    onDemandPerHour: number;
    /**
     * A typical spot price, USD per instance-hour: spot moves with supply and demand and differs
     * between zones, so this is a planning figure, not a quote.
     */
    spotPerHour: number;
}

export interface PriceTable {
    /** Month the figures were read, YYYY-MM. */
    asOf: string;
    region: string;
    source: string;
    instances: Readonly<Record<string, InstancePrice>>;
    /** Per NAT gateway-hour, USD. */
    natGatewayPerHour: number;
    /** Per GB the NAT gateway processes, USD. */
    natGatewayPerGbProcessed: number;
    /** EFS Standard storage (what Elastic throughput file systems store in), USD per GB-month. */
    efsStoragePerGbMonth: number;
    /** EFS Elastic throughput reads, USD per GB transferred. */
    efsElasticReadPerGb: number;
    /** EFS Elastic throughput writes, USD per GB transferred. */
    efsElasticWritePerGb: number;
    /** EKS control plane in standard support, USD per cluster-hour. */
    eksControlPlanePerHour: number;
    /** Network Load Balancer, USD per load balancer-hour. */
    networkLoadBalancerPerHour: number;
    /** Network Load Balancer capacity units (connections, flows, bytes), USD per NLCU-hour. */
    networkLoadBalancerPerNlcuHour: number;
}

/** AWS bills "monthly" services for 730 hours (8,760 h a year / 12); the AWS Pricing Calculator does the same. */
export const hoursPerMonth = 730;

type Row = [instanceType: string, onDemandPerHour: number, spotPerHour: number];

function instances(rows: Row[]): Record<string, InstancePrice> {
    return Object.fromEntries(
        rows.map(([type, onDemandPerHour, spotPerHour]) => [
            type,
            { onDemandPerHour, spotPerHour },
        ]),
    );
}

// prettier-ignore
export const prices: PriceTable = {
    asOf: "2026-11",
    region: "us-west-2",
    source: "AWS pricing pages, us-west-2",
    instances: instances([
        // type             on-demand  typical spot
        // CPU system nodes (m6i).
        ["m6i.large",       0.096,    0.038],
        ["m6i.xlarge",      0.192,    0.076],
        ["m6i.2xlarge",     0.384,    0.152],
        // g4dn: NVIDIA T4.
        ["g4dn.xlarge",     0.526,    0.21],
        ["g4dn.2xlarge",    0.752,    0.30],
        ["g4dn.4xlarge",    1.204,    0.48],
        ["g4dn.8xlarge",    2.176,    0.87],
        ["g4dn.12xlarge",   3.912,    1.56],
        ["g4dn.16xlarge",   4.352,    1.74],
        ["g4dn.metal",      7.824,    3.13],
        // g5: NVIDIA A10G.
        ["g5.xlarge",       1.006,    0.40],
        ["g5.2xlarge",      1.212,    0.48],
        ["g5.4xlarge",      1.624,    0.65],
        ["g5.8xlarge",      2.448,    0.98],
        ["g5.12xlarge",     5.672,    2.27],
        ["g5.16xlarge",     4.096,    1.64],
        ["g5.24xlarge",     8.144,    3.26],
        ["g5.48xlarge",     16.288,   6.52],
        // g6: NVIDIA L4.
        ["g6.xlarge",       0.8048,   0.35],
        ["g6.2xlarge",      0.9776,   0.42],
        ["g6.4xlarge",      1.3232,   0.57],
        ["g6.8xlarge",      2.0144,   0.87],
        ["g6.12xlarge",     4.6016,   1.98],
        ["g6.16xlarge",     3.3968,   1.46],
        ["g6.24xlarge",     6.6752,   2.87],
        ["g6.48xlarge",     13.3504,  5.74],
        // g6e: NVIDIA L40S.
        ["g6e.xlarge",      1.861,    0.93],
        ["g6e.2xlarge",     2.24208,  1.12],
        ["g6e.4xlarge",     3.00424,  1.50],
        ["g6e.8xlarge",     4.52856,  2.26],
        ["g6e.12xlarge",    10.49264, 5.25],
        ["g6e.16xlarge",    7.57719,  3.79],
        ["g6e.24xlarge",    15.06559, 7.53],
        ["g6e.48xlarge",    30.13118, 15.07],
        // p-family: on-demand after AWS's June 2025 price cut for P4/P5 (up to 45 % off). p5e and
        // p5en sell mostly through Capacity Blocks and their spot pools are thin: the least certain
        // rows here; check them before sizing a group on them.
        ["p4d.24xlarge",    21.96,    11.0],
        ["p4de.24xlarge",   27.45,    13.7],
        ["p5.48xlarge",     55.04,    27.5],
        ["p5e.48xlarge",    62.0,     31.0],
        ["p5en.48xlarge",   63.3,     31.7],
    ]),
    natGatewayPerHour: 0.045,
    natGatewayPerGbProcessed: 0.045,
    efsStoragePerGbMonth: 0.3,
    efsElasticReadPerGb: 0.03,
    efsElasticWritePerGb: 0.06,
    eksControlPlanePerHour: 0.1,
    networkLoadBalancerPerHour: 0.0225,
    networkLoadBalancerPerNlcuHour: 0.006,
};

/** The price of `instanceType`, or undefined when the table has none (the report says so). */
export function instancePrice(
    instanceType: string,
    table: PriceTable = prices,
): InstancePrice | undefined {
    return table.instances[instanceType];
}
