import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { isUserError } from "../lib/shared/errors";
import { hashSource, type SourceHashInput } from "../lib/build/sourceHash";
import { cacheFilePath, RACY_WINDOW_MS } from "../lib/build/statCache";

const base = mkdtempSync(path.join(tmpdir(), "source-hash-test-"));
after(() => fs.rm(base, { recursive: true, force: true }));

let counter = 0;
/** A fresh build context with these files (path -> content). */
async function context(files: Record<string, string>): Promise<string> {
  const dir = path.join(base, `ctx${counter++}`);
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

const defaults = { dockerfile: { contents: "FROM python:3.12\nCOPY . /app\n" }, buildArgs: {}, dagsterVersion: "1.9.0" };
async function hashOf(contextDir: string, over: Partial<SourceHashInput> = {}): Promise<string> {
  return (await hashSource({ ...defaults, contextDir, ...over })).hash;
}

const files = { "app.py": "print(1)\n", "pkg/mod.py": "x = 1\n", "notes.log": "log\n", ".dockerignore": "*.log\n" };

describe("what the hash covers", () => {
  test("format, and the same hash for an unchanged tree", async () => {
    const ctx = await context(files);
    const first = await hashSource({ ...defaults, contextDir: ctx });
    assert.match(first.hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(first.files, 3); // app.py, pkg/mod.py, .dockerignore
    assert.equal(await hashOf(ctx), first.hash);
  });

  test("the same content elsewhere (another checkout) gives the same hash", async () => {
    assert.equal(await hashOf(await context(files)), await hashOf(await context(files)));
  });

  const changes: [string, (ctx: string) => Promise<unknown>][] = [
    ["a content change", (ctx) => fs.writeFile(path.join(ctx, "app.py"), "print(2)\n")],
    ["a new file", (ctx) => fs.writeFile(path.join(ctx, "pkg/new.py"), "")],
    ["a deleted file", (ctx) => fs.rm(path.join(ctx, "pkg/mod.py"))],
    ["a rename", (ctx) => fs.rename(path.join(ctx, "pkg/mod.py"), path.join(ctx, "pkg/mod2.py"))],
    ["the executable bit", (ctx) => fs.chmod(path.join(ctx, "app.py"), 0o755)],
    ["a .dockerignore change that excludes a file", (ctx) => fs.appendFile(path.join(ctx, ".dockerignore"), "pkg\n")],
    ["a .dockerignore change that includes a file", (ctx) => fs.writeFile(path.join(ctx, ".dockerignore"), "")],
    ["a new symlink", (ctx) => fs.symlink("app.py", path.join(ctx, "link"))],
  ];
  for (const [name, change] of changes) {
    test(`${name} changes it`, async () => {
      const ctx = await context(files);
      const before = await hashOf(ctx);
      await change(ctx);
      assert.notEqual(await hashOf(ctx), before);
    });
  }

  const inputs: [string, Partial<SourceHashInput>][] = [
    ["the Dockerfile", { dockerfile: { contents: "FROM python:3.13\nCOPY . /app\n" } }],
    ["a build arg value", { buildArgs: { A: "2" } }],
    ["a build arg name", { buildArgs: { B: "1" } }],
    ["the Dagster version", { dagsterVersion: "1.9.1" }],
    ["extra", { extra: { registry: "other" } }],
  ];
  for (const [name, over] of inputs) {
    test(`${name} changes it`, async () => {
      const ctx = await context(files);
      const reference = await hashOf(ctx, { buildArgs: { A: "1" }, extra: { registry: "r" } });
      assert.notEqual(await hashOf(ctx, { buildArgs: { A: "1" }, extra: { registry: "r" }, ...over }), reference);
    });
  }

  test("build arg order does not matter", async () => {
    const ctx = await context(files);
    assert.equal(await hashOf(ctx, { buildArgs: { A: "1", B: "2" } }), await hashOf(ctx, { buildArgs: { B: "2", A: "1" } }));
  });

  test("a Dockerfile on disk counts by content", async () => {
    const ctx = await context({ ...files, "docker/app.Dockerfile": defaults.dockerfile.contents, ".dockerignore": "*.log\ndocker\n" });
    assert.equal(await hashOf(ctx, { dockerfile: { path: path.join(ctx, "docker/app.Dockerfile") } }), await hashOf(ctx));
  });

  test("<Dockerfile>.dockerignore replaces the context's .dockerignore", async () => {
    const ctx = await context({ ...files, "docker/app.Dockerfile": "FROM x\n", ".dockerignore": "*.log\ndocker\n" });
    const dockerfile = { path: path.join(ctx, "docker/app.Dockerfile") };
    const before = await hashOf(ctx, { dockerfile });
    await fs.writeFile(path.join(ctx, "docker/app.Dockerfile.dockerignore"), "*.log\ndocker\npkg\n");
    const withSpecific = await hashOf(ctx, { dockerfile });
    assert.notEqual(withSpecific, before);
    // the same as removing pkg/ from the context
    await fs.rm(path.join(ctx, "pkg"), { recursive: true });
    await fs.rm(path.join(ctx, "docker/app.Dockerfile.dockerignore"));
    assert.equal(await hashOf(ctx, { dockerfile }), withSpecific);
  });

  test("a missing Dockerfile is a user error naming it", async () => {
    const ctx = await context(files);
    await assert.rejects(hashOf(ctx, { dockerfile: { path: path.join(ctx, "Nope") } }), (err: unknown) => isUserError(err) && err.message.includes("Nope"));
  });
});

describe("what does not change the hash", () => {
  test("a change to an ignored file", async () => {
    const ctx = await context(files);
    const before = await hashOf(ctx);
    await fs.writeFile(path.join(ctx, "notes.log"), "other\n");
    await fs.writeFile(path.join(ctx, "more.log"), "new\n");
    assert.equal(await hashOf(ctx), before);
  });

  test("a .dockerignore edit that does not change what is sent (when it ignores itself)", async () => {
    const ctx = await context({ ...files, ".dockerignore": "*.log\n.dockerignore\n" });
    const before = await hashOf(ctx);
    await fs.writeFile(path.join(ctx, ".dockerignore"), "# logs\n*.log\n.dockerignore\nnot-there\n");
    assert.equal(await hashOf(ctx), before);
  });

  test("an empty directory, timestamps and other permission bits", async () => {
    const ctx = await context(files);
    const before = await hashOf(ctx);
    await fs.mkdir(path.join(ctx, "empty"));
    await fs.utimes(path.join(ctx, "app.py"), new Date(0), new Date(0));
    await fs.chmod(path.join(ctx, "pkg/mod.py"), 0o600);
    assert.equal(await hashOf(ctx), before);
  });

  test("symlinks are not followed: a change to their target outside the context", async () => {
    const outside = path.join(base, "outside.txt");
    await fs.writeFile(outside, "a");
    const ctx = await context(files);
    await fs.symlink(outside, path.join(ctx, "out"));
    const before = await hashOf(ctx);
    await fs.writeFile(outside, "b");
    assert.equal(await hashOf(ctx), before);
  });

  test("a FIFO is skipped", async (t) => {
    const ctx = await context(files);
    const before = await hashOf(ctx);
    try {
      execFileSync("mkfifo", [path.join(ctx, "pipe")]);
    } catch {
      t.skip("no mkfifo");
      return;
    }
    assert.equal(await hashOf(ctx), before);
  });
});

describe("errors", () => {
  test("an unreadable file is a user error naming it", async (t) => {
    const ctx = await context(files);
    await fs.chmod(path.join(ctx, "pkg/mod.py"), 0o000);
    const message = process.getuid?.() === 0 ? await hashAsNobody(ctx) : await hashOf(ctx).catch((e: Error) => `${e.name}: ${e.message}`);
    if (message === undefined) return t.skip("cannot run the check as an unprivileged user here");
    assert.match(message, /^UserError: .*pkg\/mod\.py/);
  });

  test("a file name that is not valid UTF-8 is a user error, not silently left out", async () => {
    const ctx = await context(files);
    await fs.writeFile(Buffer.from(`${ctx}/bad-\xff`, "latin1"), "x");
    await assert.rejects(hashOf(ctx), (err: unknown) => isUserError(err) && err.message.includes("not valid UTF-8"));
  });

  test("a missing context is a user error", async () => {
    await assert.rejects(hashOf(path.join(base, "missing")), isUserError);
  });
});

/** Root reads any file, so check the unreadable case as an unprivileged user (undefined if that
 *  user cannot run our code, e.g. a checkout under /root). */
async function hashAsNobody(ctx: string): Promise<string | undefined> {
  for (let dir = ctx; dir !== path.dirname(base); dir = path.dirname(dir)) await fs.chmod(dir, 0o755);
  const script = `require("./lib/build/sourceHash").hashSource({ contextDir: process.argv[1], dockerfile: { contents: "" }, buildArgs: {}, dagsterVersion: "1" })
    .then((r) => console.log(r.hash), (e) => console.log(e.name + ": " + e.message))`;
  try {
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script, ctx], {
      uid: 65534,
      gid: 65534,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      cwd: path.resolve(__dirname, ".."),
    });
    return out.trim();
  } catch {
    return undefined;
  }
}

