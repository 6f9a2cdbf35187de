import { UserError } from "../shared/errors";
import { branchSlug, fitName } from "../plan/names";

/** Pulumi's own rule for a stack name (pkg/backend's validateStackName): also a safe file name part. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const STACK_NAME_MAX = 100;

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
 * Branch stacks are `<env>.<branch slug>`; environment stacks carry no dot. The slug is the same
 * one the deployment name uses, so a stack name tells which code location it owns.
 */
export function branchStackName(environment: string, branch: string): string {
  const slug = branchSlug(branch);
  if (slug === "") throw new UserError(`branch "${branch}" has no letters or digits to name a stack after`);
  // Pulumi allows 100 characters: a longer slug is shortened the way deployment names are.
  return `${environment}.${fitName(slug, STACK_NAME_MAX - environment.length - 1)}`;
}

/** `org/project/dev.x` → `dev.x`: cloud backends may list fully qualified names. */
export function shortStackName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** The branch slug of a branch stack of `environment`, undefined for any other stack. */
export function branchOfStack(environment: string, stack: string): string | undefined {
  const short = shortStackName(stack);
  const prefix = `${environment}.`;
  return short.startsWith(prefix) && short.length > prefix.length ? short.slice(prefix.length) : undefined;
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
