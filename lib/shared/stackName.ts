import { UserError } from "./errors";

/** Pulumi's own rule for a stack name (pkg/backend's validateStackName): also a safe file name part. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
export const STACK_NAME_MAX = 100;

/**
 * `name` if Pulumi accepts it as a stack name, else a UserError naming `where` (the CLI argument or
 * config section it came from). With `qualified`, `org/project/name` and `org/name` are accepted too.
 */
export function checkStackName(name: string, where: string, options: { qualified?: boolean } = {}): string {
  const parts = name.split("/");
  const shortName = parts[parts.length - 1] ?? "";
  const qualifiers = parts.slice(0, -1);
  const allowed = options.qualified ? qualifiers.length <= 2 && qualifiers.every((part) => /^[A-Za-z0-9_.-]+$/.test(part) && !/^\.+$/.test(part)) : qualifiers.length === 0;
  if (!allowed || !STACK_NAME.test(shortName) || /^\.+$/.test(shortName)) {
    const rule = `letters, digits, "-", "_" and "." only, at most ${STACK_NAME_MAX} characters${options.qualified ? ", optionally org/project/ before it" : ", no \"/\""}`;
    throw new UserError(`${where}: ${JSON.stringify(name.length > 120 ? `${name.slice(0, 117)}...` : name)} is not a Pulumi stack name (${rule})`);
  }
  return name;
}

/**
 * An environment stack name: a plain stack name without a dot (that marks a branch stack), short
 * enough to leave room for a branch after it. Also a safe part of a file name.
 */
export function isEnvironmentStackName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,63}$/.test(name);
}

export function checkEnvironment(environment: string): string {
  if (!isEnvironmentStackName(environment)) {
    throw new UserError(`--env: "${environment}" is not an environment stack name (letters, digits, - and _ only, at most 63 characters)`);
  }
  return environment;
}
