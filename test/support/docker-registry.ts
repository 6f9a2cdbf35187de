import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { basicAuthorization } from "../../lib/registry/auth";
import { fetchWithCa, type FetchLike } from "../../lib/registry/http";
import { freePort } from "./free-port";
import { blobOf, OCI_MANIFEST, tinyImage, type Blob, type TinyImage } from "./tiny-image";

/** Debian packages these helpers need (CI's apt-get line). */
export const REGISTRY_PACKAGES = ["docker-registry", "apache2-utils", "openssl"] as const;
const TOOLS = ["docker-registry", "htpasswd", "openssl"] as const;

export interface RegistryOptions {
  /** Turns on htpasswd (basic) auth with this one user. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Serves https with a fresh self-signed certificate for 127.0.0.1. */
  readonly tls?: boolean;
}

/** A running `docker-registry serve` (CNCF distribution 2.8) on 127.0.0.1. */
export interface LocalRegistry {
  /** What to give RegistryClient as `registry`: `http://127.0.0.1:P`, or `127.0.0.1:P` with TLS. */
  readonly registry: string;
  /** `http(s)://127.0.0.1:P` */
  readonly origin: string;
  /** The certificate to trust (PEM), with TLS. */
  readonly caPem?: string;
  readonly caFile?: string;
  readonly auth?: RegistryOptions["auth"];
  /** A fetch that trusts `caPem`. */
  readonly fetch: FetchLike;
  stop(): Promise<void>;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missingTools(): string[] {
  return TOOLS.filter((tool) => !onPath(tool));
}

/**
 * A skip message when the tools are missing on a developer machine; false under CI (CI set), where
 * startRegistry then fails, so a CI without the packages cannot pass by skipping.
 */
export function registrySkipReason(): string | false {
  const missing = missingTools();
  if (missing.length === 0 || process.env.CI) return false;
  return `${missing.join(", ")} not installed: apt-get install -y --no-install-recommends ${REGISTRY_PACKAGES.join(" ")}`;
}

const running = new Set<ChildProcess>();
// A test run killed half-way must not leave registries behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startRegistry(options: RegistryOptions = {}): Promise<LocalRegistry> {
  const missing = missingTools();
  if (missing.length > 0) {
    throw new Error(`${missing.join(", ")} not found on PATH: apt-get install -y --no-install-recommends ${REGISTRY_PACKAGES.join(" ")}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "registry-test-"));
  try {
    const tls = options.tls ? await makeCertificate(dir) : undefined;
    if (options.auth) await makeHtpasswd(dir, options.auth.username, options.auth.password);
    const fetchFn = tls ? fetchWithCa(tls.pem) : fetch;
    // The free port may be taken between freePort() and the bind: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, "config.yml");
      await writeFile(config, registryConfig(dir, port, tls, options.auth !== undefined));
      const origin = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
      const child = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
      running.add(child);
      let log = "";
      const collect = (chunk: Buffer) => {
        if (log.length < 64_000) log += chunk.toString("utf8");
      };
      child.stdout!.on("data", collect);
      child.stderr!.on("data", collect);
      try {
        await waitReady(child, origin, fetchFn, () => log);
      } catch (err) {
        await stopChild(child);
        if (attempt < 3 && /address already in use/.test(log)) continue;
        throw err;
      }
      return {
        registry: tls ? `127.0.0.1:${port}` : origin,
        origin,
        caPem: tls?.pem,
        caFile: tls?.file,
        auth: options.auth,
        fetch: fetchFn,
        stop: async () => {
          await stopChild(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function registryConfig(dir: string, port: number, tls: { file: string; key: string } | undefined, auth: boolean): string {
  const q = JSON.stringify; // a JSON string is a valid YAML scalar
  return [
    "version: 0.1",
    "log: {level: warn, accesslog: {disabled: true}}",
    `storage: {filesystem: {rootdirectory: ${q(join(dir, "storage"))}}, delete: {enabled: true}}`,
    "http:",
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${q(Math.random().toString(36).slice(2))}`,
    ...(tls ? [`  tls: {certificate: ${q(tls.file)}, key: ${q(tls.key)}}`] : []),
    ...(auth ? [`auth: {htpasswd: {realm: test-registry, path: ${q(join(dir, "htpasswd"))}}}`] : []),
    "",
  ].join("\n");
}

async function waitReady(child: ChildProcess, origin: string, fetchFn: FetchLike, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`docker-registry exited early:\n${log()}`);
    try {
      const res = await fetchFn(`${origin}/v2/`, { method: "GET", headers: {}, signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`docker-registry gave no answer at ${origin}/v2/ within 20 s:\n${log()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} failed (${code}): ${err}`))));
    child.stdin.end(input);
  });
}

