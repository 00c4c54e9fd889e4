import { ResourceValidationPolicy } from "@pulumi/policy";
import { isObject } from "./workloads";

export const ecrScanOnPush: ResourceValidationPolicy = {
    name: "ecr-scan-on-push",
    description:
        "Serving images bundle CUDA, Python and model-server stacks with a steady flow of CVEs; scanning on push " +
        "reports them when the image is built, before a deployment pins its digest.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:ecr/repository:Repository") return;
        const scanning = args.props.imageScanningConfiguration;
        if (!(isObject(scanning) && scanning.scanOnPush === true)) {
            reportViolation(
                `ECR repository "${args.name}" does not scan images on push; set imageScanningConfiguration: { scanOnPush: true }.`,
            );
        }
    },
};
