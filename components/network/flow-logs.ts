import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface FlowLogsInputs {
    vpcId: pulumi.Input<string>;
    /** Days CloudWatch keeps the records; one of the values CloudWatch Logs accepts. */
    retentionDays: number;
    tags: Record<string, string>;
}

export function flowLogGroupName(name: string): string {
    return `/aws/vpc/${name}/flow-logs`;
}

/**
 * VPC flow logs (every accepted and rejected flow, 1-minute aggregation) into a CloudWatch log group
 * with a retention, delivered by the VPC Flow Logs service through a role only it can assume, and
 * only for flow logs of this account (`aws:SourceAccount`, `aws:SourceArn`: the confused-deputy
 * guard of the VPC user guide, "IAM role for publishing flow logs to CloudWatch Logs").
 */
export function createFlowLogs(
    parent: pulumi.Resource,
    name: string,
    inputs: FlowLogsInputs,
): { logGroup: aws.cloudwatch.LogGroup; role: aws.iam.Role; flowLog: aws.ec2.FlowLog } {
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-flow-logs`,
        { name: flowLogGroupName(name), retentionInDays: inputs.retentionDays, tags: inputs.tags },
        { parent },
    );
    const { role, policy } = flowLogDeliveryRole(parent, name, logGroup, inputs.tags);
    const flowLog = new aws.ec2.FlowLog(
        `${name}-flow-logs`,
        {
            vpcId: inputs.vpcId,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: logGroup.arn,
            iamRoleArn: role.arn,
            maxAggregationInterval: 60,
            tags: inputs.tags,
        },
        // Records sent before the policy exists are dropped.
        { parent, dependsOn: [policy] },
    );
    return { logGroup, role, flowLog };
}

/** The role VPC Flow Logs delivers as: assumable by that service for this account's flow logs only. */
function flowLogDeliveryRole(
    parent: pulumi.Resource,
    name: string,
    logGroup: aws.cloudwatch.LogGroup,
    tags: Record<string, string>,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
    const opts = { parent };
    const accountId = aws.getCallerIdentityOutput({}, opts).accountId;
    const partition = aws.getPartitionOutput({}, opts).partition;
    const region = aws.getRegionOutput({}, opts).region;
    const trust = aws.iam.getPolicyDocumentOutput(
        {
            statements: [
                {
                    actions: ["sts:AssumeRole"],
                    principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
                    conditions: [
                        {
                            test: "StringEquals",
                            variable: "aws:SourceAccount",
                            values: [accountId],
                        },
                        {
                            test: "ArnLike",
                            variable: "aws:SourceArn",
                            values: [
                                pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*`,
                            ],
                        },
                    ],
                },
            ],
        },
        opts,
    );
    const role = new aws.iam.Role(
        `${name}-flow-logs`,
        {
            description: "Delivers VPC flow logs to CloudWatch Logs",
            assumeRolePolicy: trust.json,
            tags,
        },
        opts,
    );
    const delivery = aws.iam.getPolicyDocumentOutput(
        {
            statements: [
                {
                    sid: "WriteFlowLogStreams",
                    actions: [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
                },
            ],
        },
        opts,
    );
    const policy = new aws.iam.RolePolicy(
        `${name}-flow-logs`,
        { role: role.id, policy: delivery.json },
        opts,
    );
    return { role, policy };
}
