/**
 * Benchmark 1: command start-up, whole process, against `node -e 0` (Node's own start-up, the
 * floor every command pays): `--help`, and `names --stack dev` for one branch on stdin.
 * The compiled bin (dist/cli/main.js) runs, as the package's users start it.
 */
import { compare, timed, timedCli, type Case, type CaseResult, type Sample } from "./measure";

export interface StartupResult {
  readonly results: CaseResult[];
}

export async function startupBench(runs: number): Promise<StartupResult> {
  // Every answer is checked: a fast failure must not count as a start-up.
  const verified = (name: string, run: () => Promise<Sample & { stdout: string }>, ok: (stdout: string) => boolean) => async () => {
    const sample = await run();
    if (!ok(sample.stdout)) throw new Error(`${name} gave an unexpected answer: ${sample.stdout.slice(0, 200)}`);
    return { ms: sample.ms };
  };
  const cases: Case[] = [
    { name: "node -e 0", command: "node -e 0", run: verified("node -e 0", () => timed(process.execPath, ["-e", "0"]), (out) => out === "") },
    {
      name: "--help",
      command: "node dist/cli/main.js --help",
      run: verified("--help", () => timedCli(["--help"]), (out) => out.includes("next-tag") && out.includes("stacks")),
    },
    {
      name: "names --stack dev (one branch)",
      command: "echo feature/login | node dist/cli/main.js names --stack dev",
      run: verified("names", () => timedCli(["names", "--stack", "dev"], { input: "feature/login\n" }), (out) => JSON.parse(out).deploymentName === "example--feature-login"),
    },
  ];
  return { results: await compare(cases, runs) };
}
