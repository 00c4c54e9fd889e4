import * as pulumi from "@pulumi/pulumi";
import { PolicyConfigSchema } from "@pulumi/policy";

/** The name @pulumi/pulumi reports when PULUMI_NODEJS_STACK is unset (runtime/state.js). */
const placeholderStack = "stack";

export const defaultProductionStacks: readonly string[] = ["prod"];

export interface ProductionConfig {
    productionStacks?: string[];
}

/** Config schema shared by the policies that apply only to production stacks. */
export const productionConfigSchema: PolicyConfigSchema = {
    properties: {
        productionStacks: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [...defaultProductionStacks],
            description: "Stack names held to the production rules (protect, closed endpoint).",
        },
    },
};

interface StackArgs {
    getConfig<T extends object>(): T;
    /** Not in @pulumi/policy 1.21's args; read when a runner (or a later SDK) provides it. */
    stack?: unknown;
}

/**
 * The stack being checked, or undefined when it cannot be told. @pulumi/policy 1.21 drops the
 * stack name the engine sends in AnalyzerStackConfigureRequest (it keeps only the tags), but the
 * engine also exports it to a Node.js policy pack as PULUMI_NODEJS_STACK
 * (sdk/go/common/resource/plugin/analyzer_plugin.go, constructEnv), which pulumi.getStack() reads.
 */
export function stackNameOf(args: StackArgs): string | undefined {
    if (typeof args.stack === "string" && args.stack !== "") return args.stack;
    const fromRuntime = pulumi.getStack();
    return fromRuntime && fromRuntime !== placeholderStack ? fromRuntime : undefined;
}

export interface ProductionVerdict {
    production: boolean;
    /** For messages: `stack "prod"`, or why an unknown stack is treated as production. */
    because: string;
}

/**
 * Whether the production rules apply. A stack whose name cannot be determined is held to them
 * (fail closed): a skipped check on prod is worse than a spurious one on dev.
 */
export function productionVerdict(args: StackArgs): ProductionVerdict {
    const productionStacks =
        args.getConfig<ProductionConfig>().productionStacks ?? defaultProductionStacks;
    const stack = stackNameOf(args);
    if (stack === undefined) {
        return {
            production: true,
            because: "the stack name is unknown, so production rules apply",
        };
    }
    return {
        production: productionStacks.includes(stack),
        because: `stack "${stack}" is production`,
    };
}
