/**
 * The Dagster webserver's GraphQL API, as far as registering a code location needs it. Every
 * operation is checked against Dagster's own schema by the tests' stand-in webserver.
 */
import type * as k8s from "@kubernetes/client-node";
import { postJson, ServiceUnreachable, type ServiceRef } from "./service-proxy";

/** One location as the webserver lists it. */
export interface LocationEntry {
  readonly name: string;
  readonly loadStatus: "LOADING" | "LOADED";
  /** From displayMetadata: where the webserver connects (gRPC server locations). */
  readonly host: string | undefined;
  readonly port: string | undefined;
  readonly error: PythonError | undefined;
  /** Present when the location loaded. */
  readonly definitions: DefinitionCounts | undefined;
}

export interface PythonError {
  readonly className: string | undefined;
  readonly message: string;
  readonly stack: readonly string[];
  /** The chained causes, outermost first. */
  readonly causes: readonly { readonly message: string; readonly stack: readonly string[] }[];
}

export interface DefinitionCounts {
  readonly repositories: number;
  readonly jobs: number;
  readonly assets: number;
}

/** The webserver answered, but not with what we asked (read-only, a Python error, another schema). */
export class WebserverRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "WebserverRefused";
  }
}

const ENTRY_FIELDS = `
fragment LocationEntryFields on WorkspaceLocationEntry {
  name
  loadStatus
  displayMetadata { key value }
  locationOrLoadError {
    __typename
    ... on RepositoryLocation {
      name
      repositories { name jobs { name } assetNodes { id } }
    }
    ... on PythonError { className message stack causes { message stack } }
  }
}`;

export const WORKSPACE_QUERY = `query CodeLocationsStatus {
  workspaceOrError {
    __typename
    ... on Workspace { locationEntries { ...LocationEntryFields } }
    ... on PythonError { message }
  }
}
${ENTRY_FIELDS}`;

export const RELOAD_WORKSPACE = `mutation ReloadWorkspace {
  reloadWorkspace {
    __typename
    ... on Workspace { locationEntries { ...LocationEntryFields } }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
}
${ENTRY_FIELDS}`;

export const RELOAD_LOCATION = `mutation ReloadCodeLocation($repositoryLocationName: String!) {
  reloadRepositoryLocation(repositoryLocationName: $repositoryLocationName) {
    __typename
    ... on WorkspaceLocationEntry { ...LocationEntryFields }
    ... on ReloadNotSupported { message }
    ... on RepositoryLocationNotFound { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
}
${ENTRY_FIELDS}`;

/** What the webserver client does; tests may drive it directly. */
export interface DagsterWebserver {
  readonly where: string;
  workspace(): Promise<LocationEntry[]>;
  reloadWorkspace(): Promise<LocationEntry[]>;
  /** Undefined when the webserver does not know the location (only reloadWorkspace reads workspace.yaml again). */
  reloadLocation(name: string): Promise<LocationEntry | undefined>;
}

export function dagsterWebserver(kc: k8s.KubeConfig, ref: ServiceRef, requestTimeoutMs: number): DagsterWebserver {
  const where = `service ${ref.namespace}/${ref.service}:${ref.port}`;
  const run = async (query: string, variables: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const { status, text } = await postJson(kc, ref, "graphql", { query, variables }, requestTimeoutMs);
    let body: { data?: Record<string, unknown> | null; errors?: { message?: string }[] } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // The API server's own errors (403 without services/proxy, 503 without endpoints) are Status JSON; anything else is not Dagster.
    }
    if (body?.errors?.length) throw new WebserverRefused(`GraphQL errors: ${body.errors.map((e) => e.message).join("; ")}`);
    if (status < 200 || status > 299 || !body?.data) throw new ServiceUnreachable(`${where}: HTTP ${status}${statusMessage(text)}`);
    return body.data;
  };
  return {
    where,
    workspace: async () => entriesOf((await run(WORKSPACE_QUERY)).workspaceOrError, "workspaceOrError"),
    reloadWorkspace: async () => entriesOf((await run(RELOAD_WORKSPACE)).reloadWorkspace, "reloadWorkspace"),
    reloadLocation: async (name) => {
      const result = (await run(RELOAD_LOCATION, { repositoryLocationName: name })).reloadRepositoryLocation as Typed;
      if (result.__typename === "WorkspaceLocationEntry") return parseEntry(result);
      if (result.__typename === "RepositoryLocationNotFound") return undefined;
      throw new WebserverRefused(`reloadRepositoryLocation: ${result.__typename}: ${String(result.message ?? "")}`);
    },
  };
}

type Typed = { __typename?: string } & Record<string, unknown>;

function entriesOf(result: unknown, field: string): LocationEntry[] {
  const typed = result as Typed;
  if (typed.__typename !== "Workspace") throw new WebserverRefused(`${field}: ${typed.__typename}: ${String(typed.message ?? "")}`);
  return (typed.locationEntries as Typed[]).map(parseEntry);
}

function parseEntry(raw: Typed): LocationEntry {
  const metadata = new Map((raw.displayMetadata as { key: string; value: string }[]).map((m) => [m.key, m.value]));
  const loaded = raw.locationOrLoadError as Typed | null;
  let error: PythonError | undefined;
  let definitions: DefinitionCounts | undefined;
  if (loaded?.__typename === "PythonError") {
    error = {
      className: (loaded.className as string | null) ?? undefined,
      message: loaded.message as string,
      stack: loaded.stack as string[],
      causes: (loaded.causes as { message: string; stack: string[] }[]) ?? [],
    };
  } else if (loaded?.__typename === "RepositoryLocation") {
    const repositories = loaded.repositories as { jobs: { name: string }[]; assetNodes: unknown[] }[];
    definitions = {
      repositories: repositories.length,
      // Dagster adds hidden jobs (`__ASSET_JOB...`) for assets; users never wrote those.
      jobs: repositories.reduce((n, r) => n + r.jobs.filter((j) => !j.name.startsWith("__")).length, 0),
      assets: repositories.reduce((n, r) => n + r.assetNodes.length, 0),
    };
  }
  return {
    name: raw.name as string,
    loadStatus: raw.loadStatus === "LOADING" ? "LOADING" : "LOADED",
    host: metadata.get("host"),
    port: metadata.get("port"),
    error,
    definitions,
  };
}

function statusMessage(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === "string") return `: ${status.message.split("\n")[0]}`;
  } catch {
    // not a Status
  }
  const line = text.trim().split("\n")[0] ?? "";
  return line ? `: ${line.slice(0, 200)}` : "";
}
