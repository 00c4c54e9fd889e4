import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { launchTemplateReservation } from "../plan/capacity-reservation-plan";
import { NodeGroupPlan, launchTemplateBlockDeviceMappings } from "../plan/node-group-plan";

/** What every managed node group of one cluster shares. */
export interface NodeGroupContext {
    parent: pulumi.Resource;
    clusterName: pulumi.Input<string>;
    /** The control plane's version, so nodes follow an upgrade only after the control plane finished it. */
    kubernetesVersion: pulumi.Input<string>;
    nodeRoleArn: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    tags: Record<string, string>;
    /** Node role policies and the networking add-ons: nodes cannot join or go Ready without them. */
    dependsOn: pulumi.Resource[];
}

/** A managed node group on its own launch template, plus the node-template tags on its ASG. */
export function createManagedNodeGroup(
    name: string,
    plan: NodeGroupPlan,
    context: NodeGroupContext,
): { launchTemplate: aws.ec2.LaunchTemplate; nodeGroup: aws.eks.NodeGroup } {
    const { parent } = context;
    const instanceTags = {
        ...context.tags,
        Name: pulumi.interpolate`${context.clusterName}-${plan.role}`,
    };
    const launchTemplate = new aws.ec2.LaunchTemplate(
        `${name}-${plan.role}-lt`,
        {
            description: `EKS managed node group ${plan.role}`,
            updateDefaultVersion: true,
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // 1: the IMDSv2 token response dies one hop out, so pods in their own network
                // namespace cannot read the node role's credentials. Host-network agents (aws-node,
                // kube-proxy, the EFS CSI node plugin, the pod identity agent) still reach IMDS;
                // every pod that calls AWS has its own IRSA role (README.md, "Security model",
                // lists what each node agent needs). AL2023 managed node groups default to 1 too.
                httpPutResponseHopLimit: 1,
            },
            // The only place the root size takes effect: EKS ignores a node group's `diskSize`
            // once the group uses a launch template.
            blockDeviceMappings: launchTemplateBlockDeviceMappings(plan.rootVolumeSizeGiB),
            ...launchTemplateReservation(plan.reservation),
            tagSpecifications: [
                { resourceType: "instance", tags: instanceTags },
                { resourceType: "volume", tags: instanceTags },
            ],
            tags: context.tags,
        },
        { parent },
    );

    const nodeGroup = new aws.eks.NodeGroup(
        `${name}-${plan.role}`,
        {
            clusterName: context.clusterName,
            // A prefix, not a name: instance type or capacity changes replace the group, and the
            // new one must exist before the old one drains.
            nodeGroupNamePrefix: plan.nodeGroupNamePrefix,
            version: context.kubernetesVersion,
            nodeRoleArn: context.nodeRoleArn,
            subnetIds: context.subnetIds,
            amiType: plan.amiType,
            capacityType: plan.capacityType,
            instanceTypes: plan.instanceTypes,
            labels: plan.labels,
            taints: plan.taints,
            scalingConfig: plan.scaling,
            updateConfig: { maxUnavailable: plan.maxUnavailable },
            nodeRepairConfig: { enabled: true },
            launchTemplate: {
                id: launchTemplate.id,
                version: launchTemplate.latestVersion.apply((version) => String(version)),
            },
            tags: plan.tags,
        },
        {
            parent,
            dependsOn: context.dependsOn,
            // The cluster-autoscaler owns the desired size at run time; re-applying ours would undo its scaling.
            ignoreChanges: ["scalingConfig.desiredSize"],
        },
    );

    // EKS copies neither node group tags nor labels to the Auto Scaling group, yet the autoscaler
    // reads node templates from ASG tags (terraform-aws-eks documents the same workaround).
    const autoscalingGroupName = nodeGroup.resources.apply(
        (resources) => resources[0].autoscalingGroups[0].name,
    );
    for (const [key, value] of Object.entries(plan.nodeTemplateTags)) {
        new aws.autoscaling.Tag(
            `${name}-${plan.role}-asg-${tagResourceSuffix(key)}`,
            { autoscalingGroupName, tag: { key, value, propagateAtLaunch: false } },
            { parent },
        );
    }
    return { launchTemplate, nodeGroup };
}

function tagResourceSuffix(tagKey: string): string {
    return tagKey
        .replace(/^k8s\.io\/cluster-autoscaler\/node-template\//, "")
        .replace(/[^A-Za-z0-9-]+/g, "-");
}
