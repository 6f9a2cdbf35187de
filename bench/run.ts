/**
 * `npm run bench [-- --quick] [-- --only startup,program,hash,tags,names]`: runs the benchmarks of
 * docs/performance.md and rewrites its results block (between the `bench:results` markers).
 * Not part of `npm test`: it takes minutes and needs Debian packages (see packages.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { hashBench, type HashSizeResult } from "./hash";
import { fmtMs, REPO_ROOT, type CaseResult } from "./measure";
import { namesBench, type NamesResult } from "./names";
import { mergeResults } from "./results";
import { ensurePackages, packageVersions } from "./packages";
import { programBench, type ProgramResult } from "./program";
import { startupBench, type StartupResult } from "./startup";
import { tagsBench, type TagsResult } from "./tags";

const DOC = path.join(REPO_ROOT, "docs/performance.md");
const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" }, "no-write": { type: "boolean" } } });
  const only = new Set((values.only ?? "startup,program,hash,tags,names").split(","));
  const quick = values.quick === true;
  const runs = 5; // the issue's minimum, also with --quick: --quick only drops the 100,000-file tree
  const missing = ensurePackages(log);
  if (missing.length > 0 && (only.has("tags") || only.has("hash"))) {
    throw new Error(`cannot run the tag and hash benchmarks without: ${missing.join(" ")}`);
  }

  const sections: string[] = [];
  const started = new Date();
  if (only.has("startup")) {
    log("1. command start-up");
    sections.push(startupTable(await startupBench(runs)));
  }
  if (only.has("program")) {
    log("2. program evaluation");
    sections.push(programTable(await programBench(runs, log)));
  }
  if (only.has("hash")) {
    log("3. source hashing");
    const sizes = quick ? [1_000, 20_000] : [1_000, 20_000, 100_000];
    sections.push(hashTable(await hashBench(sizes, () => runs, log)));
  }
  if (only.has("tags")) {
    log("4. tag lookup");
    sections.push(tagsTable(await tagsBench(5_000, runs)));
  }
  if (only.has("names")) {
    log("5. names");
    sections.push(namesTable(await namesBench(10_000, runs)));
  }
  const all = ["startup", "program", "hash", "tags", "names"].every((name) => only.has(name));
  process.stdout.write(`${[machine(started), ...sections].join("\n\n")}\n`);
  if (!values["no-write"]) writeResults((old) => mergeResults(old, machine(started), sections, all));
}

function machine(started: Date): string {
  const cpus = os.cpus();
  const pkg = (name: string) => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  const npm = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/docker-build", "@pulumi/azure-native", "ts-node", "typescript"].map((n) => `${n} ${pkg(n)}`);
  const deb = Object.entries(packageVersions()).map(([n, v]) => `${n} ${v}`);
  return [
    `Measured ${started.toISOString().slice(0, 16).replace("T", " ")} UTC on ${os.type()} ${os.release()} (${os.arch()}),`,
    `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}.`,
    `npm: ${npm.join(", ")}. Debian: ${deb.join(", ")}.`,
  ].join("\n");
}

// A "|" inside a cell (the tar pipeline) would end the cell: escape it.
const row = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
const spread = (s: { median: number; min: number; max: number }, f: (n: number) => string) => `${f(s.median)} (${f(s.min)} – ${f(s.max)})`;
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const ratio = (r: number | undefined) => (r === undefined ? "–" : `${r.toFixed(2)}×`);

function timeTable(results: readonly CaseResult[], withRss: boolean): string[] {
  const head = ["case", "time: median (min – max)", "time ratio", ...(withRss ? ["peak RSS: median (min – max)", "RSS ratio"] : [])];
  return [
    row(head),
    row(head.map(() => "---")),
    ...results.map((r) =>
      row([r.name, spread(r.time, fmtMs), ratio(r.timeRatio), ...(withRss ? [r.rss ? spread(r.rss, mib) : "–", ratio(r.rssRatio)] : [])]),
    ),
  ];
}

function verdict(value: number, target: number): string {
  return value <= target ? `met (${value.toFixed(2)}× ≤ ${target}×)` : `**missed** (${value.toFixed(2)}× > ${target}×)`;
}

function startupTable(s: StartupResult): string {
  const [, help, names] = s.results;
  return [
    `### 1. Command start-up (${help!.time.n} runs per case after 1 warm-up, whole process, compiled dist/cli/main.js)`,
    "",
    ...timeTable(s.results, false),
    "",
    `Target ≤ 2× \`node -e 0\`: --help ${verdict(help!.timeRatio, 2)}; names for one branch ${verdict(names!.timeRatio, 2)}.`,
  ].join("\n");
}

function programTable(p: ProgramResult): string {
  const [, real, userLogin] = p.results;
  const worst = (key: "timeRatio" | "rssRatio") => Math.max(real![key] ?? NaN, userLogin![key] ?? NaN);
  return [
    `### 2. Program evaluation (${real!.time.n} runs per case after 1 warm-up, whole process)`,
    "",
    ...timeTable(p.results, true),
    "",
    `Target time ≤ 1.3× baseline (both logins): ${verdict(worst("timeRatio"), 1.3)}. Target memory ≤ 1.2×: ${verdict(worst("rssRatio"), 1.2)}.`,
    `@pulumi/azure-native modules loaded: ${p.azureNativeOn} with use_az_login true, ${p.azureNativeOff} with it false (asserted).`,
    `Pulumi's closure serializer on the three providers (what pulumi.dynamic.Resource ran on every evaluation; bench/closure-cost.cjs, ${p.closure.byValue.n} runs): ` +
      `${spread(p.closure.byValue, fmtMs)} writing them out by value (${p.closure.byValue.chars.toLocaleString("en")} characters, this repository's dist), ` +
      `${spread(p.closure.installed, fmtMs)} as requires of the installed package (${p.closure.installed.chars.toLocaleString("en")} characters). The program no longer runs it (components/dynamicResource.ts).`,
  ].join("\n");
}

function hashTable(sizes: readonly HashSizeResult[]): string {
  const lines = ["### 3. Source hashing (warm page cache; time of the hashSource call; 1 warm-up per case)", ""];
  for (const s of sizes) {
    const [, first, repeated, walk] = s.results;
    // The target is set at 20,000 and 100,000 files; smaller trees are reported, not judged.
    const judged = s.files >= 19_000;
    lines.push(
      `**${s.files.toLocaleString("en")} files, ${(s.bytes / 1e6).toFixed(0)} MB hashed** (${s.runs} runs; every run gave ${s.hash.slice(0, 19)}…; ` +
        `repeated runs took ${s.cachedFiles.toLocaleString("en")} digests from the stat cache, ${s.gitIndexFiles.toLocaleString("en")} files from git's index: checked)`,
      "",
      ...timeTable(s.results, false),
      "",
      `First run ≤ 1.0×: ${verdict(first!.timeRatio, 1.0)}. Repeated run ≤ 0.25×: ${judged ? verdict(repeated!.timeRatio, 0.25) : `not a target at this size (${repeated!.timeRatio.toFixed(2)}×)`}` +
        ` (without git: ${walk!.timeRatio.toFixed(2)}×).`,
      "",
    );
  }
  return lines.join("\n").trimEnd();
}

function tagsTable(t: TagsResult): string {
  const next = t.results.find((r) => r.name === "next-tag")!;
  const only = t.results.find((r) => r.name.startsWith("next-tag, command module"))!;
  return [
    `### 4. Tag lookup (${t.tags.toLocaleString("en")} tags, loopback docker-registry; whole process; next tag ${t.nextTag})`,
    "",
    ...timeTable(t.results, false),
    "",
    `Target no slower than podman: ${verdict(next.timeRatio, 1.0)} (command module alone: ${verdict(only.timeRatio, 1.0)}).`,
  ].join("\n");
}

function namesTable(n: NamesResult): string {
  const perSecond = (ms: number) => `${Math.round((n.branches / ms) * 1000).toLocaleString("en")}/s`;
  return [
    `### 5. Names (${n.branches.toLocaleString("en")} branch names, ${n.process.n} runs after 1 warm-up)`,
    "",
    row(["case", "time: median (min – max)", "throughput (median)"]),
    row(["---", "---", "---"]),
    row(["`names --stack dev` process", spread(n.process, fmtMs), perSecond(n.process.median)]),
    row(["deploymentNames() in-process", spread(n.inProcess, fmtMs), perSecond(n.inProcess.median)]),
  ].join("\n");
}

function writeResults(block: (old: string | undefined) => string): void {
  const doc = readFileSync(DOC, "utf8");
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${DOC} has no ${START} ... ${END} block`);
  const old = doc.slice(from + START.length, to).trim();
  writeFileSync(DOC, `${doc.slice(0, from + START.length)}\n${block(old === "" ? undefined : old)}\n${doc.slice(to)}`);
  log(`results written to ${path.relative(process.cwd(), DOC)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