async function makeCertificate(dir: string): Promise<{ file: string; key: string; pem: string }> {
  const file = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-keyout", key, "-out", file, "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  return { file, key, pem: await readFile(file, "utf8") };
}

async function makeHtpasswd(dir: string, username: string, password: string): Promise<void> {
  // -i reads the password from stdin; distribution accepts bcrypt (-B) entries only.
  const line = await run("htpasswd", ["-B", "-i", "-n", username], password);
  await writeFile(join(dir, "htpasswd"), line);
}

/** Pushes `image` to `repository` by digest (blobs, then manifest); returns the manifest digest. */
export async function pushImage(registry: LocalRegistry, repository: string, image: TinyImage = tinyImage()): Promise<string> {
  for (const blob of [image.layer, image.config]) await pushBlob(registry, repository, blob);
  await put(registry, `/v2/${repository}/manifests/${image.manifest.digest}`, image.manifestMediaType, image.manifest.bytes);
  return image.manifest.digest;
}

/** PUTs the manifest of `image` under every tag, `concurrency` requests at a time. */
export async function tagImage(registry: LocalRegistry, repository: string, tags: readonly string[], image: TinyImage = tinyImage(), concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tags.length) {
      const tag = tags[next++]!;
      await put(registry, `/v2/${repository}/manifests/${tag}`, image.manifestMediaType, image.manifest.bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tags.length) }, worker));
}

/** One tiny image under all `tags`; returns its digest. */
export async function seedTags(registry: LocalRegistry, repository: string, tags: readonly string[]): Promise<string> {
  const image = tinyImage();
  const digest = await pushImage(registry, repository, image);
  await tagImage(registry, repository, tags, image);
  return digest;
}

/**
 * Pushes an OCI artifact (what `helm push` sends for a chart): its config and layers as blobs, then
 * an OCI manifest under `tag`. Returns the manifest's digest.
 */
export async function pushArtifact(
  registry: LocalRegistry,
  repository: string,
  tag: string,
  config: { readonly mediaType: string; readonly bytes: Buffer },
  layers: readonly { readonly mediaType: string; readonly bytes: Buffer }[],
): Promise<string> {
  const described = [config, ...layers].map((part) => ({ mediaType: part.mediaType, blob: blobOf(part.bytes) }));
  for (const { blob } of described) await pushBlob(registry, repository, blob);
  const [configPart, ...layerParts] = described.map(({ mediaType, blob }) => ({ mediaType, digest: blob.digest, size: blob.bytes.length }));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configPart, layers: layerParts }));
  await put(registry, `/v2/${repository}/manifests/${tag}`, OCI_MANIFEST, manifest);
  return blobOf(manifest).digest;
}

async function pushBlob(registry: LocalRegistry, repository: string, blob: Blob): Promise<void> {
  const start = await call(registry, "POST", `${registry.origin}/v2/${repository}/blobs/uploads/`, {});
  if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get("location") ?? "", registry.origin);
  location.searchParams.set("digest", blob.digest);
  const done = await call(registry, "PUT", location.toString(), { "Content-Type": "application/octet-stream" }, blob.bytes);
  if (done.status !== 201) throw new Error(`blob upload ${blob.digest}: HTTP ${done.status} ${await done.text()}`);
}

async function put(registry: LocalRegistry, path: string, contentType: string, body: Buffer): Promise<void> {
  const res = await call(registry, "PUT", `${registry.origin}${path}`, { "Content-Type": contentType }, body);
  const text = await res.text();
  if (res.status !== 201) throw new Error(`PUT ${path}: HTTP ${res.status} ${text}`);
}

function call(registry: LocalRegistry, method: "POST" | "PUT", url: string, headers: Record<string, string>, body?: Buffer): Promise<Response> {
  const all = { ...headers };
  if (registry.auth) all.Authorization = basicAuthorization(registry.auth.username, registry.auth.password);
  return registry.fetch(url, { method, headers: all, body, signal: AbortSignal.timeout(15_000) });
}
