import {
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { guardrailPolicies } from "../../policy/policies";
import { RegisteredResource, Rendered } from "./render";

/** One violation reported by the policy pack. `resourceName` is "" for a stack-wide violation. */
export interface PolicyViolation {
    policyName: string;
    resourceName: string;
    message: string;
}

export interface PolicyRunOptions {
    /** Per-policy config as in a `--policy-pack-config` file, e.g. `{ "stateful-resources-protected-in-prod": { productionStacks: ["live"] } }`. */
    config?: Record<string, Record<string, unknown>>;
    /** Also return advisory violations. @default true */
    includeAdvisory?: boolean;
}

/** Thrown by `notApplicable()`; the engine records it, it is not a violation. */
class NotApplicable extends Error {}

const emptyTags: ReadonlyMap<string, string> = new Map();

function enforcementOf(policy: Policy, options: PolicyRunOptions): EnforcementLevel {
    const configured = options.config?.[policy.name]?.enforcementLevel as
        EnforcementLevel | undefined;
    // The pack's own level is "mandatory" (policy/index.ts); every policy sets its level anyway.
    return configured ?? policy.enforcementLevel ?? "mandatory";
}

/** Config as the engine hands it over: schema defaults overlaid with the given values. */
function configFor(policy: Policy, options: PolicyRunOptions): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        if (schema.default !== undefined) config[key] = structuredClone(schema.default);
    }
    const { enforcementLevel: _level, ...given } = options.config?.[policy.name] ?? {};
    return { ...config, ...given };
}

function optionsOf(record: RegisteredResource): PolicyResourceOptions {
    return {
        protect: record.protect,
        ignoreChanges: record.ignoreChanges,
        deleteBeforeReplace: record.deleteBeforeReplace,
        aliases: record.aliases.map((alias) =>
            typeof alias === "string"
                ? alias
                : String((alias as { getUrn?: () => string }).getUrn?.() ?? ""),
        ),
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: record.additionalSecretOutputs,
        parent: record.parent || undefined,
    };
}

/** The provider record a `urn::id` reference names (undefined for the default provider). */
function providerOf(
    record: RegisteredResource,
    byUrn: ReadonlyMap<string, RegisteredResource>,
): PolicyProviderResource | undefined {
    if (!record.provider) return undefined;
    const urn = record.provider.split("::").slice(0, -1).join("::");
    const provider = byUrn.get(urn);
    return provider
        ? { type: provider.type, props: provider.inputs, urn: provider.urn, name: provider.name }
        : undefined;
}

function isTypeFunction(type: string) {
    return (resourceClass: unknown) =>
        (resourceClass as { __pulumiType?: string } | undefined)?.__pulumiType === type;
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

async function runGuarded(run: () => void | Promise<void>): Promise<void> {
    try {
        await run();
    } catch (error) {
        if (!(error instanceof NotApplicable)) throw error;
    }
}

/**
 * Runs every policy of the gpu-serving-guardrails pack over the resources a mocked render
 * recorded, the way the engine would: resource policies once per resource with its inputs,
 * stack policies once over all of them. `stack` is handed to the policies as the stack name.
 */
export async function policyViolations(
    resources: Rendered | readonly RegisteredResource[],
    stack: string,
    options: PolicyRunOptions = {},
): Promise<PolicyViolation[]> {
    const records = resources instanceof Rendered ? resources.all : resources;
    const byUrn = new Map(records.filter((r) => r.urn).map((r) => [r.urn, r]));
    const violations: PolicyViolation[] = [];
    const includeAdvisory = options.includeAdvisory ?? true;

    for (const policy of guardrailPolicies) {
        const level = enforcementOf(policy, options);
        if (level === "disabled" || (level === "advisory" && !includeAdvisory)) continue;
        const config = configFor(policy, options);
        const getConfig = <T extends object>() => structuredClone(config) as T;

        if ("validateStack" in policy) {
            const policyResources = toPolicyResources(records, byUrn);
            const args: StackValidationArgs & { stack: string } = {
                resources: policyResources,
                stackTags: emptyTags,
                getConfig,
                notApplicable,
                stack,
            };
            const report = (message: string, urn?: string) =>
                violations.push({
                    policyName: policy.name,
                    resourceName: urn ? (byUrn.get(urn)?.name ?? urn) : "",
                    message,
                });
            await runGuarded(() => (policy as StackValidationPolicy).validateStack(args, report));
            continue;
        }

        const validations = (policy as ResourceValidationPolicy).validateResource;
        if (!validations) continue;
        for (const record of records) {
            const view = resourceView(record, byUrn);
            const args: ResourceValidationArgs & { stack: string } = {
                ...view,
                asType: view.asType as ResourceValidationArgs["asType"],
                stackTags: emptyTags,
                getConfig,
                notApplicable,
                stack,
            };
            const report = (message: string) =>
                violations.push({ policyName: policy.name, resourceName: record.name, message });
            for (const validate of Array.isArray(validations) ? validations : [validations]) {
                await runGuarded(() => validate(args, report));
            }
        }
    }
    return violations;
}

/** What resource and stack policies both see of one record; `asType` is typed at each use. */
function resourceView(record: RegisteredResource, byUrn: ReadonlyMap<string, RegisteredResource>) {
    const isType = isTypeFunction(record.type);
    return {
        type: record.type,
        props: record.inputs,
        urn: record.urn,
        name: record.name,
        opts: optionsOf(record),
        provider: providerOf(record, byUrn),
        isType,
        asType: (resourceClass: unknown) => (isType(resourceClass) ? record.inputs : undefined),
    };
}

/** The stack view of the records: props, options and parent/dependency links between them. */
function toPolicyResources(
    records: readonly RegisteredResource[],
    byUrn: ReadonlyMap<string, RegisteredResource>,
): PolicyResource[] {
    const converted = new Map<RegisteredResource, PolicyResource>();
    for (const record of records) {
        const view = resourceView(record, byUrn);
        converted.set(record, {
            ...view,
            asType: view.asType as PolicyResource["asType"],
            dependencies: [],
            propertyDependencies: {},
        });
    }
    for (const [record, resource] of converted) {
        const parent = byUrn.get(record.parent);
        if (parent) resource.parent = converted.get(parent);
        resource.dependencies = record.dependencies
            .map((urn) => byUrn.get(urn))
            .filter((r): r is RegisteredResource => r !== undefined)
            .map((r) => converted.get(r)!);
    }
    return [...converted.values()];
}
