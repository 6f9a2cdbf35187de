import valid from "semver/functions/valid";
import { z } from "zod";
import { UserError } from "../shared/errors";
import { checkRepositoryPath, isValidTag, parseRegistryAddress } from "./registryAddress";
import { INSTANCE_DEFAULTS } from "../shared/dagsterInstance";
import {
  isDns1123Label,
  isDns1123Subdomain,
  isConfigMapKey,
  isEnvVarName,
  isLabelValue,
  isPodFieldPath,
  isQualifiedName,
  isQuantity,
  quantityValue,
} from "../shared/kubernetesNames";

// The resolved configuration, with dagster-uc's key names and defaults
// (../shared/reference/dagster-uc-behavior.md). Every object is strict: unknown keys are errors.

/** How a value is shown in an error message. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Strings, with numbers accepted where YAML would read `1` or `1.5` as a number. */
const text = z.union([z.string(), z.number()]).transform(String);
const nonEmpty = text.pipe(z.string().min(1, "must not be empty"));

function checked(test: (value: string) => boolean, expected: string) {
  return text.refine(test, { error: (issue) => `expected ${expected}, got ${show(issue.input)}` });
}

const TRUE_WORDS = new Set(["true", "1", "yes", "y", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "n", "off"]);

/** Booleans as dagster-uc accepted them: true/false, or strings such as "TRUE", "1", "yes". */
export const flag = z.union([z.boolean(), z.string(), z.number()]).transform((value, ctx) => {
  if (typeof value === "boolean") return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  ctx.issues.push({ code: "custom", input: value, message: `expected true or false, got ${show(value)}` });
  return z.NEVER;
});

/**
 * The chart version (Helm wants semantic versions) and the start of image tags `<version>-<n>`:
 * a tag has at most 128 characters and no "+", so no build metadata; room is left for n.
 */
function isDagsterVersion(value: string): boolean {
  return valid(value) === value && isValidTag(`${value}-999999`);
}

const isRepositoryPath = (value: string) => checkRepositoryPath(value) === undefined;

/** Why the registry client could not use `value`, in its own words; undefined if it can. */
function registryAddressProblem(value: string): string | undefined {
  try {
    parseRegistryAddress(value);
    return undefined;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return err.message.replace(/^registry ".*?" is not usable: /, "");
  }
}

const registryAddress = text.superRefine((value, ctx) => {
  const problem = registryAddressProblem(value);
  if (problem === undefined) return;
  ctx.addIssue({ code: "custom", input: value, message: `expected a registry such as myregistry.azurecr.io or host:5000/path, got ${show(value)} (${problem})` });
});

/** A positive number of seconds, at most an hour. */
const seconds = text.transform((value, ctx) => {
  const number = Number(value);
  if (value.trim() !== "" && Number.isFinite(number) && number > 0 && number <= 3600) return number;
  ctx.issues.push({ code: "custom", input: value, message: `expected a number of seconds above 0 and at most 3600, got ${show(value)}` });
  return z.NEVER;
});

/** A TCP port, 1 to 65535. */
const tcpPort = text.transform((value, ctx) => {
  const number = Number(value);
  if (/^\d+$/.test(value.trim()) && number >= 1 && number <= 65535) return number;
  ctx.issues.push({ code: "custom", input: value, message: `expected a port from 1 to 65535, got ${show(value)}` });
  return z.NEVER;
});

const quantity = text.superRefine((value, ctx) => {
  if (!isQuantity(value)) ctx.addIssue({ code: "custom", input: value, message: `expected a Kubernetes quantity such as 150m, got ${show(value)}` });
  else if (!(quantityValue(value) > 0)) ctx.addIssue({ code: "custom", input: value, message: `expected a quantity above zero, got ${show(value)}` });
});
const resources = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });
const objectName = checked(isDns1123Subdomain, "a Kubernetes object name (lowercase letters, digits, '-' and '.')");
const nameRef = z.strictObject({ name: objectName });
const envVarName = checked(isEnvVarName, "an environment variable name such as MY_VAR");
const dataKeyRef = z.strictObject({
  name: objectName,
  key: checked(isConfigMapKey, "a data key such as password (letters, digits, '-', '_' and '.')"),
  optional: flag.optional(),
});
const fieldRef = z.strictObject({
  fieldPath: checked(isPodFieldPath, "a pod field such as metadata.name, metadata.labels['app'], spec.nodeName or status.podIP"),
  apiVersion: z.literal("v1", { error: (issue) => `expected "v1", got ${show(issue.input)}` }).optional(),
});
const resourceFieldRef = z.strictObject({
  resource: checked((v) => /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.test(v), "a container resource such as limits.memory or requests.cpu"),
  containerName: text.optional(),
  divisor: quantity.optional(),
});
const ENV_VAR_SOURCES = ["secretKeyRef", "configMapKeyRef", "fieldRef", "resourceFieldRef"] as const;
const sourcesGiven = (source: unknown) => ENV_VAR_SOURCES.filter((key) => (source as Record<string, unknown> | undefined)?.[key] !== undefined);
/** Only checked once the entry is otherwise valid, so an unknown key is reported alone. */
const whenValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** Kubernetes' EnvVarSource: a value the cluster fills in, so secrets stay out of the config. */
const envVarSource = z
  .strictObject({ secretKeyRef: dataKeyRef.optional(), configMapKeyRef: dataKeyRef.optional(), fieldRef: fieldRef.optional(), resourceFieldRef: resourceFieldRef.optional() })
  .refine((source) => sourcesGiven(source).length === 1, {
    ...whenValid,
    error: (issue) => {
      const given = sourcesGiven(issue.input);
      return `expected exactly one of secretKeyRef, configMapKeyRef, fieldRef and resourceFieldRef, got ${given.length === 0 ? "none" : given.join(" and ")}`;
    },
  });
