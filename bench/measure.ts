import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pairedRatio, summarize, type Summary } from "./stats";

export const REPO_ROOT = path.resolve(__dirname, "..");
const PROBE = path.join(__dirname, "probe.cjs");

/** One measured run. */
export interface Sample {
  readonly ms: number;
  /** Peak RSS in KiB, when the child reported it. */
  readonly rssKb?: number;
  /** Modules under @pulumi/azure-native the child loaded, when it reported them. */
  readonly azureNative?: readonly string[];
}

export interface Case {
  readonly name: string;
  /** Exactly what runs, as shown in docs/performance.md. */
  readonly command: string;
  readonly run: () => Promise<Sample>;
}

export interface CaseResult {
  readonly name: string;
  readonly command: string;
  readonly time: Summary;
  readonly rss?: Summary;
  /** Median of per-round time ratios against the first case (the baseline); 1 for the baseline. */
  readonly timeRatio: number;
  readonly rssRatio?: number;
  readonly samples: readonly Sample[];
}

/**
 * Runs every case `warmup` times, then `runs` rounds in which each case runs once. The order
 * rotates each round (AB, BA, ...) so no case always runs right after the same other one.
 * The first case is the baseline the ratios are taken against.
 */
export async function compare(cases: readonly Case[], runs: number, warmup = 1): Promise<CaseResult[]> {
  for (let i = 0; i < warmup; i++) for (const c of cases) await c.run();
  const samples: Sample[][] = cases.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      samples[index]!.push(await cases[index]!.run());
    }
  }
  const base = samples[0]!;
  return cases.map((c, i) => {
    const own = samples[i]!;
    const rss = own.every((s) => s.rssKb !== undefined) ? own.map((s) => s.rssKb!) : undefined;
    const baseRss = base.every((s) => s.rssKb !== undefined) ? base.map((s) => s.rssKb!) : undefined;
    return {
      name: c.name,
      command: c.command,
      time: summarize(own.map((s) => s.ms)),
      rss: rss && summarize(rss),
      timeRatio: pairedRatio(own.map((s) => s.ms), base.map((s) => s.ms)),
      rssRatio: rss && baseRss ? pairedRatio(rss, baseRss) : undefined,
      samples: own,
    };
  });
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string | Buffer;
  /** Preload probe.cjs (Node children only) to get peak RSS and loaded azure-native modules. */
  readonly probe?: boolean;
}

/** Runs a command to completion, timing it from spawn to exit; a non-zero exit is an error. */
export async function timed(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Sample & { stdout: string }> {
  const probeDir = options.probe ? mkdtempSync(path.join(tmpdir(), "bench-probe-")) : undefined;
  const probeOut = probeDir && path.join(probeDir, "probe.json");
  const env = { ...(options.env ?? process.env), ...(probeOut ? { BENCH_PROBE_OUT: probeOut } : {}) };
  try {
    const start = process.hrtime.bigint();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      let err = "";
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => {
        if (err.length < 8000) err += c.toString("utf8");
      });
      child.once("error", reject);
      child.once("close", (exit) => resolve({ code: exit, stdout: Buffer.concat(out).toString("utf8"), stderr: err }));
      child.stdin.end(options.input);
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}:\n${stderr}`);
    if (!probeOut) return { ms, stdout };
    const report = JSON.parse(readFileSync(probeOut, "utf8")) as { maxRssKb: number; azureNative: string[] };
    return { ms, stdout, rssKb: report.maxRssKb, azureNative: report.azureNative };
  } finally {
    if (probeDir) rmSync(probeDir, { recursive: true, force: true });
  }
}

/** The compiled command, as the package's bin and `npm run` start it (`npm run bench` builds it first). */
export const CLI = path.join(REPO_ROOT, "dist/cli/main.js");

/**
 * `node [--require probe.cjs] FILE ARGS`, timed: compiled JavaScript as users run it (no TypeScript
 * loader), plus the probe when `options.probe` asks for peak RSS and loaded modules.
 */
export function timedNode(file: string, args: readonly string[], options: SpawnOptions = {}): Promise<Sample & { stdout: string }> {
  return timed(process.execPath, [...(options.probe ? ["--require", PROBE] : []), file, ...args], options);
}

/** `node --import tsx FILE ARGS`: for children that time their own work inside (hash-child.ts). */
export function timedTsx(file: string, args: readonly string[], options: SpawnOptions = {}): Promise<Sample & { stdout: string }> {
  return timed(process.execPath, ["--import", "tsx", file, ...args], options);
}

/** `node [--require probe.cjs] dist/cli/main.js ARGS`, timed. */
export function timedCli(args: readonly string[], options: SpawnOptions = {}): Promise<Sample & { stdout: string }> {
  return timedNode(CLI, args, options);
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}
