/**
 * .dockerignore with the semantics of docker buildx / BuildKit: moby/patternmatcher's rules as
 * applied by tonistiigi/fsutil's walker (the client side that decides what the builder receives).
 *
 * Per pattern we use @balena/dockerignore (a port of moby's glob-to-regexp translation), wrapped
 * to fix where it deviates from current Docker:
 *  - it is case-insensitive by default; Docker is not;
 *  - it escapes only "." and "$" in the regexp, moby also escapes "+()|{}";
 *  - it drops patterns starting with "#" or "!" that reach it (Docker reads " #x" as a pattern);
 *  - its parent-directory rule is moby 19.03's (same-length prefix only) and it only answers for a
 *    whole pattern list; BuildKit needs "does pattern i match this exact path" (see ruleMatcher);
 *  - moby matches literal patterns with string operations, and for "**" followed by literal text
 *    ("**.pyc") that is a suffix test, which matches more than the regexp balena builds;
 *  - it accepts patterns Docker rejects ("!", "[", "a\\").
 * Known remaining deviations (JS vs Go regexp, only reachable with unusual patterns): "?" and
 * "[^x]" see a non-BMP character (emoji) in a file name as two characters; POSIX classes
 * ("[[:alpha:]]") and Go-only escapes ("\\pL", "\\Q") are literal text here.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import ignore from "@balena/dockerignore";
import { UserError } from "./errors";
import { goClean, goTrimSpace, isBadGlob } from "./goCompat";

export interface Matcher {
  /** Patterns in effect (cleaned, "!" kept), for display and tests. */
  readonly patterns: readonly string[];
  /** Whether BuildKit leaves this path (relative, POSIX, file or directory) out of the context. */
  isIgnored(relPosixPath: string): boolean;
  /** Whether this directory's whole content is ignored, so a walker need not enter it: it is
   *  ignored and no "!" pattern can re-include anything below it (which includes every case
   *  where BuildKit itself does not walk into it). */
  canSkipDir(relPosixDir: string): boolean;
}

/** ignorefile.ReadAll: the cleaned patterns of a .dockerignore, "!" prefix kept. */
export function parseDockerignore(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const patterns: string[] = [];
  for (const raw of lines) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.startsWith("#")) continue; // before trimming: " #x" is a pattern
    let pattern = goTrimSpace(line);
    if (pattern === "") continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

interface Rule {
  readonly pattern: string; // cleaned, without "!"
  readonly negated: boolean;
  readonly matches: (relPath: string) => boolean; // this exact path, no parent logic
}

/** patternmatcher.New: validates and compiles. `source` names the file in error messages. */
function compileRules(patterns: readonly string[], source: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of patterns) {
    let p = goTrimSpace(raw);
    if (p === "") continue;
    p = goClean(p);
    const negated = p.startsWith("!");
    if (negated) {
      if (p.length === 1) throw new UserError(`${source}: illegal exclusion pattern: "!"`);
      p = p.slice(1);
    }
    if (isBadGlob(p)) throw new UserError(`${source}: syntax error in pattern: ${JSON.stringify(raw)}`);
    rules.push({ pattern: p, negated, matches: ruleMatcher(p, source) });
  }
  return rules;
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

function ruleMatcher(p: string, source: string): (relPath: string) => boolean {
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
      const shape = shapeOf(p);
      return (rel) => fitsShape(shape, rel) && ig.ignores(rel + NUL);
    }
  }
}

/**
 * What any path a pattern matches must look like: it starts with `head` and ends with `tail`
 * (the literal text before the first and after the last wildcard) and, unless `slashes` is -1,
 * contains exactly that many "/" (only "**" and classes can match "/").
 */
