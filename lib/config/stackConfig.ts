import { distance } from "fastest-levenshtein";
import { UserError } from "../shared/errors";
import { isMapping, type Mapping } from "../shared/merge";
import { show } from "./schema";
import type { ConfigLayer } from "./resolve";

/** Namespaces of the providers this program uses: never mistaken for a misspelt project. */
const PROVIDER_NAMESPACES = new Set(["pulumi", "kubernetes", "docker-build", "docker", "azure-native"]);

/** The key in Pulumi.yaml's project config that holds the seed's `defaults` section. */
export const DEFAULTS_KEY = "defaults";

export interface StackConfigLayers {
  readonly defaults: ConfigLayer;
  readonly stack: ConfigLayer;
}

/**
 * Splits a stack's config, as Pulumi hands it to the program (`<project>:<key>` → string, objects as
 * JSON), into the project defaults and the stack's own keys, each named after the file it lives in
 * (`stackFile`, by default `Pulumi.<stack>.yaml`). Keys of other namespaces (`kubernetes:context`,
 * ...) belong to providers and are left alone, unless the namespace is a misspelling of the project's.
 */
export function stackConfigLayers(
  project: string,
  stack: string,
  config: Readonly<Record<string, string>>,
  stackFile = `Pulumi.${stack}.yaml`,
): StackConfigLayers {
  const prefix = `${project}:`;
  let defaults: Mapping = {};
  const own: Mapping = {};
  const problems: string[] = [];
  for (const [fullKey, raw] of Object.entries(config)) {
    if (!fullKey.startsWith(prefix)) {
      const problem = foreignNamespaceProblem(project, fullKey, stackFile);
      if (problem) problems.push(problem);
      continue;
    }
    const key = fullKey.slice(prefix.length);
    const value = decodeConfigValue(raw);
    if (key !== DEFAULTS_KEY) own[key] = value;
    else if (isMapping(value)) defaults = value;
    else problems.push(`Pulumi.yaml: config: ${DEFAULTS_KEY}: expected a mapping of settings under value:, got ${show(value)}`);
  }
  if (problems.length > 0) throw new UserError(problems);
  return {
    defaults: { file: "Pulumi.yaml", values: defaults },
    stack: { file: stackFile, values: own },
  };
}

/** A key whose namespace is a near miss of the project's would be ignored silently: say so instead. */
function foreignNamespaceProblem(project: string, fullKey: string, stackFile: string): string | undefined {
  const colon = fullKey.indexOf(":");
  if (colon <= 0) return undefined;
  const namespace = fullKey.slice(0, colon);
  if (PROVIDER_NAMESPACES.has(namespace)) return undefined;
  if (distance(namespace, project) > Math.max(1, Math.floor(project.length / 3))) return undefined;
  return (
    `${stackFile} or Pulumi.yaml: ${fullKey}: namespace "${namespace}" is not this project's, so the key would be ignored ` +
    `(did you mean "${project}:${fullKey.slice(colon + 1)}"?)`
  );
}

/** Pulumi passes structured config as JSON text and scalars as plain text. */
export function decodeConfigValue(raw: string): unknown {
  const trimmed = raw.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}
