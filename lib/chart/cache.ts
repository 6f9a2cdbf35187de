import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { UserError } from "../shared/errors";
import { sha256Digest } from "../shared/fileDigest";
import { unpackChartArchive } from "./archive";
import { copyWithoutSchemas } from "./schemaless";

/** One chart archive: the cache keeps it unpacked under its name, version and digest. */
export interface ChartKey {
  readonly name: string;
  readonly version: string;
  /** `sha256:<hex>` of the .tgz, as the source lists it. */
  readonly digest: string;
}

const MARKER = "complete.json";

/** `<root>/<name>/<version>/<sha256 hex>`: a digest never names two archives, so entries never go stale. */
export function chartCacheDir(root: string, key: ChartKey): string {
  const safe = (part: string) => part.replace(/[^A-Za-z0-9._+-]/g, "_");
  return path.join(root, safe(key.name), safe(key.version), key.digest.replace(/^sha256:/, ""));
}

/**
 * The unpacked chart of `key`: from the cache when it is there, else `download`ed, checked against
 * the digest, and unpacked beside the cache entry then moved into place, so a reader never sees
 * half an entry and an interrupted run leaves nothing it would trust later.
 */
export async function cachedChart(root: string, key: ChartKey, download: () => Promise<Buffer>, what: string): Promise<{ dir: string; reused: boolean }> {
  const entry = chartCacheDir(root, key);
  const cached = readEntry(entry);
  if (cached) return { dir: cached, reused: true };

  const bytes = await download();
  const actual = sha256Digest(bytes);
  if (actual !== key.digest) {
    throw new UserError(`${what}: the downloaded archive has digest ${actual}, but the source lists ${key.digest}; not using it (retry, or ask the source's operators)`);
  }
  publish(entry, () => readEntry(entry) !== undefined, (scratch) => {
    const archive = path.join(scratch, "chart.tgz");
    writeFileSync(archive, bytes);
    const top = unpackChartArchive(archive, path.join(scratch, "chart"), what);
    writeFileSync(path.join(scratch, MARKER), JSON.stringify({ ...key, chart: path.basename(top) }));
  });
  const dir = readEntry(entry);
  if (!dir) throw new Error(`chart cache entry ${entry} vanished right after it was written`);
  return { dir, reused: false };
}

/**
 * The archive a pinned version (`source` names where it comes from, `version` as configured)
 * resolved to last time, if it is still unpacked in the cache: then a run needs no index.yaml, tag
 * list or manifest to deploy it again. Helm itself keeps a pulled version's archive by name and
 * version; a version republished with other content is not seen until the cache is gone.
 */
export function pinnedChart(root: string, source: string, version: string): { key: ChartKey; dir: string } | undefined {
  try {
    const key = JSON.parse(readFileSync(pinFile(root, source, version), "utf8")) as ChartKey;
    if (typeof key.name !== "string" || typeof key.version !== "string" || !/^sha256:[0-9a-f]{64}$/.test(String(key.digest))) return undefined;
    const dir = readEntry(chartCacheDir(root, key));
    return dir ? { key: { name: key.name, version: key.version, digest: key.digest }, dir } : undefined;
  } catch {
    return undefined;
  }
}

/** Records what the pinned `version` of `source` resolved to (see pinnedChart); written atomically. */
export function pinChart(root: string, source: string, version: string, key: ChartKey): void {
  const file = pinFile(root, source, version);
  mkdirSync(path.dirname(file), { recursive: true });
  const scratch = `${file}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(scratch, JSON.stringify({ name: key.name, version: key.version, digest: key.digest }));
  renameSync(scratch, file);
}

function pinFile(root: string, source: string, version: string): string {
  return path.join(root, "pins", `${createHash("sha256").update(`${source}\n${version}`).digest("hex")}.json`);
}

/** A copy of the cached chart `chartDir` of `key` without any values.schema.json, made once. */
export function cachedSchemalessChart(root: string, key: ChartKey, chartDir: string): string {
  const target = path.join(chartCacheDir(root, key), "no-schema");
  const dir = path.join(target, path.basename(chartDir));
  const done = () => existsSync(path.join(dir, "Chart.yaml"));
  if (!done()) publish(target, done, (scratch) => void copyWithoutSchemas(chartDir, path.join(scratch, path.basename(chartDir))));
  return dir;
}

function readEntry(entry: string): string | undefined {
  try {
    const marker = JSON.parse(readFileSync(path.join(entry, MARKER), "utf8")) as { chart?: unknown };
    const dir = typeof marker.chart === "string" ? path.join(entry, "chart", marker.chart) : undefined;
    return dir && existsSync(path.join(dir, "Chart.yaml")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fills a scratch directory beside `target`, then renames it into place. A complete `target` that
 * a concurrent run wrote meanwhile is kept; an incomplete one (an interrupted run's) is replaced.
 */
function publish(target: string, done: () => boolean, fill: (scratch: string) => void): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const scratch = `${target}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    mkdirSync(scratch);
    fill(scratch);
    if (done()) return;
    rmSync(target, { recursive: true, force: true });
    renameSync(scratch, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
