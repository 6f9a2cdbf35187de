import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { compileValuesSchema } from "../lib/chart/schema";
import { cleanEnv, projectCopy, readSharedChartFile, runCli } from "./support/repo";

const P = "dagster-code-locations";
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** The repository's config with an image tag, as a stack that deploys an existing image has. */
function project(extra: Record<string, [readonly (string | number)[], unknown][]> = {}) {
  const copy = projectCopy({
    "Pulumi.dev.yaml": [[["config", `${P}:docker`, "image_tag"], "1.11.16-4"], ...(extra["Pulumi.dev.yaml"] ?? [])],
    "Pulumi.acc.yaml": [[["config", `${P}:docker`, "image_tag"], "1.11.16-9"], ...(extra["Pulumi.acc.yaml"] ?? [])],
    ...Object.fromEntries(Object.entries(extra).filter(([file]) => !file.startsWith("Pulumi.dev") && !file.startsWith("Pulumi.acc"))),
  });
  cleanups.push(copy.cleanup);
  return copy.dir;
}

function renderJson(args: string[], dir: string, env?: NodeJS.ProcessEnv) {
  const result = runCli(["render", "--dir", dir, ...args], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  return JSON.parse(result.stdout);
}

const validate = compileValuesSchema(JSON.parse(readSharedChartFile("values.schema.json")), parse(readSharedChartFile("values.yaml")));

describe("render", () => {
  const dir = project();

  for (const [stack, pullPolicy, tag] of [["dev", "IfNotPresent", "1.11.16-4"], ["acc", "Always", "1.11.16-9"]] as const) {
    it(`prints what pulumi up would deploy for ${stack}, with values the chart schema accepts`, () => {
      const doc = renderJson(["--stack", stack, "--branch", "feat/login"], dir);
      assert.equal(doc.stack, stack);
      assert.equal(doc.environment, stack);
      assert.deepEqual(doc.deployment, { name: "example--feat-login", locationName: "example:feat-login", branch: "feat/login" });
      // An existing tag (docker.image_tag): nothing built, the digest known only to a real run.
      assert.deepEqual(doc.image, { repository: `dagster-uc.${stack}.acr.io/example/example--feat-login`, tag, digest: "sha256:<digest>", built: false });
      assert.equal(doc.release.values.deployments[0].image.tag, `${tag}@sha256:<digest>`);
      assert.equal(doc.release.name, "example--feat-login");
      assert.equal(doc.release.chart, `oci://dagster-uc.${stack}.acr.io/helm/dagster/dagster-user-deployments`);
      assert.equal(doc.release.version, null);
      assert.equal(doc.release.values.deployments[0].image.pullPolicy, pullPolicy);
      assert.deepEqual(validate(doc.release.values), []);
      assert.equal(doc.config.kubernetes.context, `aks-${stack}`);
      assert.deepEqual(doc.workspace, {
        configMap: "dagster-workspace-yaml",
        namespace: "dagster",
        entry: { grpc_server: { host: "example--feat-login", port: 3030, location_name: "example:feat-login" } },
        owner: `dagster-code-locations/${stack}`,
      });
      assert.equal(doc.config.helm.create_new_namespace, true);
    });
  }

  it("uses the environment's file for a branch stack without its own, the stack name as branch", () => {
    const doc = renderJson(["--stack", "dev.fix-123"], dir, cleanEnv({ GIT_DIR: "/nonexistent" }));
    assert.equal(doc.deployment.name, "example--fix-123");
    assert.equal(doc.deployment.branch, "fix-123");
  });

  it("takes the branch from CI variables before git", () => {
    const doc = renderJson(["--stack", "dev"], dir, cleanEnv({ GITHUB_HEAD_REF: "feature/from-ci" }));
    assert.equal(doc.deployment.branch, "feature/from-ci");
  });

  it("appends --suffix to the branch part", () => {
    const doc = renderJson(["--stack", "dev", "--branch", "main", "--suffix=-2"], dir);
    assert.equal(doc.deployment.name, "example--main-2");
  });

  it("names the environment with cicd: true on the environment's own stack", () => {
    const cicd = project({ "Pulumi.dev.yaml": [[["config", `${P}:cicd`], true]] });
    const doc = renderJson(["--stack", "dev", "--branch", "ignored"], cicd);
    assert.equal(doc.deployment.name, "example--dev");
    assert.equal(doc.deployment.locationName, "example:dev");
  });

  it("pins the chart version to dagster_version unless use_latest_chart_version", () => {
    const pinned = project({ "Pulumi.dev.yaml": [[["config", `${P}:use_latest_chart_version`], false]] });
    assert.equal(renderJson(["--stack", "dev", "--branch", "main"], pinned).release.version, "1.11.16");
  });

  it("shows whether Helm's values-schema check is skipped, without contacting the chart source", () => {
    // The dev stack's chart is in dagster-uc.dev.acr.io, which these machines cannot reach.
    assert.equal(renderJson(["--stack", "dev", "--branch", "main"], dir).release.skipSchemaValidation, true);
    const checked = project({ "Pulumi.dev.yaml": [[["config", `${P}:helm`], { skip_schema_validation: false }]] });
    const doc = renderJson(["--stack", "dev", "--branch", "main"], checked);
    assert.equal(doc.release.skipSchemaValidation, false);
    assert.equal(doc.release.chart, "oci://dagster-uc.dev.acr.io/helm/dagster/dagster-user-deployments");
  });

  it("uses Dagster's Helm repository when no chart path is configured, and merges chart values over", () => {
    const repo = project({
      "Pulumi.dev.yaml": [
        [["config", `${P}:docker`, "container_registry_chart_path"], null],
        [["config", `${P}:chart`], { rbacEnabled: false, serviceAccount: { annotations: { a: "b" } } }],
        [["config", `${P}:kubernetes`, "node"], ""],
      ],
    });
    // null in a stack file unsets the default chart path.
    const doc = renderJson(["--stack", "dev", "--branch", "main"], repo);
    assert.equal(doc.release.chart, "dagster-user-deployments");
    assert.equal(doc.release.repo, "https://dagster-io.github.io/helm");
    assert.equal(doc.release.values.rbacEnabled, false);
    assert.deepEqual(doc.release.values.serviceAccount, { create: true, annotations: { a: "b" } });
    // An empty node: no node selector and no toleration.
    assert.deepEqual(doc.release.values.deployments[0].nodeSelector, {});
    assert.deepEqual(doc.release.values.deployments[0].tolerations, []);
    assert.deepEqual(validate(doc.release.values), []);
  });

  it("fails with one clear line per problem and no stack trace", () => {
    const bad = project({
      "Pulumi.dev.yaml": [
        [["config", `${P}:kubernetes`, "namepsace"], "dagster"],
        [["config", `${P}:kubernetes`, "requests"], { cpu: "lots" }],
        [["config", `${P}:dagster_gui_url`], "${GUI_URL}"],
      ],
    });
    const result = runCli(["render", "--dir", bad, "--stack", "dev", "--branch", "main"], { env: cleanEnv() });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.deepEqual(result.stderr.trim().split("\n").sort(), [
      "error: Pulumi.dev.yaml: dagster_gui_url: environment variable GUI_URL is not set (write ${GUI_URL:-default} to give a fallback)",
      'error: Pulumi.dev.yaml: kubernetes.namepsace: unknown key (did you mean "namespace"?)',
      'error: Pulumi.dev.yaml: kubernetes.requests.cpu: expected a Kubernetes quantity such as 150m, got "lots"',
    ]);
  });

  it("refuses cicd: true on a stack that is not the environment's", () => {
    const cicd = project({ "Pulumi.dev.yaml": [[["config", `${P}:cicd`], "yes"]] });
    const result = runCli(["render", "--dir", cicd, "--stack", "dev.feature"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Pulumi\.dev\.feature\.yaml: cicd: true is only allowed on the stack named "dev"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("names a missing stack file and a missing --stack", () => {
    const missing = runCli(["render", "--dir", dir, "--stack", "prd"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: --stack prd: no Pulumi\.prd\.yaml in /);
    const noStack = runCli(["render", "--dir", dir]);
    assert.equal(noStack.code, 2);
    assert.match(noStack.stderr, /^error: render: --stack STACK is required\nusage: dagster-code-locations render --stack STACK /);
  });
});

describe("names", () => {
  const dir = project();

  it("prints one JSON line per branch read from stdin", () => {
    const result = runCli(["names", "--dir", dir, "--stack", "dev"], { input: "main\nfeature/Login_Page\n\n" });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n").map((line) => JSON.parse(line)), [
      { branch: "main", deploymentName: "example--main", locationName: "example:main", releaseName: "example--main" },
      {
        branch: "feature/Login_Page",
        deploymentName: "example--feature-login-page",
        locationName: "example:feature-login-page",
        releaseName: "example--feature-login-page",
      },
    ]);
  });

  it("reports a branch it cannot name and exits non-zero, naming the others", () => {
    const result = runCli(["names", "--dir", dir, "--stack", "dev"], { input: "ok\n///\n" });
    assert.equal(result.code, 1);
    assert.equal(result.stdout.trim().split("\n").length, 1);
    assert.match(result.stderr, /branch "\/\/\/" has no letters or digits/);
  });
});

describe("render, building the image", () => {
  /** The repository's dev stack as is: no image_tag, so the program builds. */
  function buildProject() {
    const copy = projectCopy();
    cleanups.push(copy.cleanup);
    return copy.dir;
  }
  const render = (dir: string, env: NodeJS.ProcessEnv = {}) => renderJson(["--stack", "dev", "--branch", "main"], dir, cleanEnv(env));

  it("shows the image to build: repository, literal next version, source hash, build args, Dockerfile, context", () => {
    const dir = buildProject();
    const doc = render(dir, { FOO: "from-env" });
    assert.equal(doc.image.repository, "dagster-uc.dev.acr.io/example/example--main");
    assert.equal(doc.image.tag, "1.11.16-<n>");
    assert.equal(doc.image.built, true);
    assert.match(doc.image.sourceHash, /^sha256:[0-9a-f]{64}$/);
    // The seed's FOO='string' comes after FOO and wins, as a later --env did.
    assert.deepEqual(doc.image.buildArgs, { BRANCH_NAME: "main", FOO: "'string'" });
    assert.equal(doc.image.context, dir);
    assert.match(doc.image.dockerfile, /^# The example code location's image for the dev environment/);
    assert.deepEqual(doc.image.platforms, ["linux/amd64"]);
    assert.equal(doc.release.values.deployments[0].image.tag, "1.11.16-<n>@sha256:<digest>");
  });

  it("masks build args whose value comes from the environment", () => {
    const dir = projectCopy({ "Pulumi.dev.yaml": [[["config", `${P}:docker`, "docker_env_vars"], ["API_TOKEN"]]] });
    cleanups.push(dir.cleanup);
    const result = runCli(["render", "--dir", dir.dir, "--stack", "dev", "--branch", "main"], { env: cleanEnv({ API_TOKEN: "very-secret-value" }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).image.buildArgs.API_TOKEN, "[secret]");
    assert.ok(!result.stdout.includes("very-secret-value"));
  });

  it("gives the same source hash twice over an unchanged tree, a new one when the context changes, not for ignored files", () => {
    const dir = buildProject();
    const first = render(dir).image.sourceHash;
    assert.equal(render(dir).image.sourceHash, first);

    writeFileSync(path.join(dir, "notes-ignored-by-dockerignore.txt"), "not sent to the builder\n");
    assert.equal(render(dir).image.sourceHash, first);

    appendFileSync(path.join(dir, "example/repo.py"), "\n# a change inside the context\n");
    const changed = render(dir).image.sourceHash;
    assert.notEqual(changed, first);

    writeFileSync(path.join(dir, "docker/dev.Dockerfile"), `${readFileSync(path.join(dir, "docker/dev.Dockerfile"), "utf8")}RUN true\n`);
    assert.notEqual(render(dir).image.sourceHash, changed);
  });
});
