import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { UserError } from "../shared/errors";
import { isMapping } from "../shared/merge";

/** What the Pulumi CLI would hand the program for a stack, read straight from the files. */
export interface StackFiles {
  readonly project: string;
  readonly stackFile: string;
  /** `<namespace>:<key>` → value as Pulumi passes it (structured values as JSON). */
  readonly config: Record<string, string>;
  /** Keys holding a `secure:` value, which only the Pulumi CLI can decrypt. */
  readonly secretKeys: string[];
  /** The Pulumi ESC environments the stack file imports (`environment:`): only the CLI can open them. */
  readonly environments: string[];
}

export const SECRET_PLACEHOLDER = "[secret]";

/**
 * Reads DIR/Pulumi.yaml's project config and the stack's settings file the way the CLI merges them.
 * A stack `<env>.<branch>` without a file of its own reads `Pulumi.<env>.yaml`, the file its
 * config is copied from when the branch stack is created.
 */
export function readStackFiles(dir: string, stack: string): StackFiles {
  const projectDoc = readYaml(path.join(dir, "Pulumi.yaml"), "Pulumi.yaml");
  const project = projectDoc.name;
  if (typeof project !== "string" || project === "") throw new UserError(`${path.join(dir, "Pulumi.yaml")}: name: missing`);

  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  const put = (key: string, value: unknown) => {
    const secret = { found: false };
    const masked = maskSecure(value, secret);
    // Top-level scalars arrive as text; structured values as JSON with their types.
    config[qualify(key)] = typeof masked === "object" && masked !== null ? JSON.stringify(masked) : String(masked ?? "");
    if (secret.found) secretKeys.add(qualify(key));
    else secretKeys.delete(qualify(key));
  };

  for (const [key, entry] of Object.entries(configMapping(projectDoc.config, "Pulumi.yaml"))) {
    // Project config is either a bare value or a declaration with `value:` or `default:`.
    if (isMapping(entry) && ("value" in entry || "default" in entry || "type" in entry)) {
      const value = "value" in entry ? entry.value : entry.default;
      if (value !== undefined) put(key, value);
    } else {
      put(key, entry);
    }
  }

  const stackFile = findStackFile(dir, stack);
  const stackDoc = readYaml(path.join(dir, stackFile), stackFile);
  for (const [key, value] of Object.entries(configMapping(stackDoc.config, stackFile))) put(key, value);
  return { project, stackFile, config, secretKeys: [...secretKeys], environments: escImports(stackDoc.environment) };
}

/** `environment: [a, b]` or `environment: {imports: [a, b]}`, as the CLI reads a stack file. */
function escImports(environment: unknown): string[] {
  const list = isMapping(environment) ? environment.imports : environment;
  return Array.isArray(list) ? list.map((entry) => (isMapping(entry) ? Object.keys(entry).join(",") : String(entry))) : [];
}

function findStackFile(dir: string, stack: string): string {
  const own = `Pulumi.${stack}.yaml`;
  const candidates = [own];
  const dot = stack.indexOf(".");
  if (dot > 0) candidates.push(`Pulumi.${stack.slice(0, dot)}.yaml`);
  for (const name of candidates) {
    try {
      readFileSync(path.join(dir, name));
      return name;
    } catch {
      // try the next candidate
    }
  }
  throw new UserError(`--stack ${stack}: no ${candidates.join(" or ")} in ${dir}`);
}

function readYaml(file: string, shown: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`${shown}: cannot read ${file}`);
  }
  try {
    return mappingOrEmpty(parse(text));
  } catch (err) {
    throw new UserError(`${shown}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** A file's `config:`: a mapping, or absent; anything else would lose every key silently. */
function configMapping(value: unknown, file: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) throw new UserError(`${file}: config: expected a mapping of config keys, got ${JSON.stringify(value).slice(0, 60)}`);
  return value;
}

function mappingOrEmpty(value: unknown): Record<string, unknown> {
  return isMapping(value) ? value : {};
}

/** Replaces every `{secure: ...}` by the placeholder, noting that one was found. */
function maskSecure(value: unknown, secret: { found: boolean }): unknown {
  if (isMapping(value)) {
    if (Object.keys(value).length === 1 && typeof value.secure === "string") {
      secret.found = true;
      return SECRET_PLACEHOLDER;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecure(v, secret)]));
  }
  if (Array.isArray(value)) return value.map((item) => maskSecure(item, secret));
  return value;
}
