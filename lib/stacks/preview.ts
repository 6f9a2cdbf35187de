/**
 * `pulumi preview --json` (the CLI's PreviewDigest: steps and changeSummary) → what a reviewer and
 * the main-line guard need: Pulumi's change counts and the resources it would replace.
 */
import type { ResourceChanges, ResourceOp } from "./runReport";

export interface PreviewSummary {
  readonly changes: ResourceChanges;
  /** URNs of resources the update would replace (a delete and a create, whatever the order). */
  readonly replaced: readonly string[];
}

const REPLACING = new Set(["replace", "create-replacement", "delete-replaced"]);
const COUNTED: readonly ResourceOp[] = ["create", "update", "replace", "delete", "same"];

export function parsePreview(json: string): PreviewSummary {
  let digest: unknown;
  try {
    digest = JSON.parse(json);
  } catch {
    throw new Error("pulumi preview --json printed no JSON document");
  }
  const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const summary = record(record(digest).changeSummary);
  const changes: Partial<Record<ResourceOp, number>> = {};
  for (const op of COUNTED) if (typeof summary[op] === "number") changes[op] = summary[op];
  const steps = Array.isArray(record(digest).steps) ? (record(digest).steps as unknown[]) : [];
  const replaced = new Set<string>();
  for (const step of steps) {
    const { op, urn } = record(step);
    if (typeof op === "string" && typeof urn === "string" && REPLACING.has(op)) replaced.add(urn);
  }
  return { changes, replaced: [...replaced] };
}

/** The error diagnostics of a failed `pulumi preview --json` (its digest's `diagnostics`), message lines only. */
export function previewErrors(json: string): string[] {
  let digest: unknown;
  try {
    digest = JSON.parse(json);
  } catch {
    return [];
  }
  const diagnostics = typeof digest === "object" && digest !== null ? (digest as { diagnostics?: unknown }).diagnostics : undefined;
  if (!Array.isArray(diagnostics)) return [];
  return (diagnostics as unknown[])
    .map((d) => (typeof d === "object" && d !== null ? (d as { severity?: unknown; message?: unknown }) : {}))
    .flatMap((d) => (d.severity === "error" && typeof d.message === "string" ? [d.message] : []))
    .flatMap((message) => message.split(/\r?\n/))
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "");
}

/** `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>` → `<type>`. */
export function urnType(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** The Helm releases the update would replace: a replace reinstalls the live code location, so it is never done blind. */
export function replacedReleases(preview: PreviewSummary): string[] {
  return preview.replaced.filter((urn) => urnType(urn) === RELEASE_TYPE);
}

/** One stack's preview as a report: what `stacks preview --json` prints and the PR comment shows. */
export interface PreviewReport {
  readonly stack: string;
  readonly status: "previewed" | "failed";
  readonly changes?: ResourceChanges;
  readonly replaced?: readonly string[];
  /** The subset of `replaced` that are Helm releases: each reinstalls a live code location. */
  readonly replacedReleases?: readonly string[];
  readonly error?: { readonly step: string; readonly lines: readonly string[] };
}

export function previewReport(stack: string, preview: PreviewSummary): PreviewReport {
  return { stack, status: "previewed", changes: preview.changes, replaced: preview.replaced, replacedReleases: replacedReleases(preview) };
}
