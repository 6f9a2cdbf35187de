/**
 * Benchmark 2: evaluating the real program (`render --stack dev`: index.ts under Pulumi's mocks)
 * against bench/baseline (three SDKs, three resources, the same mocks and program loader), in a
 * project with the package installed as users have it (bench/installed.ts). Also asserts that
 * @pulumi/azure-native is loaded only when docker.use_az_login is on, and shows, as a diagnostic,
 * this repository's own render, whose dynamic providers Pulumi's closure serializer writes out.
 */
import * as path from "node:path";
import { CLI, compare, timedNode, type Case, type CaseResult } from "./measure";
import { installedProject } from "./installed";

export interface ProgramResult {
  readonly results: CaseResult[];
  /** azure-native modules loaded by render with use_az_login true / false (first sample). */
  readonly azureNativeOn: number;
  readonly azureNativeOff: number;
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
      {
        name: "diagnostic: render in this repository (providers closure-serialized)",
        command: "node dist/cli/main.js render --stack dev --branch main",
        run: render(path.dirname(path.dirname(path.dirname(CLI))), CLI),
      },
    ];
    const results = await compare(cases, runs);
    const azureNativeOn = results[1]!.samples[0]!.azureNative?.length ?? -1;
    const azureNativeOff = results[2]!.samples[0]!.azureNative?.length ?? -1;
    // Asserted, not just reported: a regression here is a failure of `npm run bench`.
    if (azureNativeOff !== 0) throw new Error(`@pulumi/azure-native was loaded with use_az_login false: ${results[2]!.samples[0]!.azureNative?.join(", ")}`);
    if (azureNativeOn <= 0) throw new Error("@pulumi/azure-native was not loaded with use_az_login true: the probe is not seeing require()");
    return { results, azureNativeOn, azureNativeOff };
  } finally {
    project.cleanup();
  }
}
