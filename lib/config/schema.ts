import { z } from "zod";
import { INSTANCE_DEFAULTS } from "../shared/dagsterInstance";
import {
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  isLabelValue,
  isQualifiedName,
  isQuantity,
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

const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function isRepositoryPath(value: string): boolean {
  return value.split("/").every((part) => PATH_COMPONENT.test(part));
}

/** `host[:port][/path]`, with an optional http:// or https:// for local registries. */
export function isRegistryAddress(value: string): boolean {
  const [host, ...path] = value.replace(/^https?:\/\//, "").split("/");
  return DOMAIN.test(host ?? "") && (path.length === 0 || isRepositoryPath(path.join("/")));
}

const quantity = checked(isQuantity, "a Kubernetes quantity such as 150m");
const resources = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });
const objectName = checked(isDns1123Subdomain, "a Kubernetes object name (lowercase letters, digits, '-' and '.')");
const nameRef = z.strictObject({ name: objectName });
const envVarName = checked(isEnvVarName, "an environment variable name such as MY_VAR");
const envVar = z.strictObject({ name: envVarName, value: text });

/** `KEY` (value taken from the deploying environment) or `KEY=VALUE` (literal). */
const dockerEnvVar = text.refine((entry) => isEnvVarName(entry.split("=")[0] ?? ""), {
  error: (issue) => `expected KEY or KEY=VALUE with KEY an environment variable name, got ${show(issue.input)}`,
});

const docker = z.strictObject({
  container_registry: checked(isRegistryAddress, "a registry such as myregistry.azurecr.io or host:5000/path"),
  dockerfile: nonEmpty,
  docker_root: text.default(""),
  docker_env_vars: z.array(dockerEnvVar).default([]),
  image_prefix: text.refine((v) => v === "" || isRepositoryPath(v), {
    error: (issue) => `expected lowercase image path components such as team/images, got ${show(issue.input)}`,
  }).default(""),
  use_az_login: flag.default(true),
  container_registry_chart_path: checked(isRepositoryPath, "a repository path such as helm/dagster-user-deployments").optional(),
  build_format: z.enum(["OCI", "docker"], { error: (issue) => `expected "OCI" or "docker", got ${show(issue.input)}` }).default("OCI"),
  image_tag: checked((v) => TAG.test(v), "an image tag such as 1.11.16-3").optional(),
  platform: checked((v) => /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(v), "a platform such as linux/amd64").default("linux/amd64"),
  /** User for registries outside Azure; the password is the secret config key `registry_password`. */
  username: text.optional(),
});

const helm = z.strictObject({
  disable_openapi_validation: flag.default(false),
  skip_schema_validation: flag.default(false),
  create_new_namespace: flag.default(true),
});

const kubernetes = z.strictObject({
  context: nonEmpty,
  namespace: checked(isDns1123Label, "a namespace name (lowercase letters, digits and '-', at most 63)"),
  node: text.default(""),
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
});

/** The existing Dagster instance this code location registers with. */
const instance = z.strictObject({
  workspace_yaml_configmap_name: objectName.default(INSTANCE_DEFAULTS.workspaceConfigMap),
  webserver_deployment: objectName.default(INSTANCE_DEFAULTS.webserverDeployment),
  daemon_deployment: objectName.default(INSTANCE_DEFAULTS.daemonDeployment),
  /** Refuse to deploy when the instance's daemon runs another Dagster version. */
  check_dagster_version: flag.default(true),
  /** Take over a workspace entry of the same name that no stack owns (hand-written, dagster-uc's). */
  adopt_unowned_entry: flag.default(false),
});

export const settingsSchema = z.strictObject({
  repository_root: text.default(""),
  environment: checked(isDns1123Label, "an environment name such as dev (lowercase letters, digits and '-')"),
  code_path: nonEmpty,
  dagster_version: checked((v) => /^\d+\.\d+\.\d+[A-Za-z0-9_.]*$/.test(v), "a Dagster version such as 1.11.16"),
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
  chart: z.record(z.string(), z.unknown()).default({}),
});

/** The settings of one stack: every key at its value or default. */
export type Settings = z.output<typeof settingsSchema>;

