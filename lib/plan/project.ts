import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "smol-toml";
import { UserError } from "../shared/errors";

export interface ProjectNameOptions {
  readonly repositoryRoot: string;
  readonly useProjectName: boolean;
  readonly override: string;
  /** The file a user would edit to change these options, for messages. */
  readonly configFile: string;
}

/**
 * The project part of the deployment name: `project_name_override`, else `project.name` from
 * pyproject.toml in the repository root (or Poetry's `tool.poetry.name`), else none.
 */
export function projectName(options: ProjectNameOptions): string | undefined {
  if (!options.useProjectName) return undefined;
  if (options.override.trim()) return options.override.trim();
  const file = path.join(options.repositoryRoot, "pyproject.toml");
  const hint = `set project_name_override, or use_project_name: false, in ${options.configFile}`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`${file}: not found, so the project name is unknown; ${hint}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not valid TOML (${(err as Error).message.split("\n")[0]}); ${hint}`);
  }
  const name = stringAt(doc, ["project", "name"]) ?? stringAt(doc, ["tool", "poetry", "name"]);
  if (!name) throw new UserError(`${file}: has no [project] name; ${hint}`);
  return name;
}

function stringAt(doc: Record<string, unknown>, keys: readonly string[]): string | undefined {
  let node: unknown = doc;
  for (const key of keys) node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return typeof node === "string" ? node : undefined;
}