interface Shape {
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
function couldMatchBelow(s: Shape, dir: string): boolean {
  const d = `${dir}/`;
  return (s.head.startsWith(d) || d.startsWith(s.head)) && (s.slashes < 0 || s.slashes >= countSlashes(d));
}

function countSlashes(s: string): number {
  let n = 0;
  for (let i = s.indexOf("/"); i >= 0; i = s.indexOf("/", i + 1)) n++;
  return n;
}

/** Rewrites a cleaned pattern so balena builds the regexp moby builds (see module comment). */
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

/** What fsutil strips before deciding whether a "!" pattern is a plain path prefix. */
function withoutTrailingGlob(p: string): string {
  const a = p.endsWith("/**") ? p.slice(0, -3) : p;
  return a.endsWith("/*") ? a.slice(0, -2) : a;
}

/** Builds a matcher from cleaned patterns (as parseDockerignore returns them). */
export function createMatcher(patterns: readonly string[], source = ".dockerignore"): Matcher {
  const rules = compileRules(patterns, source);
  const negated = rules.filter((r) => r.negated);
  const negations = negated.map((r) => `${withoutTrailingGlob(r.pattern)}/`);
  const negationShapes = negated.map((r) => shapeOf(r.pattern));
  // fsutil only skips excluded directories when every "!" pattern is a plain path.
  const dockerMayPrune = negations.every((n) => !/[*[\]?^\\]/.test(n));
  /** Whether an excluded directory's content is all excluded too. */
  const prunable = (dir: string): boolean =>
    // BuildKit does not walk into it (and so includes nothing below it), or: nothing below it
    // can be included, because every path below it inherits the directory's "excluded" and
    // only a "!" pattern matching the path itself could undo that.
    (dockerMayPrune && !negations.some((n) => n.startsWith(`${dir}/`))) ||
    !negationShapes.some((shape) => couldMatchBelow(shape, dir));

  /** patternmatcher.MatchesUsingParentResults: per-rule matches, and whether the path is out. */
  const evaluate = (rel: string, parent: readonly boolean[] | undefined) => {
    let excluded = false;
    const matched = rules.map(() => false);
    rules.forEach((rule, i) => {
      let m = parent?.[i] ?? false;
      if (!m) {
        // moby skips a rule that could not change the outcome, and then does not record it for
        // the children either; reproduced because it changes results for some pattern orders.
        if (rule.negated !== excluded) return;
        // (moby also tries the ancestors when it has no parent results; we always pass them,
        // except for top-level entries, which have no ancestors.)
        m = rule.matches(rel);
      }
      matched[i] = m;
      if (m) excluded = !rule.negated;
    });
    return { excluded, matched };
  };

  interface DirState {
    readonly matched: readonly boolean[];
    readonly pruned: boolean; // this directory or one above it is not walked at all
  }
  const dirs = new Map<string, DirState>();
  const dirState = (dir: string): DirState | undefined => {
    if (dir === ".") return undefined;
    let state = dirs.get(dir);
    if (state === undefined) {
      const parent = dirState(parentOf(dir));
      const { excluded, matched } = evaluate(dir, parent?.matched);
      const pruned = (parent?.pruned ?? false) || (excluded && prunable(dir));
      state = { matched, pruned };
      dirs.set(dir, state);
    }
    return state;
  };

  return {
    patterns: rules.map((r) => (r.negated ? `!${r.pattern}` : r.pattern)),
    isIgnored(relPosixPath) {
      const rel = normalizeRel(relPosixPath);
      if (rel === "." || rules.length === 0) return false;
      const parent = dirState(parentOf(rel));
      return (parent?.pruned ?? false) || evaluate(rel, parent?.matched).excluded;
    },
    canSkipDir(relPosixDir) {
      const rel = normalizeRel(relPosixDir);
      return rel !== "." && rules.length > 0 && (dirState(rel)?.pruned ?? false);
    },
  };
}

/**
 * Reads the ignore file BuildKit would use: `<dockerfile>.dockerignore` next to the Dockerfile if
 * it exists (it replaces the context's), else `<contextDir>/.dockerignore`, else no patterns.
 */
export async function loadDockerignore(contextDir: string, dockerfilePath?: string): Promise<Matcher> {
  const candidates = dockerfilePath === undefined ? [] : [`${dockerfilePath}.dockerignore`];
  candidates.push(path.join(contextDir, ".dockerignore"));
  for (const file of candidates) {
    const text = await readIfFile(file);
    if (text !== undefined) return createMatcher(parseDockerignore(text), file);
  }
  return createMatcher([]);
}

async function readIfFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw new UserError(`cannot read ${file}: ${code ?? (err as Error).message}`);
  }
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf("/");
  return slash < 0 ? "." : rel.slice(0, slash);
}

/** Accepts "./a", "a/" and "/a" for "a"; the walker passes clean paths and takes the fast path. */
function normalizeRel(p: string): string {
  if (!/^\.?\/|\/$|\/\/|(^|\/)\.\.?(\/|$)/.test(p)) return p;
  const clean = goClean(p);
  return clean.startsWith("/") ? clean.slice(1) || "." : clean;
}
