import { realpathSync } from "node:fs";
import * as path from "node:path";

/**
 * `target` with every symlink followed, as far as it exists: the part that does not exist yet is
 * appended to its nearest existing ancestor's real path.
 */
export function realPath(target: string): string {
  const resolved = path.resolve(target);
  try {
    return realpathSync.native(resolved);
  } catch {
    const parent = path.dirname(resolved);
    return parent === resolved ? resolved : path.join(realPath(parent), path.basename(resolved));
  }
}

/** Whether `target` is `dir` or lies under it, once symlinks of both are followed. */
export function isInside(target: string, dir: string): boolean {
  const relative = path.relative(realPath(dir), realPath(target));
  return relative === "" || (!relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative));
}
