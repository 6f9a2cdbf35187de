/**
 * The few Go standard library behaviours that Docker's .dockerignore handling depends on, ported
 * exactly (Unix flavour) so that our reading of a .dockerignore agrees with docker/buildx.
 */

/** Go's path/filepath.Clean on Unix. Unlike node's path.normalize it drops a trailing "/". */
export function goClean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  return rooted ? `/${joined}` : joined === "" ? "." : joined;
}

// unicode.IsSpace: differs from String.prototype.trim (Go trims U+0085, JS trims U+FEFF).
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, "g");

/** Go's strings.TrimSpace. */
export function goTrimSpace(s: string): string {
  return s.replace(GO_TRIM, "");
}

/**
 * Whether Go's filepath.Match rejects `pattern` with ErrBadPattern (Unix rules). patternmatcher
 * calls Match(pattern, ".") only for this check, and a .dockerignore with such a line fails the
 * build. Since Go 1.16 Match validates the whole pattern, so a linear scan is equivalent.
 */
export function isBadGlob(pattern: string): boolean {
  let i = 0;
  // getEsc: one class character, possibly escaped; something must follow it (the closing "]").
  const classChar = (): boolean => {
    const c = pattern[i];
    if (c === undefined || c === "-" || c === "]") return false;
    if (c === "\\") i++;
    if (i >= pattern.length) return false;
    i += codePointLength(pattern, i);
    return i < pattern.length;
  };
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      if (i + 1 >= pattern.length) return true;
      i += 1 + codePointLength(pattern, i + 1);
    } else if (c === "[") {
      i++;
      if (pattern[i] === "^") i++;
      for (let ranges = 0; ; ranges++) {
        if (pattern[i] === "]" && ranges > 0) {
          i++;
          break;
        }
        if (!classChar()) return true;
        if (pattern[i] === "-") {
          i++;
          if (!classChar()) return true;
        }
      }
    } else {
      i++;
    }
  }
  return false;
}

function codePointLength(s: string, i: number): number {
  const cp = s.codePointAt(i);
  return cp !== undefined && cp > 0xffff ? 2 : 1;
}
