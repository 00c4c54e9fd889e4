import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { interruptionQueueRetentionSeconds, interruptionRules } from "../plan/karpenter-plan";

/**
 * The SQS queue Karpenter reads interruption warnings from, its policy (EventBridge may send, and
 * nothing may use it without TLS) and one EventBridge rule per event kind feeding it.
 */
export function createInterruptionQueue(
    name: string,
    queueName: pulumi.Input<string>,
    context: { parent: pulumi.Resource; tags: Record<string, string> },
): aws.sqs.Queue {
    const { parent, tags } = context;
    const queue = new aws.sqs.Queue(
        `${name}-interruption-queue`,
        {
            name: queueName,
            messageRetentionSeconds: interruptionQueueRetentionSeconds,
            sqsManagedSseEnabled: true,
            tags,
        },
        { parent },
    );
    const policy = aws.iam.getPolicyDocumentOutput(
        {
            statements: [
                {
                    sid: "EventBridgeSendsInterruptions",
                    actions: ["sqs:SendMessage"],
                    resources: [queue.arn],
                    principals: [
                        {
                            type: "Service",
                            identifiers: ["events.amazonaws.com", "sqs.amazonaws.com"],
                        },
                    ],
                },
                {
                    sid: "DenyHTTP",
                    effect: "Deny",
                    actions: ["sqs:*"],
                    resources: [queue.arn],
                    principals: [{ type: "*", identifiers: ["*"] }],
                    conditions: [
                        { test: "Bool", variable: "aws:SecureTransport", values: ["false"] },
                    ],
                },
            ],
        },
        { parent },
    ).json;
    new aws.sqs.QueuePolicy(
        `${name}-interruption-queue-policy`,
        { queueUrl: queue.url, policy },
        { parent },
    );
    for (const rule of interruptionRules) {
        const eventRule = new aws.cloudwatch.EventRule(
            `${name}-${rule.name}`,
            {
                description: rule.description,
                eventPattern: JSON.stringify(rule.eventPattern),
                tags,
            },
            { parent },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-${rule.name}-target`,
            { rule: eventRule.name, arn: queue.arn, targetId: "KarpenterInterruptionQueueTarget" },
            { parent },
        );
    }
    return queue;
}
