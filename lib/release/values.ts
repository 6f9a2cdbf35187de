import { deepMerge, type Mapping } from "../shared/merge";
import type { DeploymentNames } from "../plan/names";
import type { Settings } from "../config/schema";

/** The gRPC port the code server listens on, as in dagster-uc. */
export const CODE_SERVER_PORT = 3030;

export interface ImageRef {
  readonly repository: string;
  /** A tag, optionally pinned: `1.11.16-3` or `1.11.16-3@sha256:<hex>` (the chart renders repository:tag). */
  readonly tag: string;
}

/**
 * Helm values for a release holding exactly this one deployment, as dagster-uc generated its entry,
 * with the stack's `chart` values deep-merged over them.
 */
export function chartValues(settings: Settings, names: DeploymentNames, image: ImageRef, namespace: string): Mapping {
  const k8s = settings.kubernetes;
  const node = k8s.node.trim();
  const deployment = {
    name: names.deploymentName,
    image: { repository: image.repository, tag: image.tag, pullPolicy: k8s.pull_policy },
    dagsterApiGrpcArgs: ["-f", `${settings.docker.docker_root}/${settings.code_path}`],
    port: CODE_SERVER_PORT,
    includeConfigInLaunchedRuns: { enabled: true },
    env: k8s.user_code_deployment_env,
    envConfigMaps: [],
    envSecrets: k8s.user_code_deployment_env_secrets,
    // An empty node means "schedule anywhere": no selector, no toleration.
    nodeSelector: node ? { agentpool: node } : {},
    tolerations: node ? [{ key: "agentpool", operator: "Equal", value: node, effect: "NoSchedule" }] : [],
    resources: {
      ...(k8s.limits ? { limits: k8s.limits } : {}),
      ...(k8s.requests ? { requests: k8s.requests } : {}),
    },
    imagePullSecrets: k8s.image_pull_secrets,
    labels: k8s.pod_labels,
    readinessProbe: { enabled: true, periodSeconds: 20, timeoutSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    startupProbe: { enabled: false },
    service: {
      annotations: { "meta.helm.sh/release-name": names.releaseName, "meta.helm.sh/release-namespace": namespace },
    },
  };
  const generated: Mapping = {
    dagsterHome: "/opt/dagster/dagster_home",
    postgresqlSecretName: "dagster-postgresql-secret",
    celeryConfigSecretName: "dagster-celery-config-secret",
    serviceAccount: { create: true, annotations: k8s.service_account_annotations },
    rbacEnabled: true,
    imagePullSecrets: k8s.image_pull_secrets,
    deployments: [deployment],
  };
  return deepMerge(generated, settings.chart) as Mapping;
}
