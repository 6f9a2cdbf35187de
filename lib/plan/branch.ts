import { execFileSync } from "node:child_process";

/** CI variables that name the branch being built, most specific first (a PR's head before its ref). */
export const CI_BRANCH_VARIABLES = [
  "GITHUB_HEAD_REF",
  "GITHUB_REF_NAME",
  "CI_COMMIT_REF_NAME",
  "SYSTEM_PULLREQUEST_SOURCEBRANCH",
  "BUILD_SOURCEBRANCHNAME",
  "BITBUCKET_BRANCH",
] as const;

/**
 * Set by `stacks preview` for a pull request's preview of an environment stack: what merging it
 * would do. The program lets that preview (never an update) run from the pull request's checkout.
 */
export const MERGE_PREVIEW_ENV = "DAGSTER_CODE_LOCATIONS_MERGE_PREVIEW";

export interface BranchSources {
  /** The stack's `branch` config key. */
  readonly configured: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** The current git branch, undefined when detached or not a git checkout. */
  readonly gitBranch: () => string | undefined;
  readonly stack: string;
  readonly environment: string;
}

export interface ResolvedBranch {
  readonly branch: string;
  /** Where it came from, for messages: "config", the CI variable's name, "git" or "stack name". */
  readonly source: string;
}

/** The first that applies: stack config, CI variables, the git checkout, the stack name. */
export function resolveBranch(sources: BranchSources): ResolvedBranch {
  if (sources.configured?.trim()) return { branch: sources.configured.trim(), source: "config" };
  for (const name of CI_BRANCH_VARIABLES) {
    const value = sources.env[name]?.trim();
    if (value) return { branch: value.replace(/^refs\/heads\//, ""), source: name };
  }
  const git = sources.gitBranch();
  if (git) return { branch: git, source: "git" };
  // Branch stacks are named `<env>.<branch>`: the part after the environment is the branch.
  const prefix = `${sources.environment}.`;
  const stack = sources.stack.startsWith(prefix) ? sources.stack.slice(prefix.length) : sources.stack;
  return { branch: stack, source: "stack name" };
}

/** `git rev-parse --abbrev-ref HEAD` in `dir`; undefined when detached, not a checkout, or no git. */
export function currentGitBranch(dir: string): string | undefined {
  try {
    const out = execFileSync("git", ["rev-parse", "--abbrev-ref", "HEAD"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
    return out === "" || out === "HEAD" ? undefined : out;
  } catch {
    return undefined;
  }
}
