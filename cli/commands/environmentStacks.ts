// The environment stacks (`dev`, `acc`): previewed when a pull request changes them, updated by
// the main line's deploy only after a preview that does not replace the live release.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { MERGE_PREVIEW_ENV } from "../../lib/plan/branch";
import { isUserError, UserError } from "../../lib/shared/errors";
import { isEnvironmentStackName } from "../../lib/shared/stackName";
import { affectedEnvironments, environmentOfStackFile } from "../../lib/stacks/affected";
import { previewStack, runStack, waitForStack } from "../../lib/stacks/deploy";
import { PulumiFailed } from "../../lib/stacks/pulumi";
import { errorLines } from "../../lib/stacks/runReport";
import type { PreviewReport } from "../../lib/stacks/preview";
import { findStack } from "../../lib/stacks/select";
import { parseCommandArgs } from "../args";
import type { CommandIo } from "../io";
import * as usage from "../usage";
import { environmentOf, runOptions, type StacksDeps } from "./stacksDeps";
import { failureLines, jsonReport, previewReportLines, summaryLines, type Finished } from "./stacksOutput";

/** `stacks preview`: one environment stack, or those the changes since a ref affect. */
export async function previewEnvironments(args: readonly string[], io: CommandIo, deps: StacksDeps): Promise<number> {
  const { values } = parseCommandArgs(usage.stacksPreview, args, io.env);
  if (values.env !== undefined && values["changed-since"] !== undefined) {
    throw new UserError("stacks preview: pass --env ENV or --changed-since REF, not both");
  }
  const since = values["changed-since"];
  const targets = since === undefined ? [environmentOf(values.env)] : affectedEnvironments(await changedFiles(io.cwd, since), environmentStackFiles(io.cwd));
  // The environment stack's program refuses to run from another branch's checkout, except for this preview.
  const pulumi = await deps.openPulumi({ cwd: io.cwd, env: { ...io.env, [MERGE_PREVIEW_ENV]: "1" } });
  const listed = targets.length === 0 ? [] : await pulumi.listStacks();
  const reports: PreviewReport[] = [];
  for (const stack of targets) {
    if (!findStack(listed, stack)) {
      reports.push({ stack, status: "failed", error: { step: "pulumi stack ls", lines: [`stack ${stack} does not exist; create it: pulumi stack init ${stack}`] } });
      continue;
    }
    reports.push(await previewStack(pulumi, stack));
  }
  if (values.json) io.stdout(`${JSON.stringify(reports, null, 2)}\n`);
  else if (reports.length === 0) io.stdout(`no environment stack is affected by the changes since ${since ?? ""}\n`);
  else for (const report of reports) io.stdout(previewReportLines(report));
  return reports.some((r) => r.status === "failed") ? 1 : 0;
}

export interface EnvironmentUpValues {
  readonly stack: string;
  readonly "allow-replace"?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly "take-over-lock"?: boolean;
  readonly wait?: string;
}

/**
 * `stacks up --stack ENV`: the preview first; a replace of the environment's Helm release (which
 * reinstalls its live code location) stops the run unless --allow-replace says it is meant.
 */
export async function upEnvironmentStack(values: EnvironmentUpValues, io: CommandIo, deps: StacksDeps): Promise<number> {
  const stack = values.stack;
  if (!isEnvironmentStackName(stack)) {
    throw new UserError(`stacks up --stack: "${stack}" is not an environment stack; deploy a branch with --env ENV --branch B`);
  }
  const pulumi = await deps.openPulumi({ cwd: io.cwd, env: io.env });
  const listed = await pulumi.listStacks();
  if (!findStack(listed, stack)) throw new UserError(`stacks up --stack: stack ${stack} does not exist; create it first: pulumi stack init ${stack}`);
  const started = deps.now();
  const options = { ...runOptions(pulumi, stack, "", values, io, deps), listed };
  const refuse = (step: string, lines: readonly string[]) => print({ command: "up", stack, branch: "", status: "failed", startedAt: started.toISOString(), durationSeconds: (deps.now().getTime() - started.getTime()) / 1000, error: { step, lines }, exitCode: 1 }, values, io);
  try {
    await waitForStack(pulumi, options);
  } catch (err) {
    if (!isUserError(err) && !(err instanceof PulumiFailed)) throw err;
    return refuse("wait for the update in progress", isUserError(err) ? err.problems : errorLines(err.stderr));
  }
  const preview = await previewStack(pulumi, stack);
  io.stderr(previewReportLines(preview));
  if (preview.status === "failed") return refuse("pulumi preview", preview.error?.lines ?? []);
  const releases = preview.replacedReleases ?? [];
  if (releases.length > 0 && values["allow-replace"] !== true) {
    return refuse("pulumi preview", releases.map((urn) => `the update would replace ${urn}, reinstalling the live code location; pass --allow-replace if that is meant`));
  }
  if (values.yes !== true && deps.interactive(io) && !(await deps.confirm(`Deploy ${stack}?`, io))) {
    io.stderr("nothing deployed\n");
    return 1;
  }
  return print(await runStack(pulumi, "up", options), values, io);
}

function print(report: Finished, values: { readonly json?: boolean }, io: CommandIo): number {
  if (values.json) io.stdout(jsonReport(report));
  else if (report.exitCode === 0) io.stdout(summaryLines(report));
  else io.stderr(failureLines(report));
  return report.exitCode;
}

/** The environment stacks of the project: its `Pulumi.<env>.yaml` files, in name order. */
function environmentStackFiles(dir: string): string[] {
  return readdirSync(dir)
    .map((file) => environmentOfStackFile(file))
    .filter((env): env is string => env !== undefined)
    .sort();
}

/** `git diff --name-only --relative REF...HEAD`: what the branch changed since it left REF. */
function changedFiles(cwd: string, since: string): Promise<string[]> {
  if (since.startsWith("-")) return Promise.reject(new UserError(`--changed-since: "${since}" is not a git ref`));
  return new Promise((resolve, reject) => {
    execFile("git", ["diff", "-z", "--name-only", "--relative", `${since}...HEAD`, "--"], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new UserError(`--changed-since ${since}: git diff failed: ${(stderr || err.message).trim().split("\n")[0]}`));
      else resolve(stdout.split("\0").filter((file) => file !== ""));
    });
  });
}
