/**
 * Lists what docker buildx would send as the build context: regular files and symlinks that the
 * .dockerignore matcher keeps, without following symlinks. Sockets, FIFOs and devices are left
 * out; directories are not listed (an empty directory does not change the source hash).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Matcher } from "./dockerignore";
import { UserError } from "../shared/errors";

export type ContextEntry =
  | {
      readonly kind: "file";
      readonly rel: string; // relative POSIX path
      readonly size: number;
      readonly executable: boolean; // owner x bit, as git records it
      /** size, mtime, ctime and inode: equal keys mean the content is unchanged (see statCache). */
      readonly statKey: string;
      readonly ctimeMs: number;
    }
  | { readonly kind: "symlink"; readonly rel: string; readonly target: string };

// Synchronous fs calls: on a 20,000-file tree they are about twice as fast as promise-based ones
// (no thread-pool round trip per call). We yield to the event loop every so often instead.
const YIELD_EVERY = 2000;

/** `skipDir` (relative): a directory left out regardless of the matcher. */
export async function walkContext(contextDir: string, matcher: Matcher, skipDir?: string): Promise<ContextEntry[]> {
  const root = path.resolve(contextDir);
  const rootStat = fs.statSync(root, { throwIfNoEntry: false });
  if (!rootStat?.isDirectory()) throw new UserError(`build context ${contextDir} is not a directory`);

  const entries: ContextEntry[] = [];
  const pending: string[] = [""]; // directories to list, relative
  let sinceYield = 0;
  while (pending.length > 0) {
    const dirRel = pending.pop() as string; // length checked above
    for (const dirent of readDir(root, dirRel, matcher)) {
      const rel = dirRel === "" ? dirent.name : `${dirRel}/${dirent.name}`;
      if (dirent.isDirectory()) {
        if (rel !== skipDir && !matcher.canSkipDir(rel)) pending.push(rel); // (skippable implies ignored)
        continue;
      }
      if (matcher.isIgnored(rel)) continue;
      const entry = describeEntry(root, rel);
      if (entry === "directory") pending.push(rel); // replaced by a directory since readdir
      else if (entry !== undefined) entries.push(entry);
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise(setImmediate);
      }
    }
  }
  return entries;
}

function readDir(root: string, dirRel: string, matcher: Matcher): fs.Dirent[] {
  try {
    return fs.readdirSync(dirRel === "" ? root : `${root}/${dirRel}`, { withFileTypes: true });
  } catch (err) {
    const code = errCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return []; // removed while we walked
    // Like fsutil: an unreadable directory that is itself excluded is passed over.
    if (code === "EACCES" && dirRel !== "" && matcher.isIgnored(dirRel)) return [];
    throw new UserError(`cannot read directory ${dirRel || "."} in the build context: ${code}`);
  }
}

function describeEntry(root: string, rel: string): ContextEntry | "directory" | undefined {
  const abs = `${root}/${rel}`; // root is absolute and rel clean: no need for path.join
  let st: fs.Stats | undefined;
  try {
    // Plain (not bigint) stats: twice fewer allocations. Millisecond doubles (~0.2 µs resolution)
    // are enough because the cache only remembers files whose ctime is seconds before a scan
    // (RACY_WINDOW_MS), so any later change moves ctime by far more than that.
    st = fs.lstatSync(abs, { throwIfNoEntry: false });
  } catch (err) {
    throw new UserError(`cannot stat ${rel} in the build context: ${errCode(err)}`);
  }
  if (st === undefined) {
    // node gives names that are not valid UTF-8 with U+FFFD, which then do not exist: refuse
    // rather than silently leave such a file out of the hash.
    if (rel.includes("\uFFFD")) throw new UserError(`file name is not valid UTF-8: ${rel} in the build context`);
    return undefined; // removed while we walked
  }
  if (st.isFile()) {
    return {
      kind: "file",
      rel,
      size: st.size,
      executable: (st.mode & 0o100) !== 0,
      statKey: `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`,
      ctimeMs: st.ctimeMs,
    };
  }
  if (st.isSymbolicLink()) {
    try {
      return { kind: "symlink", rel, target: fs.readlinkSync(abs) };
    } catch (err) {
      throw new UserError(`cannot read symlink ${rel} in the build context: ${errCode(err)}`);
    }
  }
  return st.isDirectory() ? "directory" : undefined; // sockets, FIFOs, devices: skipped
}

export function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
