/**
 * Benchmark 2: hashSource over a generated git work tree (first run with an empty stat cache,
 * repeated run with a warm one) against `tar -c` of the same files piped to `sha256sum`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { compare, REPO_ROOT, timed, timedNode, type Case, type CaseResult, type Sample } from "./measure";

export interface HashSizeResult {
  readonly files: number;
  readonly bytes: number;
  /** Files the repeated run took from the stat cache (should equal `files`). */
  readonly cachedFiles: number;
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
}

export async function hashBench(fileCounts: readonly number[], runsFor: (files: number) => number, log: (line: string) => void): Promise<HashSizeResult[]> {
  const out: HashSizeResult[] = [];
  for (const files of fileCounts) {
    const work = mkdtempSync(path.join(tmpdir(), "bench-hash-"));
    try {
      const tree = path.join(work, "context");
      const cacheDir = path.join(work, "cache"); // outside the context, as node_modules/.cache would be dockerignored
      const started = Date.now();
      generateTree(tree, files);
      log(`  generated ${files} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      let last: { files: number; bytes: number; cachedFiles: number } = { files: 0, bytes: 0, cachedFiles: 0 };
      const hashRun = (cold: boolean) => async (): Promise<Sample> => {
        const { stdout } = await timedNode(CHILD, [tree, cacheDir, ...(cold ? ["--cold"] : [])]);
        const report = JSON.parse(stdout) as { ms: number; files: number; bytes: number; cachedFiles: number };
        if (!cold) last = report;
        return { ms: report.ms };
      };
      const cases: Case[] = [
        {
          name: "tar -c | sha256sum (baseline)",
          command: "tar -c --exclude=.git --exclude='*.log' . | sha256sum",
          // The same files hashSource reads (.dockerignore applied), so both read the same bytes.
          run: () => timed("sh", ["-c", "tar -c --exclude=.git --exclude='*.log' . | sha256sum"], { cwd: tree }),
        },
        { name: "hashSource, first run (empty stat cache)", command: "hashSource({contextDir, cacheDir}) after rm -rf cacheDir", run: hashRun(true) },
        { name: "hashSource, repeated run (warm stat cache)", command: "hashSource({contextDir, cacheDir})", run: hashRun(false) },
      ];
      const runs = runsFor(files);
      // warm-up: the baseline first, so every measured run finds the tree in the page cache.
      const results = await compare(cases, runs, 1);
      out.push({ ...last, runs, results });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return out;
}
