/**
 * Benchmark 4: `names` over 10,000 branch names, as a process (what a user runs) and the naming
 * function alone in this process (what the program pays per branch).
 */
import { deploymentNames } from "../lib/plan/names";
import { timedCli } from "./measure";
import { summarize, type Summary } from "./stats";

export interface NamesResult {
  readonly branches: number;
  readonly command: string;
  /** Whole `names` process, wall time. */
  readonly process: Summary;
  /** deploymentNames() over all branches, in-process. */
  readonly inProcess: Summary;
}

/** Branch names of the shapes people use: feature/JIRA-123-words, long ones, odd punctuation. */
export function branchNames(count: number): string[] {
  const words = ["login", "fix", "Add", "new", "asset", "sensor", "schedule", "Refactor", "io-manager", "dbt", "partition"];
  return Array.from({ length: count }, (_, i) => {
    const kind = ["feature", "bugfix", "hotfix", "release", "user/jan"][i % 5];
    const text = Array.from({ length: 1 + (i % 12) }, (_, k) => words[(i + k * 7) % words.length]).join(i % 3 === 0 ? " " : "_");
    return `${kind}/JIRA-${i} ${text}${i % 17 === 0 ? "!!" : ""}`;
  });
}

export async function namesBench(count: number, runs: number): Promise<NamesResult> {
  const branches = branchNames(count);
  const input = `${branches.join("\n")}\n`;
  const run = async () => {
    const sample = await timedCli(["names", "--stack", "dev"], { input });
    const lines = sample.stdout.trim().split("\n").length;
    if (lines !== count) throw new Error(`names printed ${lines} lines for ${count} branches`);
    return sample.ms;
  };
  const inProcess = () => {
    const start = process.hrtime.bigint();
    for (const branch of branches) deploymentNames({ project: "example", branch });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  await run(); // warm-up
  inProcess();
  const processMs: number[] = [];
  const inProcessMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    processMs.push(await run());
    inProcessMs.push(inProcess());
  }
  return { branches: count, command: "node dist/cli/main.js names --stack dev < 10000-branches.txt", process: summarize(processMs), inProcess: summarize(inProcessMs) };
}
