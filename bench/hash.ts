/**
 * Benchmark 2: hashSource over a generated git work tree (first run with an empty stat cache,
 * repeated run with a warm one, both with git's index; a repeated run without git, the walk any
 * other context gets) against `tar -c` of the same files piped to `sha256sum`. Every run's hash
 * must be the same, and every repeated run must have taken every digest from its cache (and,
 * with git, every file from the index): the benchmark fails otherwise.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { compare, REPO_ROOT, timed, timedTsx, type Case, type CaseResult, type Sample } from "./measure";

export interface HashSizeResult {
  readonly files: number;
  readonly bytes: number;
  /** Files the repeated runs took from the stat cache (checked: equal to `files`). */
  readonly cachedFiles: number;
  /** Files git's index vouched for in the repeated runs with git (checked: equal to `files`). */
  readonly gitIndexFiles: number;
  /** The one hash every run gave. */
  readonly hash: string;
  readonly runs: number;
  readonly results: CaseResult[];
}

const CHILD = path.join(REPO_ROOT, "bench/hash-child.ts");
const FILES_PER_DIR = 100;
const IGNORED_EVERY = 50; // one file in 50 is a *.log the .dockerignore drops

/**
 * A deterministic tree of `files` files of 200 B to 20 KB (about 10 KB on average, so 20,000
 * files make about 200 MB), 100 per directory, with a .dockerignore, committed to git.
 */
export function generateTree(root: string, files: number): void {
  // One pseudo-random pool (xorshift, fixed seed) sliced at different offsets: incompressible
  // content, cheap to make, the same on every machine.
  const pool = Buffer.alloc(1 << 20);
  let x = 0x9e3779b9;
  for (let i = 0; i < pool.length; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    pool.writeUInt32LE(x >>> 0, i);
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, ".dockerignore"), ".git\n**/*.log\n");
  writeFileSync(path.join(root, "Dockerfile"), "FROM python:3.12-slim\nCOPY . /app\n");
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `pkg${Math.floor(i / (FILES_PER_DIR * 10))}`, `mod${Math.floor(i / FILES_PER_DIR) % 10}`);
    if (i % FILES_PER_DIR === 0) mkdirSync(dir, { recursive: true });
    const size = 200 + ((i * 7919) % 19_800);
    const offset = (i * 104_729) % (pool.length - size);
    const name = i % IGNORED_EVERY === 0 ? `f${i}.log` : `f${i}.py`;
    writeFileSync(path.join(dir, name), Buffer.concat([Buffer.from(`# ${i}\n`), pool.subarray(offset, offset + size)]));
  }
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "core.compression=0", ...args], { cwd: root, stdio: "ignore" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "generated");
  // A repository at rest, as after any later git command: entries written in the second of the
  // commit are "racily clean" (hashSource does not take them from the index) until git rewrites
  // the index, which `git status` does once they are older than it.
  sleepSync(1100);
  git("status", "--porcelain");
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface ChildReport {
  readonly ms: number;
  readonly files: number;
  readonly bytes: number;
  readonly cachedFiles: number;
  readonly gitIndexFiles: number;
  readonly hash: string;
}

export async function hashBench(fileCounts: readonly number[], runsFor: (files: number) => number, log: (line: string) => void): Promise<HashSizeResult[]> {
  const out: HashSizeResult[] = [];
  for (const files of fileCounts) {
    const work = mkdtempSync(path.join(tmpdir(), "bench-hash-"));
    try {
      const tree = path.join(work, "context");
      const cacheDir = path.join(work, "cache"); // outside the context, as node_modules/.cache would be dockerignored
      const walkCacheDir = path.join(work, "walk-cache"); // its own: the walk's stat keys are not the index's
      const started = Date.now();
      generateTree(tree, files);
      log(`  generated ${files} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const reports: { mode: "first" | "repeated" | "walk"; report: ChildReport }[] = [];
      const hashRun = (mode: "first" | "repeated" | "walk") => async (): Promise<Sample> => {
        const args = mode === "walk" ? [tree, walkCacheDir, "--no-git"] : [tree, cacheDir, ...(mode === "first" ? ["--cold"] : [])];
        const { stdout } = await timedTsx(CHILD, args);
        const report = JSON.parse(stdout) as ChildReport;
        reports.push({ mode, report });
        return { ms: report.ms };
      };
      const cases: Case[] = [
        {
          name: "tar -c | sha256sum (baseline)",
          command: "tar -c --exclude=.git --exclude='*.log' . | sha256sum",
          // The same files hashSource reads (.dockerignore applied), so both read the same bytes.
          run: () => timed("sh", ["-c", "tar -c --exclude=.git --exclude='*.log' . | sha256sum"], { cwd: tree }),
        },
        { name: "hashSource, first run (empty stat cache)", command: "hashSource({contextDir, cacheDir}) after rm -rf cacheDir", run: hashRun("first") },
        { name: "hashSource, repeated run (git's index, warm stat cache)", command: "hashSource({contextDir, cacheDir})", run: hashRun("repeated") },
        { name: "hashSource, repeated run without git (the walk, warm stat cache)", command: "hashSource({contextDir, cacheDir: walkCacheDir, useGit: false})", run: hashRun("walk") },
      ];
      const runs = runsFor(files);
      // warm-up: the baseline first, so every measured run finds the tree in the page cache.
      const results = await compare(cases, runs, 1);
      out.push({ ...checkReports(files, reports.map((r) => r.report), reports.filter((r) => r.mode !== "first").slice(-runs * 2)), runs, results });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return out;
}

/** Every run the same hash; every measured repeated run fully cached (and, with git, from the index). */
function checkReports(generated: number, all: readonly ChildReport[], repeated: readonly { mode: string; report: ChildReport }[]) {
  const first = all[0];
  if (first === undefined) throw new Error("no hashSource run");
  const hashes = new Set(all.map((r) => r.hash));
  if (hashes.size !== 1) throw new Error(`hashSource gave ${hashes.size} different hashes over one unchanged tree: ${[...hashes].join(", ")}`);
  const expected = generated - Math.ceil(generated / IGNORED_EVERY) + 2; // the *.log files out; .dockerignore and Dockerfile in
  for (const { mode, report } of [{ mode: "first", report: first }, ...repeated]) {
    const problems = [
      report.files !== expected && `${report.files} files, not ${expected}`,
      mode !== "first" && report.cachedFiles !== report.files && `only ${report.cachedFiles} of ${report.files} digests from the stat cache`,
      mode === "repeated" && report.gitIndexFiles !== report.files && `only ${report.gitIndexFiles} of ${report.files} files from git's index`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`hashSource ${mode} run: ${problems.join("; ")}`);
  }
  const last = repeated.find((r) => r.mode === "repeated")?.report ?? first;
  return { files: first.files, bytes: first.bytes, cachedFiles: last.cachedFiles, gitIndexFiles: last.gitIndexFiles, hash: first.hash };
}
