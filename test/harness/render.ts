import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

// Declared in no .d.ts, but it is what setMocks uses to switch features on.
const { getStore } = require("@pulumi/pulumi/runtime/state") as {
    getStore: () => Record<string, boolean>;
};
const { specialSigKey, specialSecretSig } = pulumi.runtime;

/** Replaces secret envelopes with their values; returns the top-level keys that were secret. */
function unwrapSecrets(value: any, secretKeys?: Set<string>, key?: string): any {
    if (Array.isArray(value)) return value.map((v) => unwrapSecrets(v, secretKeys, key));
    if (value && typeof value === "object") {
        if (value[specialSigKey] === specialSecretSig) {
            if (key !== undefined) secretKeys?.add(key);
            return unwrapSecrets(value.value, secretKeys, key);
        }
        return Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, secretKeys, key ?? k)]),
        );
    }
    return value;
}
import { mocks } from "./mocks";

/** A resource as the engine saw it: inputs after resolution, plus the options a spec checks. */
export interface RegisteredResource {
    type: string;
    name: string;
    urn: string;
    /** URN of the parent, "" for the stack's direct children. */
    parent: string;
    custom: boolean;
    inputs: Record<string, any>;
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
    aliases: unknown[];
    /** Top-level input keys that hold a secret anywhere inside. */
    secretInputs: string[];
    /** Provider reference `urn::id`, "" for the default provider. */
    provider: string;
    dependencies: string[];
}

class RecordingMonitor extends MockMonitor {
    readonly registered: RegisteredResource[] = [];
    pending = 0;

    async registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
        this.pending++;
        const secretKeys = new Set<string>();
        const inputs = unwrapSecrets(
            pulumi.runtime.deserializeProperties(req.getObject()),
            secretKeys,
        );
        const record: RegisteredResource = {
            type: req.getType(),
            name: req.getName(),
            urn: "",
            parent: req.getParent(),
            custom: req.getCustom(),
            inputs,
            secretInputs: [...secretKeys],
            protect: req.hasProtect() ? req.getProtect() : false,
            retainOnDelete: Boolean(req.getRetainondelete()),
            deleteBeforeReplace: Boolean(req.getDeletebeforereplace()),
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            aliases: req.getAliasesList(),
            provider: req.getProvider(),
            dependencies: req.getDependenciesList(),
        };
        this.registered.push(record);
        await super.registerResource(req, (err: any, resp: any) => {
            if (resp) record.urn = resp.getUrn();
            this.pending--;
            callback(err, resp);
        });
    }
}

/** The resources one program run registered, with finders that fail loudly. */
export class Rendered {
    constructor(readonly all: readonly RegisteredResource[]) {}

    ofType(type: string): RegisteredResource[] {
        return this.all.filter((r) => r.type === type);
    }

    /** The single resource of `type`, optionally whose name contains `nameIncludes`. */
    one(type: string, nameIncludes = ""): RegisteredResource {
        const found = this.ofType(type).filter((r) => r.name.includes(nameIncludes));
        if (found.length !== 1) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(
                `expected one ${type} named *${nameIncludes}*, found ${found.length} among [${names.join(", ")}]`,
            );
        }
        return found[0];
    }

    childrenOf(parent: RegisteredResource): RegisteredResource[] {
        return this.all.filter((r) => r.parent === parent.urn);
    }

    countsByType(): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const r of this.all) counts[r.type] = (counts[r.type] ?? 0) + 1;
        return counts;
    }
}

export interface RenderOptions {
    project?: string;
    stack?: string;
    /** Stack config as in Pulumi.<stack>.yaml, keys like `gpu-serving-infra:cluster`; objects are JSON-encoded. */
    config?: Record<string, unknown>;
    /**
     * Run as `pulumi preview` of a stack whose resources are all new: every resource's id is
     * unknown, as the engine leaves it for a resource it has not created yet.
     */
    preview?: boolean;
}

/** The mocks, with every id left unknown (an empty id is the engine's "unknown") for a preview. */
function previewMocks(): pulumi.runtime.Mocks {
    return {
        newResource: (args) => {
            const created = mocks.newResource(args) as { id?: string; state: Record<string, any> };
            return { ...created, id: "" };
        },
        call: (args) => mocks.call(args),
    };
}

let monitor: RecordingMonitor | undefined;

/**
 * Runs `program` under mocks and resolves once every registration has settled. The program's
 * return value is handed back (its Outputs can be read with `valueOf`).
 */
export async function render<T>(
    program: () => T,
    options: RenderOptions = {},
): Promise<{ result: T; resources: Rendered }> {
    const project = options.project ?? "gpu-serving-infra";
    const stack = options.stack ?? "test";
    monitor = new RecordingMonitor(options.preview ? previewMocks() : mocks);
    pulumi.runtime.setMockOptions(monitor, project, stack, options.preview ?? false);
    // setMockOptions alone leaves these off; setMocks turns them on, so do the same.
    const store = getStore();
    store.supportsSecrets = true;
    store.supportsResourceReferences = true;
    store.supportsOutputValues = false;
    store.supportsDeletedWith = true;
    store.supportsAliasSpecs = true;
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config ?? {})) {
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(config);
    const active = monitor;
    const result = program();
    await settled(active);
    if (result && typeof result === "object")
        await settleOutputs(result as Record<string, unknown>);
    await settled(active);
    return { result, resources: new Rendered([...active.registered]) };
}

async function settleOutputs(value: Record<string, unknown>): Promise<void> {
    const outputs = Object.values(value).filter((v) =>
        pulumi.Output.isInstance(v),
    ) as pulumi.Output<unknown>[];
    await Promise.all(outputs.map((o) => valueOf(o).catch(() => undefined)));
}

async function settled(active: RecordingMonitor): Promise<void> {
    let quietRounds = 0;
    let lastCount = -1;
    while (quietRounds < 3) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        const count = active.registered.length;
        quietRounds = active.pending === 0 && count === lastCount ? quietRounds + 1 : 0;
        lastCount = count;
    }
}

/** The resolved value of an Output (secrets included). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve, reject) => {
        (output as any).promise().then(resolve, reject);
    });
}

/** Whether an Output is marked secret. */
export async function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
    return (output as any).isSecret as Promise<boolean>;
}
