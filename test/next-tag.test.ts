import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { nextTag } from "../cli/commands/next-tag";
import { runCommand } from "../cli/io";
import { registryError, startFakeServer, type FakeServer } from "./support/fake-server";
import { fakeIo } from "./support/fake-io";
import { CLI } from "./support/repo";

const TAGS = ["latest", "1.11.15-9000", "1.11.16-3-rc", "1.11.16-abc", "1.11.16-1", "1.11.16-41", "1.11.16-7"];
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** A registry with basic auth for alice:s3cret-pass, holding TAGS in team/app. */
let server: FakeServer;
before(async () => {
  server = await startFakeServer((req) => {
    if (req.headers.authorization !== basic("alice", "s3cret-pass")) {
      return { status: 401, headers: { "WWW-Authenticate": 'Basic realm="fake"' }, body: registryError("UNAUTHORIZED", "authentication required") };
    }
    if (req.url.startsWith("/v2/team/app/tags/list")) return { status: 200, body: { name: "team/app", tags: TAGS } };
    return { status: 404, body: registryError("NAME_UNKNOWN", "repository name not known to registry") };
  });
});
after(() => server.close());

async function run(args: readonly string[], stdin?: string) {
  const fake = fakeIo({ stdin });
  const code = await runCommand(nextTag, args, fake.io);
  return { code, stdout: fake.stdout(), stderr: fake.stderr(), stdinReads: fake.stdinReads() };
}

const common = () => ["--registry", `http://${server.host}`, "--username", "alice", "--password-stdin"];

describe("next-tag", { timeout: 30_000 }, () => {
  it("prints exactly the next tag and a newline", async () => {
    const result = await run([...common(), "--repository", "team/app", "--dagster-version", "1.11.16"], "s3cret-pass\n");
    assert.deepEqual(result, { code: 0, stdout: "1.11.16-42\n", stderr: "", stdinReads: 1 });
  });

  it("prints <version>-0 for a repository without tags", async () => {
    const result = await run([...common(), "--repository", "team/new", "--dagster-version", "1.11.16"], "s3cret-pass");
    assert.equal(result.stdout, "1.11.16-0\n");
  });

  it("reports refused credentials on stderr with exit code 1, without the password", async () => {
    const result = await run([...common(), "--repository", "team/app", "--dagster-version", "1.11.16"], "wrong-pass\n");
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^error: registry 127\.0\.0\.1:\d+, repository "team\/app": listing tags failed: HTTP 401, code UNAUTHORIZED.*"alice"/);
    assert.ok(!result.stderr.includes("wrong-pass"));
  });

  it("lists every missing flag, one line each, before contacting anything", async () => {
    const before = server.requests.length;
    const result = await run([]);
    assert.equal(result.code, 2);
    assert.deepEqual(result.stderr.trim().split("\n"), [
      "error: next-tag: --registry HOST[:PORT][/PATH] is required",
      "error: next-tag: --repository REPO is required",
      "error: next-tag: --dagster-version V is required",
      "usage: dagster-code-locations next-tag --registry HOST[:PORT][/PATH] --repository REPO --dagster-version V [--username U] [--password-stdin] [--ca-file PEM] [--timeout SECONDS]",
    ]);
    assert.equal(server.requests.length, before);
  });

  it("refuses --username without --password-stdin, so passwords stay off the command line", async () => {
    const result = await run(["--registry", "r.io", "--repository", "a", "--dagster-version", "1", "--username", "alice"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--username needs --password-stdin/);
    assert.equal(result.stdinReads, 0);
  });

  it("refuses --password-stdin without --username and unknown flags", async () => {
    assert.match((await run(["--registry", "r.io", "--repository", "a", "--dagster-version", "1", "--password-stdin"])).stderr, /--password-stdin needs --username/);
    assert.match((await run(["--password", "x"])).stderr, /^error: next-tag: .*--password/);
  });

  it("refuses an empty password from stdin", async () => {
    const result = await run([...common(), "--repository", "team/app", "--dagster-version", "1.11.16"], "\n");
    assert.match(result.stderr, /empty password/);
  });

  it("refuses an unusable dagster version and an unreadable --ca-file before contacting the registry", async () => {
    const before = server.requests.length;
    const badVersion = await run(["--registry", `http://${server.host}`, "--repository", "team/app", "--dagster-version", "1.11 16"]);
    assert.match(badVersion.stderr, /dagster version "1.11 16"/);
    const badCa = await run(["--registry", server.host, "--repository", "team/app", "--dagster-version", "1.11.16", "--ca-file", "no/such.pem"]);
    assert.match(badCa.stderr, /cannot read --ca-file no\/such.pem \(ENOENT\)/);
    assert.equal(server.requests.length, before);
  });

  it("ends within --timeout against a registry that never answers, in one line naming it", async () => {
    const silent = await startFakeServer(() => undefined);
    try {
      const result = await run(["--registry", `http://${silent.host}`, "--repository", "team/app", "--dagster-version", "1.11.16", "--timeout", "0.5"]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, new RegExp(`^error: registry ${silent.host.replace(/\./g, "\\.")}, repository "team/app": listing tags failed: no answer within the 0\\.5 s budget[^\\n]*check that the registry is up and reachable[^\\n]*\\n$`));
    } finally {
      await silent.close();
    }
    const bad = await run(["--registry", `http://${server.host}`, "--repository", "team/app", "--dagster-version", "1.11.16", "--timeout", "soon"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: next-tag: --timeout: expected seconds above 0/);
  });

  it("rejects an uppercase repository with the lowercase fix", async () => {
    const result = await run([...common(), "--repository", "Team/App", "--dagster-version", "1.11.16"], "s3cret-pass");
    assert.match(result.stderr, /repository "Team\/App": invalid repository name.*use "team\/app"/);
  });

  it("runs as a program whose stdout is only the tag (npm run -s next-tag)", async () => {
    const child = spawn(process.execPath, [CLI, "next-tag", ...common(), "--repository", "team/app", "--dagster-version", "1.11.16"], {
      cwd: `${__dirname}/..`,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdin.end("s3cret-pass\n");
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    assert.equal(stderr, "");
    assert.equal(code, 0);
    assert.equal(stdout, "1.11.16-42\n");
  });
});
