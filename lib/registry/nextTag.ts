import { UserError } from "../shared/errors";

// A tag is at most 128 characters; leave room for "-<n>".
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,111}$/;

/** The `n` of a tag that is exactly `<dagsterVersion>-<n>` (n decimal digits), else undefined. */
export function parseVersionTag(tag: string, dagsterVersion: string): number | undefined {
  const prefix = `${dagsterVersion}-`;
  if (!tag.startsWith(prefix)) return undefined;
  const rest = tag.slice(prefix.length);
  if (!/^[0-9]+$/.test(rest)) return undefined;
  const n = Number(rest);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The tag for the next image: the largest `n` among tags `<dagsterVersion>-<n>` plus one, or
 * `<dagsterVersion>-0` when there is none. Every other tag (latest, other versions, -rc) is ignored.
 */
export function nextVersion(tags: readonly string[], dagsterVersion: string): string {
  checkDagsterVersion(dagsterVersion);
  let largest = -1;
  for (const tag of tags) {
    const n = parseVersionTag(tag, dagsterVersion);
    if (n !== undefined && n > largest) largest = n;
  }
  return `${dagsterVersion}-${largest + 1}`;
}

/** Throws a UserError unless `<dagsterVersion>-<n>` can be an image tag. */
export function checkDagsterVersion(dagsterVersion: string): void {
  if (!VERSION.test(dagsterVersion)) {
    throw new UserError(
      `dagster version "${dagsterVersion}" cannot start an image tag: use letters, digits, "_", "." and "-" (at most 112 characters), e.g. 1.11.16`,
    );
  }
}
