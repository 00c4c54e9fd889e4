// The instance types Karpenter's kwok provider may "launch" on the local cluster, generated from the
// GPU catalogue (components/plan/gpu-instances.ts) and the dated price table (stacks/prices.ts) so
// Karpenter picks between them exactly as it would between the priced EC2 types.
// Usage: ts-node scripts/local/karpenter-instance-types.ts <out.json>
import * as fs from "fs";
import { gpuInstanceTypes } from "../../components/plan/gpu-instances";
import { instanceGeneration, instanceLabels } from "../../components/plan/node-pool-plan";
import { gpuResourceName } from "../../components/plan/scheduling";
import { PriceTable, prices } from "../../stacks/prices";

interface Requirement {
    key: string;
    operator: "In";
    values: string[];
}

/** One entry of the kwok provider's instance-types file (sigs.k8s.io/karpenter/kwok/cloudprovider). */
export interface KwokInstanceType {
    name: string;
    offerings: { Price: number; Available: boolean; Requirements: Requirement[] }[];
    architecture: "amd64";
    operatingSystems: ["linux"];
    resources: Record<string, string>;
}

/** Zones of the price table's region: the offerings a NodePool may choose from. */
export function localZones(table: PriceTable = prices): string[] {
    return ["a", "b", "c"].map((suffix) => `${table.region}${suffix}`);
}

const capacityTypes = [
    { name: "on-demand", price: (p: { onDemandPerHour: number }) => p.onDemandPerHour },
    { name: "spot", price: (p: { spotPerHour: number }) => p.spotPerHour },
] as const;

/**
 * Every catalogue GPU type with a price: its vCPUs, memory and `nvidia.com/gpu`, one on-demand and
 * one spot offering per zone at the table's prices. Each offering also carries AWS's instance
 * labels (family, generation, GPU count and name): the kwok provider treats an offering's
 * requirement keys as well-known labels, so a NodePool written for EC2 selects the same types here
 * and its nodes get the same labels.
 */
export function kwokInstanceTypes(table: PriceTable = prices): KwokInstanceType[] {
    return Object.entries(gpuInstanceTypes)
        .filter(([name]) => table.instances[name] !== undefined)
        .map(([name, type]) => {
            const family = name.split(".")[0];
            const labels: Requirement[] = [
                { key: instanceLabels.family, operator: "In", values: [family] },
                {
                    key: instanceLabels.generation,
                    operator: "In",
                    values: [String(instanceGeneration(family))],
                },
                { key: instanceLabels.gpuCount, operator: "In", values: [String(type.gpus)] },
                {
                    key: instanceLabels.gpuName,
                    operator: "In",
                    values: [type.gpuModel.toLowerCase()],
                },
            ];
            const offerings = localZones(table).flatMap((zone) =>
                capacityTypes.map((capacity) => ({
                    Price: capacity.price(table.instances[name]),
                    Available: true,
                    Requirements: [
                        {
                            key: instanceLabels.capacityType,
                            operator: "In" as const,
                            values: [capacity.name],
                        },
                        {
                            key: "topology.kubernetes.io/zone",
                            operator: "In" as const,
                            values: [zone],
                        },
                        ...labels,
                    ],
                })),
            );
            return {
                name,
                offerings,
                architecture: "amd64" as const,
                operatingSystems: ["linux"] as ["linux"],
                resources: {
                    cpu: String(type.vcpus),
                    memory: `${type.memoryGiB}Gi`,
                    [gpuResourceName]: String(type.gpus),
                    pods: "110",
                    "ephemeral-storage": "200Gi",
                },
            };
        });
}

if (require.main === module) {
    const out = process.argv[2];
    if (!out) {
        process.stderr.write("usage: karpenter-instance-types.ts <out.json>\n");
        process.exit(2);
    }
    fs.writeFileSync(out, JSON.stringify(kwokInstanceTypes(), null, 2));
}
