import type { NetworkInputs } from "./network-types";
import { maxPlannedAvailabilityZones, vpcCidrProblem } from "./cidr";
import { isEksClusterName } from "./names";
import { cloudWatchRetentionDays } from "./observability-plan";
import { isKnown, Problems } from "./problems";

/** What a created VPC looks like when the args leave it open. */
export const networkDefaults = {
    cidrBlock: "10.0.0.0/16",
    availabilityZoneCount: 3,
    natGatewayPerAz: true,
} as const;

/** Args that shape a VPC the Network creates; meaningless next to `existingVpcId`. */
const createOnlyArgs = ["cidrBlock", "availabilityZoneCount", "natGatewayPerAz"] as const;

/** EKS needs cluster subnets in 2 or more AZs (EKS user guide, "VPC and subnet requirements"). */
export const minEksAvailabilityZones = 2;

// AWS ids are the prefix and 8 (older resources) or 17 lower-case hex digits.
const awsIdPattern = (prefix: string) => new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);
const vpcIdPattern = awsIdPattern("vpc");
const subnetIdPattern = awsIdPattern("subnet");

/**
 * Subnet tags the AWS Load Balancer Controller and the in-tree cloud provider read to pick subnets:
 * `kubernetes.io/role/elb` for internet-facing load balancers, `kubernetes.io/role/internal-elb`
 * for internal ones, and the cluster tag to tell subnets of several clusters apart ("shared": the
 * subnet outlives the cluster). Source: AWS Load Balancer Controller docs, "Subnet auto-discovery".
 */
export function subnetDiscoveryTags(
    kind: "public" | "private",
    clusterName: string,
): Record<string, string> {
    const role = kind === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb";
    return { [role]: "1", [`kubernetes.io/cluster/${clusterName}`]: "shared" };
}

/** Every problem with the plain Network args, collected under their property paths. */
export function networkProblems(args: NetworkInputs): Problems {
    const problems = new Problems();
    const retention = args.flowLogRetentionDays;
    if (retention !== undefined)
        problems.expect(
            cloudWatchRetentionDays.includes(retention),
            "flowLogRetentionDays",
            `${retention} is not a CloudWatch Logs retention; use one of ${cloudWatchRetentionDays.join(", ")}`,
        );
    problems.expect(
        isEksClusterName(args.clusterName),
        "clusterName",
        `"${args.clusterName}" is not an EKS cluster name: 1-100 letters, digits, '-' and '_', ` +
            "starting with a letter or digit",
    );
    if (args.existingVpcId !== undefined) {
        existingVpcProblems(args, problems);
        return problems;
    }
    for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
        if (args[key] !== undefined) {
            problems.add(
                key,
                "needs existingVpcId: subnet ids only apply to a VPC the Network does not create",
            );
        }
    }
    if (args.cidrBlock !== undefined) {
        const problem = vpcCidrProblem(args.cidrBlock);
        if (problem) problems.add("cidrBlock", problem);
    }
    const zoneCount = args.availabilityZoneCount;
    const allowed = zoneCount === undefined || [2, 3].includes(zoneCount);
    if (!allowed) {
        const why =
            zoneCount < minEksAvailabilityZones
                ? `: ${zoneCount === 1 ? "1 AZ is not highly available, and " : ""}` +
                  `EKS requires subnets in at least ${minEksAvailabilityZones} AZs`
                : zoneCount > maxPlannedAvailabilityZones
                  ? ": the subnet plan gives each AZ a quarter of the VPC " +
                    "and keeps the last quarter for public subnets"
                  : "";
        problems.add("availabilityZoneCount", `must be 2 or 3, got ${zoneCount}${why}`);
    }
    return problems;
}

function existingVpcProblems(args: NetworkInputs, problems: Problems): void {
    for (const key of createOnlyArgs) {
        if (args[key] !== undefined) {
            problems.add(
                key,
                "only applies when the Network creates the VPC; remove it or remove existingVpcId",
            );
        }
    }
    if (isKnown(args.existingVpcId) && !vpcIdPattern.test(args.existingVpcId)) {
        problems.add(
            "existingVpcId",
            `"${args.existingVpcId}" is not a VPC id like "vpc-0123456789abcdef0"`,
        );
    }
    const privateIds = args.existingPrivateSubnetIds;
    const needed =
        `at least ${minEksAvailabilityZones} private subnet ids in different AZs ` +
        `(EKS requires subnets in at least ${minEksAvailabilityZones} AZs)`;
    if (privateIds === undefined) {
        problems.add("existingPrivateSubnetIds", `is required with existingVpcId: list ${needed}`);
    } else if (privateIds.length < minEksAvailabilityZones) {
        problems.add("existingPrivateSubnetIds", `needs ${needed}, got ${privateIds.length}`);
    }
    const seen = new Map<string, string>();
    for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
        (args[key] ?? []).forEach((id, i) => {
            if (!isKnown(id)) return;
            const path = `${key}[${i}]`;
            if (!subnetIdPattern.test(id)) {
                problems.add(path, `"${id}" is not a subnet id like "subnet-0123456789abcdef0"`);
            } else if (seen.has(id)) {
                problems.add(path, `"${id}" is already listed as ${seen.get(id)}`);
            } else {
                seen.set(id, path);
            }
        });
    }
}
