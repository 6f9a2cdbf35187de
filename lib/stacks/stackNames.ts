import { UserError } from "../shared/errors";
import { branchSlug } from "../plan/names";

/**
 * Branch stacks are `<env>.<branch slug>`; environment stacks carry no dot. The slug is the same
 * one the deployment name uses, so a stack name tells which code location it owns.
 */
export function branchStackName(environment: string, branch: string): string {
  const slug = branchSlug(branch);
  if (slug === "") throw new UserError(`branch "${branch}" has no letters or digits to name a stack after`);
  return `${environment}.${slug}`;
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

/** An environment name must be a plain stack name: no dot (that marks a branch stack) and no slash. */
export function checkEnvironment(environment: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(environment)) {
    throw new UserError(`--env: "${environment}" is not an environment stack name (letters, digits, - and _ only)`);
  }
  return environment;
}
