/**
 * workspace.yaml as Dagster reads it: pure parse / edit / serialize, no I/O.
 *
 * Documents are plain data, so comments in a hand-written workspace.yaml do not survive a write
 * (the Helm chart and dagster-uc write none). Every entry and top-level key does survive.
 */
import { isDeepStrictEqual } from "node:util";
import YAML from "yaml";
import { UserError } from "../shared/errors";

export { OWNERS_ANNOTATION, parseOwners, serializeOwners, withOwner } from "./ownership";

/** The key of the workspace ConfigMap that Dagster's webserver and daemon read. */
export const WORKSPACE_KEY = "workspace.yaml";

/** One gRPC code location, as this project registers it. */
export interface GrpcServerEntry {
  readonly locationName: string;
  readonly host: string;
  readonly port: number;
}

/** One `load_from` item: a mapping with exactly one loader key (grpc_server, python_file, ...). */
export type LoadFromItem = Readonly<Record<string, unknown>>;

export interface WorkspaceDocument {
  readonly loadFrom: readonly LoadFromItem[];
  /** Top-level keys other than load_from, kept as found. */
  readonly rest: Readonly<Record<string, unknown>>;
}

/** A grpc_server entry as stored; host/port are undefined when absent or not plain values. */
export interface StoredGrpcServer {
  readonly locationName: string;
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** The grpc_server mapping exactly as stored (may hold ssl, socket, ...). */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface Edit {
  readonly doc: WorkspaceDocument;
  /** False when the document already said exactly this. */
  readonly changed: boolean;
}

// Dagster loads workspace.yaml with PyYAML, i.e. YAML 1.1: `no` is false and `12:30` is 750 there.
// Parsing and writing as 1.1 makes us read what Dagster reads and quote what it would misread.
const YAML_VERSION = "1.1";

/**
 * Parses workspace.yaml. `where` names its origin (e.g. `ConfigMap ns/name`) for error messages.
 * Anything Dagster would not read as a workspace is a UserError, so it is never overwritten blindly.
 */
export function parseWorkspace(text: string, where: string): WorkspaceDocument {
  const fail = (problem: string) => new UserError(`${where}: ${WORKSPACE_KEY} ${problem}; fix or remove it by hand`);
  let value: unknown;
  try {
    value = YAML.parse(text, { version: YAML_VERSION });
  } catch (err) {
    throw fail(`is not valid YAML (${firstLine((err as Error).message)})`);
  }
  if (value === null || value === undefined) return { loadFrom: [], rest: {} };
  if (!isMapping(value)) throw fail("is not a mapping");

  const { load_from: loadFrom, ...rest } = value;
  if (loadFrom === null || loadFrom === undefined) return { loadFrom: [], rest };
  if (!Array.isArray(loadFrom)) throw fail("has a load_from that is not a list");
  loadFrom.forEach((item, index) => {
    const problem = itemProblem(item);
    if (problem) throw fail(`has a malformed load_from[${index}]: ${problem}`);
  });
  return { loadFrom: loadFrom as LoadFromItem[], rest };
}

/** Serializes with load_from first, sorted by location name (stable; unnamed items first). */
export function serializeWorkspace(doc: WorkspaceDocument): string {
  const loadFrom = [...doc.loadFrom].sort((a, b) => compare(sortKey(a), sortKey(b)));
  return YAML.stringify({ load_from: loadFrom, ...doc.rest }, { version: YAML_VERSION });
}

/** The grpc_server entry named `locationName`, if any. Duplicates are an error. */
export function findEntry(doc: WorkspaceDocument, locationName: string, where: string): StoredGrpcServer | undefined {
  const found = doc.loadFrom.flatMap((item) => {
    const fields = grpcFields(item);
    return fields && fields.location_name === locationName ? [fields] : [];
  });
  if (found.length > 1) {
    throw new UserError(
      `${where}: ${WORKSPACE_KEY} lists code location "${locationName}" ${found.length} times; remove the extra entries by hand`,
    );
  }
  const fields = found[0];
  if (!fields) return undefined;
  return {
    locationName,
    host: typeof fields.host === "string" ? fields.host : undefined,
    port: Number.isInteger(fields.port) ? (fields.port as number) : undefined,
    fields,
  };
}

/** Whether a stored entry says exactly what `entry` says (no extra keys such as ssl). */
export function entryMatches(stored: StoredGrpcServer | undefined, entry: GrpcServerEntry): boolean {
  return stored !== undefined && isDeepStrictEqual(stored.fields, grpcServerFields(entry));
}

/** Adds `entry`, or replaces the entry of the same location name. */
export function upsertEntry(doc: WorkspaceDocument, entry: GrpcServerEntry, where: string): Edit {
  const stored = findEntry(doc, entry.locationName, where);
  if (entryMatches(stored, entry)) return { doc, changed: false };
  const item: LoadFromItem = { grpc_server: grpcServerFields(entry) };
  const others = doc.loadFrom.filter((i) => !isGrpcNamed(i, entry.locationName));
  return { doc: { ...doc, loadFrom: [...others, item] }, changed: true };
}

/** Removes the grpc_server entry named `locationName`; absent is fine. */
export function removeEntry(doc: WorkspaceDocument, locationName: string, where: string): Edit {
  if (!findEntry(doc, locationName, where)) return { doc, changed: false };
  return { doc: { ...doc, loadFrom: doc.loadFrom.filter((i) => !isGrpcNamed(i, locationName)) }, changed: true };
}

/** Checks an entry before it is written; one message per problem. */
export function entryProblems(entry: GrpcServerEntry): string[] {
  const problems: string[] = [];
  if (typeof entry.locationName !== "string" || entry.locationName.trim() === "") {
    problems.push("code location name must be a non-empty string");
  }
  if (typeof entry.host !== "string" || entry.host.trim() === "") problems.push("code location host must be a non-empty string");
  if (!Number.isInteger(entry.port) || entry.port < 1 || entry.port > 65535) {
    problems.push(`code location port must be an integer from 1 to 65535, got ${String(entry.port)}`);
  }
  return problems;
}

/** The grpc_server mapping we write, keys in the order the Helm chart uses. */
function grpcServerFields(entry: GrpcServerEntry): Record<string, unknown> {
  return { host: entry.host, port: entry.port, location_name: entry.locationName };
}

function grpcFields(item: LoadFromItem): Readonly<Record<string, unknown>> | undefined {
  const fields = item.grpc_server;
  return isMapping(fields) ? fields : undefined;
}

function isGrpcNamed(item: LoadFromItem, locationName: string): boolean {
  return grpcFields(item)?.location_name === locationName;
}

function sortKey(item: LoadFromItem): string {
  const value = Object.values(item)[0];
  if (isMapping(value) && typeof value.location_name === "string") return value.location_name;
  return "";
}

/** Code-unit order, so the output does not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why a load_from item is not what Dagster's workspace schema accepts, or undefined. */
function itemProblem(item: unknown): string | undefined {
  if (!isMapping(item) || Object.keys(item).length !== 1) {
    return "each item must be a mapping with exactly one loader key, such as grpc_server";
  }
  const [loader, value] = Object.entries(item)[0] as [string, unknown];
  if (loader !== "grpc_server") {
    // python_file and friends take a string or a mapping; other loaders are left to Dagster.
    return isMapping(value) || typeof value === "string" ? undefined : `${loader} must be a string or a mapping`;
  }
  if (!isMapping(value)) return "grpc_server must be a mapping";
  if ("location_name" in value && (typeof value.location_name !== "string" || value.location_name === "")) {
    return "grpc_server.location_name must be a non-empty string";
  }
  // Dagster's StringSource / IntSource also accept {env: NAME}.
  if ("host" in value && typeof value.host !== "string" && !isEnvSource(value.host)) {
    return "grpc_server.host must be a string";
  }
  if ("port" in value && !Number.isInteger(value.port) && !isEnvSource(value.port)) {
    return "grpc_server.port must be an integer";
  }
  return undefined;
}

function isEnvSource(value: unknown): boolean {
  return isMapping(value) && Object.keys(value).length === 1 && typeof value.env === "string";
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
