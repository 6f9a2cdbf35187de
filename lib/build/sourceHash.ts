/**
 * The source hash that decides whether a branch needs a new image version: it changes exactly
 * when what goes into the image changes.
 *
 * Covered: every file and symlink of the build context that docker buildx sends (after
 * .dockerignore), by relative path, content and executable bit (symlinks by target, never
 * followed); the Dockerfile's content; the build args; the Dagster version; `extra`.
 * Not covered, on purpose: mtimes, owners, absolute paths (it must agree across machines), empty
 * directories, and the .dockerignore text itself. The ignore file only matters through the files
 * it lets in, which are hashed; and if it is not ignored itself it is one of those files.
 */
import { createHash, type Hash } from "node:crypto";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { walkContext, errCode } from "./contextWalk";
import type { ContextEntry, FileEntry } from "./contextEntry";
import { loadDockerignore } from "./dockerignore";
import { UserError } from "../shared/errors";
import { CHUNK_BYTES, sha256File, sha256Hex } from "../shared/fileDigest";
import { gitListing } from "./gitTracked";
import {
  cacheFilePath,
  cacheValue,
  emptyStatCache,
  loadStatCache,
  RACY_WINDOW_MS,
  saveStatCache,
  type StatCache,
  type StatEntries,
} from "./statCache";

export interface SourceHashInput {
  /** The build context (repository_root). Relative paths are against the working directory. */
  readonly contextDir: string;
  /** A Dockerfile on disk (relative to the working directory, like `docker build -f`; its
   *  `<path>.dockerignore` is honoured) or its text. */
  readonly dockerfile: { readonly path: string } | { readonly contents: string };
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly dagsterVersion: string;
  /** Anything else that should force a new version when it changes. */
  readonly extra?: Readonly<Record<string, string>>;
  /** Directory for the stat cache (e.g. node_modules/.cache/<name>); no cache if absent. */
  readonly cacheDir?: string;
  /** Let git's index vouch for unchanged tracked files (default true; same hash either way). */
  readonly useGit?: boolean;
}

export interface SourceHash {
  /** "sha256:<hex>" */
  readonly hash: string;
  /** Files and symlinks in the context. */
  readonly files: number;
  /** Total size of the regular files in the context. */
  readonly bytes: number;
  /** Files whose digest came from the stat cache (informational). */
  readonly cachedFiles: number;
  /** Files git's index vouched for, so that they needed no lstat (informational). */
  readonly gitIndexFiles: number;
}

const FORMAT = "dagster-code-locations/source-hash/v1";
const YIELD_EVERY_BYTES = 64 * CHUNK_BYTES;

export async function hashSource(input: SourceHashInput): Promise<SourceHash> {
  const contextDir = path.resolve(input.contextDir);
  const source = input.dockerfile;
  const dockerfilePath = "path" in source ? path.resolve(source.path) : undefined;
  const dockerfile = "path" in source ? await readDockerfile(path.resolve(source.path)) : Buffer.from(source.contents);

  // Before any stat, git's included: see RACY_WINDOW_MS, and gitTracked.ts for why that
  // window also covers the stat data git's index recorded.
  const scanStart = Date.now();
  const listing = input.useGit === false ? undefined : gitListing(contextDir);
  const matcher = await loadDockerignore(contextDir, dockerfilePath);
  const git = await listing;
  const cacheDir = input.cacheDir === undefined ? undefined : path.resolve(input.cacheDir);
  // Our own cache must not feed the hash (each write would change the next hash), even when it
  // lies in the context (e.g. node_modules/.cache in a monorepo) and is not dockerignored.
  const walked = await walkContext(contextDir, matcher, cacheDir && relativeInside(contextDir, cacheDir), git);
  const entries = sortUnique(walked.entries);

  const cacheFile = cacheDir === undefined ? undefined : cacheFilePath(cacheDir, contextDir);
  const cache = cacheFile === undefined ? emptyStatCache : await loadStatCache(cacheFile, contextDir);
  const hash = createHash("sha256").update(`${header(dockerfile, input)}\n`);
  const result = await hashEntries(hash, entries, contextDir, cache, scanStart - RACY_WINDOW_MS);

  // Rewrite only if there is something new to remember or something to forget.
  if (cacheFile !== undefined && (result.learntNew || result.rememberedCount !== cache.size)) {
    await saveStatCache(cacheFile, contextDir, result.learnt());
  }
  return { hash: `sha256:${hash.digest("hex")}`, files: result.files, bytes: result.bytes, cachedFiles: result.cachedFiles, gitIndexFiles: walked.fromGit };
}

