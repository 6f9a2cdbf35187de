// How `stacks` commands print a run: one JSON document for scripts, a few lines for people.
import { replacedReleases, type PreviewReport, type PreviewSummary } from "../../lib/stacks/preview";
import { changeSummary } from "../../lib/stacks/prComment";
import type { RunReport } from "../../lib/stacks/runReport";

export type Finished = RunReport & { readonly exitCode: number };

export function withoutExitCode({ exitCode: _exitCode, ...report }: Finished): RunReport {
  return report;
}

export function jsonReport(report: Finished): string {
  return `${JSON.stringify(withoutExitCode(report), null, 2)}\n`;
}

export function summaryLines(report: Finished): string {
  const lines = [`stack: ${report.stack}`];
  if (report.location !== undefined) lines.push(`location: ${report.location.name}`);
  if (report.location?.dagsterUrl !== undefined) lines.push(`dagster: ${report.location.dagsterUrl}`);
  if (report.pulumiUrl !== undefined) lines.push(`pulumi: ${report.pulumiUrl}`);
  if (report.changes !== undefined) lines.push(`changes: ${changeSummary(report.changes)}`);
  return `${lines.join("\n")}\n`;
}

/** The streamed steps showed the CLI's words already; the others are said here. */
export function failureLines(report: Finished): string {
  const head = `stack: ${report.stack}\n${report.status}: ${report.error?.step ?? report.command}\n`;
  const streamed = report.error?.step === "pulumi up" || report.error?.step === "pulumi destroy" || report.error?.step === "pulumi refresh";
  const said = streamed || report.error === undefined ? head : `${head}${report.error.lines.map((l) => `error: ${l}\n`).join("")}`;
  return report.explanation === undefined ? said : `${said}the code server:\n${report.explanation.map((l) => `  ${l}\n`).join("")}`;
}

export function previewLines(stack: string, preview: PreviewSummary): string {
  const lines = [`${stack} would change: ${changeSummary(preview.changes)}`];
  for (const urn of preview.replaced) lines.push(`  replace ${urn}`);
  if (replacedReleases(preview).length > 0) lines.push("  (a replaced release reinstalls the live code location)");
  return `${lines.join("\n")}\n`;
}

/** A preview report as text: its summary, or what failed. */
export function previewReportLines(report: PreviewReport): string {
  if (report.status === "failed") {
    const lines = (report.error?.lines ?? []).map((l) => (/^\s*error:/.test(l) ? `${l}\n` : `error: ${l}\n`));
    return `${report.stack}: preview failed\n${lines.join("")}`;
  }
  return previewLines(report.stack, { changes: report.changes ?? {}, replaced: report.replaced ?? [] });
}
