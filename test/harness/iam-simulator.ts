/**
 * A small IAM policy evaluator for identity policies, enough to show least privilege in tests: an
 * action on a resource with request context is allowed only when an Allow statement matches and no
 * Deny does. Wildcards (`*`, `?`) in actions and resources; condition operators StringEquals,
 * StringLike, their IfExists forms, ForAllValues:StringEquals and Bool. An operator it does not
 * know fails the evaluation, so a policy cannot pass by using one it skips.
 */

export interface IamRequest {
    action: string;
    resource: string;
    /** Condition keys of the request, e.g. `aws:RequestTag/karpenter.sh/nodepool`. */
    context?: Record<string, string | string[]>;
}

interface Statement {
    Effect: "Allow" | "Deny";
    Action?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

function list<T>(value: T | T[] | undefined): T[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function glob(pattern: string, value: string, caseInsensitive = false): boolean {
    const source = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${source}$`, caseInsensitive ? "i" : "").test(value);
}

function conditionHolds(
    operator: string,
    key: string,
    expected: string[],
    context: Record<string, string | string[]>,
): boolean {
    const present = key in context;
    const actual = list(context[key]);
    const base = operator.replace(/^ForAllValues:/, "").replace(/IfExists$/, "");
    let match: (value: string) => boolean;
    if (base === "StringEquals") match = (v) => expected.includes(v);
    else if (base === "StringLike") match = (v) => expected.some((p) => glob(p, v));
    else if (base === "Bool") match = (v) => expected.includes(v);
    else throw new Error(`iam-simulator: unsupported condition operator ${operator}`);
    if (operator.startsWith("ForAllValues:")) return actual.every(match);
    if (!present) return operator.endsWith("IfExists");
    return actual.some(match);
}

function statementMatches(statement: Statement, request: IamRequest): boolean {
    const actionMatches = list(statement.Action).some((a) => glob(a, request.action, true));
    const resourceMatches = list(statement.Resource).some((r) => glob(r, request.resource));
    if (!actionMatches || !resourceMatches) return false;
    const context = request.context ?? {};
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, values]) =>
            conditionHolds(operator, key, list(values), context),
        ),
    );
}

/** "Allow", "ExplicitDeny" or "ImplicitDeny" for `request` under the policy document `policy`. */
export function evaluateIam(
    policy: string | { Statement: Statement[] | Statement },
    request: IamRequest,
): "Allow" | "ExplicitDeny" | "ImplicitDeny" {
    const document = typeof policy === "string" ? JSON.parse(policy) : policy;
    const statements = list<Statement>(document.Statement);
    const matching = statements.filter((s) => statementMatches(s, request));
    if (matching.some((s) => s.Effect === "Deny")) return "ExplicitDeny";
    return matching.some((s) => s.Effect === "Allow") ? "Allow" : "ImplicitDeny";
}
