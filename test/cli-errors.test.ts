// Every CLI command, given bad input or a faulty registry, ends with one line per problem: never a
// stack trace, never "unexpected error".
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { fakePulumi } from "./support/fake-pulumi";
import { registryError, startFakeServer, type FakeServer } from "./support/fake-server";
import { freePort } from "./support/free-port";
import { cleanEnv, projectCopy, runCliAsync, type CliResult } from "./support/repo";

const P = "dagster-code-locations";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/**
 * A failure as a user should see it: every stderr line `error: ...`, no trace; exit 1, or exit 2
 * for a wrong command line, which also shows the usage line (and maybe a hint).
 */
function assertClean(what: string, result: CliResult): void {
  const usage = /^usage: /m.test(result.stderr);
  assert.equal(result.code, usage ? 2 : 1, `${what}: exit ${result.code}\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, `${what} printed a stack trace:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /unexpected error|error serializing property/, `${what}:\n${result.stderr}`);
  for (const line of result.stderr.trim().split("\n")) assert.match(line, /^(error: |no stack |usage: |hint: )/, `${what}: ${line}`);
}

function project(edits: Parameters<typeof projectCopy>[0] = {}): string {
  const copy = projectCopy(edits);
  cleanups.push(copy.cleanup);
  return copy.dir;
}

/** The dev stack with its registry replaced and an image to build (so render allocates a tag). */
const withRegistry = (registry: string) =>
  project({
    "Pulumi.dev.yaml": [
      [["config", `${P}:docker`, "container_registry"], registry],
      [["config", `${P}:docker`, "use_az_login"], false],
    ],
  });

let registry: FakeServer;
let silent: FakeServer;
before(async () => {
  registry = await startFakeServer((req) => {
    if (req.headers.authorization !== basic("alice", "right-password")) {
      return { status: 401, headers: { "WWW-Authenticate": 'Basic realm="fake"' }, body: registryError("UNAUTHORIZED", "authentication required") };
    }
    return { status: 200, body: { name: "x", tags: [] } };
  });
  silent = await startFakeServer(() => undefined);
});
after(async () => {
  await registry?.close();
  await silent?.close();
});

