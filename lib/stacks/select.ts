import { UserError } from "../shared/errors";
import { branchSlug } from "../plan/names";
import { branchOfStack, branchStackName, shortStackName } from "./stackNames";

/** One row of `pulumi stack ls --json`, the fields used here. */
export interface StackSummary {
  readonly name: string;
  readonly lastUpdate?: string;
  readonly updateInProgress?: boolean;
  readonly url?: string;
}

/** The branch stacks of one environment, never the environment stack itself. */
export function branchStacks(environment: string, stacks: readonly StackSummary[]): StackSummary[] {
  return stacks.filter((s) => branchOfStack(environment, s.name) !== undefined);
}

export function findStack(stacks: readonly StackSummary[], name: string): StackSummary | undefined {
  return stacks.find((s) => s.name === name) ?? stacks.find((s) => shortStackName(s.name) === name);
}

export type DestroyTarget = { readonly branch: string } | { readonly stack: string } | { readonly all: true };

/** What `destroy` removes: exactly one existing branch stack, or all of the environment's. */
export function destroyTargets(environment: string, target: DestroyTarget, stacks: readonly StackSummary[]): StackSummary[] {
  if ("all" in target) return branchStacks(environment, stacks);
  const name = "branch" in target ? branchStackName(environment, target.branch) : target.stack;
  if (branchOfStack(environment, name) === undefined) {
    // The environment stacks (dev, acc) hold the shared deployment: never removed from here.
    throw new UserError(
      `--stack ${name}: not a branch stack of environment "${environment}" (named ${environment}.<branch>); ` +
        `environment stacks are destroyed only with pulumi destroy -s ${name}`,
    );
  }
  const found = findStack(stacks, name);
  if (!found) throw new UserError(`no stack ${name} (pulumi stack ls lists the stacks there are)`);
  return [found];
}

export interface PruneCriteria {
  /** Branch names on the remote; undefined when --gone-branches was not asked for. */
  readonly remoteBranches?: readonly string[];
  /** --older-than in milliseconds. */
  readonly olderThanMs?: number;
  readonly now: Date;
}

export interface PruneCandidate {
  readonly stack: StackSummary;
  readonly reason: string;
}

/**
 * Branch stacks to prune: their branch is gone from the remote (compared by slug, as the stack is
 * named), or their last update is older than the limit. A stack being updated right now, or whose
 * last update time is unknown, is never pruned for its age.
 */
export function pruneCandidates(environment: string, stacks: readonly StackSummary[], criteria: PruneCriteria): PruneCandidate[] {
  const remote = criteria.remoteBranches === undefined ? undefined : new Set(criteria.remoteBranches.map(branchSlug));
  const out: PruneCandidate[] = [];
  for (const stack of branchStacks(environment, stacks)) {
    if (stack.updateInProgress) continue;
    const slug = branchOfStack(environment, stack.name) ?? "";
    const reasons: string[] = [];
    if (remote !== undefined && !remote.has(slug)) reasons.push("branch gone from the remote");
    if (criteria.olderThanMs !== undefined && stack.lastUpdate !== undefined) {
      const at = Date.parse(stack.lastUpdate);
      if (!Number.isNaN(at) && criteria.now.getTime() - at > criteria.olderThanMs) reasons.push(`last updated ${stack.lastUpdate}`);
    }
    if (reasons.length > 0) out.push({ stack, reason: reasons.join(", ") });
  }
  return out;
}

/** `git ls-remote --heads` output → branch names. */
export function parseLsRemoteHeads(output: string): string[] {
  const heads: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const ref = line.split("\t")[1]?.trim();
    if (ref?.startsWith("refs/heads/")) heads.push(ref.slice("refs/heads/".length));
  }
  return heads;
}