const envVar = z
  .strictObject({ name: envVarName, value: text.optional(), valueFrom: envVarSource.optional() })
  .refine((entry) => (entry.value === undefined) !== (entry.valueFrom === undefined), {
    ...whenValid,
    error: "expected exactly one of value and valueFrom (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef)",
  });

const dockerEnvVar = text.refine((entry) => isEnvVarName(entry.split("=")[0] ?? ""), {
  error: (issue) => `expected KEY or KEY=VALUE with KEY an environment variable name, got ${show(issue.input)}`,
});

const docker = z.strictObject({
  container_registry: registryAddress,
  dockerfile: nonEmpty,
  docker_root: text.default(""),
  docker_env_vars: z.array(dockerEnvVar).default([]),
  image_prefix: text.refine((v) => v === "" || isRepositoryPath(v), {
    error: (issue) => `expected lowercase image path components such as team/images, got ${show(issue.input)}`,
  }).default(""),
  use_az_login: flag.default(true),
  container_registry_chart_path: checked(isRepositoryPath, "a repository path such as helm/dagster-user-deployments").optional(),
  build_format: z.enum(["OCI", "docker"], { error: (issue) => `expected "OCI" or "docker", got ${show(issue.input)}` }).default("OCI"),
  image_tag: checked(isValidTag, "an image tag such as 1.11.16-3").optional(),
  platform: checked((v) => /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(v), "a platform such as linux/amd64").default("linux/amd64"),
  /**
   * The buildx builder BuildKit runs in (`docker buildx create --name ...`: Kubernetes, remote or
   * cloud driver), for builds that outgrow the CI runner; unset: the runner's default builder.
   */
  builder: checked((v) => /^[a-zA-Z][a-zA-Z0-9._-]*$/.test(v), "a buildx builder name (a letter, then letters, digits, . _ -)").optional(),
  /** User for registries outside Azure; the password is the secret config key `registry_password`. */
  username: text.optional(),
  /** Total time for one command's or one resource's registry requests, retries included. */
  registry_timeout_seconds: seconds.default(30),
});

const helm = z.strictObject({
  disable_openapi_validation: flag.default(false),
  skip_schema_validation: flag.default(false),
  create_new_namespace: flag.default(true),
});

const kubernetes = z.strictObject({
  context: nonEmpty,
  namespace: checked(isDns1123Label, "a namespace name (lowercase letters, digits and '-', at most 63)"),
  // It becomes a nodeSelector value and a toleration value: a label value.
  node: checked((v) => isLabelValue(v.trim()), "a node pool name usable as a label value (at most 63 letters, digits, '-', '_' or '.')").default(""),
  image_pull_secrets: z.array(nameRef).default([]),
  user_code_deployment_env_secrets: z.array(nameRef).default([]),
  user_code_deployment_env: z.array(envVar).default([]),
  limits: resources.optional(),
  requests: resources.optional(),
  service_account_annotations: z.record(checked(isQualifiedName, "an annotation key such as example.com/name"), text).default({}),
  pod_labels: z.record(
    checked(isQualifiedName, "a label key such as example.com/team"),
    checked(isLabelValue, "a label value (at most 63 letters, digits, '-', '_' or '.')"),
  ).default({}),
  pull_policy: z.enum(["IfNotPresent", "Always", "Never"], {
    error: (issue) => `expected IfNotPresent, Always or Never, got ${show(issue.input)}`,
  }).default("IfNotPresent"),
}).superRefine((k8s, ctx) => {
  // Kubernetes rejects a pod whose request is above its limit.
  for (const resource of ["cpu", "memory"] as const) {
    const request = k8s.requests?.[resource];
    const limit = k8s.limits?.[resource];
    if (request === undefined || limit === undefined) continue;
    const [asked, allowed] = [quantityValue(request), quantityValue(limit)];
    // Bad quantities have their own error already.
    if (!(asked > 0 && allowed > 0) || asked <= allowed) continue;
    ctx.addIssue({ code: "custom", path: ["requests", resource], input: request, message: `${request} is above limits.${resource} ${limit}; Kubernetes rejects a request above its limit` });
  }
});

