import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { buildPlan } from "../lib/build/buildPlan";
import { imageEnv } from "../lib/plan/imageEnv";
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
const dockerfilePath = path.join(root, "docker/dev.Dockerfile");
const plainBuild = { context: root, dockerfilePath, imageEnv: [], platform: "linux/amd64", ociMediaTypes: true };

describe("docker_env_vars", () => {
  it("are set in the image as podman's --env did: KEY from the environment (secret), KEY=VALUE literally", () => {
    const env = imageEnv(settings({ docker_env_vars: ["TOKEN", "MODE='fast'", "UNSET_ONE"] }), { TOKEN: "s3cret" });
    assert.deepEqual(env.vars, [
      { name: "TOKEN", value: "s3cret", secret: true },
      { name: "MODE", value: "'fast'", secret: false },
    ]);
    assert.deepEqual(env.unset, ["UNSET_ONE"]);
  });

  it("let a later entry for a name win, in the first one's place, and forget an unset one it supersedes", () => {
    const env = imageEnv(settings({ docker_env_vars: ["A", "B=2", "A=1", "C", "C=3"] }), { A: "from-env" });
    assert.deepEqual(env.vars, [
      { name: "A", value: "1", secret: false },
      { name: "B", value: "2", secret: false },
      { name: "C", value: "3", secret: false },
    ]);
    assert.deepEqual(env.unset, []);
  });
});

describe("build plan", () => {
  it("builds the configured Dockerfile as it is when the image gets no environment", () => {
    const plan = buildPlan(plainBuild);
    assert.equal(plan.context, root);
    assert.equal(plan.dockerfilePath, dockerfilePath);
    assert.equal(plan.dockerfileAmended, false);
    assert.equal(plan.platform, "linux/amd64");
    assert.equal(plan.ociMediaTypes, true);
    assert.equal(names.branchPart, "feature-login");
  });

  it("appends ARG and ENV lines for the image's environment, never a value", () => {
    const plan = buildPlan({ ...plainBuild, imageEnv: ["TOKEN", "MODE"] });
    assert.equal(plan.dockerfileAmended, true);
    assert.ok(plan.dockerfile.startsWith("FROM python:3.11-slim\n"));
    assert.match(plan.dockerfile, /\nARG TOKEN\nENV TOKEN=\$\{TOKEN\}\nARG MODE\nENV MODE=\$\{MODE\}\n$/);
  });

  it("names the Dockerfile it cannot read", () => {
    assert.throws(() => buildPlan({ ...plainBuild, dockerfilePath: path.join(root, "missing.Dockerfile") }), /docker\.dockerfile: cannot read .*missing\.Dockerfile/);
  });
});
