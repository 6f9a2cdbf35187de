/**
 * What git knows about a build context in a work tree, so that the source hash need neither list
 * nor stat what git already compared: the `git` binary walks the tree and compares the index's
 * stat data in C, with a thread per core (preload-index), for a fraction of one lstat per file
 * from Node.
 *
 * Only a shortcut: anything unexpected (no git, not a work tree, an index this module does not
 * read, the index rewritten while we look, git failing) gives undefined and the caller walks and
 * stats every file as it does without git. What the index vouches for is never the content: the
 * caller still takes digests only from its own stat cache, keyed by the index's stat data (see
 * sourceHash.ts for why that cannot go stale), so git's clean/smudge filters, its blob ids and
 * its racy-clean content checks never enter the hash.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { GitListing } from "./contextEntry";
import { parseGitIndex } from "./gitIndex";

// git's defaults, forced, whatever the repository's config says: what makes "not reported by
// diff-files" mean an unchanged stat, and "listed by ls-files -o" every name but ".git".
const STRICT = [
  "core.fileMode=true",
  "core.trustctime=true",
  "core.checkStat=default",
  "core.symlinks=true",
  "core.fsmonitor=false",
  "core.ignoreStat=false",
  "core.ignoreCase=false",
  "core.untrackedCache=false",
].flatMap((c) => ["-c", c]);
const TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 1 << 30;

export async function gitListing(contextDir: string): Promise<GitListing | undefined> {
  try {
    const info = (await git(contextDir, ["rev-parse", "--is-inside-work-tree", "--show-prefix", "--show-object-format", "--git-path", "index"])).split("\n");
    const [inside, prefix, format, indexPath] = info;
    if (inside !== "true" || prefix === undefined || indexPath === undefined) return undefined;
    const oidBytes = format === "sha1" ? 20 : format === "sha256" ? 32 : undefined;
    if (oidBytes === undefined) return undefined;
    const indexFile = path.resolve(contextDir, indexPath);
    const { data, stat } = await readWithStat(indexFile);
    // "." limits both to the context. diff-files prints paths from the top of the work tree,
    // ls-files from the context.
    const changed = git(contextDir, [...STRICT, "diff-files", "--name-only", "-z", "--ignore-submodules=all", "--", "."]);
    const others = git(contextDir, [...STRICT, "ls-files", "--others", "--directory", "-z", "--", "."]);
    const outputs = Promise.all([changed, others]);
    outputs.catch(() => undefined); // (awaited below; no unhandled rejection while we parse)
    const tracked = parseGitIndex(data, { prefix, oidBytes, indexMtimeMs: stat.mtimeMs });
    if (tracked === undefined) return undefined;
    const [reported, untracked] = await outputs;
    // The entries must be the ones git compared: an index rewritten since we read it has
    // another inode (git writes index.lock and renames it), mtime or size.
    const now = await fs.stat(indexFile);
    if (now.ino !== stat.ino || now.mtimeMs !== stat.mtimeMs || now.size !== stat.size) return undefined;
    const dirty = new Set(reported.split("\0").filter((top) => top.startsWith(prefix)).map((top) => top.slice(prefix.length)));
    return {
      tracked: dirty.size === 0 ? tracked : tracked.map((t) => (typeof t !== "string" && dirty.has(t.rel) ? t.rel : t)),
      untracked: untracked.split("\0").filter((p) => p !== ""),
    };
  } catch {
    return undefined;
  }
}

function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["--no-optional-locks", ...args],
      // No prompts, no pager; LC_ALL for stable output. The index must stay as the user left it.
      { cwd, encoding: "utf8", timeout: TIMEOUT_MS, maxBuffer: MAX_OUTPUT, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", LC_ALL: "C" } },
      (err, stdout) => (err ? reject(err) : resolve(stdout.endsWith("\n") && !args.includes("-z") ? stdout.slice(0, -1) : stdout)),
    );
  });
}

async function readWithStat(file: string) {
  const handle = await fs.open(file, "r");
  try {
    return { stat: await handle.stat(), data: await handle.readFile() };
  } finally {
    await handle.close();
  }
}