/** The existing Dagster instance this code location registers with. */
const instance = z.strictObject({
  workspace_yaml_configmap_name: objectName.default(INSTANCE_DEFAULTS.workspaceConfigMap),
  webserver_deployment: objectName.default(INSTANCE_DEFAULTS.webserverDeployment),
  daemon_deployment: objectName.default(INSTANCE_DEFAULTS.daemonDeployment),
  /** How the webserver picks up a workspace change: a GraphQL reload, or a restart of its Deployment. */
  reload: z.enum(["reload", "restart"], { error: (issue) => `expected "reload" or "restart", got ${show(issue.input)}` }).default("reload"),
  webserver_service: objectName.default(INSTANCE_DEFAULTS.webserverService),
  webserver_port: tcpPort.default(INSTANCE_DEFAULTS.webserverPort),
  /** Reloads until the webserver lists the change; the kubelet's ConfigMap sync takes up to about a minute. */
  reload_timeout_seconds: seconds.default(120),
  /** Refuse to deploy when the instance's daemon runs another Dagster version. */
  check_dagster_version: flag.default(true),
  /** Take over a workspace entry of the same name that no stack owns (hand-written, dagster-uc's). */
  adopt_unowned_entry: flag.default(false),
});

/**
 * What defines the deployment, and the config keys that set it: the workspace entry, the image
 * build and the digest pin all rely on these, so `chart:` cannot replace them.
 */
const DEPLOYMENT_IDENTITY: Readonly<Record<string, string>> = {
  name: "the name comes from the branch: set branch or deployment_name_suffix",
  image: "set docker.container_registry, docker.image_prefix, docker.image_tag or kubernetes.pull_policy",
  port: "the workspace entry points at port 3030",
  dagsterApiGrpcArgs: "set code_path and docker.docker_root",
};

/** Helm values merged over the generated ones; `deployment` is merged into the one deployment entry. */
const chartOverrides = z.record(z.string(), z.unknown()).superRefine((chart, ctx) => {
  if ("deployments" in chart) {
    ctx.addIssue({
      code: "custom",
      path: ["deployments"],
      input: chart.deployments,
      message: "not overridable: the release holds exactly this location's deployment; put values for it under chart.deployment, which is merged into it",
    });
  }
  const entry = chart.deployment;
  if (entry === undefined) return;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    ctx.addIssue({ code: "custom", path: ["deployment"], input: entry, message: `expected a mapping of values for the deployment, got ${show(entry)}` });
    return;
  }
  for (const [key, instead] of Object.entries(DEPLOYMENT_IDENTITY)) {
    if (key in entry) ctx.addIssue({ code: "custom", path: ["deployment", key], input: undefined, message: `not overridable: ${instead}` });
  }
});

export const settingsSchema = z.strictObject({
  repository_root: text.default(""),
  /** Let repository_root and docker.dockerfile lie outside the project directory (after symlinks). */
  allow_paths_outside_project: flag.default(false),
  environment: checked(isDns1123Label, "an environment name such as dev (lowercase letters, digits and '-')"),
  code_path: nonEmpty,
  dagster_version: checked(isDagsterVersion, "a Dagster version such as 1.11.16 (a semantic version that, with -<n> appended, is an image tag of at most 128 characters)"),
  cicd: flag.default(false),
  dagster_gui_url: checked((v) => /^https?:\/\/[^\s]+$/.test(v), "an http(s) URL such as https://dagster.example.com").optional(),
  verbose: flag.default(false),
  use_project_name: flag.default(true),
  project_name_override: text.default(""),
  use_latest_chart_version: flag.default(false),
  branch: text.optional(),
  deployment_name_suffix: text.default(""),
  registry_password: text.optional(),
  docker,
  helm: helm.prefault({}),
  kubernetes,
  instance: instance.prefault({}),
  chart: chartOverrides.default({}),
});

/** The settings of one stack: every key at its value or default. */
export type Settings = z.output<typeof settingsSchema>;

