import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { horizontalPodAutoscalerSpec, scaledObjectSpec } from "./serving/autoscaling";
import {
    endpointUrl,
    networkPolicySpec,
    podDisruptionBudgetSpec,
    serviceAnnotations,
    serviceMonitorSpec,
    serviceSpec,
} from "./serving/exposure";
import { deploymentSpec } from "./serving/pod-spec";
import type { ModelServiceInputs } from "./serving/model-service-types";
import { ServingSettings, resolveServingSettings } from "./serving/settings";
import { stagingJobSpec, stagingLabels, stagingTimeoutSeconds } from "./serving/staging-job";
import { digestPinned, modelServiceProblems } from "./serving/validation";

// Keys and their documentation live with the serving plan (serving/model-service-types.ts).
export interface ModelServiceArgs extends ModelServiceInputs {}

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
        const resolved = resolveServingSettings(args);
        // Plain strings were checked above; Outputs are checked once they resolve.
        const s: ServingSettings = {
            ...resolved,
            image: digestPinned(resolved.image, "image", this),
            stagingImage: digestPinned(resolved.stagingImage, "stagingImage", this),
        };
        const metadata = (
            objectName: string,
            annotations?: Record<string, pulumi.Input<string>>,
            labels = s.labels,
        ) => ({
            name: objectName,
            namespace: s.namespace,
            labels,
            annotations,
        });

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: metadata(
                    s.modelName,
                    s.serviceAccountRoleArn
                        ? { "eks.amazonaws.com/role-arn": s.serviceAccountRoleArn }
                        : undefined,
                ),
            },
            { parent: this },
        );
        const serviceAccountName = s.modelName;

        const apiKey = args.apiKey
            ? pulumi.secret(args.apiKey)
            : new random.RandomPassword(
                  `${name}-generated-api-key`,
                  { length: 40, special: false },
                  { parent: this },
              ).result;
        const apiKeySecret = new k8s.core.v1.Secret(
            `${name}-api-key`,
            {
                metadata: metadata(s.apiKeySecretName),
                type: "Opaque",
                stringData: { [s.apiKeySecretKey]: apiKey },
            },
            { parent: this },
        );

        const stagingTimeout = `${stagingTimeoutSeconds(s.weightsSizeGiB)}s`;
        const stagingJob = new k8s.batch.v1.Job(
            `${name}-stage`,
            {
                metadata: metadata(s.stagingJobName, undefined, stagingLabels(s)),
                spec: stagingJobSpec(s, serviceAccountName),
            },
            {
                parent: this,
                dependsOn: [serviceAccount],
                // A Job's pod template is immutable and its name is fixed per version: a changed
                // template for the same version must delete the old Job before creating the new.
                deleteBeforeReplace: true,
                customTimeouts: { create: stagingTimeout, update: stagingTimeout },
            },
        );

        const rolloutSeconds = s.podReadySeconds + 60;
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            { metadata: metadata(s.modelName), spec: deploymentSpec(s, serviceAccountName) },
            {
                parent: this,
                // Serving starts only once the weights are staged (the init container also waits).
                dependsOn: [stagingJob, apiKeySecret],
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

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: metadata(s.modelName, serviceAnnotations(s.serviceType)),
                spec: serviceSpec(s),
            },
            { parent: this },
        );

        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: metadata(s.modelName), spec: podDisruptionBudgetSpec(s) },
            { parent: this },
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            { metadata: metadata(s.modelName), spec: networkPolicySpec(s) },
            { parent: this },
        );

        if (s.autoscaling && s.runtime === "vllm") {
            new k8s.apiextensions.CustomResource(
                `${name}-scaled-object`,
                {
                    apiVersion: "keda.sh/v1alpha1",
                    kind: "ScaledObject",
                    metadata: metadata(s.modelName),
                    spec: scaledObjectSpec(s, s.modelName),
                },
                { parent: this, dependsOn: [deployment] },
            );
        } else if (s.autoscaling) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata: metadata(s.modelName),
                    spec: horizontalPodAutoscalerSpec(s, s.modelName),
                },
                { parent: this, dependsOn: [deployment] },
            );
        }

        if (s.monitoring) {
            new k8s.apiextensions.CustomResource(
                `${name}-service-monitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: metadata(s.modelName),
                    spec: serviceMonitorSpec(s),
                },
                { parent: this, dependsOn: [service] },
            );
        }

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
