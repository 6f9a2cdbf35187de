import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import { UserError } from "../shared/errors";
import { deepMerge, isMapping, type Mapping } from "../shared/merge";
import { interpolateTree, type InterpolateOptions, type Path } from "./interpolate";
import { settingsSchema, show, type Settings } from "./schema";

/** One source of configuration and the file a user would edit to change it. */
export interface ConfigLayer {
  readonly file: string;
  readonly values: Mapping;
}

export interface ResolveOptions extends InterpolateOptions {
  /** Top-level keys set with `--secret`: no message shows their values. @default none */
  readonly secretKeys?: ReadonlySet<string>;
}

/** The settings, and where secret values sit in them. */
export interface ResolvedSettings {
  readonly settings: Settings;
  /** Paths of the strings that took their text from the environment (`${NAME}`). */
  readonly fromEnvironment: readonly Path[];
}

/**
 * defaults (Pulumi.yaml), then the stack's keys deep-merged over them, then `${NAME}` substituted
 * from the environment, then validated. Every problem becomes one line naming file and key path.
 */
export function resolveSettings(defaults: ConfigLayer, stack: ConfigLayer, env: NodeJS.ProcessEnv, options: ResolveOptions = {}): Settings {
  return resolveStackSettings(defaults, stack, env, options).settings;
}

/** `resolveSettings`, also saying which values came from the environment. */
export function resolveStackSettings(defaults: ConfigLayer, stack: ConfigLayer, env: NodeJS.ProcessEnv, options: ResolveOptions = {}): ResolvedSettings {
  const merged = deepMerge(defaults.values, stack.values);
  const origin = (path: Path) => keyOrigin(defaults, stack, path);

  const interpolated = interpolateTree(withoutNulls(merged), env, options);
  const problems = interpolated.problems.map((p) => `${origin(p.path)}: ${formatPath(p.path)}: ${p.message}`);
  const hidden = (path: Path) => isConcealed(path, options.secretKeys ?? new Set(), interpolated.fromEnvironment);

  // A value whose variable is missing would only fail validation again: report it once. One whose
  // variable is left unchecked cannot be validated at all.
  const unresolved = new Set([...interpolated.problems.map((p) => p.path), ...interpolated.unset].map(formatPath));
  const parsed = settingsSchema.safeParse(interpolated.value, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const { path, message } of describeIssue(issue)) {
        if (unresolved.has(formatPath(path))) continue;
        const line = `${origin(path)}: ${formatPath(path)}: ${hidden(path) ? concealMessage(message, valueAt(interpolated.value, path)) : message}`;
        if (!problems.includes(line)) problems.push(line);
      }
    }
  }
  if (problems.length > 0 || !parsed.success) throw new UserError(problems);
  return { settings: parsed.data, fromEnvironment: interpolated.fromEnvironment };
}

/**
 * Whether the value at `path` must not be shown: under a key set with `--secret`, or holding (or
 * inside) a string taken from the environment.
 */
export function isConcealed(path: Path, secretKeys: ReadonlySet<string>, fromEnvironment: readonly Path[]): boolean {
  if (path.length > 0 && secretKeys.has(String(path[0]))) return true;
  return fromEnvironment.some((envPath) => startsWith(envPath, path) || startsWith(path, envPath));
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}

/** The problem without the value: what was expected, and that the value is secret. */
function concealMessage(message: string, value: unknown): string {
  const got = message.indexOf(", got ");
  if (got !== -1) return `${message.slice(0, got)}; the value is secret (--secret or \${NAME}), so it is not shown`;
  if (message === "required, but not set" || message.startsWith("unknown key")) return message;
  const texts = [JSON.stringify(value), typeof value === "string" ? value : undefined].filter((t): t is string => t !== undefined && t.length > 0);
  return texts.some((t) => message.includes(t)) ? "not valid; the value is secret (--secret or ${NAME}), so it is not shown" : message;
}

function valueAt(tree: unknown, path: Path): unknown {
  let node = tree;
  for (const part of path) {
    if (Array.isArray(node) && typeof part === "number") node = node[part];
    else if (isMapping(node) && typeof part === "string") node = node[part];
    else return undefined;
  }
  return node;
}

/**
 * `key: null` (or `~`) in a stack file unsets a default. Inside `chart` a null stays: Helm reads it
 * as "remove this key from the chart's own values".
 */
function withoutNulls(tree: unknown): unknown {
  if (!isMapping(tree)) return tree;
  const drop = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(drop);
    if (!isMapping(node)) return node;
    return Object.fromEntries(Object.entries(node).filter(([, v]) => v !== null).map(([k, v]) => [k, drop(v)]));
  };
  const { chart, ...rest } = tree;
  const kept = drop(rest) as Mapping;
  return chart === undefined || chart === null ? kept : { ...kept, chart };
}

/** The file a user would edit to change the key at `path`: the stack's, unless only the defaults set it. */
export function keyOrigin(defaults: ConfigLayer, stack: ConfigLayer, path: Path): string {
  return hasPath(stack.values, path) || !hasPath(defaults.values, path) ? stack.file : defaults.file;
}

export function formatPath(path: Path): string {
  let text = "";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : text === "" ? part : `.${part}`;
  return text === "" ? "(top level)" : text;
}

function hasPath(tree: unknown, path: Path): boolean {
  let node = tree;
  for (const part of path) {
    if (Array.isArray(node) && typeof part === "number") node = node[part];
    else if (isMapping(node) && typeof part === "string" && part in node) node = node[part];
    else return false;
  }
  return true;
}

function describeIssue(issue: z.core.$ZodIssue): { path: Path; message: string }[] {
  const path = issue.path.map((part) => (typeof part === "symbol" ? String(part) : part));
  if ((issue.code === "invalid_type" || issue.code === "invalid_union") && issue.input === undefined) {
    return [{ path, message: "required, but not set" }];
  }
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, knownKeysAt(path)) }));
    case "invalid_type":
      return [{ path, message: `expected ${describeType(issue.expected)}, got ${show(issue.input)}` }];
    case "invalid_union": {
      // Our unions are "string or number" and "boolean-like"; report the input rather than each branch.
      return [{ path, message: `expected text or a number, got ${show(issue.input)}` }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

function describeType(expected: string): string {
  const names: Record<string, string> = { object: "a mapping", array: "a list", string: "text", number: "a number", boolean: "true or false", record: "a mapping" };
  return names[expected] ?? expected;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  if (known.length === 0) return "unknown key";
  const candidate = closest(key, [...known]);
  const close = distance(key, candidate) <= Math.max(1, Math.floor(candidate.length / 3));
  return close ? `unknown key (did you mean "${candidate}"?)` : "unknown key";
}

/** The keys the schema allows at a path of nested objects. */
function knownKeysAt(path: Path): readonly string[] {
  let schema: z.core.$ZodType = settingsSchema;
  for (const part of path) {
    const next = typeof part === "number" ? arrayElement(schema) : objectShape(schema)?.[part];
    if (!next) return [];
    schema = next;
  }
  return Object.keys(objectShape(schema) ?? {});
}

function arrayElement(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  let current = schema;
  for (let depth = 0; depth < 5; depth++) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType; element?: z.core.$ZodType };
    if (def.type === "array") return def.element;
    if (!def.innerType) return undefined;
    current = def.innerType;
  }
  return undefined;
}

function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  let current = schema;
  // Unwrap default/prefault/optional wrappers down to the object they carry.
  for (let depth = 0; depth < 5; depth++) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType> };
    if (def.type === "object") return def.shape;
    if (!def.innerType) return undefined;
    current = def.innerType;
  }
  return undefined;
}
