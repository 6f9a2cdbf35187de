import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readStackFiles } from "../lib/config/stackFiles";
import { runUnderLoader } from "./support/pulumi-loader";
import { REPO_ROOT } from "./support/repo";

/**
 * A branch stack of the repository's dev environment, its config as `stacks up` copies it; the chart
 * stays unresolved (these runs load the program, they pull nothing).
 */
function runProgram(project: string, config: Record<string, string>) {
  const branch = config["dagster-code-locations:branch"] ?? "loader";
  return runUnderLoader(project, `dev.${branch}`, config, { DAGSTER_CODE_LOCATIONS_OFFLINE: "1" });
}

describe("loading through Pulumi's own program runner", () => {
  it("runs index.ts with the project's ts-node and tsconfig, as `pulumi up` would", () => {
    const files = readStackFiles(REPO_ROOT, "dev");
    const docker = JSON.parse(files.config["dagster-code-locations:docker"] ?? "{}");
    const config = {
      ...files.config,
      "dagster-code-locations:branch": "loader-check",
      "dagster-code-locations:docker": JSON.stringify({ ...docker, image_tag: "1.11.16-1" }),
    };
    const result = runProgram(files.project, config);
    assert.equal(result.status, 0, result.stderr);
    const { types, outputs } = JSON.parse(result.stdout);
    assert.ok(types.includes("pulumi:pulumi:Stack"), types.join(", "));
    assert.ok(types.includes("kubernetes:helm.sh/v3:Release"), types.join(", "));
    assert.equal(outputs.deploymentName, "example--loader-check");
    assert.equal(outputs.image, `dagster-uc.dev.acr.io/example/example--loader-check:1.11.16-1@sha256:${"0".repeat(64)}`);
  });

  it("sends every dynamic provider of a building stack under the real loader as a module the host loads from the project", () => {
    const files = readStackFiles(REPO_ROOT, "dev");
    const result = runProgram(files.project, { ...files.config, "dagster-code-locations:branch": "loader-build" });
    assert.equal(result.status, 0, result.stderr);
    const { types, resources } = JSON.parse(result.stdout) as { types: string[]; resources: { type: string; inputs: Record<string, unknown> }[] };
    for (const type of ["ImageVersion", "DagsterVersionCheck", "WorkspaceEntry"]) {
      assert.ok(types.includes(`pulumi-nodejs:dynamic/dagster-code-locations:${type}`), `${type} missing from ${types.join(", ")}`);
    }
    assert.ok(types.includes("docker-build:index:Image"));
    // As cmd/dynamic-provider loads __provider: require-from-string, resolving from the project directory.
    const requireFromString = require("require-from-string") as (code: string) => { handler: () => { diff?: unknown } }; // eslint-disable-line @typescript-eslint/no-require-imports
    const dynamic = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
    const cwd = process.cwd();
    try {
      process.chdir(REPO_ROOT);
      for (const r of dynamic) assert.equal(typeof requireFromString(String(r.inputs.__provider)).handler().diff, "function", r.type);
    } finally {
      process.chdir(cwd);
    }
    // This repository links itself into node_modules (npm run link-self): requires, not copies.
    assert.ok(dynamic.every((r) => String(r.inputs.__provider).includes('require("dagster-code-locations/internal/components/')));
  });

  it("reports a configuration mistake as its message alone, without a stack trace", () => {
    const files = readStackFiles(REPO_ROOT, "dev");
    const result = runProgram(files.project, { ...files.config, "dagster-code-locations:verbose": "loud" });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Pulumi\.dev\.loader\.yaml: verbose: expected true or false, got "loud"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});

describe("the stack a run is for", () => {
  it("refuses the environment stack from a checkout of another branch, in one line naming both and `stacks up`", () => {
    const files = readStackFiles(REPO_ROOT, "dev");
    const result = runUnderLoader(files.project, "dev", files.config, { DAGSTER_CODE_LOCATIONS_OFFLINE: "1", GITHUB_HEAD_REF: "feature-y" });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /stack dev deploys branch "main", but this checkout is "feature-y".*stacks -- up --env dev --branch "feature-y"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("runs the environment stack on CI of the main line", () => {
    const files = readStackFiles(REPO_ROOT, "dev");
    const result = runUnderLoader(files.project, "dev", files.config, { DAGSTER_CODE_LOCATIONS_OFFLINE: "1", GITHUB_REF_NAME: "main" });
    assert.equal(result.status, 0, result.stderr);
  });

  it("a branch stack with no settings of its own fails with the one line that fixes it", () => {
    const files = readStackFiles(REPO_ROOT, "dev");
    const result = runUnderLoader(files.project, "dev.feature-y", { "dagster-code-locations:branch": "feature-y", "dagster-code-locations:cicd": "false" }, { DAGSTER_CODE_LOCATIONS_OFFLINE: "1" });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /stack dev\.feature-y has no settings of its own.*pulumi config cp --stack dev --dest dev\.feature-y/);
    assert.doesNotMatch(result.stderr, /required, but not set/);
  });
});
