import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { entryProblem } from "../lib/chart/archive";
import { helmRegistryConfigPath, registryConfigPath, writeRegistryConfig } from "../lib/chart/registryConfig";
import type { ChartSource } from "../lib/chart/source";
import { ociTagFromVersion, pickChartVersion, versionFromOciTag } from "../lib/chart/chartVersion";
import { REPO_ROOT } from "./support/repo";

const scratch = mkdtempSync(path.join(tmpdir(), "dcl-chart-units-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("chart versions", () => {
  it("takes the highest stable semantic version for latest, ignoring release candidates and other tags", () => {
    assert.equal(pickChartVersion(["1.9.9", "1.11.16", "1.12.0-rc.1", "latest", "1.10.0", "main"], undefined), "1.11.16");
    assert.equal(pickChartVersion(["1.0.0-rc.1", "latest"], undefined), undefined);
  });

  it("finds exactly the version asked for, also written with a v", () => {
    assert.equal(pickChartVersion(["1.11.15", "1.11.16"], "1.11.15"), "1.11.15");
    assert.equal(pickChartVersion(["v1.11.16"], "1.11.16"), "v1.11.16");
    assert.equal(pickChartVersion(["1.11.15"], "1.11.16"), undefined);
  });

  it("maps build metadata to OCI tags as helm push does", () => {
    assert.equal(ociTagFromVersion("1.2.3+build.7"), "1.2.3_build.7");
    assert.equal(versionFromOciTag("1.2.3_build.7"), "1.2.3+build.7");
  });
});

describe("archive entries", () => {
  it("accepts plain files and directories inside the chart, nothing that climbs out or links", () => {
    assert.equal(entryProblem("demo/templates/a.yaml", "File"), undefined);
    assert.equal(entryProblem("demo/", "Directory"), undefined);
    assert.equal(entryProblem("demo/a..b.yaml", "File"), undefined);
    assert.match(entryProblem("demo/../../x", "File") ?? "", /climbs out/);
    assert.match(entryProblem("demo\\..\\x", "File") ?? "", /climbs out/);
    assert.match(entryProblem("/etc/x", "File") ?? "", /absolute/);
    assert.match(entryProblem("C:/x", "File") ?? "", /absolute/);
    assert.match(entryProblem("demo/l", "Link") ?? "", /is a Link/);
  });
});

describe("the registry config Helm reads for an OCI chart", () => {
  it("is given only when Helm pulls an OCI chart itself from a registry that wants credentials", () => {
    const oci: ChartSource = { name: "c", chart: "oci://r/c", repo: undefined, ociRepository: "c", version: undefined, skipSchemaValidation: false };
    assert.equal(helmRegistryConfigPath(oci, true, "p", "dev"), registryConfigPath("p", "dev"));
    assert.equal(helmRegistryConfigPath(oci, false, "p", "dev"), undefined);
    // With the schema stripped, Helm reads the local copy.
    assert.equal(helmRegistryConfigPath({ ...oci, skipSchemaValidation: true }, true, "p", "dev"), undefined);
    assert.equal(helmRegistryConfigPath({ ...oci, chart: "c", repo: "https://h", ociRepository: undefined }, true, "p", "dev"), undefined);
  });

  it("lives at one path per stack, private to the user", () => {
    const a = registryConfigPath("p", "dev.a", scratch);
    assert.equal(a, registryConfigPath("p", "dev.a", scratch));
    assert.notEqual(a, registryConfigPath("p", "dev.b", scratch));
    assert.ok(a.startsWith(path.join(scratch, `dagster-code-locations-${process.getuid?.() ?? 0}`)));
  });

  it("holds the credentials as docker login writes them, readable by this user only", () => {
    const file = registryConfigPath("p", "dev.write", scratch);
    writeRegistryConfig(file, "127.0.0.1:5000", "deployer", "s3cret");
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { auths: { "127.0.0.1:5000": { auth: Buffer.from("deployer:s3cret").toString("base64") } } });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
  });

  it("refuses a directory others can enter", () => {
    const base = path.join(scratch, "shared");
    const file = registryConfigPath("p", "dev.shared", base);
    mkdirSync(path.dirname(file), { recursive: true });
    chmodSync(path.dirname(file), 0o755);
    assert.throws(() => writeRegistryConfig(file, "h", "u", "p"), /refusing to write registry credentials into .*: it is not a directory only this user can use/);
    assert.ok(!existsSync(file));
  });

  it("is removed when the process that wrote it exits", () => {
    const file = registryConfigPath("p", "dev.exit", scratch);
    const script = `require(${JSON.stringify(path.join(REPO_ROOT, "lib/chart/registryConfig.ts"))}).writeRegistryConfig(${JSON.stringify(file)}, "h", "u", "p"); console.log(require("fs").existsSync(${JSON.stringify(file)}));`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" });
    assert.equal(child.stdout.trim(), "true", child.stderr);
    assert.ok(!existsSync(file));
  });
});
