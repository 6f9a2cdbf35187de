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
  /** --stale-locks: an update in progress for longer than this has no run behind it. */
  readonly staleLockMs?: number;
  readonly now: Date;
}

export interface PruneCandidate {
  readonly stack: StackSummary;
  readonly reason: string;
  /** Its update in progress is stale: cancel it (and refresh) first. */
  readonly staleLock: boolean;
  /** False for a stack pruned only for its stale lock: its branch lives, so it is unlocked, not destroyed. */
  readonly destroy: boolean;
}

/**
 * Branch stacks to prune: their branch is gone from the remote (compared by slug, as the stack is
 * named), or their last update is older than the limit. A stack being updated is left alone unless
 * its update has been in progress for longer than `staleLockMs` (a CI job killed mid-update); a
 * stack whose last update time is unknown is never pruned for its age.
 */
export function pruneCandidates(environment: string, stacks: readonly StackSummary[], criteria: PruneCriteria): PruneCandidate[] {
  // Compared by stack name, as a long branch's stack name is shortened.
  const remote =
    criteria.remoteBranches === undefined
      ? undefined
      : new Set(criteria.remoteBranches.filter((b) => branchSlug(b) !== "").map((b) => branchStackName(environment, b)));
  const out: PruneCandidate[] = [];
  const olderThan = (limitMs: number | undefined) => {
    return (stack: StackSummary) => {
      if (limitMs === undefined || stack.lastUpdate === undefined) return false;
      const at = Date.parse(stack.lastUpdate);
      return !Number.isNaN(at) && criteria.now.getTime() - at > limitMs;
    };
  };
  const old = olderThan(criteria.olderThanMs);
  const staleLock = olderThan(criteria.staleLockMs);
  for (const stack of branchStacks(environment, stacks)) {
    const stale = stack.updateInProgress === true && staleLock(stack);
    if (stack.updateInProgress && !stale) continue;
    const reasons: string[] = [];
    if (remote !== undefined && !remote.has(shortStackName(stack.name))) reasons.push("branch gone from the remote");
    if (old(stack)) reasons.push(`last updated ${stack.lastUpdate}`);
    const destroy = reasons.length > 0;
    if (stale) reasons.push(`update in progress since ${stack.lastUpdate}, with no run behind it`);
    if (reasons.length > 0) out.push({ stack, reason: reasons.join(", "), staleLock: stale, destroy });
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