describe("stat cache", () => {
  let ctx: string;
  let inner: string; // a context whose cache directory lies inside it, not dockerignored
  let cacheDir: string;
  const cached = (over: Partial<SourceHashInput> = {}) => hashSource({ ...defaults, contextDir: ctx, cacheDir, ...over });

  before(async () => {
    ctx = await context({ ...files, "big.bin": "x".repeat(3 << 20) });
    inner = await context({ ...files, ".dockerignore": "" });
    cacheDir = path.join(base, "cache");
    // Only files whose ctime is older than the racy window are remembered.
    await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
  });

  test("a cache hit gives the same hash as no cache", async () => {
    const uncached = await hashOf(ctx);
    const first = await cached();
    const second = await cached();
    assert.equal(first.hash, uncached);
    assert.equal(second.hash, uncached);
    assert.equal(second.cachedFiles, second.files);
    assert.deepEqual((await fs.readdir(cacheDir)).filter((f) => f.endsWith(".tmp")), []); // atomic write
  });

  test("a same-size change within the mtime granularity is seen through the ctime", async () => {
    await cached();
    const file = path.join(ctx, "app.py");
    const { atime, mtime } = await fs.stat(file);
    await fs.writeFile(file, "print(9)\n"); // same size
    await fs.utimes(file, atime, mtime); // as if within the same timestamp tick
    const after = await cached();
    assert.equal(after.hash, await hashOf(ctx));
    assert.notEqual(after.cachedFiles, after.files);
  });

  test("an unchanged tree does not rewrite the cache", async () => {
    await cached();
    const before = await fs.stat(cacheFilePath(cacheDir, ctx));
    await cached();
    assert.equal((await fs.stat(cacheFilePath(cacheDir, ctx))).mtimeMs, before.mtimeMs);
  });

  test("files changed just before the scan are not remembered (racy window)", async () => {
    const fresh = await context(files);
    await cached({ contextDir: fresh });
    const again = await cached({ contextDir: fresh });
    assert.equal(again.cachedFiles, 0);
    assert.equal(again.hash, await hashOf(fresh));
  });

  test("a corrupted, truncated or foreign cache file is ignored", async () => {
    await cached();
    const file = cacheFilePath(cacheDir, ctx);
    const good = await fs.readFile(file, "utf8");
    const digest = /[0-9a-f]{64}"/.exec(good.slice(good.indexOf("\n")))?.[0] ?? "";
    const other = path.join(base, "elsewhere");
    const [magic, body] = [good.slice(0, good.indexOf("\n") - 64), good.slice(good.indexOf("\n") + 1)];
    const withChecksum = (b: string) => `${magic}${createHash("sha256").update(b).digest("hex")}\n${b}`;
    const variants = [
      "garbage",
      good.slice(0, good.length / 2),
      good.replace(digest, `${digest[0] === "0" ? "1" : "0"}${digest.slice(1)}`), // checksum no longer matches
      withChecksum(body.replace(JSON.stringify(ctx), JSON.stringify(other))), // another context's
      withChecksum(body.replace(/"entries":\{/, '"entries":[').replace(/\}\}$/, "]}")), // wrong shape
      withChecksum(body.replaceAll(/ [0-9a-f]{64}"/g, ' XYZ"')), // entries without a digest
      good.replace(/ v\d+ /, " v0 "), // another format version
    ];
    const reference = await hashOf(ctx);
    for (const variant of variants) {
      await fs.writeFile(file, variant);
      const result = await cached();
      assert.equal(result.hash, reference);
      assert.equal(result.cachedFiles, 0, `variant ${variants.indexOf(variant)}`);
    }
  });

  test("a cache directory inside the context does not change the hash", async () => {
    const reference = await hashOf(inner); // before any cache file exists
    const innerCache = path.join(inner, "node_modules/.cache/dcl");
    await hashSource({ ...defaults, contextDir: inner, cacheDir: innerCache }); // writes the cache
    const second = await hashSource({ ...defaults, contextDir: inner, cacheDir: innerCache });
    assert.equal(second.cachedFiles, second.files); // the cache was written, and used
    assert.equal(second.hash, reference);
  });

  test("an unusable cache directory does not break hashing", async () => {
    const notADir = path.join(base, "file-not-dir");
    await fs.writeFile(notADir, "");
    assert.equal((await cached({ cacheDir: notADir })).hash, await hashOf(ctx));
  });
});
