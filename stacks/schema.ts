import { Problems } from "../components/plan/problems";

/**
 * A tiny declarative schema for stack config: it parses raw YAML values into typed config, reports
 * every problem (wrong type, unknown key, out-of-range value) with its exact path, and carries the
 * documentation the README's config reference is checked against.
 */
export interface Schema<T> {
    /** Human description of accepted values, used in messages and docs. */
    readonly expected: string;
    readonly doc: string;
    readonly optional: boolean;
    readonly defaultValue?: T;
    parse(value: unknown, path: string, problems: Problems): T | undefined;
}

interface Common<T> {
    doc: string;
    /** When set, the key may be omitted and this value is used. */
    default?: T;
    /** When true, the key may be omitted and parses to undefined. */
    optional?: boolean;
}

function describeValue(value: unknown): string {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function leaf<T>(
    expected: string,
    options: Common<T>,
    accept: (value: unknown, path: string, problems: Problems) => T | undefined,
): Schema<T> {
    return {
        expected,
        doc: options.doc,
        optional: options.optional === true || options.default !== undefined,
        defaultValue: options.default,
        parse(value, path, problems) {
            if (value === undefined || value === null) {
                if (options.default !== undefined) return options.default;
                if (!options.optional) problems.add(path, `is required (${expected})`);
                return undefined;
            }
            return accept(value, path, problems);
        },
    };
}

export function str(
    options: Common<string> & {
        oneOf?: readonly string[];
        check?: (v: string) => string | undefined;
    },
): Schema<string> {
    const expected = options.oneOf
        ? `one of ${options.oneOf.map((v) => `"${v}"`).join(", ")}`
        : "a string";
    return leaf(expected, options, (value, path, problems) => {
        if (typeof value !== "string")
            return void problems.add(path, `must be ${expected}, got ${describeValue(value)}`);
        if (options.oneOf && !options.oneOf.includes(value))
            return void problems.add(path, `must be ${expected}, got "${value}"`);
        const reason = options.check?.(value);
        if (reason) return void problems.add(path, reason);
        return value;
    });
}

export function num(
    options: Common<number> & { min?: number; max?: number; integer?: boolean },
): Schema<number> {
    const kind = options.integer ? "an integer" : "a number";
    const range =
        options.min !== undefined && options.max !== undefined
            ? ` between ${options.min} and ${options.max}`
            : options.min !== undefined
              ? ` ≥ ${options.min}`
              : options.max !== undefined
                ? ` ≤ ${options.max}`
                : "";
    const expected = kind + range;
    return leaf(expected, options, (value, path, problems) => {
        // Pulumi config stores scalars inside objects as YAML values, but a top-level `pulumi config set` stores strings.
        const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
        if (typeof parsed !== "number" || Number.isNaN(parsed))
            return void problems.add(path, `must be ${expected}, got ${describeValue(value)}`);
        const outOfRange =
            (options.integer && !Number.isInteger(parsed)) ||
            (options.min !== undefined && parsed < options.min) ||
            (options.max !== undefined && parsed > options.max);
        if (outOfRange) return void problems.add(path, `must be ${expected}, got ${parsed}`);
        return parsed;
    });
}

export function int(options: Common<number> & { min?: number; max?: number }): Schema<number> {
    return num({ ...options, integer: true });
}

export function bool(options: Common<boolean>): Schema<boolean> {
    return leaf("true or false", options, (value, path, problems) => {
        if (value === "true" || value === "false") return value === "true";
        if (typeof value !== "boolean")
            return void problems.add(path, `must be true or false, got ${describeValue(value)}`);
        return value;
    });
}

export interface ListSchema<T> extends Schema<T[]> {
    readonly item: Schema<T>;
}

export function list<T>(
    item: Schema<T>,
    options: Common<T[]> & { minItems?: number; maxItems?: number },
): ListSchema<T> {
    const expected = `a list of ${item.expected.replace(/^an? /, "")}s`;
    const base = leaf(expected, options, (value, path, problems) => {
        if (!Array.isArray(value))
            return void problems.add(path, `must be ${expected}, got ${describeValue(value)}`);
        if (options.minItems !== undefined && value.length < options.minItems) {
            problems.add(
                path,
                `must have at least ${options.minItems} item(s), got ${value.length}`,
            );
        }
        if (options.maxItems !== undefined && value.length > options.maxItems) {
            problems.add(
                path,
                `must have at most ${options.maxItems} item(s), got ${value.length}`,
            );
        }
        const items = value.map((v, i) => item.parse(v, `${path}[${i}]`, problems));
        return items.every((v) => v !== undefined || item.optional) ? (items as T[]) : undefined;
    });
    return { ...base, item };
}

export function dictionary(
    options: Common<Record<string, string>>,
): Schema<Record<string, string>> {
    const expected = "a map of string to string";
    return leaf(expected, options, (value, path, problems) => {
        if (typeof value !== "object" || Array.isArray(value))
            return void problems.add(path, `must be ${expected}, got ${describeValue(value)}`);
        const bad = Object.entries(value as object).filter(([, v]) => typeof v !== "string");
        for (const [k, v] of bad)
            problems.add(`${path}.${k}`, `must be a string, got ${describeValue(v)}`);
        return bad.length === 0 ? (value as Record<string, string>) : undefined;
    });
}

export type Fields = Record<string, Schema<any>>;
export type Parsed<F extends Fields> = { [K in keyof F]: F[K] extends Schema<infer T> ? T : never };

export interface ObjectSchema<F extends Fields> extends Schema<Parsed<F>> {
    readonly fields: F;
}

/** An object whose keys are exactly `fields`; any other key is reported, with the allowed ones. */
export function object<F extends Fields>(fields: F, options: Common<Parsed<F>>): ObjectSchema<F> {
    const expected = "an object";
    const allowed = Object.keys(fields);
    const base = leaf<Parsed<F>>(expected, options, (value, path, problems) => {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return void problems.add(path, `must be ${expected}, got ${describeValue(value)}`);
        }
        const raw = value as Record<string, unknown>;
        for (const key of Object.keys(raw)) {
            if (!allowed.includes(key))
                problems.add(
                    `${path}.${key}`,
                    `is not a known key; allowed keys: ${allowed.join(", ")}`,
                );
        }
        const before = problems.list.length;
        const parsed: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(fields))
            parsed[key] = schema.parse(raw[key], `${path}.${key}`, problems);
        return problems.list.length === before ? (parsed as Parsed<F>) : undefined;
    });
    return { ...base, fields };
}

/** An object whose every key is absent: lets a whole section default from its fields. */
export function section<F extends Fields>(fields: F, doc: string): ObjectSchema<F> {
    const schema = object(fields, { doc, optional: true });
    return {
        ...schema,
        optional: true,
        parse(value, path, problems) {
            return schema.parse(value ?? {}, path, problems);
        },
    };
}
