/**
 * The one pull-request comment a branch deployment keeps up to date: written when a run starts
 * and rewritten when it ends, whatever the outcome, so it never shows an old "is live".
 */
import type { PreviewReport } from "./preview";
import type { ResourceChanges, RunCommand, RunReport } from "./runReport";

/** The comment's first line: how a workflow finds its own comment among the others. */
export const COMMENT_MARKER = "<!-- dagster-code-locations:branch-deployment -->";

/** What every phase may carry: the run, and the previews of environment stacks the PR changes. */
interface CommentContext {
  readonly runUrl?: string;
  /** The CI run's number: a run never overwrites the comment of a newer one. */
  readonly runId?: number;
  readonly previews?: readonly PreviewReport[];
}

export type CommentState = CommentContext &
  (
    | { readonly phase: "deploying"; readonly branch: string; readonly commit?: string }
    | { readonly phase: "finished"; readonly report: RunReport }
    /** The run ended without a report: killed before it could write one (cancelled, timed out). */
    | { readonly phase: "ended"; readonly branch: string; readonly outcome: "cancelled" | "failed"; readonly command?: RunCommand }
  );

export function prComment(state: CommentState): string {
  const lines = [COMMENT_MARKER];
  if (state.runId !== undefined) lines.push(`<!-- run ${state.runId} -->`);
  lines.push(...body(state));
  if (state.previews !== undefined && state.previews.length > 0) lines.push("", ...previewSection(state.previews));
  if (state.runUrl !== undefined) lines.push("", `[Workflow run](${state.runUrl})`);
  return `${lines.join("\n")}\n`;
}

/** The run number a comment was written by (see CommentContext.runId), if it says. */
export function commentRunId(comment: string): number | undefined {
  const match = /^<!-- run (\d+) -->$/m.exec(comment);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Merging this PR changes these environment stacks: what their next `up` would do. */
function previewSection(previews: readonly PreviewReport[]): string[] {
  const out = ["**Environment stacks this pull request changes** (`pulumi preview`, applied when it is merged):"];
  for (const p of previews) {
    if (p.status === "failed") {
      out.push(`- ${code(p.stack)}: ❌ preview failed at ${p.error?.step ?? "pulumi preview"}`);
      if (p.error !== undefined && p.error.lines.length > 0) out.push(indent(fence(p.error.lines.join("\n"))));
      continue;
    }
    out.push(`- ${code(p.stack)}: ${changeSummary(p.changes ?? {})}`);
    for (const urn of p.replacedReleases ?? []) {
      out.push(`  - ⚠️ replaces ${code(urn)}: reinstalls the live code location; the main-line deploy refuses it unless allowed`);
    }
  }
  return out;
}

function indent(text: string): string {
  return text.split("\n").map((line) => `  ${line}`).join("\n");
}

function body(state: CommentState): string[] {
  switch (state.phase) {
    case "deploying":
      return [`⏳ **Deploying** ${code(state.branch)}${state.commit === undefined ? "" : ` at ${code(state.commit.slice(0, 12))}`} as a Dagster code location…`];
    case "ended": {
      const what = state.command === "destroy" ? `Removing ${code(state.branch)}` : `Deploy of ${code(state.branch)}`;
      return state.outcome === "cancelled"
        ? [`⚪ **${what} cancelled** before it finished (a newer push replaced it, or it timed out). The next run refreshes the stack first.`]
        : [`❌ **${what} failed** before it could report why: see the workflow run.`];
    }
    case "finished":
      return state.report.command === "destroy" ? destroyed(state.report) : deployed(state.report);
  }
}

function deployed(r: RunReport): string[] {
  if (r.status === "cancelled") {
    return [`⚪ **Deploy of ${code(r.branch)} cancelled** after ${duration(r.durationSeconds)}; stack ${code(r.stack)}. The next run refreshes the stack first.`];
  }
  if (r.status === "failed") {
    const out = [`❌ **Deploy of ${code(r.branch)} failed** after ${duration(r.durationSeconds)}; stack ${code(r.stack)}.`];
    if (r.error !== undefined) out.push("", `Failed at: ${r.error.step}`, fence(r.error.lines.join("\n")));
    if (r.explanation !== undefined && r.explanation.length > 0) out.push("", "The code server:", fence(r.explanation.join("\n")));
    if (r.pulumiUrl !== undefined) out.push("", `- Pulumi update: ${r.pulumiUrl}`);
    return out;
  }
  const loc = r.location;
  const out = [`✅ **Dagster code location** ${loc === undefined ? "" : `${code(loc.name)} `}is live (stack ${code(r.stack)}, ${duration(r.durationSeconds)}).`, ""];
  if (loc?.dagsterUrl !== undefined) out.push(`- Dagster: ${loc.dagsterUrl}`);
  else out.push("- Dagster: set `dagster_gui_url` for a link");
  if (loc?.image !== undefined) out.push(`- Image: ${code(loc.image)}${loc.digest === undefined ? "" : ` (${code(loc.digest)})`}`);
  if (r.changes !== undefined) out.push(`- Changes: ${changeSummary(r.changes)}`);
  if (r.pulumiUrl !== undefined) out.push(`- Pulumi update: ${r.pulumiUrl}`);
  return out;
}

function destroyed(r: RunReport): string[] {
  if (r.status === "succeeded") return [`🗑️ **Removed**: the code location of ${code(r.branch)} and stack ${code(r.stack)} are gone.`];
  const out = [`❌ **Removing ${code(r.branch)} failed** (stack ${code(r.stack)}); the nightly prune retries it.`];
  if (r.error !== undefined) out.push("", `Failed at: ${r.error.step}`, fence(r.error.lines.join("\n")));
  return out;
}

/** "1 created, 2 updated, 5 unchanged", in Pulumi's order; "no changes" when nothing moved. */
export function changeSummary(changes: ResourceChanges): string {
  const words: [keyof ResourceChanges, string][] = [
    ["create", "created"],
    ["update", "updated"],
    ["replace", "replaced"],
    ["delete", "deleted"],
  ];
  const parts = words.filter(([op]) => (changes[op] ?? 0) > 0).map(([op, word]) => `${changes[op]} ${word}`);
  if (parts.length === 0) return `no changes${changes.same === undefined ? "" : ` (${changes.same} unchanged)`}`;
  if ((changes.same ?? 0) > 0) parts.push(`${changes.same} unchanged`);
  return parts.join(", ");
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Inline code that stays code whatever backticks the text holds (CommonMark: a longer delimiter). */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const tick = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${tick}${pad}${text}${pad}${tick}`;
}

/** A fenced block longer than any backtick run inside, so an error cannot close it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const tick = "`".repeat(longest + 1);
  return `${tick}text\n${text}\n${tick}`;
}
