import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { inheritedDependsOn } from "./shared/depends-on";
import { Problems } from "./plan/problems";
import {
    defaultPlaceholderImage,
    headroomDeploymentSpec,
    headroomName,
    headroomPriorityClass,
    WarmHeadroomInput,
} from "./plan/warm-headroom";

/** Spare GPUs to keep warm in one GPU group. */
export interface GpuHeadroomGroupArgs extends WarmHeadroomInput {}

export interface GpuHeadroomArgs {
    /** Namespace of the placeholder Deployments (it must exist). */
    namespace: pulumi.Input<string>;
    /** Groups with warm headroom. */
    groups: GpuHeadroomGroupArgs[];
    /** Placeholder image by digest. @default registry.k8s.io/pause:3.10 by digest */
    image?: pulumi.Input<string>;
}

/**
 * Warm GPU headroom: a PriorityClass below every workload and, per group, placeholder pods that
 * hold spare GPUs on running nodes. A scale-out preempts a placeholder and starts at once on a
 * running node; the autoscaler replaces the placeholder's node in the background.
 */
export class GpuHeadroom extends pulumi.ComponentResource {
    /** Name of the placeholders' PriorityClass. */
    public readonly priorityClassName: pulumi.Output<string>;

    constructor(name: string, args: GpuHeadroomArgs, opts?: pulumi.ComponentResourceOptions) {
        const image = args.image ?? defaultPlaceholderImage;
        const problems = new Problems();
        args.groups.forEach((group, i) => {
            problems.expect(
                Number.isInteger(group.gpus) && group.gpus >= 1,
                `groups[${i}].gpus`,
                `must be a whole number of GPUs ≥ 1, got ${group.gpus}`,
            );
            problems.expect(
                Number.isInteger(group.gpusPerPlaceholder) && group.gpusPerPlaceholder >= 1,
                `groups[${i}].gpusPerPlaceholder`,
                `must be a whole number of GPUs ≥ 1, got ${group.gpusPerPlaceholder}`,
            );
            problems.expect(
                Number.isFinite(group.ephemeralStorageGiB) && group.ephemeralStorageGiB > 0,
                `groups[${i}].ephemeralStorageGiB`,
                `must be a positive number of GiB (the largest replica's ephemeral storage), got ${group.ephemeralStorageGiB}`,
            );
        });
        problems.throwIfAny(`GpuHeadroom "${name}"`);
        super("gpu-serving:index:GpuHeadroom", name, {}, opts);
        const parent = this;

        const priorityClass = new k8s.scheduling.v1.PriorityClass(
            `${name}-priority`,
            {
                metadata: { name: headroomPriorityClass.name },
                value: headroomPriorityClass.value,
                preemptionPolicy: headroomPriorityClass.preemptionPolicy,
                globalDefault: false,
                description: headroomPriorityClass.description,
            },
            { parent, dependsOn: inheritedDependsOn(opts) },
        );
        for (const group of args.groups) {
            new k8s.apps.v1.Deployment(
                `${name}-${group.group}`,
                {
                    metadata: {
                        name: headroomName(group.group),
                        namespace: args.namespace,
                        // Placeholders wait for capacity the autoscaler adds in the background;
                        // an update must not block (or fail) on them being scheduled.
                        annotations: { "pulumi.com/skipAwait": "true" },
                    },
                    spec: pulumi
                        .output(image)
                        .apply((resolved) => headroomDeploymentSpec(group, resolved)),
                },
                { parent, dependsOn: inheritedDependsOn(opts, [priorityClass]) },
            );
        }
        this.priorityClassName = priorityClass.metadata.name;
        this.registerOutputs({ priorityClassName: this.priorityClassName });
    }
}
