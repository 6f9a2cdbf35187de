import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
  it("is Pulumi's serialized closure when the program does not resolve the package from node_modules (this repository)", async () => {
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

  it("names the installed module by package name when the project resolves it to the same file", () => {
    assert.equal(installedSpecifier(file, dir), "dagster-code-locations/internal/components/imageVersion.js");
    assert.equal(installedSpecifier(file, path.join(dir, "sub", "dir")), "dagster-code-locations/internal/components/imageVersion.js");
  });

  it("gives nothing for a module the project would resolve elsewhere, or not at all", () => {
    assert.equal(installedSpecifier(path.join(__dirname, "..", "dist", "components", "imageVersion.js"), dir), undefined);
    assert.equal(installedSpecifier(file, tmpdir()), undefined);
    assert.equal(installedSpecifier(path.join(__dirname, "..", "dist", "components", "imageVersion.js"), path.join(__dirname, "..")), undefined);
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
