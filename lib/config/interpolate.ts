import { isMapping } from "../shared/merge";

export type Path = readonly (string | number)[];

export interface InterpolationProblem {
  readonly path: Path;
  readonly message: string;
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Replaces `${NAME}` and `${NAME:-fallback}` in one string from `env`; `$${` stands for a literal `${`.
 * `:-` takes the fallback when NAME is unset or empty, as in a POSIX shell.
 */
export interface InterpolateOptions {
  /**
   * "unchecked": a variable that is not set is no problem, only noted in `unset` (import-config
   * checks that references are well formed without the deploying environment at hand).
   * @default "error"
   */
  readonly unsetVariables?: "error" | "unchecked";
}

export function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  options: InterpolateOptions = {},
): { value: string; problems: string[]; unset: string[] } {
  let value = "";
  const problems: string[] = [];
  const unset: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      value += "${";
      i += 3;
      continue;
    }
    if (!text.startsWith("${", i)) {
      value += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf("}", i + 2);
    if (end === -1) {
      problems.push(`unterminated "\${" (write "$\${" for a literal "\${")`);
      return { value: text, problems, unset };
    }
    const reference = text.slice(i + 2, end);
    const match = REFERENCE.exec(reference);
    if (!match) {
      problems.push(`"\${${reference}}" is not a variable reference such as \${NAME} or \${NAME:-fallback}`);
    } else {
      const [, name, fallback] = match as unknown as [string, string, string | undefined];
      const current = env[name];
      if (fallback !== undefined) value += current ? current : fallback;
      else if (current !== undefined) value += current;
      else if (options.unsetVariables === "unchecked") unset.push(name);
      else problems.push(`environment variable ${name} is not set (write \${${name}:-default} to give a fallback)`);
    }
    i = end + 1;
  }
  return { value, problems, unset };
}

/**
 * Interpolates every string in a YAML/JSON tree, collecting one problem per bad reference, and the
 * paths of the strings that took (or may take) their text from the environment.
 */
export function interpolateTree(
  tree: unknown,
  env: NodeJS.ProcessEnv,
  options: InterpolateOptions = {},
): { value: unknown; problems: InterpolationProblem[]; unset: Path[]; fromEnvironment: Path[] } {
  const problems: InterpolationProblem[] = [];
  const unset: Path[] = [];
  const fromEnvironment: Path[] = [];
  const walk = (node: unknown, path: Path): unknown => {
    if (typeof node === "string") {
      const result = interpolateString(node, env, options);
      for (const message of result.problems) problems.push({ path, message });
      if (result.unset.length > 0) unset.push(path);
      if (usesVariables(node)) fromEnvironment.push(path);
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (isMapping(node)) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, [...path, key])]));
    }
    return node;
  };
  return { value: walk(tree, []), problems, unset, fromEnvironment };
}

/** Whether a string holds a `${...}` reference (a `$${` literal is none): its value is the environment's. */
export function usesVariables(text: string): boolean {
  return text.split("$${").join("").includes("${");
}
