/**
 * The source hash in a git work tree, where git's index vouches for unchanged tracked files: the
 * hash must be the one the plain walk gives (`useGit: false`) after every kind of change, and git
 * must be believed only where it cannot be wrong.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { hashSource, type SourceHash, type SourceHashInput } from "../lib/build/sourceHash";
import { RACY_WINDOW_MS } from "../lib/build/statCache";

const base = mkdtempSync(path.join(tmpdir(), "source-hash-git-"));
after(() => fs.rm(base, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });

const files: Record<string, string> = {
  ".dockerignore": ".git\n**/*.log\n",
  ".gitignore": "*.tmp\n",
  "app.py": "print(1)\n",
  "pkg/mod.py": "x = 1\n",
  "pkg/deep/more.py": "y = 2\n",
  "pkg/trace.log": "dockerignored, tracked\n",
  "build.tmp": "gitignored, not dockerignored: in the context\n",
};

async function write(dir: string, tree: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(tree)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
}

/**
 * Fresh repositories, committed. Git's index vouches only for entries older (in whole seconds)
 * than the index, and our cache remembers only files older than RACY_WINDOW_MS: so the files
 * are written first, committed a second later, and used once both ages are reached.
 */
interface Special {
  /** Runs on the files before the commit (and before the second that separates them). */
  readonly files?: (dir: string) => Promise<void>;
  /** `git config` pairs set before `git add`. */
  readonly config?: readonly [string, string][];
}

async function repositories(specials: readonly Special[]): Promise<string[]> {
  const dirs: string[] = [];
  for (const special of specials) {
    const dir = await fs.mkdtemp(path.join(base, "repo-"));
    await write(dir, files);
    await fs.symlink("app.py", path.join(dir, "link"));
    await fs.chmod(path.join(dir, "pkg/mod.py"), 0o755);
    await special.files?.(dir);
    dirs.push(dir);
  }
  const written = Date.now();
  await sleep(1100);
  dirs.forEach((dir, i) => {
    git(dir, "init", "-q");
    for (const [key, value] of specials[i]?.config ?? []) git(dir, "config", key, value);
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "init");
  });
  await sleep(Math.max(0, written + RACY_WINDOW_MS + 200 - Date.now()));
  return dirs;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const defaults = { dockerfile: { contents: "FROM python:3.12\nCOPY . /app\n" }, buildArgs: {}, dagsterVersion: "1.9.0" };
let caches = 0;

/** Hashes with git (and a stat cache of its own) and without; asserts both agree. */
async function hashBoth(contextDir: string, over: Partial<SourceHashInput> = {}): Promise<SourceHash> {
  const input = { ...defaults, cacheDir: path.join(base, `cache-${path.basename(contextDir)}`), contextDir, ...over };
  const withGit = await hashSource(input);
  const withoutGit = await hashSource({ ...input, cacheDir: path.join(base, `plain-cache-${caches++}`), useGit: false });
  assert.equal(withGit.hash, withoutGit.hash, "git's index and the plain walk disagree");
  assert.equal(withGit.files, withoutGit.files);
  assert.equal(withoutGit.gitIndexFiles, 0);
  return withGit;
}

