import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { CI_BRANCH_VARIABLES } from "../../lib/plan/branch";

export const REPO_ROOT = path.resolve(__dirname, "../..");
/** Dagster's chart, kept beside the project as reference data (see its PROVENANCE.md). */
export const SHARED_CHART_DIR = path.resolve(REPO_ROOT, "../shared/dagster-user-deployments");
export const SEED_CONFIG = path.join(REPO_ROOT, "tests/config/.config_user_code_deployments.yaml");

export function readSharedChartFile(name: string): string {
  const file = path.join(SHARED_CHART_DIR, name);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: these tests need Dagster's chart beside the project (../shared/dagster-user-deployments)`);
  }
  return readFileSync(file, "utf8");
}

/** The process environment without CI branch variables, so a test decides the branch itself. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CI_BRANCH_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

/**
 * A scratch copy of the project's config files and example build context, with
 * `edits` applied as `file → [[path...], value]` pairs (value undefined deletes the key).
 */
export function projectCopy(edits: Record<string, [readonly (string | number)[], unknown][]> = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "dcl-project-"));
  for (const name of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.acc.yaml", "pyproject.toml", ".dockerignore"]) {
    copyFileSync(path.join(REPO_ROOT, name), path.join(dir, name));
  }
  // The example code location and its Dockerfiles: the build context of the copy.
  for (const name of ["docker", "example"]) cpSync(path.join(REPO_ROOT, name), path.join(dir, name), { recursive: true });
  // The program, as a user's project holds it: index.ts importing the installed package.
  for (const name of ["index.ts", "package.json", "tsconfig.json"]) copyFileSync(path.join(REPO_ROOT, name), path.join(dir, name));
  for (const name of ["node_modules", "dist"]) symlinkSync(path.join(REPO_ROOT, name), path.join(dir, name));
  for (const [name, changes] of Object.entries(edits)) {
    const file = path.join(dir, name);
    const doc = parseDocument(existsSync(file) ? readFileSync(file, "utf8") : "");
    for (const [keyPath, value] of changes) {
      if (value === undefined) doc.deleteIn(keyPath);
      else doc.setIn(keyPath, doc.createNode(value));
    }
    writeFileSync(file, doc.toString());
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The compiled command, as `npm run` and the package's bin run it (`npm test` builds it first). */
export const CLI = path.join(REPO_ROOT, "dist/cli/main.js");

/** Runs the command in a child process (the mock runtime is per process). */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? cleanEnv(),
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** runCli without blocking this process, for CLI runs against servers the test itself serves. */
export function runCliAsync(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? cleanEnv(),
      timeout: 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
