import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { horizontalPodAutoscalerSpec, scaledObjectSpec } from "./serving/autoscaling";
import {
    clusterServiceSpec,
    endpointUrl,
    loadBalancerAnnotations,
    loadBalancerServiceName,
    loadBalancerServiceSpec,
    networkPolicySpec,
    podDisruptionBudgetSpec,
    serviceMonitorSpec,
} from "./serving/exposure";
import { s3CredentialKeys } from "./serving/contract";
import { deploymentSpec } from "./serving/pod-spec";
import type { ModelServiceInputs, S3CredentialsInputs } from "./serving/model-service-types";
import { ServingSettings, resolveServingSettings } from "./serving/settings";
import {
    hfTokenMount,
    stagingEndpointEgressSpec,
    stagingJobSpec,
    stagingLabels,
    stagingTimeoutSeconds,
} from "./serving/staging-job";
import { digestPinned, modelServiceProblems } from "./serving/validation";
import { inheritedDependsOn } from "./shared/depends-on";

// Keys and their documentation live with the serving plan (serving/model-service-types.ts).
/** Static keys of an S3-compatible weights store (`weightsEndpoint`), kept in a Secret. */
export interface S3CredentialsArgs extends S3CredentialsInputs {}

export interface ModelServiceArgs extends ModelServiceInputs<S3CredentialsArgs> {}

/**
 * One served model on GPU nodes: weights staged once onto the shared claim by a Job, a Deployment
 * that waits for them, an authenticated Service, disruption and network policy, queue-depth
 * autoscaling and metrics scraping.
 */
export class ModelService extends pulumi.ComponentResource {
    /** Name of the Kubernetes Service in front of the replicas. */
    public readonly serviceName: pulumi.Output<string>;
    /** In-cluster URL, `http://<service>.<namespace>.svc.cluster.local:<port>`. */
    public readonly endpoint: pulumi.Output<string>;
    /** API key clients send as a bearer token; secret. */
    public readonly apiKey: pulumi.Output<string>;
    /** startupProbe window: failureThreshold × periodSeconds, seconds. */
    public readonly startupBudgetSeconds: pulumi.Output<number>;
    /** Worst-case seconds from scale-up to serving on a new node. */
    public readonly coldStartSeconds: pulumi.Output<number>;
    /** Name of the serving Deployment. */
    public readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: ModelServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): a rejected component registers nothing, not even itself.
        modelServiceProblems(args).throwIfAny(`ModelService "${name}"`);
        super("gpu-serving:index:ModelService", name, {}, opts);
        const s = pinnedSettings(args, this);
        // What the consumer says must exist first (nodes, storage, CRDs) reaches the children that
        // need it: Pulumi does not pass a component's dependsOn to its children.
        const platform = (own: pulumi.Resource[] = []) => inheritedDependsOn(opts, own);
        const ctx: Context = { name, parent: this, s, platform };

        const serviceAccount = createServiceAccount(ctx);
        const { apiKey, apiKeySecret } = createApiKey(ctx, args.apiKey);
        const staging = s.streamsFromS3 ? [] : createStaging(ctx, args);
        const deployment = createDeployment(ctx, [serviceAccount, ...staging, apiKeySecret]);
        const service = createService(ctx);
        createLoadBalancer(ctx);
        createDisruptionBudget(ctx);
        createNetworkPolicy(ctx);
        createStagingEndpointEgress(ctx);
        createAutoscaler(ctx, deployment);
        createServiceMonitor(ctx, service);

        this.serviceName = service.metadata.name;
        this.endpoint = pulumi
            .all([service.metadata.name, service.metadata.namespace])
            .apply(([svc, ns]) => endpointUrl(svc, ns, s.port));
        this.apiKey = pulumi.secret(apiKey);
        this.startupBudgetSeconds = pulumi.output(
            s.startupProbe.failureThreshold * s.startupProbe.periodSeconds,
        );
        this.coldStartSeconds = pulumi.output(s.coldStart.totalSeconds);
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({
            serviceName: this.serviceName,
            endpoint: this.endpoint,
            apiKey: this.apiKey,
            startupBudgetSeconds: this.startupBudgetSeconds,
            coldStartSeconds: this.coldStartSeconds,
            deploymentName: this.deploymentName,
        });
    }
}

/** What every builder below needs: the component (parent and name prefix) and its settings. */
interface Context {
    name: string;
    parent: ModelService;
    s: ServingSettings;
    /** `dependsOn` for a child that needs the platform: the component's plus `own`. */
    platform: (own?: pulumi.Resource[]) => pulumi.ResourceOptions["dependsOn"];
}

