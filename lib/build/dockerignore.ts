/**
 * .dockerignore with the semantics of docker buildx / BuildKit: moby/patternmatcher's rules as
 * applied by tonistiigi/fsutil's walker (the client side that decides what the builder receives):
 * reading the file, rejecting what Docker rejects ("!", "[", "a\\"), last matching pattern wins,
 * a pattern matching a directory covers everything below it, and which excluded directories are
 * not worth entering. Single patterns are matched by dockerignorePattern.ts.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { compilePattern, couldMatchBelow, type Pattern } from "./dockerignorePattern";
import { UserError } from "../shared/errors";
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

interface Rule extends Pattern {
  readonly pattern: string; // cleaned, without "!"
  readonly negated: boolean;
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
    rules.push({ pattern: p, negated, ...compilePattern(p, source) });
  }
  return rules;
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
  const negationShapes = negated.map((r) => r.shape);
  // fsutil only skips excluded directories when every "!" pattern is a plain path.
  const dockerMayPrune = negations.every((n) => !/[*[\]?^\\]/.test(n));
  /** Whether an excluded directory's content is all excluded too. */
  const prunable = (dir: string): boolean =>
    // BuildKit does not walk into it (and so includes nothing below it), or: nothing below it
    // can be included, because every path below it inherits the directory's "excluded" and
    // only a "!" pattern matching the path itself could undo that.
    (dockerMayPrune && !negations.some((n) => n.startsWith(`${dir}/`))) ||
    !negationShapes.some((shape) => couldMatchBelow(shape, dir));

  /** patternmatcher.MatchesUsingParentResults: whether the path is out, and (into `matched`,
   *  for directories) which rules matched it. A loop, not map/forEach: it runs once per file. */
  const evaluate = (rel: string, parent: readonly boolean[] | undefined, matched?: boolean[]): boolean => {
    let excluded = false;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as Rule;
      let m = parent?.[i] ?? false;
      if (!m) {
        // moby skips a rule that could not change the outcome, and then does not record it for
        // the children either; reproduced because it changes results for some pattern orders.
        if (rule.negated !== excluded) continue;
        // (moby also tries the ancestors when it has no parent results; we always pass them,
        // except for top-level entries, which have no ancestors.)
        m = rule.matches(rel);
      }
      if (matched !== undefined) matched[i] = m;
      if (m) excluded = !rule.negated;
    }
    return excluded;
  };

  interface DirState {
    readonly matched: readonly boolean[];
    readonly pruned: boolean; // everything below is excluded: no need to walk it
  }
  const dirs = new Map<string, DirState>();
  const dirState = (dir: string): DirState | undefined => {
    if (dir === ".") return undefined;
    let state = dirs.get(dir);
    if (state === undefined) {
      const parent = dirState(parentOf(dir));
      const matched = rules.map(() => false);
      const excluded = evaluate(dir, parent?.matched, matched);
      const pruned = (parent?.pruned ?? false) || (excluded && prunable(dir));
      state = { matched, pruned };
      dirs.set(dir, state);
    }
    return state;
  };

  let lastDir = "\0"; // (no path has this parent)
  let lastState: DirState | undefined;
  return {
    patterns: rules.map((r) => (r.negated ? `!${r.pattern}` : r.pattern)),
    isIgnored(relPosixPath) {
      const rel = normalizeRel(relPosixPath);
      if (rel === "." || rules.length === 0) return false;
      // Paths come directory by directory: reuse the last parent's state without slicing.
      const slash = rel.lastIndexOf("/");
      if (slash !== lastDir.length || !rel.startsWith(lastDir)) {
        lastDir = slash < 0 ? "." : rel.slice(0, slash);
        lastState = dirState(lastDir);
      }
      return (lastState?.pruned ?? false) || evaluate(rel, lastState?.matched);
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
