/**
 * One .dockerignore pattern, matched the way moby/patternmatcher matches it against one path.
 *
 * We use @balena/dockerignore (a port of moby's glob-to-regexp translation) for the regexp part,
 * wrapped to fix where it deviates from current Docker:
 *  - it is case-insensitive by default; Docker is not;
 *  - it escapes only "." and "$" in the regexp, moby also escapes "+()|{}";
 *  - it drops patterns starting with "#" or "!" that reach it (Docker reads " #x" as a pattern);
 *  - it also reports a match when a parent directory matches, with moby 19.03's rule (a parent
 *    of the same depth only); BuildKit needs "does the pattern match this exact path";
 *  - moby matches literal patterns with string operations, and for "**" followed by literal text
 *    ("**.pyc") that is a suffix test, which matches more than the regexp balena builds.
 * Known remaining deviations (JS vs Go regexp, only reachable with unusual patterns): "?" and
 * "[^x]" see a non-BMP character (emoji) in a file name as two characters; POSIX classes
 * ("[[:alpha:]]") and Go-only escapes ("\\pL", "\\Q") are literal text here.
 */
import ignore from "@balena/dockerignore";
import { UserError } from "../shared/errors";

export interface Pattern {
  /** Whether the pattern matches this exact path (relative, POSIX), no parent logic. */
  readonly matches: (relPath: string) => boolean;
  readonly shape: Shape;
}

/** `p` is cleaned, without "!", and passed isBadGlob. `source` names the file in errors. */
export function compilePattern(p: string, source: string): Pattern {
  const shape = shapeOf(p);
  return { matches: matcherFor(p, shape, source), shape };
}

type MatchType = "exact" | "prefix" | "suffix" | "regexp";

/** patternmatcher's compile(): which kind of comparison Docker uses for a cleaned pattern. */
function matchType(p: string): MatchType {
  let type: MatchType = "exact";
  for (let i = 0, token = 0; i < p.length; i++, token++) {
    const c = p[i];
    if (c === "*" && p[i + 1] === "*") {
      i++;
      if (p[i + 1] === "/") i++;
      type = i + 1 >= p.length && type === "exact" ? "prefix" : "regexp";
      if (token === 0) type = "suffix";
    } else if (c === "*" || c === "?" || c === "[" || c === "]") {
      type = "regexp";
    } else if (c === "\\" && i + 1 < p.length) {
      i++;
      type = "regexp";
    }
  }
  return type;
}

const NUL = "\0";

function matcherFor(p: string, shape: Shape, source: string): (relPath: string) => boolean {
  switch (matchType(p)) {
    case "exact":
      return (rel) => rel === p;
    case "prefix": {
      const prefix = p.slice(0, -2);
      return (rel) => rel.startsWith(prefix);
    }
    case "suffix": {
      // moby: HasSuffix(path, pattern[2:]), plus "**/foo" matching "foo" itself.
      const suffix = p.slice(2);
      const bare = suffix.startsWith("/") ? suffix.slice(1) : undefined;
      return (rel) => rel.endsWith(suffix) || rel === bare;
    }
    case "regexp": {
      // balena also reports a match when a parent directory matches. A NUL (which no file name
      // contains) appended to both pattern and path means no parent can match, leaving exactly
      // "the pattern matches this path".
      const ig = ignore({ ignorecase: false }).add([toBalenaPattern(p) + NUL]);
      try {
        ig.ignores(`x${NUL}`); // balena compiles lazily; find a bad regexp ("[z-a]") now
      } catch {
        // ...but fail only when the pattern is used, as Docker does (a "!" that is never
        // consulted does not break the build).
        return () => {
          throw new UserError(`${source}: syntax error in pattern: ${JSON.stringify(p)}`);
        };
      }
      // Cheap necessary conditions first: balena's per-call cost (a few µs) would otherwise
      // dominate re-hashing a large unchanged tree.
      return (rel) => fitsShape(shape, rel) && ig.ignores(rel + NUL);
    }
  }
}

/**
 * What any path a pattern matches must look like: it starts with `head` and ends with `tail`
 * (the literal text before the first and after the last wildcard) and, unless `slashes` is -1,
 * contains exactly that many "/" (only "**" and classes can match "/").
 */
export interface Shape {
  readonly head: string;
  readonly tail: string;
  readonly slashes: number;
}

function shapeOf(p: string): Shape {
  let head = -1; // end of the leading literal text
  let tail = 0; // start of the trailing literal text
  for (let i = 0; i < p.length; i++) {
    const start = i;
    if (p[i] === "\\") i++;
    else if (p[i] === "*" && p[i + 1] === "*") i += p[i + 2] === "/" ? 2 : 1; // "**/" may match ""
    else if (!"*?[]^".includes(p[i])) continue;
    if (head < 0) head = start;
    tail = i + 1;
  }
  return {
    head: head < 0 ? p : p.slice(0, head),
    tail: p.slice(tail),
    slashes: /\*\*|\[/.test(p) ? -1 : countSlashes(p),
  };
}

const fitsShape = (s: Shape, rel: string): boolean =>
  rel.startsWith(s.head) && rel.endsWith(s.tail) && (s.slashes < 0 || countSlashes(rel) === s.slashes);

/** Whether a pattern of this shape could match some path below `dir`. */
export function couldMatchBelow(s: Shape, dir: string): boolean {
  const d = `${dir}/`;
  return (s.head.startsWith(d) || d.startsWith(s.head)) && (s.slashes < 0 || s.slashes >= countSlashes(d));
}

function countSlashes(s: string): number {
  let n = 0;
  for (let i = s.indexOf("/"); i >= 0; i = s.indexOf("/", i + 1)) n++;
  return n;
}

/** Rewrites a cleaned pattern so that balena builds the regexp moby builds (module comment). */
function toBalenaPattern(p: string): string {
  let out = "";
  let endsWithDoubleStar = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    endsWithDoubleStar = false;
    if (c === "\\" && i + 1 < p.length) {
      out += c + p[++i]; // already escaped: keep the pair
    } else if ("+()|{}".includes(c) || (i === 0 && (c === "#" || c === "!"))) {
      out += `\\${c}`;
    } else if (c === "*" && p[i + 1] === "*") {
      out += "**";
      i++;
      endsWithDoubleStar = i + 1 === p.length;
    } else {
      out += c;
    }
  }
  // A trailing "**" is ".*" only at the very end, and we append a NUL: "**/*" is equivalent.
  return endsWithDoubleStar ? `${out}/*` : out;
}

