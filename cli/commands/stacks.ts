import { execFile } from "node:child_process";
import * as readline from "node:readline/promises";
import { currentGitBranch, resolveBranch } from "../../lib/plan/branch";
import { isUserError, UserError } from "../../lib/shared/errors";
import { loadKubeConfig } from "../../lib/workspace/kube-config";
import { previewStack, runStack, unlockStack, waitForStack } from "../../lib/stacks/deploy";
import { parseDuration } from "../../lib/stacks/duration";
import { errorLines, type RunReport } from "../../lib/stacks/runReport";
import { isServing, stackStatus, statusLines } from "../../lib/stacks/status";
import { openPulumi, PulumiFailed, type PulumiStacks } from "../../lib/stacks/pulumi";
import {
  branchStacks,
  destroyTargets,
  findStack,
  parseLsRemoteHeads,
  pruneCandidates,
  type DestroyTarget,
} from "../../lib/stacks/select";
import { checkEnvironment, checkStackName } from "../../lib/shared/stackName";
import { branchOfStack, branchStackName, shortStackName } from "../../lib/stacks/stackNames";
import { HelpRequested, parseCommandArgs, UsageError } from "../args";
import * as usage from "../usage";
import type { Command, CommandIo } from "../io";
import { previewEnvironments, upEnvironmentStack } from "./environmentStacks";
import { printComment } from "./stacksComment";
import { clusterOf, environmentOf, runOptions, targetOf, type StacksDeps } from "./stacksDeps";
import { failureLines, jsonReport, previewReportLines, summaryLines, withoutExitCode } from "./stacksOutput";

export type { StacksDeps } from "./stacksDeps";

