import { isMap, parse, parseDocument, type Document } from "yaml";
import { isUserError, UserError } from "../shared/errors";
import { isMapping, type Mapping } from "../shared/merge";
import { resolveSettings } from "./resolve";
import { DEFAULTS_KEY } from "./stackConfig";
import { isEnvironmentStackName } from "../shared/stackName";

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
 * their comments and every key the import does not write. Every environment merged over the
 * defaults is validated as `render` validates a stack (`${NAME}` references checked for form
 * only), and every problem is reported before any file content is returned.
 */
export function importDagsterUcConfig(
  sourceName: string,
  sourceText: string,
  pulumiYaml: string,
  existingStackFile: (name: string) => string | undefined,
): ImportResult {
  const source = parseSource(sourceName, sourceText);
  const notes: string[] = [];
  const project = parseExisting("Pulumi.yaml", pulumiYaml);
  const projectName = project.get("name");
  if (typeof projectName !== "string" || projectName === "") throw new UserError("Pulumi.yaml: name: missing");

  const sourceDefaults = source[DEFAULTS_KEY] ?? {};
  if (!isMapping(sourceDefaults)) throw new UserError(`${sourceName}: ${DEFAULTS_KEY}: expected a mapping of settings`);
  const defaults = convertSection(sourceDefaults, `${sourceName}: ${DEFAULTS_KEY}`, notes);

  const problems: string[] = [];
  const report = (lines: readonly string[]) => lines.forEach((line) => problems.includes(line) || problems.push(line));
  const sections: [string, Mapping][] = [];
  for (const [env, section] of Object.entries(source)) {
    if (env === DEFAULTS_KEY) continue;
    if (!isEnvironmentStackName(env)) {
      report([
        `${sourceName}: ${JSON.stringify(env.length > 80 ? `${env.slice(0, 77)}...` : env)}: an environment section becomes stack ` +
          `and file name Pulumi.<section>.yaml: use letters, digits, "-" and "_" only, at most 63 characters`,
      ]);
      continue;
    }
    if (!isMapping(section)) {
      report([`${sourceName}: ${env}: expected a mapping of settings`]);
      continue;
    }
    const values = convertSection(section, `${sourceName}: ${env}`, notes);
    report(validationProblems(sourceName, env, defaults, values));
    sections.push([env, values]);
  }

  const files = new Map<string, string>();
  setProjectDefaults(project, projectName, defaults, report);
  files.set("Pulumi.yaml", project.toString(TO_STRING));
  for (const [env, values] of sections) {
    const fileName = `Pulumi.${env}.yaml`;
    const doc = parseExisting(fileName, existingStackFile(fileName) ?? "");
    if (!ensureConfigMap(doc, fileName, report)) continue;
    for (const [key, value] of Object.entries(values)) doc.setIn(["config", `${projectName}:${key}`], doc.createNode(value));
    files.set(fileName, doc.toString(TO_STRING));
  }
  if (problems.length > 0) throw new UserError(problems);
  return { files, notes };
}

/** What resolving the section over the defaults would report, naming the dagster-uc file and section. */
function validationProblems(sourceName: string, env: string, defaults: Mapping, values: Mapping): readonly string[] {
  try {
    resolveSettings(
      { file: `${sourceName}: ${DEFAULTS_KEY}`, values: defaults },
      { file: `${sourceName}: ${env}`, values },
      {},
      // The variables belong to the deploying environment, not this one: check their form only.
      { unsetVariables: "unchecked" },
    );
    return [];
  } catch (err) {
    if (isUserError(err)) return err.problems;
    throw err;
  }
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

/** An existing file, parsed for editing in place; a file that is not valid YAML is not overwritten. */
function parseExisting(name: string, text: string): Document {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) throw new UserError(`${name}: not valid YAML: ${error.message.split("\n")[0]}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new UserError(`${name}: expected a mapping at the top level`);
  return doc;
}

/** Makes sure the document has a `config:` mapping; one holding something else is not replaced. */
function ensureConfigMap(doc: Document, fileName: string, report: (lines: readonly string[]) => void): boolean {
  const config = doc.get("config");
  if (config === undefined || config === null) doc.set("config", doc.createNode({}));
  else if (!isMap(config)) {
    report([`${fileName}: config: expected a mapping of config keys; fix or remove it, then import again`]);
    return false;
  }
  return true;
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
function setProjectDefaults(doc: Document, projectName: string, defaults: Mapping, report: (lines: readonly string[]) => void): void {
  if (!ensureConfigMap(doc, "Pulumi.yaml", report)) return;
  const namespaced = `${projectName}:${DEFAULTS_KEY}`;
  const key = doc.hasIn(["config", namespaced]) ? namespaced : DEFAULTS_KEY;
  // Project-level config takes structured values under `value:`.
  doc.setIn(["config", key], doc.createNode({ value: defaults }));
}
