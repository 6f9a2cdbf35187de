/**
 * A fake Kubernetes API server on 127.0.0.1 for tests: ConfigMaps (GET, POST, PUT) with real
 * resourceVersion semantics, Deployments (GET, PATCH), Pods (list, log), Secrets (list, as Helm
 * stores its releases), the service proxy
 * (`services/<name>:<port>/proxy/...`, answered by what a test puts behind it), and
 * Kubernetes-shaped Status bodies.
 * Every request is logged; a hook runs before each one so tests can slip in a concurrent write.
 *
 * Stricter than a real server on purpose: a ConfigMap PUT without metadata.resourceVersion is
 * rejected (422), because an unconditional replace would be a lost-update bug in our code.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import YAML from "yaml";

type Json = Record<string, unknown>;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
  status: number;
}

export interface RecordedPatch {
  readonly namespace: string;
  readonly name: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface RequestInfo {
  readonly method: string;
  readonly resource: "configmaps" | "deployments" | "pods" | "secrets" | "services/proxy";
  readonly namespace: string;
  /** Undefined for a create (POST to the collection). */
  readonly name: string | undefined;
}

/** What stands behind a Service: gets the proxied request, answers with a status and JSON. */
export type ServiceHandler = (request: { method: string; path: string; body: unknown }) => [number, unknown] | Promise<[number, unknown]>;

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  readonly patches: RecordedPatch[] = [];
  /** Runs before each recognised request is handled; may mutate the store. */
  beforeHandle: ((request: RequestInfo) => void | Promise<void>) | undefined;

  private readonly configMaps = new Map<string, Json>();
  private readonly deployments = new Map<string, Json>();
  private readonly services = new Map<string, ServiceHandler>();
  private readonly pods = new Map<string, Json>();
  private readonly secrets = new Map<string, Json>();
  private readonly logs = new Map<string, string>();
  /** Headers of proxied requests, to check the context's credentials went along. */
  readonly proxyAuthorization: (string | undefined)[] = [];
  private revision = 1000;

  private constructor(private readonly server: http.Server) {}

  /** Starts on a free port of 127.0.0.1. */
  static async start(): Promise<FakeKubeApi> {
    const server = http.createServer();
    const fake = new FakeKubeApi(server);
    server.on("request", (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig (YAML) whose context `context` points at this server. */
  kubeconfig(context = "fake"): string {
    return YAML.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "fake-cluster", cluster: { server: this.url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "fake-user", user: { token: "fake-token" } }],
      contexts: [{ name: context, context: { cluster: "fake-cluster", user: "fake-user" } }],
      "current-context": context,
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- Direct access to the store, as another client (kubectl, helm) would change it. ---

  configMap(namespace: string, name: string): Json | undefined {
    const stored = this.configMaps.get(key(namespace, name));
    return stored && clone(stored);
  }

  /** Creates or overwrites a ConfigMap unconditionally (seeding, or an outside write). */
  putConfigMap(namespace: string, configMap: { metadata: { name: string } & Json } & Json): Json {
    const previous = this.configMaps.get(key(namespace, configMap.metadata.name));
    return this.store(this.configMaps, namespace, clone(configMap), previous);
  }

  /** An outside read-modify-write that bumps the resourceVersion. */
  editConfigMap(namespace: string, name: string, edit: (configMap: Json) => void): void {
    const current = this.configMap(namespace, name);
    if (!current) throw new Error(`fake: no configmap ${namespace}/${name}`);
    edit(current);
    this.putConfigMap(namespace, current as { metadata: { name: string } } & Json);
  }

  deleteConfigMap(namespace: string, name: string): void {
    this.configMaps.delete(key(namespace, name));
  }

  /** Adds a Deployment running `image` in one container named like it, or the given containers. */
  addDeployment(namespace: string, name: string, image: string | Array<{ name: string; image: string }>): void {
    const containers = typeof image === "string" ? [{ name, image }] : image;
    const body: Json = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers } },
      },
    };
    this.store(this.deployments, namespace, body, undefined);
  }

  deployment(namespace: string, name: string): Json | undefined {
    const stored = this.deployments.get(key(namespace, name));
    return stored && clone(stored);
  }

  /** Puts `handler` behind Service namespace/name:port, reachable through the service proxy. */
  serveService(namespace: string, name: string, port: number, handler: ServiceHandler): void {
    this.services.set(`${namespace}/${name}:${port}`, handler);
  }

  /** Adds (or replaces) a Pod; `log` is what `pods/log` returns for each container, `previous` for ?previous=true. */
  putPod(namespace: string, pod: { metadata: { name: string } & Json } & Json, logs: Record<string, { current?: string; previous?: string }> = {}): void {
    this.store(this.pods, namespace, clone(pod), undefined);
    for (const [container, text] of Object.entries(logs)) {
      if (text.current !== undefined) this.logs.set(`${namespace}/${pod.metadata.name}/${container}/current`, text.current);
      if (text.previous !== undefined) this.logs.set(`${namespace}/${pod.metadata.name}/${container}/previous`, text.previous);
    }
  }

  /** Adds (or replaces) a Secret, e.g. a Helm release revision `sh.helm.release.v1.<name>.v<n>`. */
  putSecret(namespace: string, secret: { metadata: { name: string } & Json } & Json): void {
    this.store(this.secrets, namespace, clone(secret), undefined);
  }

  /** A Helm release's revision as Helm's Secret storage driver keeps it: its labels and its encoded release. */
  putHelmRevision(namespace: string, release: string, revision: number, status: string): void {
    this.putSecret(namespace, {
      metadata: { name: `sh.helm.release.v1.${release}.v${revision}`, labels: { owner: "helm", name: release, status, version: String(revision) } },
      type: "helm.sh/release.v1",
      data: { release: Buffer.from(`the encoded release ${release} v${revision}, values and all`).toString("base64") },
    });
  }

  // --- HTTP ---

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const contentType = req.headers["content-type"]?.split(";")[0];
    const text = await readBody(req);
    const body = parseJson(text);
    const record: RecordedRequest = { method, path, contentType, body: body ?? text, status: 0 };
    this.requests.push(record);
    const send = (code: number, payload: Json) => {
      record.status = code;
      if (typeof payload.__text === "string") {
        res.writeHead(code, { "content-type": "text/plain" });
        return void res.end(payload.__text);
      }
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (text && body === undefined) return send(400, status(400, "BadRequest", "request body is not JSON"));

    const route = parseRoute(path);
    if (!route) return send(404, status(404, "NotFound", "the server could not find the requested resource"));
    try {
      await this.beforeHandle?.({ method, ...route });
    } catch (err) {
      return send(500, status(500, "InternalError", `fake hook failed: ${(err as Error).message}`));
    }
    if (route.resource === "services/proxy") {
      this.proxyAuthorization.push(req.headers.authorization);
      const handler = this.services.get(`${route.namespace}/${route.name}`);
      // As the API server answers: no such Service is a 404 Status naming it.
      if (!handler) return send(404, status(404, "NotFound", `services "${route.name?.split(":")[0]}" not found`, { name: route.name, kind: "services" }));
      const [code, payload] = await handler({ method, path: route.rest ?? "/", body });
      return send(code, payload as Json);
    }
    if (route.resource === "pods") return send(...this.handlePod(method, route.namespace, route.name, route.rest, url.searchParams));
    if (route.resource === "secrets") {
      if (method !== "GET" || route.name !== undefined) return send(...notAllowed(method));
      return send(200, { kind: "SecretList", apiVersion: "v1", metadata: { resourceVersion: String(this.revision) }, items: this.select(this.secrets, route.namespace, url.searchParams) });
    }
    const [code, payload] = route.resource === "configmaps"
      ? this.handleConfigMap(method, route.namespace, route.name, body)
      : this.handleDeployment(method, route.namespace, route.name, contentType, body);
    send(code, payload);
  }

  private handlePod(method: string, namespace: string, name: string | undefined, rest: string | undefined, query: URLSearchParams): [number, Json] {
    if (method !== "GET") return notAllowed(method);
    if (name === undefined) {
      return [200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: String(this.revision) }, items: this.select(this.pods, namespace, query) }];
    }
    const pod = this.pods.get(key(namespace, name));
    if (!pod) return notFound("pods", name);
    if (rest !== "/log") return [200, clone(pod)];
    const container = query.get("container") ?? "";
    const which = query.get("previous") === "true" ? "previous" : "current";
    const text = this.logs.get(`${namespace}/${name}/${container}/${which}`);
    if (text === undefined) {
      const message = which === "previous"
        ? `previous terminated container "${container}" in pod "${name}" not found`
        : `container "${container}" in pod "${name}" is waiting to start: trying and failing to pull image`;
      return [400, status(400, "BadRequest", message)];
    }
    const tail = Number(query.get("tailLines") ?? "0");
    const lines = text.replace(/\n$/, "").split("\n");
    // The log endpoint answers text/plain; the JSON wrapper here is unwrapped in send below.
    return [200, { __text: `${(tail > 0 ? lines.slice(-tail) : lines).join("\n")}\n` }];
  }

  /** The namespace's objects matching `labelSelector` (equality terms, as we send them). */
  private select(map: Map<string, Json>, namespace: string, query: URLSearchParams): Json[] {
    const selector = (query.get("labelSelector") ?? "").split(",").filter(Boolean).map((term) => term.split("="));
    return [...map.entries()]
      .filter(([k]) => k.startsWith(`${namespace}/`))
      .map(([, object]) => clone(object))
      .filter((object) => {
        const labels = ((object.metadata as Json).labels ?? {}) as Record<string, string>;
        return selector.every(([k, v]) => labels[k as string] === v);
      });
  }

  private handleConfigMap(method: string, namespace: string, name: string | undefined, body: unknown): [number, Json] {
    const kind = "configmaps";
    if (name === undefined) {
      if (method !== "POST") return notAllowed(method);
      const created = body as { metadata?: { name?: string; resourceVersion?: string } } & Json;
      const createdName = created?.metadata?.name;
      if (!createdName) return [422, status(422, "Invalid", "metadata.name: Required value")];
      if (created.metadata?.resourceVersion) {
        return [422, status(422, "Invalid", "metadata.resourceVersion: must not be set on create")];
      }
      if (this.configMaps.has(key(namespace, createdName))) {
        return [409, status(409, "AlreadyExists", `${kind} "${createdName}" already exists`, { name: createdName, kind })];
      }
      return [201, this.store(this.configMaps, namespace, created, undefined)];
    }
    const stored = this.configMaps.get(key(namespace, name));
    if (method === "GET") return stored ? [200, clone(stored)] : notFound(kind, name);
    if (method !== "PUT") return notAllowed(method);
    const replacement = body as { metadata?: { name?: string; resourceVersion?: string } } & Json;
    if (replacement?.metadata?.name !== name) {
      return [400, status(400, "BadRequest", "the name of the object does not match the name on the URL")];
    }
    if (!stored) return notFound(kind, name);
    const rv = replacement.metadata.resourceVersion;
    if (!rv) return [422, status(422, "Invalid", "metadata.resourceVersion: must be specified for an update (fake)")];
    if (rv !== (stored.metadata as Json).resourceVersion) {
      const message = `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
      return [409, status(409, "Conflict", message, { name, kind })];
    }
    return [200, this.store(this.configMaps, namespace, replacement, stored)];
  }

  private handleDeployment(
    method: string,
    namespace: string,
    name: string | undefined,
    contentType: string | undefined,
    body: unknown,
  ): [number, Json] {
    if (name === undefined) return notAllowed(method);
    const stored = this.deployments.get(key(namespace, name));
    if (method === "GET") return stored ? [200, clone(stored)] : notFound("deployments.apps", name);
    if (method !== "PATCH") return notAllowed(method);
    this.patches.push({ namespace, name, contentType, body });
    if (!stored) return notFound("deployments.apps", name);
    if (contentType !== "application/strategic-merge-patch+json" && contentType !== "application/merge-patch+json") {
      return [415, status(415, "UnsupportedMediaType", `the fake does not apply ${contentType} patches`)];
    }
    // For maps (all a restart touches) strategic merge and JSON merge patch agree.
    const patched = mergePatch(clone(stored), body) as Json;
    return [200, this.store(this.deployments, namespace, patched, stored)];
  }

  private store(map: Map<string, Json>, namespace: string, object: Json, previous: Json | undefined): Json {
    const metadata = { ...(object.metadata as Json) };
    const before = previous?.metadata as Json | undefined;
    metadata.namespace = namespace;
    metadata.uid = before?.uid ?? `uid-${++this.revision}`;
    metadata.creationTimestamp = before?.creationTimestamp ?? "2026-01-01T00:00:00Z";
    metadata.resourceVersion = String(++this.revision);
    const saved = { ...object, metadata };
    map.set(key(namespace, metadata.name as string), saved);
    return clone(saved);
  }
}

function parseRoute(path: string): (Omit<RequestInfo, "method"> & { rest?: string }) | undefined {
  const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/.exec(path);
  if (proxy) return { resource: "services/proxy", namespace: decodeURIComponent(proxy[1] as string), name: decodeURIComponent(proxy[2] as string), rest: proxy[3] };
  const pod = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(\/log)?)?$/.exec(path);
  if (pod) return { resource: "pods", namespace: decodeURIComponent(pod[1] as string), name: decodeOptional(pod[2]), rest: pod[3] };
  const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(path);
  if (secret) return { resource: "secrets", namespace: decodeURIComponent(secret[1] as string), name: decodeOptional(secret[2]) };
  const cm = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(path);
  if (cm) return { resource: "configmaps", namespace: decodeURIComponent(cm[1] as string), name: decodeOptional(cm[2]) };
  const dep = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?$/.exec(path);
  if (dep) return { resource: "deployments", namespace: decodeURIComponent(dep[1] as string), name: decodeOptional(dep[2]) };
  return undefined;
}

function decodeOptional(part: string | undefined): string | undefined {
  return part === undefined ? undefined : decodeURIComponent(part);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const result: Json = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

function status(code: number, reason: string, message: string, details?: Json): Json {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details && { details }), code };
}

function notFound(kind: string, name: string): [number, Json] {
  return [404, status(404, "NotFound", `${kind} "${name}" not found`, { name, kind })];
}

function notAllowed(method: string): [number, Json] {
  return [405, status(405, "MethodNotAllowed", `the fake does not support ${method} here`)];
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
