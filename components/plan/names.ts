/** Kubernetes DNS-1123 label: what Service, Namespace and Deployment-pod names must be. */
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(value: string, maxLength = 63): boolean {
    return value.length <= maxLength && dns1123Label.test(value);
}

export function dns1123LabelReason(value: string, maxLength = 63): string {
    return (
        `"${value}" is not a DNS-1123 label: use lower-case letters, digits and '-', ` +
        `start and end with a letter or digit, at most ${maxLength} characters`
    );
}

/** EKS cluster names: 1–100 characters, start alphanumeric, then alphanumerics, '-' and '_'. */
export function isEksClusterName(value: string): boolean {
    return /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(value);
}

/** ECR repository names: 2–256 characters, lower case, path segments separated by '/'. */
export function isEcrRepositoryName(value: string): boolean {
    return (
        value.length >= 2 &&
        value.length <= 256 &&
        /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(value)
    );
}

/** Docker tags: up to 128 characters of word characters, '.' and '-', not starting with either. */
export function isDockerTag(value: string): boolean {
    return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value);
}