/** Settings with both images pinned: plain strings were checked already, Outputs once they resolve. */
function pinnedSettings(args: ModelServiceArgs, parent: ModelService): ServingSettings {
    const resolved = resolveServingSettings(args);
    return {
        ...resolved,
        image: digestPinned(resolved.image, "image", parent),
        stagingImage: digestPinned(resolved.stagingImage, "stagingImage", parent),
    };
}

function metadata(
    s: ServingSettings,
    objectName: string,
    annotations?: Record<string, pulumi.Input<string>>,
    labels = s.labels,
) {
    return { name: objectName, namespace: s.namespace, labels, annotations };
}

function createServiceAccount({ name, parent, s }: Context): k8s.core.v1.ServiceAccount {
    const annotations = s.serviceAccountRoleArn
        ? { "eks.amazonaws.com/role-arn": s.serviceAccountRoleArn }
        : undefined;
    return new k8s.core.v1.ServiceAccount(
        `${name}-service-account`,
        { metadata: metadata(s, s.modelName, annotations) },
        { parent },
    );
}

/** The key clients send, given or generated, and the Secret the server reads it from. */
function createApiKey({ name, parent, s }: Context, given: pulumi.Input<string> | undefined) {
    const apiKey = given
        ? pulumi.secret(given)
        : new random.RandomPassword(
              `${name}-generated-api-key`,
              { length: 40, special: false },
              { parent },
          ).result;
    const apiKeySecret = new k8s.core.v1.Secret(
        `${name}-api-key`,
        {
            metadata: metadata(s, s.apiKeySecretName),
            type: "Opaque",
            stringData: { [s.apiKeySecretKey]: apiKey },
        },
        { parent },
    );
    return { apiKey, apiKeySecret };
}

/** The staging Job, the identity it runs as and its store keys; none for a server that streams from S3. */
function createStaging(ctx: Context, args: ModelServiceArgs): k8s.batch.v1.Job[] {
    const stagingIdentity = createStagingIdentity(ctx, args.huggingFaceToken);
    const credentials = createWeightsCredentials(ctx, args.weightsCredentials);
    return [createStagingJob(ctx, [...stagingIdentity, ...credentials])];
}

/** Static S3 keys for a store outside AWS, in the Secret the staging Job loads (contract.ts). */
function createWeightsCredentials(
    { name, parent, s }: Context,
    keys: ModelServiceArgs["weightsCredentials"],
): k8s.core.v1.Secret[] {
    if (!keys || !s.weightsCredentialsSecretName) return [];
    const secret = new k8s.core.v1.Secret(
        `${name}-weights-credentials`,
        {
            metadata: metadata(s, s.weightsCredentialsSecretName, undefined, stagingLabels(s)),
            type: "Opaque",
            stringData: {
                [s3CredentialKeys.accessKeyId]: pulumi.secret(keys.accessKeyId),
                [s3CredentialKeys.secretAccessKey]: pulumi.secret(keys.secretAccessKey),
            },
        },
        { parent },
    );
    return [secret];
}

/**
 * The staging Job's own ServiceAccount (never the server's), with its IRSA role for an S3 source,
 * and the Secret holding a gated repository's token, which only the Job mounts.
 */
