/**
 * The contract between ModelService and the serving images, defined once. The component renders
 * these names into pod specs and staging Jobs; `images/custom-server` (app.py, gunicorn.conf.py)
 * reads them; test/serving-contract.spec.ts starts app.py with exactly the environment the
 * component renders and checks each side (marker → ready, key → 200/401, PORT honoured).
 */

/** Where the model claim is mounted in staging and serving pods. */
export const modelsMountPath = "/models";

/** Written last by the staging Job into a version's directory; servers load only once it exists. */
export const stagedMarker = ".staged";

/** Environment a `custom` runtime server reads. */
export const customServerEnv = {
    /** Directory of this model version on the claim (`/models/<model>/<version>`). */
    modelDir: "MODEL_DIR",
    /** File name in MODEL_DIR that the staging Job writes last (`stagedMarker`). */
    modelMarker: "MODEL_MARKER",
    /** The served model's name. */
    modelName: "MODEL_NAME",
    /** TCP port to listen on (the container port the Service targets). */
    port: "PORT",
    /** Key every inference request must carry (`apiKeyHeader`), from the model's Secret. */
    apiKey: "API_KEY",
} as const;

/** vLLM reads its API key from this variable (vllm/envs.py), so the key never appears on argv. */
export const vllmApiKeyEnv = "VLLM_API_KEY";

/** How clients present the API key: `Authorization: Bearer <key>` (vLLM's OpenAI server too). */
export const apiKeyHeader = "Authorization";
export const apiKeyScheme = "Bearer";

/** The custom server's routes: probes and scrapes carry no key, inference routes do. */
export const customServerPaths = {
    /** Liveness and startup: 200 while the process works, 500 once loading the model failed. */
    health: "/health",
    /** Readiness: 503 until the model is loaded (after the marker), 200 after. */
    ready: "/ready",
    metrics: "/metrics",
    /** `POST {"instances": [...]}` → `{"predictions": [...]}`; 401 without the key. */
    predict: "/predict",
} as const;

/** Port of the custom server image unless `PORT` says otherwise (images/custom-server). */
export const customServerDefaultPort = 8080;

/**
 * The AWS CLI in the staging image sends S3 requests here instead of AWS when set (botocore's
 * service-specific endpoint variable), for S3-compatible stores and the local S3 API.
 */
export const s3EndpointEnv = "AWS_ENDPOINT_URL_S3";

/** Keys of the static S3 credentials Secret the staging Job loads (the AWS CLI's own variables). */
export const s3CredentialKeys = {
    accessKeyId: "AWS_ACCESS_KEY_ID",
    secretAccessKey: "AWS_SECRET_ACCESS_KEY",
} as const;
