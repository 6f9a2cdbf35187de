/**
 * Reads git's index file (versions 2 to 4, https://git-scm.com/docs/index-format) for what the
 * source hash may take from it: the tracked paths under a prefix and, for regular files, the stat
 * data git recorded. Entries git itself does not stat-check, or whose stat data is not to be
 * trusted, come as a bare path (the caller then stats and reads it as it does without git):
 *  - assume-unchanged, skip-worktree and intent-to-add entries, and conflicted paths (stage > 0);
 *  - symlinks, submodules (gitlinks) and sparse-index directories;
 *  - "racily clean" entries: mtime or ctime not older, in whole seconds, than the index file
 *    itself. A change in the same second as the index write can keep size and mtime, and the
 *    git here compares whole seconds only (built without USE_NSEC);
 *  - paths that are not valid UTF-8.
 * Pure: the caller reads the file and runs git.
 */
import type { FileEntry } from "./contextEntry";

export interface IndexView {
  /** Where the context lies in the work tree: "" or "sub/dir/" (as `git rev-parse --show-prefix`). */
  readonly prefix: string;
  /** 20 (sha1) or 32 (sha256): `git rev-parse --show-object-format`. */
  readonly oidBytes: number;
  /** The index file's own mtime, in ms. */
  readonly indexMtimeMs: number;
}

const ENTRY_FIXED = 62; // 10 32-bit stat words + flags, without the object id's extra bytes
const ASSUME_VALID = 0x8000;
const EXTENDED = 0x4000;
const STAGE = 0x3000;
const NAME_MASK = 0x0fff;
const SKIP_WORKTREE = 0x4000;
const INTENT_TO_ADD = 0x2000;
const TYPE_MASK = 0o170000;
const REGULAR = 0o100000;

/**
 * Context-relative tracked paths in index order (byte order), once each: the entry when its stat
 * data may vouch for the file, else the path. Undefined if the index is not one we read.
 */
export function parseGitIndex(buf: Buffer, view: IndexView): (FileEntry | string)[] | undefined {
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "DIRC") return undefined;
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const count = buf.readUInt32BE(8);
  const prefix = Buffer.from(view.prefix, "utf8");
  const racySec = Math.floor(view.indexMtimeMs / 1000);
  const tracked: (FileEntry | string)[] = [];
  let last = ""; // conflicted paths have up to three entries (stages), one after the other
  const fixed = ENTRY_FIXED - 20 + view.oidBytes;
  let previous: Buffer = Buffer.alloc(0); // version 4: the previous path, which the next one shares a start with
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at + fixed > buf.length) return undefined;
    const flags = buf.readUInt16BE(at + fixed - 2);
    let nameAt = at + fixed;
    let extended = 0;
    if (flags & EXTENDED) {
      if (version < 3 || nameAt + 2 > buf.length) return undefined;
      extended = buf.readUInt16BE(nameAt);
      nameAt += 2;
    }
    // The path as [start, end) of `name`: the index itself for versions 2 and 3, a copy for 4.
    let name = buf;
    let start = nameAt;
    let end: number;
    let next: number;
    if (version === 4) {
      const [strip, suffixAt] = readVarint(buf, nameAt);
      const suffixEnd = buf.indexOf(0, suffixAt);
      if (suffixEnd < 0 || strip > previous.length) return undefined;
      previous = name = Buffer.concat([previous.subarray(0, previous.length - strip), buf.subarray(suffixAt, suffixEnd)]);
      start = 0;
      end = name.length;
      next = suffixEnd + 1;
    } else {
      const length = flags & NAME_MASK;
      end = length < NAME_MASK ? nameAt + length : buf.indexOf(0, nameAt);
      if (end < 0 || end >= buf.length) return undefined;
      next = at + ((end - at + 8) & ~7); // NUL-padded to a multiple of 8
    }
    if (end - start > prefix.length && (prefix.length === 0 || name.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0)) {
      const rel = name.toString("utf8", start + prefix.length, end);
      // (a name that is not valid UTF-8 stays a path: the caller fails on it as a walk would)
      if (rel !== last) tracked.push(trusted(buf, at, flags, extended, racySec) && !rel.includes("\uFFFD") ? describe(buf, at, rel) : rel);
      else if (typeof tracked[tracked.length - 1] !== "string") tracked[tracked.length - 1] = rel;
      last = rel;
    }
    at = next;
  }
  // Extensions follow; a split index ("link") keeps most entries in another file: not read here.
  for (let ext = at; ext + 8 <= buf.length - view.oidBytes; ext += 8 + buf.readUInt32BE(ext + 4)) {
    if (buf.toString("latin1", ext, ext + 4) === "link") return undefined;
  }
  return tracked;
}

function trusted(buf: Buffer, at: number, flags: number, extended: number, racySec: number): boolean {
  const mode = buf.readUInt32BE(at + 24);
  return (
    (flags & (ASSUME_VALID | STAGE)) === 0 &&
    (extended & (SKIP_WORKTREE | INTENT_TO_ADD)) === 0 &&
    (mode & TYPE_MASK) === REGULAR &&
    buf.readUInt32BE(at) < racySec && // ctime
    buf.readUInt32BE(at + 8) < racySec // mtime
  );
}

function describe(buf: Buffer, at: number, rel: string): FileEntry {
  return {
    kind: "file",
    rel,
    size: buf.readUInt32BE(at + 36), // git keeps the low 32 bits
    executable: (buf.readUInt32BE(at + 24) & 0o100) !== 0,
    // All 40 bytes of stat data (ctime, mtime, device, inode, mode, uid, gid, size), base64.
    // "g": never equal to a key from lstat (contextWalk), so neither kind of record stands in
    // for the other.
    statKey: `g${buf.toString("base64", at, at + 40)}`,
    ctimeMs: buf.readUInt32BE(at) * 1000 + buf.readUInt32BE(at + 4) / 1e6,
  };
}

/** git's offset varint (varint.c): 7 bits a byte, most significant first, +1 per continuation. */
function readVarint(buf: Buffer, at: number): [number, number] {
  let c = buf[at++] ?? 0;
  let value = c & 127;
  while (c & 128) {
    c = buf[at++] ?? 0;
    value = (value + 1) * 128 + (c & 127);
  }
  return [value, at];
}