function createStagingIdentity(
    { name, parent, s }: Context,
    huggingFaceToken: pulumi.Input<string> | undefined,
): pulumi.Resource[] {
    const annotations = s.stagingRoleArn
        ? { "eks.amazonaws.com/role-arn": s.stagingRoleArn }
        : undefined;
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${name}-staging-service-account`,
        {
            metadata: metadata(s, s.stagingServiceAccountName, annotations, stagingLabels(s)),
            automountServiceAccountToken: false,
        },
        { parent },
    );
    if (huggingFaceToken === undefined || s.huggingFaceTokenSecretName === undefined)
        return [serviceAccount];
    const tokenSecret = new k8s.core.v1.Secret(
        `${name}-hf-token`,
        {
            metadata: metadata(s, s.huggingFaceTokenSecretName, undefined, stagingLabels(s)),
            type: "Opaque",
            stringData: { [hfTokenMount.key]: pulumi.secret(huggingFaceToken) },
        },
        { parent },
    );
    return [serviceAccount, tokenSecret];
}

function createStagingJob(
    { name, parent, s, platform }: Context,
    stagingIdentity: pulumi.Resource[],
): k8s.batch.v1.Job {
    const stagingTimeout = `${stagingTimeoutSeconds(s.weightsSizeGiB)}s`;
    return new k8s.batch.v1.Job(
        `${name}-stage`,
        {
            metadata: metadata(s, s.stagingJobName, undefined, stagingLabels(s)),
            spec: stagingJobSpec(s, s.stagingServiceAccountName),
        },
        {
            parent,
            // Pulumi waits for the Job to complete: it needs nodes and the claim's storage driver.
            dependsOn: platform(stagingIdentity),
            // A Job's pod template is immutable and its name is fixed per version: a changed
            // template for the same version must delete the old Job before creating the new.
            deleteBeforeReplace: true,
            customTimeouts: { create: stagingTimeout, update: stagingTimeout },
        },
    );
}

function createDeployment(
    { name, parent, s, platform }: Context,
    dependsOn: pulumi.Resource[],
): k8s.apps.v1.Deployment {
    const rolloutSeconds = s.podReadySeconds + 60;
    return new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        { metadata: metadata(s, s.modelName), spec: deploymentSpec(s, s.modelName) },
        {
            parent,
            // Serving starts only once the weights are staged (the init container also waits).
            dependsOn: platform(dependsOn),
            // The autoscaler owns the replica count; Pulumi would reset it on every up.
            ignoreChanges: s.autoscaling ? ["spec.replicas"] : [],
            // Pulumi waits for ready replicas, 10 minutes by default: too short for a cold GPU
            // node. A rollout replaces replicas one at a time.
            customTimeouts: {
                create: `${rolloutSeconds}s`,
                update: `${rolloutSeconds * Math.max(1, s.maxReplicas)}s`,
            },
        },
    );
}

/** The in-cluster Service: clients in allowed namespaces and the ServiceMonitor use it. */
function createService({ name, parent, s }: Context): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        `${name}-service`,
        { metadata: metadata(s, s.modelName), spec: clusterServiceSpec(s) },
        { parent },
    );
}

/**
 * An NLB with TLS and source ranges, apart from the in-cluster Service, for the LB service types.
 * It waits for the platform: the AWS Load Balancer Controller's webhook must answer before the API
 * server accepts a LoadBalancer Service, and only the controller makes the NLB.
 */
function createLoadBalancer({ name, parent, s, platform }: Context): void {
    if (s.serviceType === "ClusterIP") return;
    new k8s.core.v1.Service(
        `${name}-load-balancer`,
        {
            metadata: metadata(s, loadBalancerServiceName(s.modelName), loadBalancerAnnotations(s)),
            spec: loadBalancerServiceSpec(s),
        },
        { parent, dependsOn: platform() },
    );
}

function createDisruptionBudget({ name, parent, s }: Context): void {
    new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        { metadata: metadata(s, s.modelName), spec: podDisruptionBudgetSpec(s) },
        { parent },
    );
}

function createNetworkPolicy({ name, parent, s }: Context): void {
    new k8s.networking.v1.NetworkPolicy(
        `${name}-network-policy`,
        { metadata: metadata(s, s.modelName), spec: networkPolicySpec(s) },
        { parent },
    );
}

/** Egress to an S3 API endpoint off port 443, for this model's staging pods only. */
function createStagingEndpointEgress({ name, parent, s }: Context): void {
    const spec = stagingEndpointEgressSpec(s);
    if (!spec) return;
    new k8s.networking.v1.NetworkPolicy(
        `${name}-staging-endpoint-egress`,
        {
            metadata: metadata(s, `${s.modelName}-staging-endpoint`, undefined, stagingLabels(s)),
            spec,
        },
        { parent },
    );
}

/** KEDA's ScaledObject for vllm (queue depth), an HPA for the custom runtime; none when off. */
function createAutoscaler(
    { name, parent, s, platform }: Context,
    deployment: k8s.apps.v1.Deployment,
): void {
    if (!s.autoscaling) return;
    if (s.runtime === "vllm") {
        new k8s.apiextensions.CustomResource(
            `${name}-scaled-object`,
            {
                apiVersion: "keda.sh/v1alpha1",
                kind: "ScaledObject",
                metadata: metadata(s, s.modelName),
                spec: scaledObjectSpec(s, s.modelName),
            },
            // KEDA's CRD comes with the platform.
            { parent, dependsOn: platform([deployment]) },
        );
        return;
    }
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        { metadata: metadata(s, s.modelName), spec: horizontalPodAutoscalerSpec(s, s.modelName) },
        { parent, dependsOn: [deployment] },
    );
}

function createServiceMonitor(
    { name, parent, s, platform }: Context,
    service: k8s.core.v1.Service,
): void {
    if (!s.monitoring) return;
    new k8s.apiextensions.CustomResource(
        `${name}-service-monitor`,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: metadata(s, s.modelName),
            spec: serviceMonitorSpec(s),
        },
        // The Prometheus operator's CRD comes with the platform.
        { parent, dependsOn: platform([service]) },
    );
}
