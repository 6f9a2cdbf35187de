import { parse } from "yaml";
import { UserError } from "../shared/errors";
import { isRetryableStatus, send, TransportError, type FetchLike, type RetryPolicy } from "../registry/http";
import { oneLine } from "../registry/problems";

/** One version of a chart as a Helm repository's index.yaml lists it. */
export interface IndexedChartVersion {
  readonly version: string;
  readonly urls: readonly string[];
  /** `sha256:<hex>` of the .tgz; Helm's index names it without the prefix. */
  readonly digest: string | undefined;
}

export interface HttpOptions {
  readonly fetch?: FetchLike;
  readonly policy?: RetryPolicy;
}

const DEFAULT_POLICY: RetryPolicy = { timeoutMs: 60_000, retries: 3, backoffMs: 500, maxBackoffMs: 10_000 };

/** The versions of chart `name` in the Helm repository at `repoUrl` (its index.yaml). */
export async function indexedChartVersions(repoUrl: string, name: string, http: HttpOptions = {}): Promise<IndexedChartVersion[]> {
  const indexUrl = new URL("index.yaml", withSlash(repoUrl)).toString();
  const body = await download(indexUrl, `Helm repository ${repoUrl}: reading index.yaml`, http);
  let index: unknown;
  try {
    index = parse(body.toString("utf8"));
  } catch (err) {
    throw new UserError(`Helm repository ${repoUrl}: index.yaml is not YAML (${oneLine(String(err))}); check the repository URL`);
  }
  const entries = (index as { entries?: Record<string, unknown> } | null)?.entries;
  if (typeof entries !== "object" || entries === null) {
    throw new UserError(`Helm repository ${repoUrl}: index.yaml has no entries; check the repository URL`);
  }
  const versions = entries[name];
  if (!Array.isArray(versions) || versions.length === 0) throw new UserError(`Helm repository ${repoUrl}: no chart named "${name}"`);
  return versions.flatMap((v: unknown) => {
    const { version, urls, digest } = (v ?? {}) as { version?: unknown; urls?: unknown; digest?: unknown };
    if (typeof version !== "string" || !Array.isArray(urls)) return [];
    const hex = typeof digest === "string" && /^[0-9a-f]{64}$/.test(digest.replace(/^sha256:/, "")) ? digest.replace(/^sha256:/, "") : undefined;
    return [{ version, urls: urls.filter((u): u is string => typeof u === "string"), digest: hex ? `sha256:${hex}` : undefined }];
  });
}

/** The .tgz of `entry`, from its first URL (relative URLs resolve against the repository). */
export async function downloadIndexedChart(repoUrl: string, name: string, entry: IndexedChartVersion, http: HttpOptions = {}): Promise<Buffer> {
  const first = entry.urls[0];
  if (first === undefined) throw new UserError(`Helm repository ${repoUrl}: ${name} ${entry.version} lists no download URL`);
  const url = new URL(first, withSlash(repoUrl)).toString();
  return download(url, `Helm repository ${repoUrl}: downloading ${name} ${entry.version} from ${url}`, http);
}

async function download(url: string, doing: string, http: HttpOptions): Promise<Buffer> {
  const policy = http.policy ?? DEFAULT_POLICY;
  let result;
  try {
    result = await send(http.fetch ?? fetch, url, { method: "GET", headers: { Accept: "*/*" } }, policy);
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    throw new UserError(`${doing} failed: ${err.kind} (${err.code}) after ${err.attempts} attempt(s); check the URL and that this machine can reach it`);
  }
  if (result.status === 200) return result.body;
  const retried = isRetryableStatus(result.status) ? ` after ${result.attempts} attempt(s)` : "";
  throw new UserError(`${doing} failed: HTTP ${result.status}${retried}${result.status === 404 ? "; check the repository URL and chart name" : ""}`);
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
