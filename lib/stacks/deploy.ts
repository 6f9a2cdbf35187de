/**
 * One `up` or `destroy` of a stack, as CI needs it: never on top of a running update, state
 * repaired after an interrupted one, and always a report, whatever the outcome.
 */
import { isUserError, UserError } from "../shared/errors";
import { PulumiFailed, type PulumiStacks } from "./pulumi";
import { parsePreview, previewErrors, previewReport, type PreviewReport } from "./preview";
import { changesOfLatestUpdate, ERROR_LINES, errorLines, locationOf, type RunCommand, type RunReport } from "./runReport";
import { findStack, type StackSummary } from "./select";

export interface RunOptions {
  readonly stack: string;
  /** The branch deployed; "" for an environment stack, whose outputs then say. */
  readonly branch: string;
  /** Progress and the CLI's own output. */
  readonly log: (text: string) => void;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * An update in progress belongs to a run that is gone (CI guarantees one run per branch): cancel
   * it. Without this, a stack being updated is waited for, then refused.
   */
  readonly takeOverLock?: boolean;
  /** How long to wait for another run's update to end. @default 0 */
  readonly waitMs?: number;
  /** `pulumi stack ls` as the caller just read it, so the first look costs no second listing. */
  readonly listed?: readonly StackSummary[];
  /**
   * After a failed `up`: why the code server is not serving, from the cluster, given the stack's
   * outputs. Undefined (or a throw) leaves the report without an explanation.
   */
  readonly explain?: (outputs: Readonly<Record<string, unknown>>) => Promise<readonly string[] | undefined>;
}

/** How often a waiting run asks whether the other update has ended. */
export const LOCK_POLL_MS = 10_000;

/** The run's report; a failure of the CLI becomes a failed or cancelled report, never a throw. */
export async function runStack(pulumi: PulumiStacks, command: RunCommand, options: RunOptions): Promise<RunReport & { readonly exitCode: number }> {
  const started = options.now();
  const base = { command, stack: options.stack, branch: options.branch, startedAt: started.toISOString() };
  const seconds = () => (options.now().getTime() - started.getTime()) / 1000;
  let step = "pulumi stack ls";
  let permalink: string | undefined;
  try {
    step = await clearTheWay(pulumi, options, (s) => (step = s));
    if (command === "up") {
      step = "pulumi up";
      permalink = (await pulumi.up(options.stack, options.log)).permalink;
    } else {
      step = "pulumi destroy";
      permalink = (await pulumi.destroy(options.stack, options.log)).permalink;
    }
  } catch (err) {
    if (isUserError(err)) return { ...base, status: "failed", durationSeconds: seconds(), error: { step, lines: err.problems }, exitCode: 1 };
    if (!(err instanceof PulumiFailed)) throw err;
    const status = err.interrupted ? "cancelled" : "failed";
    const explanation = status === "failed" && step === "pulumi up" ? await explainFailure(pulumi, options) : undefined;
    return {
      ...base,
      status,
      durationSeconds: seconds(),
      error: { step, lines: errorLines(err.stderr) },
      ...(explanation === undefined ? {} : { explanation }),
      exitCode: err.exitCode,
    };
  }
  const changes = changesOfLatestUpdate([await pulumi.latestUpdate(options.stack).catch(ignoreCli)]);
  const outputs = command === "up" ? await pulumi.outputs(options.stack) : {};
  const location = command === "up" ? locationOf(outputs) : undefined;
  const pulumiUrl = permalink ?? findStack(await pulumi.listStacks(), options.stack)?.url;
  // An environment stack deploys the branch its config names: the stack's output says which.
  const branch = options.branch === "" && typeof outputs.branch === "string" ? outputs.branch : options.branch;
  return {
    ...base,
    branch,
    status: "succeeded",
    durationSeconds: seconds(),
    ...(pulumiUrl === undefined ? {} : { pulumiUrl }),
    ...(location === undefined ? {} : { location }),
    ...(changes === undefined ? {} : { changes }),
    exitCode: 0,
  };
}

