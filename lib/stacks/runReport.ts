/**
 * The one JSON document `stacks up --json` and `stacks destroy --json` print: everything a CI
 * step needs (the pull-request comment, a deployment status) without parsing text.
 */

export type RunCommand = "up" | "destroy";
export type RunStatus = "succeeded" | "failed" | "cancelled";

/** Pulumi's own count of resource operations (`resourceChanges` of `pulumi stack history --json`). */
export type ResourceChanges = Readonly<Partial<Record<ResourceOp, number>>>;
export type ResourceOp = "create" | "update" | "replace" | "delete" | "same";
const OPS: readonly ResourceOp[] = ["create", "update", "replace", "delete", "same"];

export interface RunReport {
  readonly command: RunCommand;
  readonly stack: string;
  readonly branch: string;
  readonly status: RunStatus;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly durationSeconds: number;
  /** The update's page in the Pulumi Cloud console, when the backend has one. */
  readonly pulumiUrl?: string;
  /** From the stack's outputs after a successful `up`. */
  readonly location?: LocationReport;
  readonly changes?: ResourceChanges;
  /** What failed: the step and the first lines of its error, secrets already masked by Pulumi. */
  readonly error?: { readonly step: string; readonly lines: readonly string[] };
  /** Why the code server is not serving, from the cluster (`stacks status`), when known. */
  readonly explanation?: readonly string[];
}

export interface LocationReport {
  readonly name: string;
  readonly deploymentName?: string;
  readonly dagsterUrl?: string;
  readonly image?: string;
  readonly digest?: string;
}

/** How many lines of a failure's message the report keeps: enough to see a Python error. */
export const ERROR_LINES = 20;

/** A stack's outputs (`pulumi stack output --json`) → the location part of the report. */
export function locationOf(outputs: Readonly<Record<string, unknown>>): LocationReport | undefined {
  const name = text(outputs.locationName);
  if (name === undefined) return undefined;
  // The `image` output is what the release pulls: `<repository>:<tag>@sha256:<digest>`.
  const [image, digest] = (text(outputs.image) ?? "").split("@", 2);
  return omitUndefined({
    name,
    deploymentName: text(outputs.deploymentName),
    dagsterUrl: text(outputs.locationUrl),
    image: text(image),
    digest: text(digest),
  });
}

/**
 * The newest update of `pulumi stack history --json` → its resource changes, or undefined when the
 * history is empty or not of the expected shape (an old CLI, a backend without history).
 */
export function changesOfLatestUpdate(history: unknown): ResourceChanges | undefined {
  const latest: unknown = Array.isArray(history) ? history[0] : undefined;
  const changes = isRecord(latest) ? latest.resourceChanges : undefined;
  if (!isRecord(changes)) return undefined;
  const out: Partial<Record<ResourceOp, number>> = {};
  for (const op of OPS) {
    const n = changes[op];
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) out[op] = n;
  }
  return out;
}

/** The first lines of a failure worth showing: Pulumi's diagnostics, up to its resource summary. */
export function errorLines(stderr: string): string[] {
  const lines = stderr.split(/\r?\n/).map((l) => l.trimEnd());
  const summary = lines.findIndex((l) => /^(Resources|Duration):/.test(l));
  return (summary < 0 ? lines : lines.slice(0, summary)).filter((l) => l.trim() !== "").slice(0, ERROR_LINES);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
