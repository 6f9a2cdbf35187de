import { UserError } from "../shared/errors";
import { branchSlug, fitName } from "../plan/names";
import { STACK_NAME_MAX } from "../shared/stackName";

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
