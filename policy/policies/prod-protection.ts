import { ResourceValidationPolicy } from "@pulumi/policy";
import { productionConfigSchema, productionVerdict } from "./stacks";

/** Resources whose deletion loses data or takes every workload down; none can be rebuilt from code alone. */
export const statefulResourceTypes: Readonly<Record<string, string>> = {
    "aws:efs/fileSystem:FileSystem": "holds the model weights cache",
    "aws:ecr/repository:Repository": "holds the images every deployment pins by digest",
    "aws:eks/cluster:Cluster": "runs every workload and owns its secrets",
};

export const statefulResourcesProtectedInProduction: ResourceValidationPolicy = {
    name: "stateful-resources-protected-in-prod",
    description:
        "In production, EFS file systems, ECR repositories and EKS clusters must be created with protect: true, so " +
        "that a refactor that renames or drops them fails the update instead of deleting data and running workloads.",
    enforcementLevel: "mandatory",
    configSchema: productionConfigSchema,
    validateResource: (args, reportViolation) => {
        const why = statefulResourceTypes[args.type];
        if (!why) return;
        const verdict = productionVerdict(args);
        if (verdict.production && !args.opts.protect) {
            reportViolation(
                `${args.type} "${args.name}" ${why} but is not protected; ${verdict.because}, ` +
                    "so set the resource option protect: true (the components take it from their protect arg).",
            );
        }
    },
};
