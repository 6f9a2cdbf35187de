import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { cleanEnv, REPO_ROOT } from "./repo";

const runner = path.join(REPO_ROOT, "node_modules/@pulumi/pulumi/cmd/run");
const preload = path.join(__dirname, "pulumi-loader-preload.js");

/** What the CLI passes the language host (engine's getPwdMain): Pulumi.yaml's `main`, else ".". */
function programEntry(projectDir: string): string {
  const main = (parse(readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { main?: string }).main;
  return main ?? ".";
}

export interface LoaderRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts @pulumi/pulumi's cmd/run as the language host does, with the mock monitor preloaded
 * (see pulumi-loader-preload.js): the program in its own process, once per call.
 */
export function runUnderLoader(project: string, stack: string, config: Record<string, string>, env: NodeJS.ProcessEnv = {}): LoaderRun {
  const result = spawnSync(process.execPath, ["--require", preload, runner, "--monitor=mock", `--project=${project}`, `--stack=${stack}`, programEntry(REPO_ROOT)], {
    cwd: REPO_ROOT,
    // What the language host sets for a TypeScript project (runtime.options.typescript: true).
    env: cleanEnv({ ...env, PULUMI_NODEJS_TYPESCRIPT: "true", LOADER_TEST_INPUT: JSON.stringify({ project, stack, config }) }),
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
