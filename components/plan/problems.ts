import * as pulumi from "@pulumi/pulumi";

/**
 * One error that names every bad input at once, so a user fixes a config in one pass instead of
 * one `pulumi up` per mistake. It extends Pulumi's own type, which the engine pretty-prints per
 * property path.
 */
export class InvalidInputsError extends pulumi.InputPropertiesError {
    constructor(subject: string, errors: pulumi.InputPropertyErrorDetails[]) {
        const lines = errors.map((e) => `  - ${e.propertyPath}: ${e.reason}`).join("\n");
        const count = errors.length === 1 ? "1 problem" : `${errors.length} problems`;
        super({ message: `${subject} has ${count}:\n${lines}`, errors });
        this.name = "InvalidInputsError";
    }
}

/** Collects problems under property paths; `throwIfAny` raises them together. */
export class Problems {
    constructor(
        private readonly prefix = "",
        private readonly errors: pulumi.InputPropertyErrorDetails[] = [],
    ) {}

    add(propertyPath: string, reason: string): void {
        this.errors.push({ propertyPath: this.prefix + propertyPath, reason });
    }

    /** Records `reason` under `propertyPath` unless `ok`; returns `ok` so callers can skip dependent checks. */
    expect(ok: boolean, propertyPath: string, reason: string): boolean {
        if (!ok) this.add(propertyPath, reason);
        return ok;
    }

    /** A collector whose paths get `prefix` (e.g. `gpuNodeGroups[1].`) and whose problems land here. */
    scoped(prefix: string): Problems {
        return new Problems(this.prefix + prefix, this.errors);
    }

    get list(): readonly pulumi.InputPropertyErrorDetails[] {
        return this.errors;
    }

    throwIfAny(subject: string): void {
        if (this.errors.length > 0) throw new InvalidInputsError(subject, [...this.errors]);
    }
}

/** True when `value` is a plain value known at program time (not an Output or a Promise). */
export function isKnown<T>(value: pulumi.Input<T> | undefined): value is T {
    return value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}
