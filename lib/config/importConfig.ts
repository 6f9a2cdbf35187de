import { isMap, parse, parseDocument, type Document } from "yaml";
import { UserError } from "../shared/errors";
import { isMapping, type Mapping } from "../shared/merge";
import { DEFAULTS_KEY } from "./stackConfig";

/** dagster-uc bookkeeping under `chart` that one release per deployment no longer needs. */
const DROPPED_CHART_KEYS = ["deployments_configmap_name", "deployment_semaphore_name", "release_name"] as const;

// Long strings stay on one line, as a person would write them.
const TO_STRING = { lineWidth: 0 } as const;

export interface ImportResult {
  /** File name (relative to the project directory) → new contents. */
  readonly files: ReadonlyMap<string, string>;
  readonly notes: readonly string[];
}

/**
 * Converts a dagster-uc `.config_user_code_deployments.yaml` into project config (defaults, in
 * Pulumi.yaml) and one stack file per environment. Existing files are edited in place, keeping
 * their comments and every key the import does not write.
 */
export function importDagsterUcConfig(
  sourceName: string,
  sourceText: string,
  pulumiYaml: string,
  existingStackFile: (name: string) => string | undefined,
): ImportResult {
  const source = parseSource(sourceName, sourceText);
  const notes: string[] = [];
  const project = parseDocument(pulumiYaml);
  const projectName = project.get("name");
  if (typeof projectName !== "string" || projectName === "") throw new UserError("Pulumi.yaml: name: missing");

  const files = new Map<string, string>();
  const sourceDefaults = source[DEFAULTS_KEY] ?? {};
  if (!isMapping(sourceDefaults)) throw new UserError(`${sourceName}: defaults: expected a mapping of settings`);
  const defaults = convertSection(sourceDefaults, `${sourceName}: defaults`, notes);
  setProjectDefaults(project, projectName, defaults);
  files.set("Pulumi.yaml", project.toString(TO_STRING));

  for (const [env, section] of Object.entries(source)) {
    if (env === DEFAULTS_KEY) continue;
    if (!isMapping(section)) throw new UserError(`${sourceName}: ${env}: expected a mapping of settings`);
    const values = convertSection(section, `${sourceName}: ${env}`, notes);
    const fileName = `Pulumi.${env}.yaml`;
    const doc = parseDocument(existingStackFile(fileName) ?? "");
    if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
    for (const [key, value] of Object.entries(values)) doc.setIn(["config", `${projectName}:${key}`], doc.createNode(value));
    files.set(fileName, doc.toString(TO_STRING));
  }
  return { files, notes };
}

function parseSource(name: string, text: string): Mapping {
  let source: unknown;
  try {
    source = parse(text);
  } catch (err) {
    throw new UserError(`${name}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!isMapping(source)) throw new UserError(`${name}: expected a mapping with "defaults" and one section per environment`);
  return source;
}

/** Moves dagster-uc's `chart` bookkeeping names to where this project keeps them, or drops them. */
function convertSection(section: Mapping, where: string, notes: string[]): Mapping {
  if (!isMapping(section.chart)) return section;
  const chart: Mapping = { ...section.chart };
  const converted: Mapping = { ...section, chart };
  const workspace = chart.workspace_yaml_configmap_name;
  if (workspace !== undefined) {
    delete chart.workspace_yaml_configmap_name;
    const instance = isMapping(section.instance) ? section.instance : {};
    converted.instance = { ...instance, workspace_yaml_configmap_name: workspace };
    notes.push(`${where}: chart.workspace_yaml_configmap_name moved to instance.workspace_yaml_configmap_name`);
  }
  for (const key of DROPPED_CHART_KEYS) {
    if (!(key in chart)) continue;
    delete chart[key];
    notes.push(`${where}: chart.${key} dropped: each deployment now has its own Helm release, no shared list or lock`);
  }
  return converted;
}

/** Writes `defaults` into Pulumi.yaml's project config, where an existing entry is, else as `defaults`. */
function setProjectDefaults(doc: Document, projectName: string, defaults: Mapping): void {
  if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
  const namespaced = `${projectName}:${DEFAULTS_KEY}`;
  const key = doc.hasIn(["config", namespaced]) ? namespaced : DEFAULTS_KEY;
  // Project-level config takes structured values under `value:`.
  doc.setIn(["config", key], doc.createNode({ value: defaults }));
}
