/**
 * Remembers content digests by file stat (size, mtime, ctime, inode) so that a repeated hash only
 * reads files that changed. One file per build context under the caller's cache directory.
 *
 * It can only make hashing faster, never change the result: a missing, corrupted (checksum),
 * foreign (other format or context) or unwritable cache is ignored, and a file whose ctime is
 * within RACY_WINDOW_MS of the scan is not remembered, because a later change in the same
 * timestamp tick could leave its stat unchanged (git's "racily clean" problem).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { sha256Hex } from "../shared/fileDigest";

const MAGIC = "dagster-code-locations source-hash stat cache v3";
export const RACY_WINDOW_MS = 2000; // covers coarse (even 1-2 s) file timestamps

/** A loaded cache: the digest remembered for a path, if its stat key is unchanged. */
export interface StatCache {
  readonly size: number;
  digest(rel: string, statKey: string): string | undefined;
}

/** What a run learnt, to save: rel path -> "<statKey> <sha256 hex>". */
export type StatEntries = Map<string, string>;

export const emptyStatCache: StatCache = { size: 0, digest: () => undefined };

export function cacheFilePath(cacheDir: string, contextDir: string): string {
  return path.join(cacheDir, `source-hash-${sha256Hex(contextDir).slice(0, 16)}.cache`);
}

export function cacheValue(statKey: string, digest: string): string {
  return `${statKey} ${digest}`;
}

/** The cache saved for `contextDir` (absolute), or an empty one if there is no usable cache. */
export async function loadStatCache(file: string, contextDir: string): Promise<StatCache> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return emptyStatCache;
  }
  const newline = text.indexOf("\n");
  const body = text.slice(newline + 1);
  if (newline < 0 || text.slice(0, newline) !== `${MAGIC} ${sha256Hex(body)}`) return emptyStatCache;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return emptyStatCache;
  }
  if (!isRecord(parsed) || parsed.context !== contextDir || !isRecord(parsed.entries)) return emptyStatCache;
  const entries = parsed.entries;
  return {
    size: Object.keys(entries).length,
    // Checked when used rather than all up front (each is used about once). The checksum has
    // ruled out corruption, so "<statKey> <64 characters>" is enough: we only write hex digests.
    digest(rel, statKey) {
      const value = Object.hasOwn(entries, rel) ? entries[rel] : undefined;
      const ok = typeof value === "string" && value.length === statKey.length + 65 && value.charCodeAt(statKey.length) === 32 && value.startsWith(statKey);
      return ok ? value.slice(statKey.length + 1) : undefined;
    },
  };
}

/** Writes the cache atomically (temp file + rename). Best effort: failures leave no cache. */
export async function saveStatCache(file: string, contextDir: string, entries: StatEntries): Promise<void> {
  const body = JSON.stringify({ context: contextDir, entries: Object.fromEntries(entries) });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, `${MAGIC} ${sha256Hex(body)}\n${body}`, { flag: "wx" });
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
