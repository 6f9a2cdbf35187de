/**
 * After workspace.yaml changed: ask the webserver to read it again and wait until it lists the
 * location where the entry points (or no longer lists it). The kubelet copies a changed ConfigMap
 * into the webserver's volume only on its next sync (up to about a minute), so a reload before
 * that still reads the old file: reload again, within a time budget.
 */
import { UserError } from "../shared/errors";
import type { DagsterWebserver, LocationEntry, PythonError } from "./dagster-graphql";

export type Expectation =
  | { readonly listed: true; readonly host: string; readonly port: number }
  | { readonly listed: false };

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

export const DEFAULT_POLL_INTERVAL_MS = 5_000;

/**
 * Reloads until the webserver's list matches `expect`; then waits out LOADING. `workspaceChanged`
 * false (same entry, maybe a new code server) first tries reloading this one location only, which
 * leaves the other code servers alone. Returns the entry (undefined when expected gone).
 */
export async function reloadUntilListed(
  web: DagsterWebserver,
  locationName: string,
  expect: Expectation,
  workspaceChanged: boolean,
  options: PollOptions,
): Promise<LocationEntry | undefined> {
  const deadline = options.now() + options.timeoutMs;
  const find = (entries: LocationEntry[]) => entries.find((e) => e.name === locationName);
  let entry: LocationEntry | undefined;
  let matched = false;
  if (!workspaceChanged && expect.listed) {
    entry = await web.reloadLocation(locationName);
    matched = matches(entry, expect);
  }
  for (let attempt = 0; !matched; attempt++) {
    if (attempt > 0) {
      if (options.now() + options.intervalMs > deadline) throw notListed(web, locationName, expect, entry, options.timeoutMs);
      await options.sleep(options.intervalMs);
    }
    entry = find(await web.reloadWorkspace());
    matched = matches(entry, expect);
  }
  while (entry?.loadStatus === "LOADING") {
    if (options.now() + options.intervalMs > deadline) {
      throw new UserError(`code location "${locationName}" is still loading in the Dagster webserver after ${seconds(options.timeoutMs)}; raise instance.reload_timeout_seconds`);
    }
    await options.sleep(options.intervalMs);
    entry = find(await web.workspace());
  }
  return entry;
}

function matches(entry: LocationEntry | undefined, expect: Expectation): boolean {
  if (!expect.listed) return entry === undefined;
  return entry !== undefined && entry.host === expect.host && entry.port === String(expect.port);
}

function notListed(web: DagsterWebserver, name: string, expect: Expectation, seen: LocationEntry | undefined, timeoutMs: number): UserError {
  const state = expect.listed
    ? seen
      ? `still lists code location "${name}" at ${seen.host ?? "?"}:${seen.port ?? "?"}, not ${expect.host}:${expect.port}`
      : `does not list code location "${name}"`
    : `still lists code location "${name}"`;
  return new UserError(
    `the Dagster webserver (${web.where}) ${state} after ${seconds(timeoutMs)} of reloads; the workspace ConfigMap is written, ` +
      `but the webserver's pod has not seen it (the kubelet syncs a mounted ConfigMap within about a minute, never one mounted with subPath); ` +
      `raise instance.reload_timeout_seconds, or set instance.reload: restart`,
  );
}

/** How many stack lines of a Python error to show: enough for the failing import, not the whole frame dump. */
const STACK_LINES = 12;

/** The location's own error as one block: what failed, where to look, Python's message and the end of its stack. */
export function loadErrorMessage(locationName: string, error: PythonError, uiUrl: string | undefined): string {
  const root = error.causes.length > 0 ? error.causes[error.causes.length - 1]! : error;
  const stack = root.stack.flatMap((frame) => frame.replace(/\n+$/, "").split("\n")).slice(-STACK_LINES);
  const where = uiUrl ? ` (${uiUrl})` : "";
  return [
    `code location "${locationName}" failed to load in Dagster${where}:`,
    indent(error.message.trimEnd()),
    ...(root !== error ? ["caused by:", indent(root.message.trimEnd())] : []),
    ...(stack.length > 0 ? [`last ${stack.length} lines of the stack:`, ...stack.map((l) => `  ${l.trimEnd()}`)] : []),
    "the entry stays in the workspace, so the UI shows this error too; fix the code and run pulumi up again",
  ].join("\n");
}

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
