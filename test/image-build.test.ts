import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { buildPlan } from "../lib/build/buildPlan";
import { deploymentNames } from "../lib/plan/names";
import { resolveSettings } from "../lib/config/resolve";
import type { Settings } from "../lib/config/schema";

const root = mkdtempSync(path.join(tmpdir(), "dcl-build-"));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(path.join(root, "docker"));
writeFileSync(path.join(root, "docker/dev.Dockerfile"), "FROM python:3.11-slim\nARG BRANCH_NAME\nENV BRANCH_NAME=${BRANCH_NAME}\n");

function settings(docker: Record<string, unknown> = {}): Settings {
  return resolveSettings(
    { file: "Pulumi.yaml", values: {} },
    {
      file: "Pulumi.dev.yaml",
      values: {
        environment: "dev",
        code_path: "repo.py",
        dagster_version: "1.11.16",
        docker: { container_registry: "registry.example.com", dockerfile: "docker/dev.Dockerfile", ...docker },
        kubernetes: { context: "aks", namespace: "dagster" },
      },
    },
    {},
  );
}
const names = deploymentNames({ project: "example", branch: "Feature/Login" });

describe("build plan", () => {
  it("builds the configured Dockerfile in repository_root with BRANCH_NAME set to the branch part", () => {
    const plan = buildPlan(settings(), names, root, {});
    assert.equal(plan.context, root);
    assert.equal(plan.dockerfilePath, path.join(root, "docker/dev.Dockerfile"));
    assert.equal(plan.dockerfileAmended, false);
    assert.deepEqual(plan.buildArgs, { BRANCH_NAME: { value: "feature-login", secret: false } });
    assert.equal(plan.platform, "linux/amd64");
    assert.equal(plan.ociMediaTypes, true);
  });

  it("sets docker_env_vars in the image as podman's --env did: KEY from the environment (secret), KEY=VALUE literally", () => {
    const plan = buildPlan(settings({ docker_env_vars: ["TOKEN", "MODE='fast'", "UNSET_ONE"] }), names, root, { TOKEN: "s3cret" });
    assert.deepEqual(plan.buildArgs.TOKEN, { value: "s3cret", secret: true });
    assert.deepEqual(plan.buildArgs.MODE, { value: "'fast'", secret: false });
    assert.deepEqual(plan.unsetEnvVars, ["UNSET_ONE"]);
    assert.equal(plan.dockerfileAmended, true);
    assert.ok(plan.dockerfile.startsWith("FROM python:3.11-slim\n"));
    assert.match(plan.dockerfile, /\nARG TOKEN\nENV TOKEN=\$\{TOKEN\}\nARG MODE\nENV MODE=\$\{MODE\}\n$/);
    // The value itself never enters the Dockerfile, which is stored in state as an input.
    assert.doesNotMatch(plan.dockerfile, /s3cret/);
  });

  it("honours build_format and platform", () => {
    const plan = buildPlan(settings({ build_format: "docker", platform: "linux/arm64" }), names, root, {});
    assert.equal(plan.ociMediaTypes, false);
    assert.equal(plan.platform, "linux/arm64");
  });

  it("names the Dockerfile it cannot read", () => {
    assert.throws(() => buildPlan(settings({ dockerfile: "missing.Dockerfile" }), names, root, {}), /docker\.dockerfile: cannot read .*missing\.Dockerfile/);
  });
});
