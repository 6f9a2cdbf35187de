/** sha256 of a file's content, read in fixed-size chunks so that huge files never sit in memory. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";

export const CHUNK_BYTES = 1 << 20;

/**
 * Returns the hex digest, or undefined if the file disappeared. `buffer` is scratch space reused
 * across calls (one allocation per run). Synchronous: see contextWalk.ts for why.
 */
export function sha256File(absPath: string, buffer: Buffer): string | undefined {
  let fd: number;
  try {
    // No blocking on a file swapped for a FIFO since we listed it, no following a swapped-in symlink.
    fd = fs.openSync(absPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const hash = createHash("sha256");
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
    return hash.digest("hex");
  } finally {
    fs.closeSync(fd);
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `sha256:<hex>`, as registries and Helm indexes name content. */
export function sha256Digest(data: Uint8Array): string {
  return `sha256:${sha256Hex(data)}`;
}