describe("CLI errors: one line each, no stack trace", { timeout: 600_000 }, () => {
  it("render: bad stack names, bad config, missing files, registry faults with --resolve-tag", async () => {
    const good = project();
    const down = `http://127.0.0.1:${await freePort()}`;
    const cases: [string, string[], NodeJS.ProcessEnv?][] = [
      ["no --stack", ["render", "--dir", good]],
      ["unknown option", ["render", "--dir", good, "--stack", "dev", "--colour"]],
      ["--stack with ..", ["render", "--dir", good, "--stack", "../dev"]],
      ["no such stack", ["render", "--dir", good, "--stack", "prd"]],
      ["no Pulumi.yaml", ["render", "--dir", path.join(good, "example"), "--stack", "dev"]],
      ["bad config", ["render", "--dir", project({ "Pulumi.dev.yaml": [[["config", `${P}:kubernetes`, "requests"], { cpu: "lots" }]] }), "--stack", "dev"]],
      ["missing Dockerfile", ["render", "--dir", project({ "Pulumi.dev.yaml": [[["config", `${P}:docker`, "dockerfile"], "nope.Dockerfile"]] }), "--stack", "dev", "--branch", "main"]],
      ["chart deployments", ["render", "--dir", project({ "Pulumi.dev.yaml": [[["config", `${P}:chart`], { deployments: [] }]] }), "--stack", "dev", "--branch", "main"]],
      ["registry down", ["render", "--dir", withRegistry(down), "--stack", "dev", "--branch", "main", "--resolve-tag"]],
      [
        "registry silent",
        ["render", "--dir", project({
          "Pulumi.dev.yaml": [
            [["config", `${P}:docker`, "container_registry"], `http://${silent.host}`],
            [["config", `${P}:docker`, "use_az_login"], false],
            [["config", `${P}:docker`, "registry_timeout_seconds"], 0.5],
          ],
        }), "--stack", "dev", "--branch", "main", "--resolve-tag"],
      ],
    ];
    for (const [what, args, env] of cases) assertClean(`render, ${what}`, await runCliAsync(args, { env: cleanEnv(env) }));
  });

  it("render --resolve-tag with a wrong password ends with the one line next-tag gives", async () => {
    const dir = withRegistry(`http://${registry.host}`);
    const render = await runCliAsync(["render", "--dir", dir, "--stack", "dev", "--branch", "main", "--resolve-tag"], {
      env: cleanEnv({ REGISTRY_USERNAME: "alice", REGISTRY_PASSWORD: "wrong-password" }),
    });
    assertClean("render --resolve-tag, wrong password", render);
    const nextTag = await runCliAsync(
      ["next-tag", "--registry", `http://${registry.host}`, "--repository", "example/example--main", "--dagster-version", "1.11.16", "--username", "alice", "--password-stdin"],
      { input: "wrong-password\n" },
    );
    assertClean("next-tag, wrong password", nextTag);
    assert.equal(render.stderr, nextTag.stderr);
    assert.match(render.stderr, /^error: registry 127\.0\.0\.1:\d+, repository "example\/example--main": listing tags failed: HTTP 401/);
    assert.ok(!render.stderr.includes("wrong-password"));
  });

  it("next-tag: missing flags, registry down, silent, unreadable --ca-file", async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const base = ["--repository", "team/app", "--dagster-version", "1.11.16"];
    const cases: [string, string[]][] = [
      ["no flags", ["next-tag"]],
      ["bad registry", ["next-tag", "--registry", "ftp://x", ...base]],
      ["registry down", ["next-tag", "--registry", down, ...base]],
      ["registry silent", ["next-tag", "--registry", `http://${silent.host}`, ...base, "--timeout", "0.5"]],
      ["bad --timeout", ["next-tag", "--registry", down, ...base, "--timeout", "-1"]],
      ["bad --ca-file", ["next-tag", "--registry", "https://registry.example.com", ...base, "--ca-file", "/nonexistent.pem"]],
    ];
    for (const [what, args] of cases) assertClean(`next-tag, ${what}`, await runCliAsync(args));
  });

  it("names and import-config: bad arguments, bad files, bad sections", async () => {
    const good = project();
    const scratch = mkdtempSync(path.join(tmpdir(), "dcl-cli-errors-"));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    writeFileSync(path.join(scratch, "Pulumi.yaml"), "name: demo\nruntime: nodejs\n");
    const source = (name: string, text: string) => {
      const file = path.join(scratch, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: [string, string[], string?][] = [
      ["names, no --stack", ["names", "--dir", good]],
      ["names, bad --stack", ["names", "--dir", good, "--stack", "x/../../dev"]],
      ["names, unnameable branch", ["names", "--dir", good, "--stack", "dev"], "///\n"],
      ["names, bad config", ["names", "--dir", project({ "Pulumi.dev.yaml": [[["config", `${P}:kubernetes`, "requests"], { cpu: "lots" }]] }), "--stack", "dev"], "main\n"],
      ["import-config, no --file", ["import-config"]],
      ["import-config, unreadable", ["import-config", "--file", "/nonexistent.yaml", "--dir", scratch]],
      ["import-config, not YAML", ["import-config", "--file", source("a.yaml", "dev: [unclosed\n"), "--dir", scratch]],
      ["import-config, bad section", ["import-config", "--file", source("b.yaml", "acc/eu:\n  environment: acc\n"), "--dir", scratch]],
      ["import-config, bad values", ["import-config", "--file", source("c.yaml", "dev:\n  cicd: perhaps\n"), "--dir", scratch]],
      ["import-config, no Pulumi.yaml", ["import-config", "--file", source("d.yaml", "dev: {}\n"), "--dir", path.join(scratch, "missing")]],
    ];
    for (const [what, args, input] of cases) {
      const result = await runCliAsync(args, { input });
      if (what === "names, unnameable branch") {
        // The failure is on its own stdout line; stderr says how many failed.
        assert.match(result.stdout, /"error":/);
      }
      assertClean(what, result);
    }
  });

  it("stacks: without the Pulumi CLI, bad names and durations, unknown stacks", async () => {
    const fake = fakePulumi({ dev: { config: {} } });
    cleanups.push(fake.cleanup);
    const withFake = cleanEnv(fake.env);
    const cases: [string, string[], NodeJS.ProcessEnv][] = [
      ["no Pulumi CLI", ["stacks", "list"], cleanEnv({ PATH: "/nonexistent" })],
      ["unknown subcommand", ["stacks", "bogus"], withFake],
      ["bad --env", ["stacks", "list", "--env", "dev.x"], withFake],
      ["bad --stack", ["stacks", "destroy", "--stack", "../dev.x", "--yes"], withFake],
      ["bad duration", ["stacks", "prune", "--older-than", "3x"], withFake],
      ["unknown stack", ["stacks", "destroy", "--stack", "dev.nope", "--yes"], withFake],
      ["environment stack", ["stacks", "destroy", "--stack", "dev", "--yes"], withFake],
    ];
    for (const [what, args, env] of cases) assertClean(`stacks, ${what}`, await runCliAsync(args, { env, cwd: fake.dir }));
  });
});
