import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { createFlowLogs } from "../components/network/flow-logs";
import { actAs, assumeAsService, iamRoles } from "./harness/iam";
import { mockAccountId, mockRegion } from "./harness/mocks";
import { render, Rendered } from "./harness/render";

describe("VPC flow logs", () => {
    let resources: Rendered;

    before(async () => {
        ({ resources } = await render(() => {
            const parent = new pulumi.ComponentResource("test:index:Parent", "net");
            createFlowLogs(parent, "net", { vpcId: "vpc-0abc", retentionDays: 365, tags: {} });
        }));
    });

    it("records every flow of the VPC at one-minute aggregation into its log group", () => {
        const flowLog = resources.one("aws:ec2/flowLog:FlowLog").inputs;
        const group = resources.one("aws:cloudwatch/logGroup:LogGroup").inputs;
        assert.equal(flowLog.vpcId, "vpc-0abc");
        assert.equal(flowLog.trafficType, "ALL");
        assert.equal(flowLog.maxAggregationInterval, 60);
        assert.equal(flowLog.logDestinationType, "cloud-watch-logs");
        assert.equal(group.name, "/aws/vpc/net/flow-logs");
        assert.equal(group.retentionInDays, 365);
    });

    it("delivers through a role only VPC Flow Logs may assume, for this account's flow logs", async () => {
        const role = iamRoles(resources).get("net-flow-logs")!;
        const ownFlowLog = {
            "aws:SourceAccount": mockAccountId,
            "aws:SourceArn": `arn:aws:ec2:${mockRegion}:${mockAccountId}:vpc-flow-log/fl-0abc`,
        };
        const service = "vpc-flow-logs.amazonaws.com";
        assert.equal(await assumeAsService(role, service, ownFlowLog), "Allowed");
        assert.notEqual(
            await assumeAsService(role, service, {
                ...ownFlowLog,
                "aws:SourceAccount": "210987654321",
            }),
            "Allowed",
        );
        assert.notEqual(await assumeAsService(role, service), "Allowed");
        assert.notEqual(await assumeAsService(role, "ec2.amazonaws.com", ownFlowLog), "Allowed");
    });

    it("lets that role write to its own log group and nowhere else", async () => {
        const role = iamRoles(resources).get("net-flow-logs")!;
        const group = `arn:aws:logs:${mockRegion}:${mockAccountId}:log-group:/aws/vpc/net/flow-logs`;
        const other = `arn:aws:logs:${mockRegion}:${mockAccountId}:log-group:/aws/eks/c/cluster`;
        const put = (arn: string) => ({
            action: "logs:PutLogEvents",
            resource: `${arn}:log-stream:eni-1-all`,
        });
        assert.equal(await actAs(role, put(group)), "Allowed");
        assert.notEqual(await actAs(role, put(other)), "Allowed");
        assert.notEqual(
            await actAs(role, { action: "logs:DeleteLogGroup", resource: group }),
            "Allowed",
        );
        assert.ok(
            resources
                .one("aws:ec2/flowLog:FlowLog")
                .dependencies.includes(resources.one("aws:iam/rolePolicy:RolePolicy").urn),
        );
    });
});
