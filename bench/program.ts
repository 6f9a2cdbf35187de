/**
 * Benchmark 1: evaluating the real program (`render --stack dev`, index.ts under Pulumi's mocks)
 * against bench/baseline (three SDKs, three resources, same mocks). Also asserts that
 * @pulumi/azure-native is loaded only when docker.use_az_login is on.
 */
import * as path from "node:path";
import { projectCopy } from "../test/support/repo";
import { CLI, compare, REPO_ROOT, timedNode, type Case, type CaseResult } from "./measure";

export interface ProgramResult {
  readonly results: CaseResult[];
  /** azure-native modules loaded by render with use_az_login true / false (first sample). */
  readonly azureNativeOn: number;
  readonly azureNativeOff: number;
}

const BASELINE = path.join(REPO_ROOT, "bench/baseline/main.cjs");

export async function programBench(runs: number): Promise<ProgramResult> {
  // A copy of the project whose dev stack logs in with a user instead of Azure.
  const copy = projectCopy({ "Pulumi.dev.yaml": [[["config", "dagster-code-locations:docker", "use_az_login"], false]] });
  try {
    const node = (file: string, args: readonly string[]) => () => timedNode(file, args, { probe: true });
    const cases: Case[] = [
      { name: "baseline program (3 resources)", command: "node bench/baseline/main.cjs", run: node(BASELINE, []) },
      { name: "render --stack dev (use_az_login: true)", command: "node dist/cli/main.js render --stack dev", run: node(CLI, ["render", "--stack", "dev"]) },
      {
        name: "render --stack dev (use_az_login: false)",
        command: "node dist/cli/main.js render --stack dev --dir <copy> --branch main",
        run: node(CLI, ["render", "--stack", "dev", "--dir", copy.dir, "--branch", "main"]),
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
    copy.cleanup();
  }
}