/**
 * Feeds one line per entry (sorted) to `hash`, reading only files the cache does not vouch for.
 * Files whose ctime is before `rememberBefore` (ms) are returned in `learnt` for the next run.
 */
async function hashEntries(hash: Hash, entries: readonly ContextEntry[], contextDir: string, cache: StatCache, rememberBefore: number) {
  // What to remember, as parallel arrays: the Map saveStatCache takes is built only when saving
  // (an unchanged tree saves nothing, and 20,000 Map entries cost more than reading the cache).
  const remembered: FileEntry[] = [];
  const rememberedDigests: string[] = [];
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let lines = ""; // fed to the hash in batches: fewer, larger updates
  let files = 0;
  let bytes = 0;
  let cachedFiles = 0;
  let sinceYield = 0;
  let learntNew = false;
  for (const entry of entries) {
    if (entry.kind === "symlink") {
      lines += `l - ${sha256Hex(entry.target)} ${entry.rel}\0`;
    } else {
      const remember = entry.ctimeMs < rememberBefore;
      let digest = cache.digest(entry.rel, entry.statKey);
      if (digest !== undefined) {
        cachedFiles++;
      } else {
        digest = digestOrThrow(`${contextDir}/${entry.rel}`, entry.rel, buffer);
        if (digest === undefined) continue; // removed while we walked
        learntNew ||= remember;
        sinceYield += entry.size;
      }
      if (remember) {
        remembered.push(entry);
        rememberedDigests.push(digest);
      }
      lines += `f ${entry.executable ? "x" : "-"} ${digest} ${entry.rel}\0`;
      bytes += entry.size;
    }
    files++;
    if (lines.length > 1 << 16) {
      hash.update(lines);
      lines = "";
    }
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await new Promise(setImmediate); // let the event loop breathe during long reads
    }
  }
  hash.update(lines);
  const learnt = (): StatEntries => new Map(remembered.map((e, i) => [e.rel, cacheValue(e.statKey, rememberedDigests[i] as string)]));
  return { files, bytes, cachedFiles, rememberedCount: remembered.length, learnt, learntNew };
}

/** Everything besides the files, in a canonical (sorted, JSON-escaped) form. */
function header(dockerfile: Buffer, input: SourceHashInput): string {
  return JSON.stringify({
    format: FORMAT,
    dockerfile: sha256Hex(dockerfile),
    buildArgs: sortedEntries(input.buildArgs),
    dagsterVersion: input.dagsterVersion,
    extra: sortedEntries(input.extra ?? {}),
  });
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `dir` relative to `root` (POSIX) if strictly inside it. */
function relativeInside(root: string, dir: string): string | undefined {
  const rel = path.relative(root, dir);
  return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join("/");
}

/** Sorted by path, each path once (a git listing can name a path twice, e.g. a file that became a directory). */
function sortUnique(entries: ContextEntry[]): ContextEntry[] {
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return entries.filter((e, i) => i === 0 || entries[i - 1]!.rel !== e.rel);
}

async function readDockerfile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UserError(`cannot read Dockerfile ${file}: ${errCode(err)}`);
  }
}

function digestOrThrow(abs: string, rel: string, buffer: Buffer): string | undefined {
  try {
    return sha256File(abs, buffer);
  } catch (err) {
    throw new UserError(`cannot read ${rel} in the build context: ${errCode(err)}`);
  }
}

