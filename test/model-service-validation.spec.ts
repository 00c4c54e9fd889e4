import { strict as assert } from "assert";
import type { ModelServiceInputs } from "../components/serving/model-service-types";
import { isDigestReference, modelServiceProblems } from "../components/serving/validation";
import { validModelServiceInputs, vllmDigest as digest } from "./harness/model-service-inputs";

/** One vLLM model streamed from S3: valid, so each case below shows only its own problems. */
const base = validModelServiceInputs();

function problems(overrides: Partial<ModelServiceInputs> | Record<string, unknown>): string[] {
    return modelServiceProblems({ ...base, ...overrides } as ModelServiceInputs).list.map(
        (p) => `${p.propertyPath}: ${p.reason}`,
    );
}

const cases: [string, Record<string, unknown>, string[]][] = [
    [
        "a model name starting with a digit",
        { modelName: "1llama" },
        [
            "modelName: \"1llama\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters, and start with a letter (it names the Service, a DNS-1035 label)",
        ],
    ],
    [
        "an unknown runtime",
        { runtime: "tgi" },
        ['runtime: "tgi" is not a runtime; allowed: vllm, custom'],
    ],
    [
        "a revision on an S3 source",
        { weightsRevision: "main" },
        ["weightsRevision: applies to hf:// sources only; S3 prefixes are versioned by their path"],
    ],
    [
        "weights credentials without an endpoint",
        { weightsCredentials: { accessKeyId: "a", secretAccessKey: "b" } },
        [
            "weightsCredentials: is only used with weightsEndpoint; S3 in AWS is read with the ServiceAccount's IAM role (serviceAccountRoleArn)",
        ],
    ],
    [
        "an endpoint that is not an http URL",
        { weightsEndpoint: "ftp://10.0.0.1:9000" },
        [
            'weightsEndpoint: "ftp://10.0.0.1:9000" must be an http:// or https:// URL with a host, e.g. https://minio.internal:9000',
        ],
    ],
    [
        "an endpoint that is not a URL",
        { weightsEndpoint: "not a url" },
        [
            'weightsEndpoint: "not a url" must be an http:// or https:// URL with a host, e.g. https://minio.internal:9000',
        ],
    ],
    [
        "an endpoint without a host",
        { weightsEndpoint: "http://" },
        [
            'weightsEndpoint: "http://" must be an http:// or https:// URL with a host, e.g. https://minio.internal:9000',
        ],
    ],
    [
        "an image by tag",
        { image: "registry.local/vllm:latest" },
        [
            'image: "registry.local/vllm:latest" is not pinned by digest: use <repository>@sha256:<64 hex digits> so every node runs the same bytes',
        ],
    ],
    [
        "an image digest with a prefix space",
        {
            image: " registry.local/vllm@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        },
        [
            'image: " registry.local/vllm@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is not pinned by digest: use <repository>@sha256:<64 hex digits> so every node runs the same bytes',
        ],
    ],
    [
        "an image digest with trailing text",
        {
            image: "registry.local/vllm@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax",
        },
        [
            'image: "registry.local/vllm@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax" is not pinned by digest: use <repository>@sha256:<64 hex digits> so every node runs the same bytes',
        ],
    ],
    [
        "a bad GPU group label",
        { gpuGroup: "-bad-" },
        [
            'gpuGroup: "-bad-" is not a valid node label value (the gpu-serving.io/gpu-group label of the group\'s nodes)',
        ],
    ],
    [
        "a bad CPU quantity",
        { cpu: "4 cores" },
        ['cpu: "4 cores" is not a CPU quantity such as "4" or "3500m"'],
    ],
    [
        "an unknown image cache",
        { imageCache: "warm" },
        ['imageCache: "warm" is not an image cache; use none, ebs-snapshot, soci-parallel-pull'],
    ],
    [
        "a compile cache on the custom runtime",
        { runtime: "custom", port: 8080, compileCacheGpuModel: "l40s" },
        ["compileCacheGpuModel: is vLLM's torch.compile cache; the custom runtime has none"],
    ],
    [
        "vLLM flags on the custom runtime",
        {
            runtime: "custom",
            port: 8080,
            loadFormat: "safetensors",
            tensorParallelSize: 1,
            maxModelLen: 4096,
            queueDepthTarget: 5,
        },
        [
            'loadFormat: applies to runtime "vllm" only (a vLLM flag)',
            'tensorParallelSize: applies to runtime "vllm" only (a vLLM flag)',
            'maxModelLen: applies to runtime "vllm" only (a vLLM flag)',
            'queueDepthTarget: applies to runtime "vllm" only (KEDA scales on vLLM\'s queue metric)',
        ],
    ],
    [
        "custom-runtime settings on vLLM",
        {
            port: 8080,
            healthPath: "/h",
            readinessPath: "/r",
            metricsPath: "/m",
            hpaCpuUtilization: 70,
            hpaMetricName: "x",
            hpaMetricTarget: 1,
        },
        [
            'port: applies to runtime "custom" only (the vllm preset serves on 8000)',
            'healthPath: applies to runtime "custom" only (the vllm preset probes /health)',
            'readinessPath: applies to runtime "custom" only (the vllm preset probes /health)',
            'metricsPath: applies to runtime "custom" only (the vllm preset serves /metrics)',
            'hpaCpuUtilization: applies to runtime "custom" only (vllm scales on queue depth with KEDA)',
            'hpaMetricName: applies to runtime "custom" only (vllm scales on queue depth with KEDA)',
            'hpaMetricTarget: applies to runtime "custom" only (vllm scales on queue depth with KEDA)',
        ],
    ],
    [
        "an unknown load format",
        { loadFormat: "gguf" },
        [
            'loadFormat: "gguf" is not supported; allowed: safetensors, runai_streamer, fastsafetensors',
        ],
    ],
    [
        "a tensor parallel size that does not divide the GPUs",
        { gpusPerReplica: 4, tensorParallelSize: 3 },
        ["tensorParallelSize: 3 must divide gpusPerReplica 4 (the rest become pipeline stages)"],
    ],
    [
        "probe paths that are not absolute",
        {
            runtime: "custom",
            port: 8080,
            healthPath: "h",
            readinessPath: "/r ",
            metricsPath: "x/m",
        },
        [
            "healthPath: \"h\" must be an absolute URL path starting with '/'",
            "readinessPath: \"/r \" must be an absolute URL path starting with '/'",
            "metricsPath: \"x/m\" must be an absolute URL path starting with '/'",
        ],
    ],
    [
        "--api-key and managed flags in extra args",
        { extraArgs: ["--api-key=x", "--port", "9000", "--enforce-eager"] },
        [
            "extraArgs[0]: --api-key would put the key on the command line, where ps shows it; ModelService passes apiKey to vLLM as VLLM_API_KEY",
            "extraArgs[1]: --port is set by ModelService from its args; set that arg instead",
        ],
    ],
    [
        "managed vLLM flags on the custom runtime",
        { runtime: "custom", port: 8080, extraArgs: ["--api-key=x", "--port"] },
        [],
    ],
    [
        "an HPA metric name without its target",
        { runtime: "custom", port: 8080, hpaMetricName: "x" },
        ["hpaMetricTarget: hpaMetricName and hpaMetricTarget go together"],
    ],
    [
        "an HPA metric target without its name",
        { runtime: "custom", port: 8080, hpaMetricTarget: 3 },
        ["hpaMetricName: hpaMetricName and hpaMetricTarget go together"],
    ],
    [
        "a fractional cooldown",
        { cooldownSeconds: 600.5 },
        ["cooldownSeconds: must be whole seconds, got 600.5"],
    ],
    [
        "an unknown service type",
        { serviceType: "NodePort" },
        [
            'serviceType: "NodePort" is not a service type; allowed: ClusterIP, InternalLoadBalancer, ExternalLoadBalancer',
        ],
    ],
    [
        "a bad monitoring namespace",
        { monitoringNamespace: "Mon" },
        [
            "monitoringNamespace: \"Mon\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters",
        ],
    ],
    [
        "reserved labels",
        { labels: { "app.kubernetes.io/name": "x", team: "ml" } },
        [
            'labels["app.kubernetes.io/name"]: is set by ModelService (selectors and versioning depend on it)',
        ],
    ],
    [
        "a load balancer name of 61 characters",
        {
            serviceType: "InternalLoadBalancer",
            tlsCertificateArn:
                "arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab",
            modelName: "abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        },
        [
            'modelName: "abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" is too long for a load balancer: its Service "<modelName>-lb" must fit 63 characters',
        ],
    ],
    [
        "a load balancer name of 60 characters",
        {
            serviceType: "InternalLoadBalancer",
            tlsCertificateArn:
                "arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab",
            modelName: "abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        },
        [],
    ],
    [
        "a staging role for an hf:// source",
        {
            weightsSource: "hf://org/m",
            weightsRevision: "0123456789abcdef0123456789abcdef01234567",
            stagingRoleArn: "arn:aws:iam::123456789012:role/s",
        },
        ["stagingRoleArn: applies to s3:// sources only; the Hub needs no AWS role"],
    ],
    [
        "a Hugging Face token for an s3:// source",
        { huggingFaceToken: "t" },
        ["huggingFaceToken: applies to hf:// sources only"],
    ],
    [
        "a namespace that is not a label",
        { namespace: "Serving" },
        [
            "namespace: \"Serving\" is not a DNS-1123 label: use lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters",
        ],
    ],
    [
        "load balancer source ranges that are not CIDRs",
        {
            serviceType: "ExternalLoadBalancer",
            tlsCertificateArn:
                "arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab",
            loadBalancerSourceRanges: ["10.0.0.0/33"],
        },
        [
            'loadBalancerSourceRanges[0]: "10.0.0.0/33" is not an IPv4 CIDR block like "10.0.0.0/16": the prefix length must be 0-32',
        ],
    ],
    [
        "a bad min replica count with a good max",
        { minReplicas: -1 },
        ["minReplicas: must be a whole number ≥ 0, got -1"],
    ],
];

describe("ModelService validation", () => {
    it("accepts the base arguments", () => {
        assert.deepEqual(problems({}), []);
    });

    for (const [what, overrides, expected] of cases)
        it(`${expected.length === 0 ? "accepts" : "names every problem with"} ${what}`, () => {
            assert.deepEqual(problems(overrides), expected);
        });

    it("recognises a digest reference only as the whole string", () => {
        assert.equal(isDigestReference(digest), true);
        assert.equal(isDigestReference(`x ${digest}`), false);
        assert.equal(isDigestReference(`${digest}\n`), false);
    });
});