export function makeStacksCommand(deps: StacksDeps): Command {
  const subcommands: Record<string, (args: readonly string[], io: CommandIo) => Promise<number>> = {
    create: async (args, io) => {
      const { values } = parseCommandArgs(usage.stacksCreate, args, io.env);
      const pulumi = await deps.openPulumi({ cwd: io.cwd, env: io.env });
      const stack = await ensureBranchStack(pulumi, environmentOf(values.env), branchOf(values.branch, io, deps), io);
      io.stdout(`${stack}\n`);
      return 0;
    },

    up: async (args, io) => {
      const { values } = parseCommandArgs(usage.stacksUp, args, io.env);
      if (values.stack !== undefined) {
        if (values.env !== undefined || values.branch !== undefined) throw new UserError("stacks up: pass --stack ENV, or --env ENV and --branch B, not both");
        return upEnvironmentStack({ ...values, stack: values.stack }, io, deps);
      }
      if (values["allow-replace"]) throw new UserError("stacks up: --allow-replace goes with --stack ENV (branch stacks may always be replaced)");
      const started = deps.now();
      let branch = values.branch ?? "";
      let stack = "";
      try {
        const pulumi = await deps.openPulumi({ cwd: io.cwd, env: io.env });
        const env = environmentOf(values.env);
        branch = branchOf(values.branch, io, deps);
        stack = await ensureBranchStack(pulumi, env, branch, io);
        if (!values.yes && deps.interactive(io)) {
          await waitForStack(pulumi, runOptions(pulumi, stack, branch, values, io, deps));
          const preview = await previewStack(pulumi, stack);
          io.stderr(previewReportLines(preview));
          if (preview.status === "failed") return 1;
          if (!(await deps.confirm(`Deploy ${stack}?`, io))) {
            io.stderr("nothing deployed\n");
            return 1;
          }
        }
        // Progress goes to stderr so stdout stays the report scripts read.
        const report = await runStack(pulumi, "up", runOptions(pulumi, stack, branch, values, io, deps));
        if (values.json) io.stdout(jsonReport(report));
        else if (report.exitCode === 0) io.stdout(summaryLines(report));
        else io.stderr(failureLines(report));
        return report.exitCode;
      } catch (err) {
        // --json promises a report whatever happens: a mistake found before the update is one too.
        if (!values.json || !(isUserError(err) || err instanceof PulumiFailed)) throw err;
        const lines = isUserError(err) ? err.problems : errorLines(err.stderr);
        const exitCode = isUserError(err) ? 1 : err.exitCode;
        const seconds = (deps.now().getTime() - started.getTime()) / 1000;
        io.stdout(jsonReport({ command: "up", stack, branch, status: "failed", startedAt: started.toISOString(), durationSeconds: seconds, error: { step: "stacks up", lines }, exitCode }));
        for (const line of lines) io.stderr(`error: ${line}\n`);
        return exitCode;
      }
    },

    status: async (args, io) => {
      const { values } = parseCommandArgs(usage.stacksStatus, args, io.env);
      const pulumi = await deps.openPulumi({ cwd: io.cwd, env: io.env });
      const branch = branchOf(values.branch, io, deps);
      const stack = branchStackName(environmentOf(values.env), branch);
      if (findStack(await pulumi.listStacks(), stack) === undefined) throw new UserError(`no stack ${stack}: deploy it with stacks up`);
      const outputs: Record<string, unknown> = await pulumi.outputs(stack).catch((err: unknown) => {
        if (err instanceof PulumiFailed) return {};
        throw err;
      });
      const target = await targetOf(pulumi, stack, branch, outputs, io);
      const status = await stackStatus(stack, outputs, target, clusterOf(target, io, deps));
      io.stdout(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${statusLines(status).join("\n")}\n`);
      return isServing(status) ? 0 : 1;
    },

    list: async (args, io) => {
      const { values } = parseCommandArgs(usage.stacksList, args, io.env);
      const pulumi = await deps.openPulumi({ cwd: io.cwd, env: io.env });
      const env = environmentOf(values.env);
      const rows = [];
      for (const stack of branchStacks(env, await pulumi.listStacks())) {
        // A stack that was never deployed has no outputs; it is listed all the same.
        const outputs: Record<string, unknown> = await pulumi.outputs(stack.name).catch((err: unknown) => {
          if (err instanceof PulumiFailed) return {};
          throw err;
        });
        rows.push({
          stack: shortStackName(stack.name),
          branch: stringOr(outputs.branch, branchOfStack(env, stack.name) ?? ""),
          deploymentName: stringOr(outputs.deploymentName, ""),
          image: stringOr(outputs.image, ""),
          lastUpdate: stack.lastUpdate ?? "",
          url: stack.url ?? "",
        });
      }
      if (values.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      else io.stdout(table(["STACK", "BRANCH", "DEPLOYMENT", "IMAGE", "LAST UPDATE", "URL"], rows.map((r) => Object.values(r))));
      return 0;
    },

    destroy: async (args, io) => {
      const { values } = parseCommandArgs(usage.stacksDestroy, args, io.env);
      const chosen = [values.branch !== undefined, values.stack !== undefined, values.all === true].filter(Boolean).length;
      if (chosen !== 1) throw new UserError("stacks destroy: pass exactly one of --branch B, --stack S or --all");
      const target: DestroyTarget =
        values.branch !== undefined
          ? { branch: values.branch }
          : values.stack !== undefined
            ? { stack: checkStackName(values.stack, "stacks destroy: --stack", { qualified: true }) }
            : { all: true };
      const env = values.stack !== undefined && values.env === undefined ? environmentOfStack(values.stack) : environmentOf(values.env);
      const pulumi = await deps.openPulumi({ cwd: io.cwd, env: io.env });
      const listed = await pulumi.listStacks();
      // CI closing a pull request whose stack was never created (or is gone already) is not an error.
      const wanted = "branch" in target ? branchStackName(env, target.branch) : "stack" in target ? target.stack : undefined;
      if (values["missing-ok"] && wanted !== undefined && branchOfStack(env, wanted) !== undefined && !findStack(listed, wanted)) {
        io.stderr(`no stack ${wanted}; nothing to destroy\n`);
        return 0;
      }
      const targets = destroyTargets(env, target, listed);
      if (targets.length === 0) {
        io.stderr(`no branch stacks of environment ${env}\n`);
        return 0;
      }
      const names = targets.map((t) => shortStackName(t.name));
      if (!values.yes && !(await deps.confirm(`Destroy and remove ${names.join(", ")}?`, io))) {
        io.stderr("nothing destroyed\n");
        return 1;
      }
      const reports: RunReport[] = [];
      let exitCode = 0;
      for (const target of targets) {
        const options = { ...runOptions(pulumi, target.name, branchOfStack(env, target.name) ?? "", values, io, deps), listed };
        const report = await runStack(pulumi, "destroy", options);
        if (report.exitCode === 0) await pulumi.removeStack(target.name);
        else exitCode = report.exitCode;
        reports.push(withoutExitCode(report));
        if (values.json) continue;
        if (report.exitCode === 0) io.stdout(`destroyed ${shortStackName(target.name)}\n`);
        else io.stderr(failureLines(report));
      }
      if (values.json) io.stdout(`${JSON.stringify("all" in target ? reports : reports[0], null, 2)}\n`);
      return exitCode;
    },

    preview: (args, io) => previewEnvironments(args, io, deps),

    comment: (args, io) => printComment(args, io),

    prune: async (args, io) => {
      const { values } = parseCommandArgs(usage.stacksPrune, args, io.env);
      if (!values["gone-branches"] && values["older-than"] === undefined) {
        throw new UserError("stacks prune: pass --gone-branches, --older-than DURATION (12h, 7d, 2w), or both");
      }
      const env = environmentOf(values.env);
      const olderThanMs = values["older-than"] === undefined ? undefined : parseDuration(values["older-than"]);
      const staleLockMs = values["stale-locks"] === undefined ? undefined : parseDuration(values["stale-locks"], "--stale-locks");
      let remoteBranches: string[] | undefined;
      if (values["gone-branches"]) {
        remoteBranches = await deps.remoteBranches(io.cwd);
        // An empty answer means a wrong or empty remote, not that every branch was deleted.
        if (remoteBranches.length === 0) throw new UserError("stacks prune --gone-branches: origin has no branches; refusing to prune them all");
      }
      const pulumi = await deps.openPulumi({ cwd: io.cwd, env: io.env });
      const listed = await pulumi.listStacks();
      const candidates = pruneCandidates(env, listed, { remoteBranches, olderThanMs, staleLockMs, now: deps.now() });
      if (values["dry-run"]) {
        for (const c of candidates) io.stdout(`would ${c.destroy ? "destroy" : "unlock"} ${shortStackName(c.stack.name)} (${c.reason})\n`);
        return 0;
      }
      // One stack's failure does not keep the others: each is reported, the exit code says some failed.
      let exitCode = 0;
      for (const { stack, reason, staleLock, destroy } of candidates) {
        const options = { ...runOptions(pulumi, stack.name, branchOfStack(env, stack.name) ?? "", {}, io, deps), takeOverLock: staleLock, listed };
        if (!destroy) {
          const unlocked = await unlockStack(pulumi, options);
          io.stdout(unlocked === undefined ? `unlocked ${shortStackName(stack.name)} (${reason})\n` : `not unlocked ${shortStackName(stack.name)} (${reason}): ${unlocked}\n`);
          if (unlocked !== undefined) exitCode = 1;
          continue;
        }
        const report = await runStack(pulumi, "destroy", options);
        if (report.exitCode === 0) {
          await pulumi.removeStack(stack.name);
          io.stdout(`destroyed ${shortStackName(stack.name)} (${reason})\n`);
        } else {
          exitCode = report.exitCode;
          io.stdout(`not destroyed ${shortStackName(stack.name)} (${reason}): ${report.error?.step ?? "destroy"} failed\n`);
        }
      }
      return exitCode;
    },
  };

  return async (args, io) => {
    const [name, ...rest] = args;
    const sub = name === undefined ? undefined : subcommands[name];
    if (!sub) {
      const help = usage.listHelp("stacks", usage.stacks.summary, usage.STACKS_SUBCOMMANDS);
      if (name === "--help" || name === "-h") throw new HelpRequested(help);
      const problem = name === undefined ? "stacks: which command?" : `stacks: unknown command "${name}"`;
      throw new UsageError(problem, [help.split("\n")[0] ?? "", "hint: stacks --help lists them"]);
    }
    try {
      return await sub(rest, io);
    } catch (err) {
      if (!(err instanceof PulumiFailed)) throw err;
      // The CLI's own words, unchanged; streamed already when it was running up or destroy.
      if (!err.shown) io.stderr(err.stderr.endsWith("\n") || err.stderr === "" ? err.stderr : `${err.stderr}\n`);
      return err.exitCode;
    }
  };
}

/**
 * Creates `<env>.<branch>` from the environment stack's config unless it exists, then brings its
 * config up to date from the environment stack on every run (`pulumi config cp`): stack files are
 * not committed, so a fresh CI runner has none, and a change to Pulumi.<env>.yaml must reach every
 * branch stack. Keys set on the branch stack alone survive; then branch and cicd off.
 */
async function ensureBranchStack(pulumi: PulumiStacks, env: string, branch: string, io: CommandIo): Promise<string> {
  const stack = branchStackName(env, branch);
  const stacks = await pulumi.listStacks();
  if (!findStack(stacks, stack)) {
    if (!findStack(stacks, env)) {
      throw new UserError(`environment stack ${env} does not exist; create it first: pulumi stack init ${env}`);
    }
    await pulumi.initStack(stack, env);
    io.stderr(`created stack ${stack} with the config of ${env}\n`);
  } else {
    await pulumi.copyConfig(env, stack);
  }
  // Set on every run: harmless, and repairs a stack whose config someone changed.
  await pulumi.setConfig(stack, "branch", branch);
  await pulumi.setConfig(stack, "cicd", "false");
  return stack;
}

function environmentOfStack(stack: string): string {
  const short = shortStackName(stack);
  const dot = short.indexOf(".");
  return checkEnvironment(dot > 0 ? short.slice(0, dot) : short);
}

/** --branch, else the CI variables, else the git checkout; never the stack name (there is none yet). */
function branchOf(flag: string | undefined, io: CommandIo, deps: StacksDeps): string {
  const resolved = resolveBranch({ configured: flag, env: io.env, gitBranch: () => deps.gitBranch(io.cwd), stack: "", environment: "" });
  if (resolved.branch === "") throw new UserError("no branch: not on a git branch and no CI branch variable set; pass --branch B");
  return resolved.branch;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n") + "\n";
}

async function gitRemoteBranches(cwd: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile("git", ["ls-remote", "--heads", "origin"], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new UserError(`git ls-remote --heads origin failed: ${(stderr || err.message).trim().split("\n")[0]}`));
      else resolve(parseLsRemoteHeads(stdout));
    });
  });
}

async function askOnTerminal(question: string): Promise<boolean> {
  // Without a terminal nobody can answer: refuse rather than destroy or hang.
  if (!process.stdin.isTTY) throw new UserError("stacks destroy: not asking without a terminal; pass --yes to destroy");
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export const stacks: Command = makeStacksCommand({
  openPulumi,
  remoteBranches: gitRemoteBranches,
  gitBranch: currentGitBranch,
  confirm: (question) => askOnTerminal(question),
  // CI runners may have a terminal: CI=true (set by GitHub, Azure DevOps, GitLab) is the stronger signal.
  interactive: (io) => process.stdin.isTTY === true && !/^(1|true)$/i.test(io.env.CI ?? ""),
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  // The default kubeconfig ($KUBECONFIG, ~/.kube/config), as the program's Kubernetes provider reads it.
  kubeConfig: (_io, context) => loadKubeConfig(context),
});
