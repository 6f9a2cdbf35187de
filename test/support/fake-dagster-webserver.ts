/**
 * A stand-in Dagster webserver behind the fake Kubernetes API's service proxy. Every request is
 * parsed and validated against Dagster's own GraphQL schema (../shared/dagster-graphql) with
 * graphql-js, and executed against it, so a field we spell wrong is rejected as Dagster rejects it.
 *
 * Like the real one it reads workspace.yaml only at start and on reloadWorkspace, from its
 * mounted copy of the ConfigMap, which the "kubelet" refreshes only `syncDelayMs` after a change;
 * reloadRepositoryLocation reloads a known location from its old origin and does not read the file.
 */
import { readFileSync } from "node:fs";
import { buildSchema, execute, parse, validate, type GraphQLSchema } from "graphql";
import YAML from "yaml";
import * as path from "node:path";
import type { FakeKubeApi } from "./fake-kube-api";
import { REPO_ROOT } from "./repo";

/** Dagster's schema beside the project (../shared, see its PROVENANCE.md), wherever the clone is. */
export const SCHEMA_PATH = path.resolve(REPO_ROOT, "../shared/dagster-graphql/schema.graphql");
let schema: GraphQLSchema | undefined;

/** What the code server at a host answers when loaded. */
export type CodeServer =
  | { repositories: Array<{ name: string; jobs: string[]; assets: number }> }
  | { error: { className: string; message: string; stack: string[]; cause?: { message: string; stack: string[] } } };

interface Origin {
  name: string;
  host: string;
  port: number;
}

export interface RecordedOperation {
  readonly operation: string;
  readonly errors: string[];
}

export class FakeDagsterWebserver {
  readonly operations: RecordedOperation[] = [];
  /** host → what its code server loads; hosts not here load one repository with one job. */
  readonly codeServers = new Map<string, CodeServer>();
  /** Milliseconds between a ConfigMap change and the pod's mounted copy showing it. */
  syncDelayMs = 0;
  /** Answer every request with this instead (e.g. 503 like a Service without endpoints). */
  down: [number, unknown] | undefined;

  private mounted = "";
  private changedAt: number | undefined;
  private origins: Origin[] = [];
  private loaded = new Map<string, CodeServer>();

  constructor(
    private readonly kube: FakeKubeApi,
    private readonly where: { namespace: string; configMap: string; service?: string; port?: number },
    /** What the code servers it loads at start answer (set `codeServers` for later loads). */
    codeServers: Record<string, CodeServer> = {},
  ) {
    for (const [host, server] of Object.entries(codeServers)) this.codeServers.set(host, server);
    schema ??= buildSchema(readFileSync(SCHEMA_PATH, "utf8"));
    kube.serveService(where.namespace, where.service ?? "dagster-dagster-webserver", where.port ?? 80, (req) => this.handle(req));
    this.mounted = this.configMapText();
    this.readWorkspace();
  }

  /** The names the webserver lists now. */
  listed(): string[] {
    return this.origins.map((o) => o.name);
  }

  reloads(): number {
    return this.operations.filter((o) => o.operation === "reloadWorkspace").length;
  }

  private configMapText(): string {
    const cm = this.kube.configMap(this.where.namespace, this.where.configMap) as { data?: Record<string, string> } | undefined;
    return cm?.data?.["workspace.yaml"] ?? "";
  }

  /** The kubelet's copy: the ConfigMap's content, once it has been unchanged for syncDelayMs. */
  private syncMount(): void {
    const current = this.configMapText();
    if (current === this.mounted) {
      this.changedAt = undefined;
      return;
    }
    this.changedAt ??= Date.now();
    if (Date.now() - this.changedAt >= this.syncDelayMs) {
      this.mounted = current;
      this.changedAt = undefined;
    }
  }

  private readWorkspace(): void {
    const doc = (YAML.parse(this.mounted || "{}") ?? {}) as { load_from?: Array<{ grpc_server?: { host: string; port: number; location_name: string } }> };
    this.origins = (doc.load_from ?? []).flatMap((e) => (e.grpc_server ? [{ name: e.grpc_server.location_name, host: e.grpc_server.host, port: e.grpc_server.port }] : []));
    this.loaded = new Map(this.origins.map((o) => [o.name, this.codeServer(o.host)]));
  }

  private codeServer(host: string): CodeServer {
    return this.codeServers.get(host) ?? { repositories: [{ name: "__repository__", jobs: ["__ASSET_JOB", "daily"], assets: 1 }] };
  }

  private handle(req: { method: string; path: string; body: unknown }): [number, unknown] {
    if (this.down) return this.down;
    if (req.method !== "POST" || req.path !== "/graphql") return [404, { message: `no route ${req.method} ${req.path}` }];
    const { query, variables } = (req.body ?? {}) as { query?: string; variables?: Record<string, unknown> };
    let document;
    try {
      document = parse(query ?? "");
    } catch (err) {
      this.operations.push({ operation: "(unparsable)", errors: [(err as Error).message] });
      return [400, { errors: [{ message: (err as Error).message }] }];
    }
    const errors = validate(schema!, document).map((e) => e.message);
    const operation = document.definitions.flatMap((d) => (d.kind === "OperationDefinition" ? d.selectionSet.selections : []))
      .map((s) => (s.kind === "Field" ? s.name.value : "?")).join(",");
    this.operations.push({ operation, errors });
    if (errors.length > 0) return [400, { errors: errors.map((message) => ({ message })) }];
    const rootValue = {
      workspaceOrError: () => this.workspace(),
      reloadWorkspace: () => {
        this.syncMount();
        this.readWorkspace();
        return this.workspace();
      },
      reloadRepositoryLocation: ({ repositoryLocationName }: { repositoryLocationName: string }) => {
        const origin = this.origins.find((o) => o.name === repositoryLocationName);
        if (!origin) return { __typename: "RepositoryLocationNotFound", message: `Location ${repositoryLocationName} does not exist.` };
        this.loaded.set(origin.name, this.codeServer(origin.host));
        return this.entry(origin);
      },
    };
    const result = execute({ schema: schema!, document, rootValue, variableValues: variables }) as { data?: unknown; errors?: readonly Error[] };
    if (result.errors?.length) return [200, { data: result.data ?? null, errors: result.errors.map((e) => ({ message: e.message })) }];
    return [200, { data: result.data }];
  }

  private workspace(): object {
    return { __typename: "Workspace", id: "Workspace", locationEntries: this.origins.map((o) => this.entry(o)) };
  }

  private entry(origin: Origin): object {
    const server = this.loaded.get(origin.name) ?? this.codeServer(origin.host);
    const locationOrLoadError = "error" in server
      ? {
          __typename: "PythonError",
          className: server.error.className,
          message: server.error.message,
          stack: server.error.stack,
          causes: server.error.cause ? [{ ...server.error.cause, __typename: "PythonError" }] : [],
        }
      : {
          __typename: "RepositoryLocation",
          id: origin.name,
          name: origin.name,
          repositories: server.repositories.map((r) => ({
            id: `${r.name}@${origin.name}`,
            name: r.name,
            jobs: r.jobs.map((j) => ({ id: j, name: j })),
            assetNodes: Array.from({ length: r.assets }, (_, i) => ({ id: `${origin.name}.${r.name}.asset${i}` })),
          })),
        };
    return {
      __typename: "WorkspaceLocationEntry",
      id: origin.name,
      name: origin.name,
      loadStatus: "LOADED",
      displayMetadata: [
        { key: "host", value: origin.host },
        { key: "port", value: String(origin.port) },
      ],
      locationOrLoadError,
    };
  }
}
