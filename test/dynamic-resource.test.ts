import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installedSpecifier, requireText } from "../components/dynamicResource";

// How a dynamic resource's provider reaches Pulumi's dynamic-provider host. The installed
// package's side (a require by package name) runs in test/package.test.ts, in a real install.
const sent: Record<string, unknown>[] = [];
before(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        sent.push(args.inputs as Record<string, unknown>);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    true,
  );
});

describe("a dynamic resource's __provider", () => {
  it("is Pulumi's serialized closure when the project would not load the running module (sources under tsx)", async () => {
    const { ImageVersion } = require("../components/imageVersion") as typeof import("../components/imageVersion"); // eslint-disable-line @typescript-eslint/no-require-imports
    const version = new ImageVersion("v", { registry: "r.example", repository: "x", dagsterVersion: "1.11.16", sourceHash: "h", login: { kind: "anonymous" } });
    await new Promise((done) => version.urn.apply(done));
    const text = sent.at(-1)!.__provider as string;
    assert.match(text, /^exports\.handler = __f0;/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const provider = (require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider })(text).handler();
    const diff = await provider.diff!("id", { registry: "r", sourceHash: "a" }, { registry: "r", sourceHash: "b" });
    assert.deepEqual(diff.replaces, ["sourceHash"]);
  });
});

describe("installedSpecifier", () => {
  let dir: string;
  let file: string;
  before(() => {
    // A project with the package installed: node_modules/dagster-code-locations/{package.json,dist/...}.
    dir = mkdtempSync(path.join(tmpdir(), "dcl-installed-"));
    const pkg = path.join(dir, "node_modules", "dagster-code-locations");
    mkdirSync(path.join(pkg, "dist", "components"), { recursive: true });
    writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "dagster-code-locations", exports: { "./internal/*": "./dist/*" } }));
    file = path.join(pkg, "dist", "components", "imageVersion.js");
    writeFileSync(file, "exports.imageVersionProvider = { diff: async () => ({ changes: false }) };\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const dist = () => path.join(dir, "node_modules", "dagster-code-locations", "dist");

  it("names the installed module by package name when the project resolves it to the same file", () => {
    assert.equal(installedSpecifier(file, dir, dist()), "dagster-code-locations/internal/components/imageVersion.js");
    assert.equal(installedSpecifier(file, path.join(dir, "sub", "dir"), dist()), "dagster-code-locations/internal/components/imageVersion.js");
  });

  it("gives nothing for a module the project would resolve elsewhere, or not at all, or outside the package", () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), "dcl-elsewhere-"));
    try {
      // Another copy of the package: the host would load that one, not the running module.
      cpSync(path.join(dir, "node_modules"), path.join(elsewhere, "node_modules"), { recursive: true });
      assert.equal(installedSpecifier(file, elsewhere, dist()), undefined);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    assert.equal(installedSpecifier(file, tmpdir(), dist()), undefined);
    assert.equal(installedSpecifier(path.join(dir, "index.js"), dir, dist()), undefined);
    assert.equal(installedSpecifier(path.join(__dirname, "..", "components", "imageVersion.ts"), path.join(__dirname, ".."), path.join(__dirname, "..", "dist")), undefined);
  });

  it("writes a provider module the host loads from the project directory", () => {
    const text = requireText("dagster-code-locations/internal/components/imageVersion.js", "imageVersionProvider");
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const provider = (require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider })(text).handler();
      assert.equal(typeof provider.diff, "function");
    } finally {
      process.chdir(cwd);
    }
  });
});
