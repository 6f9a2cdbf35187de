import { CODE_SERVER_PORT } from "../shared/dagsterInstance";
import { deepMerge, type Mapping } from "../shared/merge";

export interface ImageRef {
  readonly repository: string;
  /** A tag, optionally pinned: `1.11.16-3` or `1.11.16-3@sha256:<hex>` (the chart renders repository:tag). */
  readonly tag: string;
}

/** Where Kubernetes takes an environment variable's value from (its EnvVarSource). */
export interface EnvVarSource {
  readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  readonly configMapKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
  readonly fieldRef?: { readonly fieldPath: string; readonly apiVersion?: string };
  readonly resourceFieldRef?: { readonly resource: string; readonly containerName?: string; readonly divisor?: string };
}

/** A Kubernetes environment variable of the code server: `{name, value}` or `{name, valueFrom}`. */
export type EnvVar = { readonly name: string; readonly value: string } | { readonly name: string; readonly valueFrom: EnvVarSource };

export interface Resources {
  readonly cpu?: string;
  readonly memory?: string;
}

/** What the code server's deployment entry is made of; every field but the names has a default. */
export interface CodeServerSpec {
  /** Service name and gRPC host. */
  readonly deploymentName: string;
  readonly releaseName: string;
  readonly namespace: string;
  /** The `-f` argument of `dagster api grpc`: the definitions file inside the image. */
  readonly codePath: string;
  readonly pullPolicy?: "IfNotPresent" | "Always" | "Never";
  readonly env?: readonly EnvVar[];
  /** Secrets loaded as environment variables. */
  readonly envSecrets?: readonly string[];
  /** Node pool (`agentpool` label) with its NoSchedule toleration; "" or undefined for anywhere. */
  readonly node?: string;
  readonly limits?: Resources;
  readonly requests?: Resources;
  readonly imagePullSecrets?: readonly string[];
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /**
   * Helm values deep-merged over the generated ones (lists replace); its `deployment` mapping goes
   * into the one deployment entry.
   */
  readonly chartOverrides?: Mapping;
}

/**
 * Helm values for a release holding exactly this one deployment, as dagster-uc generated its entry,
 * with `chartOverrides` deep-merged over them and `chartOverrides.deployment` over the entry.
 */
export function chartValues(spec: CodeServerSpec, image: ImageRef): Mapping {
  const node = spec.node?.trim() ?? "";
  const names = (list: readonly string[] | undefined) => (list ?? []).map((name) => ({ name }));
  const deployment = {
    name: spec.deploymentName,
    image: { repository: image.repository, tag: image.tag, pullPolicy: spec.pullPolicy ?? "IfNotPresent" },
    dagsterApiGrpcArgs: ["-f", spec.codePath],
    port: CODE_SERVER_PORT,
    includeConfigInLaunchedRuns: { enabled: true },
    env: spec.env ?? [],
    envConfigMaps: [],
    envSecrets: names(spec.envSecrets),
    // An empty node means "schedule anywhere": no selector, no toleration.
    nodeSelector: node ? { agentpool: node } : {},
    tolerations: node ? [{ key: "agentpool", operator: "Equal", value: node, effect: "NoSchedule" }] : [],
    resources: {
      ...(spec.limits ? { limits: spec.limits } : {}),
      ...(spec.requests ? { requests: spec.requests } : {}),
    },
    imagePullSecrets: names(spec.imagePullSecrets),
    labels: spec.podLabels ?? {},
    readinessProbe: { enabled: true, periodSeconds: 20, timeoutSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    startupProbe: { enabled: false },
    service: {
      annotations: { "meta.helm.sh/release-name": spec.releaseName, "meta.helm.sh/release-namespace": spec.namespace },
    },
  };
  const generated: Mapping = {
    dagsterHome: "/opt/dagster/dagster_home",
    postgresqlSecretName: "dagster-postgresql-secret",
    celeryConfigSecretName: "dagster-celery-config-secret",
    serviceAccount: { create: true, annotations: spec.serviceAccountAnnotations ?? {} },
    rbacEnabled: true,
    imagePullSecrets: names(spec.imagePullSecrets),
    deployments: [deployment],
  };
  // `deployment` goes into the one entry; the settings schema keeps its identity keys out of it.
  const { deployment: entryOverrides, ...overrides } = spec.chartOverrides ?? {};
  generated.deployments = [deepMerge(deployment, entryOverrides)];
  return deepMerge(generated, overrides) as Mapping;
}
