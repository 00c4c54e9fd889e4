import { PolicyPack } from "@pulumi/policy";
import { guardrailPolicies } from "./policies";

// Run with `pulumi preview --policy-pack policy` (CI passes it to every preview and up).
new PolicyPack("gpu-serving-guardrails", {
    description:
        "Guardrails for GPU serving on EKS: GPU scheduling, image pinning, pod security, disruption budgets and " +
        "protection of stateful AWS resources in production.",
    enforcementLevel: "mandatory",
    policies: guardrailPolicies,
});
