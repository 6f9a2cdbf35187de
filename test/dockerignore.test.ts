import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { createMatcher, loadDockerignore, parseDockerignore } from "../lib/build/dockerignore";
import { isUserError } from "../lib/shared/errors";
import { dockerignoreCases } from "./fixtures/dockerignoreCases";

const matcherFor = (text: string) => createMatcher(parseDockerignore(text));

describe("Docker's .dockerignore rules", () => {
  for (const c of dockerignoreCases) {
    test(c.rule, () => {
      const m = matcherFor(c.dockerignore);
      for (const p of c.ignored) assert.equal(m.isIgnored(p), true, `${p} should be ignored`);
      for (const p of c.included) assert.equal(m.isIgnored(p), false, `${p} should be included`);
    });
  }
});

describe("parseDockerignore", () => {
  test("cleans patterns like ignorefile.ReadAll", () => {
    assert.deepEqual(parseDockerignore("# c\n/a/b/\n ./c \n!/d/../e\n\n"), ["a/b", "c", "!e"]);
  });
});

describe("directory skipping", () => {
  test("an excluded directory with no ! patterns is skipped", () => {
    const m = matcherFor("node_modules\n");
    assert.equal(m.canSkipDir("node_modules"), true);
    assert.equal(m.canSkipDir("src"), false); // not excluded
  });

  test("an excluded directory that a ! pattern names is walked, its other subdirectories are not", () => {
    const m = matcherFor("build\n!build/keep/**\n");
    assert.equal(m.canSkipDir("build"), false);
    assert.equal(m.canSkipDir("build/tmp"), true);
    assert.equal(m.isIgnored("build/tmp/x"), true);
    assert.equal(m.isIgnored("build/keep/x"), false);
  });

  test("a ! pattern elsewhere does not prevent skipping", () => {
    const m = matcherFor("vendor\n!other/x\n");
    assert.equal(m.canSkipDir("vendor"), true);
  });

  test("a ! pattern with a wildcard disables skipping (Docker walks everything)", () => {
    const m = matcherFor("vendor\n!**/keep.txt\n");
    assert.equal(m.canSkipDir("vendor"), false);
    assert.equal(m.canSkipDir("vendor/deep"), false);
  });

  test("a directory no ! pattern can reach below is skipped even where Docker walks it", () => {
    // Docker walks .git here ("!README*.md" has a wildcard) but includes nothing from it.
    const m = matcherFor(".git\n!README*.md\n!src/*/keep\n");
    assert.equal(m.canSkipDir(".git"), true);
    assert.equal(m.isIgnored(".git/objects/ab"), true);
    const src = matcherFor("src/*\n!src/*/keep\n");
    assert.equal(src.canSkipDir("src/a"), false); // "src/*/keep" can match src/a/keep
    assert.equal(src.isIgnored("src/a/keep"), false);
  });

  test("everything below a skipped directory is ignored", () => {
    // Docker never looks inside "a", so "!a/b/c" (listed before "a") cannot re-include a/b/c.
    const m = matcherFor("!a/b/c\na\n");
    assert.equal(m.canSkipDir("a"), false); // "!a/b/c" starts with "a/"
    assert.equal(m.canSkipDir("a/x"), true);
    assert.equal(m.isIgnored("a/x/y"), true);
  });
});

describe("paths", () => {
  test("./a, a/ and /a mean a", () => {
    const m = matcherFor("a\n");
    for (const p of ["a", "./a", "a/", "/a", "./a/b"]) assert.equal(m.isIgnored(p), true, p);
    assert.equal(m.isIgnored("."), false);
  });

  test("no patterns: nothing is ignored", () => {
    const m = createMatcher([]);
    assert.equal(m.isIgnored("a/b"), false);
    assert.equal(m.canSkipDir("a"), false);
  });
});

describe("invalid patterns fail like docker build does", () => {
  for (const [name, text] of [
    ["a lone !", "!\n"],
    ["an unterminated class", "a[\n"],
    ["an empty class", "[]a\n"],
    ["a trailing backslash", "a\\\n"],
    ["a trailing backslash after a star", "*/x\\\n"],
  ] as const) {
    test(name, () => {
      assert.throws(() => matcherFor(text), (err: unknown) => isUserError(err) && err.problems.length === 1);
    });
  }

  test("a class the regexp compiler rejects fails when used, not before (as in Docker)", () => {
    const unused = matcherFor("![z-a]\n"); // a "!" with nothing excluded is never consulted
    assert.equal(unused.isIgnored("a"), false);
    const used = matcherFor("[z-a]\n");
    assert.throws(() => used.isIgnored("a"), isUserError);
  });
});

describe("loadDockerignore", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "dockerignore-test-"));
  after(() => rm(dir, { recursive: true, force: true }));

  test("reads <context>/.dockerignore", async () => {
    const ctx = path.join(dir, "plain");
    await mkdir(ctx);
    await writeFile(path.join(ctx, ".dockerignore"), "*.log\n");
    const m = await loadDockerignore(ctx);
    assert.equal(m.isIgnored("x.log"), true);
  });

  test("<Dockerfile>.dockerignore replaces the context's", async () => {
    const ctx = path.join(dir, "specific");
    await mkdir(path.join(ctx, "docker"), { recursive: true });
    await writeFile(path.join(ctx, ".dockerignore"), "*.log\n");
    await writeFile(path.join(ctx, "docker", "app.Dockerfile.dockerignore"), "*.tmp\n");
    const m = await loadDockerignore(ctx, path.join(ctx, "docker", "app.Dockerfile"));
    assert.equal(m.isIgnored("x.tmp"), true);
    assert.equal(m.isIgnored("x.log"), false);
    const other = await loadDockerignore(ctx, path.join(ctx, "Dockerfile")); // no Dockerfile.dockerignore
    assert.equal(other.isIgnored("x.log"), true);
  });

  test("no .dockerignore, or a directory of that name: nothing is ignored", async () => {
    const ctx = path.join(dir, "none");
    await mkdir(ctx);
    assert.deepEqual((await loadDockerignore(ctx)).patterns, []);
    await mkdir(path.join(ctx, ".dockerignore"));
    assert.deepEqual((await loadDockerignore(ctx)).patterns, []);
  });

  test("errors name the ignore file", async () => {
    const ctx = path.join(dir, "bad");
    await mkdir(ctx);
    await writeFile(path.join(ctx, ".dockerignore"), "ok\n!\n");
    await assert.rejects(loadDockerignore(ctx), (err: unknown) => isUserError(err) && err.message.includes(".dockerignore"));
  });
});
