/**
 * Benchmark 2: evaluating the real program (`render --stack dev`: index.ts under Pulumi's mocks)
 * against bench/baseline (three SDKs, three resources, the same mocks and program loader), in a
 * project with the package installed as users have it (bench/installed.ts). Also asserts that
 * @pulumi/azure-native is loaded only when docker.use_az_login is on; shows this repository's own
 * render (the package linked into its node_modules) and what Pulumi's closure serializer would
 * cost for the providers, which components/dynamicResource.ts no longer runs.
 */
import * as path from "node:path";
import { CLI, compare, REPO_ROOT, timedNode, type Case, type CaseResult } from "./measure";
import { summarize, type Summary } from "./stats";
import { installedProject } from "./installed";

export interface ProgramResult {
  readonly results: CaseResult[];
  /** azure-native modules loaded by render with use_az_login true / false (first sample). */
  readonly azureNativeOn: number;
  readonly azureNativeOff: number;
  /** serializeFunction of the three providers, timed alone: by value (this repository's dist) and as requires (installed). */
  readonly closure: { readonly byValue: Summary & { chars: number }; readonly installed: Summary & { chars: number } };
}

const BASELINE = path.join(__dirname, "baseline/main.cjs");

export async function programBench(runs: number, log: (line: string) => void): Promise<ProgramResult> {
  log("  installing the packed package into a project made from the template");
  const project = installedProject();
  try {
    // The same project whose dev stack logs in with a user instead of Azure.
    const userLogin = project.variant("user-login", [[["config", "dagster-code-locations:docker", "use_az_login"], false]]);
    const bin = path.join(project.dir, "node_modules/dagster-code-locations/dist/cli/main.js");
    const render = (cwd: string, file = bin) => () => timedNode(file, ["render", "--stack", "dev", "--branch", "main"], { probe: true, cwd });
    const cases: Case[] = [
      { name: "baseline program (3 resources)", command: "node bench/baseline/main.cjs", run: () => timedNode(BASELINE, [], { probe: true }) },
      { name: "render --stack dev (use_az_login: true)", command: "cd <project>; node node_modules/dagster-code-locations/dist/cli/main.js render --stack dev --branch main", run: render(project.dir) },
      { name: "render --stack dev (use_az_login: false)", command: "the same in <project with use_az_login: false>", run: render(userLogin) },
      { name: "render in this repository (package linked, npm run link-self)", command: "node dist/cli/main.js render --stack dev --branch main", run: render(REPO_ROOT, CLI) },
    ];
    const results = await compare(cases, runs);
    const azureNativeOn = results[1]!.samples[0]!.azureNative?.length ?? -1;
    const azureNativeOff = results[2]!.samples[0]!.azureNative?.length ?? -1;
    // Asserted, not just reported: a regression here is a failure of `npm run bench`.
    if (azureNativeOff !== 0) throw new Error(`@pulumi/azure-native was loaded with use_az_login false: ${results[2]!.samples[0]!.azureNative?.join(", ")}`);
    if (azureNativeOn <= 0) throw new Error("@pulumi/azure-native was not loaded with use_az_login true: the probe is not seeing require()");
    const closure = {
      byValue: await closureCost(path.join(REPO_ROOT, "dist"), runs),
      installed: await closureCost(path.join(project.dir, "node_modules/dagster-code-locations/dist"), runs),
    };
    return { results, azureNativeOn, azureNativeOff, closure };
  } finally {
    project.cleanup();
  }
}

/** bench/closure-cost.cjs on `dist`: 1 warm-up, then `runs` runs; the serialized text's size checked equal. */
async function closureCost(dist: string, runs: number): Promise<Summary & { chars: number }> {
  const once = async () => JSON.parse((await timedNode(path.join(__dirname, "closure-cost.cjs"), [dist])).stdout) as { ms: number; chars: number };
  const first = await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, chars } = await once();
    if (Math.abs(chars - first.chars) > first.chars * 0.01) throw new Error(`serialized providers changed size between runs: ${first.chars} → ${chars}`);
    samples.push(ms);
  }
  return { ...summarize(samples), chars: first.chars };
}