describe("source hash in a git work tree", () => {
  let repos: string[];
  let next = 0;
  const repo = () => repos[next++] as string;
  let mtimeAhead: string; // one file's mtime an hour ahead, its ctime (and so the index) older
  let modeFalse: string; // committed with core.fileMode false: pkg/mod.py is 0755, its entry 100644
  before(async () => {
    const ahead = async (dir: string) => {
      const future = new Date(Date.now() + 3_600_000);
      await fs.utimes(path.join(dir, "pkg/deep/more.py"), future, future);
    };
    [mtimeAhead, modeFalse, ...repos] = (await repositories([{ files: ahead }, { config: [["core.fileMode", "false"]] }, ...Array<Special>(18).fill({})])) as [string, string, ...string[]];
  });

  test("the same hash as without git, from git's index, and then from the stat cache", async () => {
    const dir = repo();
    const first = await hashBoth(dir);
    // app.py, pkg/mod.py, pkg/deep/more.py, .dockerignore, .gitignore from the index; link and
    // build.tmp (gitignored, still sent to Docker) by the walk.
    assert.equal(first.files, 7);
    assert.equal(first.gitIndexFiles, 5);
    const second = await hashBoth(dir);
    assert.equal(second.hash, first.hash);
    assert.equal(second.cachedFiles, 6); // every regular file
    // A copy without .git: the walk alone, another machine's checkout.
    const copy = await fs.mkdtemp(path.join(base, "copy-"));
    await write(copy, files);
    await fs.symlink("app.py", path.join(copy, "link"));
    await fs.chmod(path.join(copy, "pkg/mod.py"), 0o755);
    const plain = await hashSource({ ...defaults, contextDir: copy });
    assert.equal(plain.hash, first.hash);
    assert.equal(plain.gitIndexFiles, 0);
  });

  test("a change that keeps size and mtime (only the ctime moves) is seen", async () => {
    const dir = repo();
    const before = await hashBoth(dir);
    await hashBoth(dir); // cached now
    const file = path.join(dir, "app.py");
    const { atime, mtime } = await fs.stat(file);
    await fs.writeFile(file, "print(2)\n"); // same size
    await fs.utimes(file, atime, mtime);
    assert.equal(git(dir, "diff-files", "--name-only"), "app.py\n"); // git sees it too (ctime)
    const after = await hashBoth(dir);
    assert.notEqual(after.hash, before.hash);
    assert.equal(after.gitIndexFiles, before.gitIndexFiles - 1);
  });

  test("an untracked file, and a gitignored one, are in the hash", async () => {
    const dir = repo();
    const before = await hashBoth(dir);
    await write(dir, { "pkg/new.py": "z = 3\n" });
    const withUntracked = await hashBoth(dir);
    assert.notEqual(withUntracked.hash, before.hash);
    await write(dir, { "pkg/deep/other.tmp": "ignored by git only\n" });
    assert.notEqual((await hashBoth(dir)).hash, withUntracked.hash);
  });

  test("untracked directories, and a new file in one, count", async () => {
    const dir = repo();
    await write(dir, { "fresh/a/b.py": "1\n", "fresh/c.log": "ignored\n" });
    const before = await hashBoth(dir);
    await write(dir, { "fresh/a/d.py": "2\n" });
    assert.notEqual((await hashBoth(dir)).hash, before.hash);
  });

  test("a .dockerignore edit that drops, then re-admits, a tracked file", async () => {
    const dir = repo();
    const before = await hashBoth(dir);
    await fs.appendFile(path.join(dir, ".dockerignore"), "pkg/deep\n!pkg/trace.log\n");
    const edited = await hashBoth(dir);
    assert.notEqual(edited.hash, before.hash);
    // The same as a tree without pkg/deep and with pkg/trace.log sent.
    await fs.rm(path.join(dir, "pkg/deep"), { recursive: true });
    assert.equal((await hashBoth(dir)).hash, edited.hash);
  });

  test("a deleted tracked file, and a tracked file replaced by a directory", async () => {
    const dir = repo();
    const before = await hashBoth(dir);
    await fs.rm(path.join(dir, "pkg/mod.py"));
    const deleted = await hashBoth(dir);
    assert.notEqual(deleted.hash, before.hash);
    await write(dir, { "pkg/mod.py/inner.py": "w = 4\n" });
    assert.notEqual((await hashBoth(dir)).hash, deleted.hash);
    await fs.rm(path.join(dir, "pkg"), { recursive: true });
    await write(dir, { pkg: "a file now\n" }); // a tracked directory replaced by a file
    await hashBoth(dir);
  });

  test("the executable bit counts even where the repository ignores it (core.fileMode false)", async () => {
    assert.equal(git(modeFalse, "ls-files", "-s", "pkg/mod.py").slice(0, 6), "100644");
    assert.equal(git(modeFalse, "diff-files", "--name-only"), ""); // git sees no change
    const first = await hashBoth(modeFalse);
    assert.equal(first.gitIndexFiles, 4); // not pkg/mod.py
    await fs.chmod(path.join(modeFalse, "app.py"), 0o755);
    assert.equal(git(modeFalse, "status", "--porcelain", "--untracked-files=no"), ""); // still none
    assert.notEqual((await hashBoth(modeFalse)).hash, first.hash);
  });

  test("a symlink retargeted (same length) and a symlink replacing a file", async () => {
    const dir = repo();
    const before = await hashBoth(dir);
    await fs.rm(path.join(dir, "link"));
    await fs.symlink("pkg.py", path.join(dir, "link"));
    const retargeted = await hashBoth(dir);
    assert.notEqual(retargeted.hash, before.hash);
    await fs.rm(path.join(dir, "app.py"));
    await fs.symlink("pkg/mod.py", path.join(dir, "app.py"));
    assert.notEqual((await hashBoth(dir)).hash, retargeted.hash);
  });

  test("files git is told not to look at (assume-unchanged, skip-worktree) are read anyway", async () => {
    const dir = repo();
    const before = await hashBoth(dir);
    await hashBoth(dir);
    git(dir, "update-index", "--assume-unchanged", "app.py");
    git(dir, "update-index", "--skip-worktree", "pkg/mod.py");
    await fs.writeFile(path.join(dir, "app.py"), "print(3)\n");
    await fs.writeFile(path.join(dir, "pkg/mod.py"), "x = 5\n");
    assert.equal(git(dir, "diff-files", "--name-only"), ""); // git reports neither
    const after = await hashBoth(dir);
    assert.notEqual(after.hash, before.hash);
    assert.equal(after.gitIndexFiles, before.gitIndexFiles - 2);
  });

  test("racily clean entries (not older than the index) are not taken from it", async () => {
    const dir = repo();
    const reference = await hashBoth(dir);
    // An index written in the same second as its entries' mtimes: every entry is racy.
    const { mtime } = await fs.stat(path.join(dir, "app.py"));
    await fs.utimes(path.join(dir, ".git/index"), mtime, mtime);
    const racy = await hashBoth(dir);
    assert.equal(racy.hash, reference.hash);
    assert.equal(racy.gitIndexFiles, 0);
  });

  test("an entry whose ctime is not older than the index, though its mtime is, is not taken from it", async () => {
    const dir = repo();
    const reference = await hashBoth(dir);
    const file = path.join(dir, "app.py");
    const past = new Date(Date.now() - 3_600_000);
    await fs.utimes(file, past, past); // an old mtime, a new ctime (as unpacking an archive gives)
    git(dir, "add", "app.py");
    const { ctime } = await fs.stat(file);
    await fs.utimes(path.join(dir, ".git/index"), ctime, ctime); // written in that same second
    const racy = await hashBoth(dir);
    assert.equal(racy.hash, reference.hash);
    assert.equal(racy.gitIndexFiles, reference.gitIndexFiles - 1);
  });

  test("an entry whose mtime is ahead of the index, though its ctime is older, is not taken from it", async () => {
    const { mtimeMs, ctimeMs } = await fs.stat(path.join(mtimeAhead, "pkg/deep/more.py"));
    const { mtimeMs: indexMs } = await fs.stat(path.join(mtimeAhead, ".git/index"));
    assert.ok(ctimeMs < indexMs - 1000 && mtimeMs > indexMs);
    const ahead = await hashBoth(mtimeAhead);
    assert.equal(ahead.gitIndexFiles, 4);
  });

  test("entries git vouches for are not remembered until they are older than the racy window", async () => {
    const dir = repo();
    await fs.writeFile(path.join(dir, "app.py"), "print(7)\n");
    git(dir, "add", "app.py"); // an index entry of just now, racy in the index written with it
    await sleep(1100);
    git(dir, "status", "--porcelain"); // rewrites the index a second later: the entry is no longer racy
    const first = await hashBoth(dir);
    assert.equal(first.gitIndexFiles, 5); // vouched for by git...
    const second = await hashBoth(dir);
    assert.equal(second.cachedFiles, 5); // ...but younger than RACY_WINDOW_MS: read again, not remembered
    await sleep(RACY_WINDOW_MS);
    await hashBoth(dir);
    assert.equal((await hashBoth(dir)).cachedFiles, 6);
  });

  test("a submodule's files, and a .git git never lists, are hashed as Docker sends them", async () => {
    const dir = repo();
    const sub = await fs.mkdtemp(path.join(base, "sub-"));
    await write(sub, { "lib.py": "s = 1\n" });
    git(sub, "init", "-q");
    git(sub, "add", "-A");
    git(sub, "commit", "-q", "-m", "sub");
    git(dir, "submodule", "add", "-q", sub, "vendor/sub");
    git(dir, "commit", "-q", "-m", "with submodule");
    await write(dir, { "pkg/.git": "gitdir: nowhere\n" }); // listed by no git command
    const before = await hashBoth(dir);
    await fs.writeFile(path.join(dir, "vendor/sub/lib.py"), "s = 2\n");
    assert.notEqual((await hashBoth(dir)).hash, before.hash);
    await fs.writeFile(path.join(dir, "pkg/.git"), "gitdir: elsewhere\n");
    await hashBoth(dir);
  });

  test("a build context in a subdirectory of the work tree", async () => {
    const dir = repo();
    const context = path.join(dir, "pkg");
    const dockerfile = { path: path.join(dir, "Dockerfile") }; // outside the context, no .dockerignore in it
    await fs.writeFile(dockerfile.path, "FROM scratch\n");
    const first = await hashBoth(context, { dockerfile });
    assert.equal(first.files, 3); // mod.py, deep/more.py, trace.log: no .dockerignore applies
    assert.equal(first.gitIndexFiles, 3);
    await fs.writeFile(path.join(dir, "app.py"), "outside the context\n");
    assert.equal((await hashBoth(context, { dockerfile })).hash, first.hash);
    await fs.writeFile(path.join(context, "deep/more.py"), "y = 3\n");
    assert.notEqual((await hashBoth(context, { dockerfile })).hash, first.hash);
  });

  test("a build context that git does not track at all (an untracked, a gitignored directory)", async () => {
    const dir = repo();
    await write(dir, { "fresh/a.py": "1\n", "fresh/sub/b.py": "2\n", "out.tmp/c.py": "3\n", Dockerfile: "FROM scratch\n" });
    const dockerfile = { path: path.join(dir, "Dockerfile") };
    for (const context of ["fresh", "out.tmp"]) {
      const result = await hashBoth(path.join(dir, context), { dockerfile });
      assert.equal(result.gitIndexFiles, 0);
    }
    assert.equal((await hashBoth(path.join(dir, "fresh"), { dockerfile })).files, 2);
  });

  test("a stat cache inside the context (not dockerignored) does not change the hash", async () => {
    const dir = repo();
    const reference = await hashBoth(dir);
    const inner = path.join(dir, "node_modules/.cache/dcl");
    await hashSource({ ...defaults, contextDir: dir, cacheDir: inner });
    const again = await hashSource({ ...defaults, contextDir: dir, cacheDir: inner });
    assert.equal(again.hash, reference.hash);
    assert.equal(again.cachedFiles, 6);
  });

  test("a file name that is not valid UTF-8, tracked, is the same user error as without git", async () => {
    const dir = repo();
    await fs.writeFile(Buffer.from(`${dir}/bad-\xff`, "latin1"), "x");
    git(dir, "add", "-A");
    for (const useGit of [true, false]) {
      await assert.rejects(hashSource({ ...defaults, contextDir: dir, useGit }), /not valid UTF-8/);
    }
  });

  test("a conflicted path (index stages 1-3) is read from the work tree", async () => {
    const dir = repo();
    git(dir, "checkout", "-q", "-b", "other");
    await fs.writeFile(path.join(dir, "app.py"), "print('other')\n");
    git(dir, "commit", "-q", "-am", "other");
    git(dir, "checkout", "-q", "main");
    await fs.writeFile(path.join(dir, "app.py"), "print('main')\n");
    git(dir, "commit", "-q", "-am", "main");
    assert.throws(() => git(dir, "merge", "-q", "other")); // conflict
    const conflicted = await hashBoth(dir);
    assert.equal(conflicted.files, 7);
  });
});
