// `stacks comment`: the pull-request comment's Markdown for a run, from the files the run wrote.
// The CI step that posts it (GitHub script, Azure DevOps REST call) only finds and replaces.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { UserError } from "../../lib/shared/errors";
import type { PreviewReport } from "../../lib/stacks/preview";
import { prComment, type CommentState } from "../../lib/stacks/prComment";
import type { RunReport } from "../../lib/stacks/runReport";
import { parseCommandArgs } from "../args";
import type { CommandIo } from "../io";
import * as usage from "../usage";

export async function printComment(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs(usage.stacksComment, args, io.env);
  const context = {
    ...(values["run-url"] === undefined ? {} : { runUrl: values["run-url"] }),
    ...(values["run-id"] === undefined ? {} : { runId: runId(values["run-id"]) }),
    ...(values.previews === undefined ? {} : optional("previews", readPreviews(path.resolve(io.cwd, values.previews)))),
  };
  const branch = () => {
    if (values.branch === undefined || values.branch === "") throw new UserError(`stacks comment --phase ${values.phase}: --branch B is required without a report`);
    return values.branch;
  };
  if (values.command !== undefined && values.command !== "up" && values.command !== "destroy") {
    throw new UserError(`stacks comment --command: "${values.command}" is not up or destroy`);
  }
  let state: CommentState;
  if (values.phase === "deploying") {
    state = { ...context, phase: "deploying", branch: branch(), ...(values.commit === undefined ? {} : { commit: values.commit }) };
  } else if (values.phase === "finished") {
    const report = values.report === undefined ? undefined : readReport(path.resolve(io.cwd, values.report), values.report);
    // No report: the run was stopped before `stacks up` could print one.
    const outcome = /^cancell?ed$/i.test(values.outcome ?? "") ? "cancelled" : "failed";
    const command = values.command === "destroy" ? "destroy" : "up";
    state = report !== undefined ? { ...context, phase: "finished", report } : { ...context, phase: "ended", branch: branch(), outcome, command };
  } else {
    throw new UserError(`stacks comment --phase: "${values.phase}" is not deploying or finished`);
  }
  io.stdout(prComment(state));
  return 0;
}

function runId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UserError(`stacks comment --run-id: "${text}" is not a run number`);
  return Number(text);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A report that is missing, empty or cut short (the job was killed while writing) is no report. */
function readReport(file: string, shown: string): RunReport | undefined {
  const parsed = readJson(file);
  if (parsed === undefined) return undefined;
  if (!isReport(parsed)) throw new UserError(`stacks comment --report ${shown}: not the JSON report of stacks up or stacks destroy`);
  return parsed;
}

function readPreviews(file: string): PreviewReport[] | undefined {
  const parsed = readJson(file);
  if (parsed === undefined) return undefined;
  if (!Array.isArray(parsed) || !parsed.every(isPreview)) throw new UserError(`stacks comment --previews: ${file} is not the JSON of stacks preview --json`);
  return parsed;
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  try {
    return text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

type Loose = Record<string, unknown>;
const isLoose = (value: unknown): value is Loose => typeof value === "object" && value !== null && !Array.isArray(value);

function isReport(value: unknown): value is RunReport {
  return (
    isLoose(value) &&
    (value.command === "up" || value.command === "destroy") &&
    (value.status === "succeeded" || value.status === "failed" || value.status === "cancelled") &&
    typeof value.stack === "string" &&
    typeof value.branch === "string" &&
    typeof value.durationSeconds === "number"
  );
}

function isPreview(value: unknown): value is PreviewReport {
  return isLoose(value) && typeof value.stack === "string" && (value.status === "previewed" || value.status === "failed");
}