/** `pulumi preview --json` of one stack as a report; a failing preview is a failed report, never a throw. */
export async function previewStack(pulumi: PulumiStacks, stack: string): Promise<PreviewReport> {
  try {
    return previewReport(stack, parsePreview(await pulumi.preview(stack)));
  } catch (err) {
    if (!(err instanceof PulumiFailed)) throw err;
    const fromJson = previewErrors(err.stdout);
    const lines = fromJson.length > 0 ? fromJson.slice(0, ERROR_LINES) : errorLines(err.stderr);
    return { stack, status: "failed", error: { step: "pulumi preview", lines } };
  }
}

/**
 * The clearing part of a run on its own, for a preview that must come before the update: the
 * service refuses a preview of a stack being updated just as it refuses an update. Throws as
 * runStack's first step does (a UserError when still locked after the wait, or PulumiFailed).
 */
export async function waitForStack(pulumi: PulumiStacks, options: RunOptions): Promise<void> {
  await clearTheWay(pulumi, options, () => undefined);
}

/** Only the clearing part of a run (cancel, refresh): a stale lock on a live branch's stack. Undefined, or what failed. */
export async function unlockStack(pulumi: PulumiStacks, options: RunOptions): Promise<string | undefined> {
  let step = "pulumi stack ls";
  try {
    await clearTheWay(pulumi, options, (s) => (step = s));
    return undefined;
  } catch (err) {
    if (!(err instanceof PulumiFailed) && !isUserError(err)) throw err;
    return `${step} failed`;
  }
}

/**
 * Waits for (or, with takeOverLock, cancels) an update in progress, then refreshes when the last
 * update did not finish cleanly: an interrupted update leaves pending operations that `up` would
 * trip over. Returns the step it ended on, for the report.
 */
async function clearTheWay(pulumi: PulumiStacks, options: RunOptions, at: (step: string) => void): Promise<string> {
  const deadline = options.now().getTime() + (options.waitMs ?? 0);
  for (let first = true; ; first = false) {
    const listed = findStack(first && options.listed !== undefined ? options.listed : await pulumi.listStacks(), options.stack);
    if (listed === undefined || !listed.updateInProgress) break;
    if (options.takeOverLock) {
      at("pulumi cancel");
      options.log(`${options.stack}: an update is in progress with no run behind it; cancelling it\n`);
      await pulumi.cancel(options.stack);
      break;
    }
    if (options.now().getTime() >= deadline) {
      at("wait for the update in progress");
      throw new UserError(
        `${options.stack} has an update in progress${listed.lastUpdate === undefined ? "" : ` (since ${listed.lastUpdate})`}; ` +
          "wait for it, or pass --take-over-lock if the run that started it is gone",
      );
    }
    if (first) options.log(`${options.stack}: waiting for the update in progress to end\n`);
    await options.sleep(LOCK_POLL_MS);
  }
  const latest: unknown = await pulumi.latestUpdate(options.stack).catch(ignoreCli);
  const result = typeof latest === "object" && latest !== null ? (latest as { result?: unknown }).result : undefined;
  if (result !== undefined && result !== "succeeded") {
    at("pulumi refresh");
    options.log(`${options.stack}: the last update ended ${String(result)}; refreshing the state first\n`);
    await pulumi.refresh(options.stack, options.log);
  }
  return "pulumi stack history";
}

/** The code server's own account of a failed update; the report stands without it. */
async function explainFailure(pulumi: PulumiStacks, options: RunOptions): Promise<readonly string[] | undefined> {
  if (options.explain === undefined) return undefined;
  try {
    return await options.explain(await pulumi.outputs(options.stack));
  } catch (err) {
    return [`(the code server could not be inspected: ${err instanceof Error ? err.message.split("\n")[0] : String(err)})`];
  }
}

/** A stack without history (never updated) or a backend without it is nothing to report. */
function ignoreCli(err: unknown): undefined {
  if (err instanceof PulumiFailed) return undefined;
  throw err;
}
