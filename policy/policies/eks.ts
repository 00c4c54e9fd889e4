import { ResourceValidationPolicy } from "@pulumi/policy";
import { productionConfigSchema, productionVerdict } from "./stacks";
import { isObject } from "./workloads";

const eksClusterType = "aws:eks/cluster:Cluster";
const openToTheInternet = ["0.0.0.0/0", "::/0"];

export const eksSecretsEncrypted: ResourceValidationPolicy = {
    name: "eks-secrets-encrypted",
    description:
        "Kubernetes Secrets hold registry credentials and API tokens. EKS's default encryption uses a key owned by " +
        'AWS; encryptionConfig with resources ["secrets"] wraps them with a customer-managed KMS key whose every use ' +
        "is logged in this account's CloudTrail and whose access can be revoked.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== eksClusterType) return;
        const encryption = args.props.encryptionConfig;
        const resources: unknown[] =
            isObject(encryption) && Array.isArray(encryption.resources) ? encryption.resources : [];
        if (!resources.includes("secrets")) {
            reportViolation(
                `EKS cluster "${args.name}" does not encrypt Kubernetes secrets; set encryptionConfig ` +
                    '{ provider: { keyArn }, resources: ["secrets"] }.',
            );
        }
    },
};

export const eksEndpointNotOpenInProduction: ResourceValidationPolicy = {
    name: "eks-endpoint-not-open-in-prod",
    description:
        "A production API server endpoint reachable from any address is one leaked credential or one API server " +
        "vulnerability away from compromise; restrict publicAccessCidrs or use the private endpoint only. AWS turns " +
        'an omitted endpointPublicAccess into true and an empty publicAccessCidrs into ["0.0.0.0/0"].',
    enforcementLevel: "mandatory",
    configSchema: productionConfigSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== eksClusterType) return;
        const verdict = productionVerdict(args);
        if (!verdict.production) return;
        const vpcConfig = isObject(args.props.vpcConfig) ? args.props.vpcConfig : {};
        // EKS API defaults (CreateCluster, VpcConfigRequest): endpointPublicAccess true, publicAccessCidrs 0.0.0.0/0.
        const publicAccess = vpcConfig.endpointPublicAccess ?? true;
        if (publicAccess !== true) return;
        const cidrs: unknown[] = Array.isArray(vpcConfig.publicAccessCidrs)
            ? vpcConfig.publicAccessCidrs
            : [];
        const openCidrs = cidrs.filter((cidr) => openToTheInternet.includes(String(cidr)));
        if (cidrs.length === 0 || openCidrs.length > 0) {
            const exposure =
                cidrs.length === 0
                    ? "no publicAccessCidrs (AWS defaults to 0.0.0.0/0)"
                    : `publicAccessCidrs ${openCidrs.join(", ")}`;
            reportViolation(
                `EKS cluster "${args.name}" has a public endpoint open to the internet (${exposure}); ${verdict.because}, ` +
                    "so list the allowed CIDRs in publicAccessCidrs or set endpointPublicAccess: false.",
            );
        }
    },
};

export const eksPolicies: ResourceValidationPolicy[] = [
    eksSecretsEncrypted,
    eksEndpointNotOpenInProduction,
];
