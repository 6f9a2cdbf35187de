import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, parseDocument } from "yaml";
import { cleanEnv, projectCopy, REPO_ROOT, runCli } from "./support/repo";

// What a Dagster repository gets: the packed package installed into a directory that holds only
// the template's files (as `pulumi new` leaves them) plus the dev example config and code.
const PROJECT = "dagster-code-locations"; // the config namespace of Pulumi.dev.yaml
let work: string;
let app: string;

before(() => {
  work = mkdtempSync(path.join(tmpdir(), "dcl-package-"));
  // `npm test` has built dist/ already; pack it as `npm publish` would.
  execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: REPO_ROOT, stdio: "ignore" });
  const tarball = path.join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  app = path.join(work, "app");
  cpSync(path.join(REPO_ROOT, "template"), app, { recursive: true });
  // What `pulumi new` does with the template's placeholders.
  for (const file of ["Pulumi.yaml", "package.json"]) {
    writeFileSync(path.join(app, file), readFileSync(path.join(app, file), "utf8").replaceAll("${PROJECT}", PROJECT).replaceAll("${DESCRIPTION}", "test"));
  }
  const projectFile = parseDocument(readFileSync(path.join(app, "Pulumi.yaml"), "utf8"));
  const ours = parse(readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { config: { defaults: unknown } };
  projectFile.setIn(["config", "defaults"], projectFile.createNode(ours.config.defaults));
  writeFileSync(path.join(app, "Pulumi.yaml"), projectFile.toString());
  for (const name of ["Pulumi.dev.yaml", "pyproject.toml", ".dockerignore", "example", "docker"]) cpSync(path.join(REPO_ROOT, name), path.join(app, name), { recursive: true });
  // From npm's cache (npm ci filled it); the registry only for what the cache lacks.
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: app, stdio: "ignore", timeout: 300_000 });
});
after(() => rmSync(work, { recursive: true, force: true }));

describe("the package, installed in a project made from the template", () => {
  it("evaluates to the same resources and inputs as this repository's program", () => {
    const installed = spawnSync(path.join(app, "node_modules/.bin/dagster-code-locations"), ["render", "--stack", "dev", "--branch", "main"], {
      cwd: app,
      env: cleanEnv(),
      encoding: "utf8",
    });
    assert.equal(installed.status, 0, installed.stderr);
    const copy = projectCopy();
    try {
      const here = runCli(["render", "--stack", "dev", "--branch", "main", "--dir", copy.dir]);
      assert.equal(here.code, 0, here.stderr);
      assert.deepEqual(JSON.parse(installed.stdout.replaceAll(app, "<project>")), JSON.parse(here.stdout.replaceAll(copy.dir, "<project>")));
    } finally {
      copy.cleanup();
    }
  });

  it("ships compiled JavaScript with type declarations, and no TypeScript sources or tests", () => {
    const pkg = path.join(app, "node_modules", PROJECT);
    const files = execFileSync("find", [".", "-type", "f"], { cwd: pkg, encoding: "utf8" }).split("\n").filter(Boolean);
    assert.ok(files.includes("./dist/components/index.js") && files.includes("./dist/components/index.d.ts"));
    assert.ok(files.includes("./dist/cli/main.js"));
    assert.deepEqual(files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts")), []);
    assert.deepEqual(files.filter((f) => f.includes("test") || f.includes("bench")), []);
  });

  it("lets Pulumi's dynamic-provider host load the providers by requiring the installed package", () => {
    // Serialized in the project, loaded from a string in another process there, as cmd/dynamic-provider does.
    const script = `
      const pulumi = require("@pulumi/pulumi");
      const { workspaceEntryProvider } = require("${PROJECT}/internal/components/workspaceEntry.js");
      pulumi.runtime.serializeFunction(() => workspaceEntryProvider, { allowSecrets: true }).then((s) => {
        const provider = require("require-from-string")(s.text).handler();
        process.stdout.write(JSON.stringify({ size: s.text.length, requires: s.text.includes('require("${PROJECT}/internal/'), diff: typeof provider.diff }));
      });`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: app, encoding: "utf8", env: { ...cleanEnv(), NODE_PATH: path.join(app, "node_modules") } });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { size: number; requires: boolean; diff: string };
    assert.equal(result.diff, "function");
    assert.ok(result.requires, "the serialized provider should require the installed package, not carry a copy of it");
  });

  it("sends each dynamic resource's provider as a require of the installed package, which the host loads from the project", () => {
    // The program's side (under mocks: the __provider input as the engine gets it), then the
    // host's: require-from-string in the project directory, as cmd/dynamic-provider loads it.
    const script = `
      const pulumi = require("@pulumi/pulumi");
      const sent = [];
      pulumi.runtime.setMocks({ newResource: (a) => (sent.push(a.inputs.__provider), { id: a.name, state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
      const { ImageVersion } = require("${PROJECT}/internal/components/imageVersion.js");
      const { WorkspaceEntry } = require("${PROJECT}/internal/components/workspaceEntry.js");
      const login = { kind: "anonymous" };
      const version = new ImageVersion("v", { registry: "r.example", repository: "x", dagsterVersion: "1.11.16", sourceHash: "h", login });
      const entry = new WorkspaceEntry("w", { context: "c", namespace: "n", configMapName: "m", entry: { locationName: "l", host: "h", port: 1 }, owner: "o", adoptUnowned: false, restart: { deployments: [] } });
      Promise.all([version.urn, entry.urn].map((u) => new Promise((done) => u.apply(done)))).then(() => {
        const loaded = sent.map((text) => require("require-from-string")(text).handler());
        process.stdout.write(JSON.stringify({ sent, diff: loaded.map((p) => typeof p.diff) }));
      });`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: app, encoding: "utf8", env: { ...cleanEnv(), NODE_PATH: path.join(app, "node_modules") } });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { sent: string[]; diff: string[] };
    assert.deepEqual(result.diff, ["function", "function"]);
    assert.match(result.sent[0]!, new RegExp(`require\\("${PROJECT}/internal/components/imageVersion\\.js"\\)\\["imageVersionProvider"\\]`));
    assert.match(result.sent[1]!, new RegExp(`require\\("${PROJECT}/internal/components/workspaceEntry\\.js"\\)\\["workspaceEntryProvider"\\]`));
    assert.ok(result.sent.every((text) => text.length < 200), "no copy of the provider's code: Pulumi's closure serializer did not run");
  });
});
