import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

  it("a branch stack takes the branch from CI variables before git", () => {
    const doc = renderJson(["--stack", "dev.from-ci"], dir, cleanEnv({ GITHUB_HEAD_REF: "feature/from-ci" }));
    assert.equal(doc.deployment.branch, "feature/from-ci");
  });

  it("the environment stack deploys its own branch (main, or its branch key), never the checkout's", () => {
    const doc = renderJson(["--stack", "dev"], dir, cleanEnv({ GITHUB_HEAD_REF: "feature-y" }));
    assert.equal(doc.deployment.branch, "main");
    assert.equal(doc.release.name, "example--main");
    const configured = project({ "Pulumi.dev.yaml": [[["config", `${P}:branch`], "trunk"]] });
    assert.equal(renderJson(["--stack", "dev"], configured, cleanEnv({ GITHUB_HEAD_REF: "feature-y" })).deployment.branch, "trunk");
  });

  it("says a branch stack's config is the environment's file, as `stacks up` copies it", () => {
    const doc = renderJson(["--stack", "dev.feat-a", "--branch", "feat-a"], dir);
    assert.equal(doc.configSource.file, "Pulumi.dev.yaml");
    assert.match(doc.configSource.note, /dev\.feat-a has no stack file here: its config is Pulumi\.dev\.yaml's, as `stacks up` copies it \(pulumi config cp --stack dev --dest dev\.feat-a\)/);
    assert.equal(renderJson(["--stack", "dev"], dir, cleanEnv({ GITHUB_REF_NAME: "main" })).configSource.note, undefined);
  });

  it("a stack file importing Pulumi ESC environments: a note that they cannot be resolved offline, not a bare \"required\"", () => {
    const esc = project({ "Pulumi.dev.yaml": [[["environment"], ["acme/dagster-dev"]], [["config", `${P}:kubernetes`, "context"], undefined]] });
    const failed = runCli(["render", "--dir", esc, "--stack", "dev", "--branch", "main"]);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /kubernetes\.context: required, but not set here: it may come from the Pulumi ESC environments Pulumi\.dev\.yaml imports \(acme\/dagster-dev\), which render cannot open offline/);
    const ok = project({ "Pulumi.dev.yaml": [[["environment"], { imports: ["acme/dagster-dev"] }]] });
    const doc = renderJson(["--stack", "dev", "--branch", "main"], ok);
    assert.deepEqual(doc.configSource.environments, ["acme/dagster-dev"]);
    assert.match(doc.configSource.note, /imports Pulumi ESC environments \(acme\/dagster-dev\): their keys cannot be resolved offline/);
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

  it("joins docker.docker_root and code_path as dagster-uc's os.path.join: \"\" adds nothing, . adds ./, an absolute code_path stands alone", () => {
    const cases: [unknown, string, string][] = [["", "example/repo.py", "example/repo.py"], [".", "example/repo.py", "./example/repo.py"], ["/opt/app", "/srv/repo.py", "/srv/repo.py"], ["/opt/app/", "repo.py", "/opt/app/repo.py"]];
    for (const [root, codePath, expected] of cases) {
      const copy = project({ "Pulumi.yaml": [[["config", "defaults", "value", "docker", "docker_root"], root], [["config", "defaults", "value", "code_path"], codePath]] });
      const args = renderJson(["--stack", "dev", "--branch", "main"], copy).release.values.deployments[0].dagsterApiGrpcArgs;
      assert.deepEqual(args, ["-f", expected], `docker_root ${JSON.stringify(root)}`);
    }
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

  it("merges chart.deployment into the one deployment entry, values the chart schema accepts", () => {
    const volume = { name: "cache", emptyDir: {} };
    const repo = project({
      "Pulumi.dev.yaml": [[["config", `${P}:chart`], { deployment: { annotations: { team: "data" }, volumes: [volume], readinessProbe: { periodSeconds: 5 } } }]],
    });
    const doc = renderJson(["--stack", "dev", "--branch", "main"], repo);
    const [entry, ...others] = doc.release.values.deployments;
    assert.equal(others.length, 0);
    assert.equal(entry.name, "example--main");
    assert.deepEqual(entry.annotations, { team: "data" });
    assert.deepEqual(entry.volumes, [volume]);
    // Mappings merge key by key: the generated probe keeps its other settings.
    assert.equal(entry.readinessProbe.periodSeconds, 5);
    assert.equal(entry.readinessProbe.timeoutSeconds, 10);
    assert.equal(doc.release.values.deployment, undefined);
    assert.deepEqual(validate(doc.release.values), []);
    assert.deepEqual(doc.workspace.entry.grpc_server.host, entry.name);
  });

  it("refuses chart: values that would replace the deployment's identity, naming the key and what to set instead", () => {
    const cases: [unknown, string[]][] = [
      [{ deployments: [] }, ["error: Pulumi.dev.yaml: chart.deployments: not overridable: the release holds exactly this location's deployment; put values for it under chart.deployment, which is merged into it"]],
      [{ deployments: [{ name: "someone-else", image: { repository: "x", tag: "latest" } }] }, ["error: Pulumi.dev.yaml: chart.deployments: not overridable"]],
      [
        { deployment: { name: "x", image: { tag: "latest" }, port: 4000, dagsterApiGrpcArgs: ["-f", "other.py"] } },
        [
          "error: Pulumi.dev.yaml: chart.deployment.name: not overridable: the name comes from the branch: set branch or deployment_name_suffix",
          "error: Pulumi.dev.yaml: chart.deployment.image: not overridable: set docker.container_registry, docker.image_prefix, docker.image_tag or kubernetes.pull_policy",
          "error: Pulumi.dev.yaml: chart.deployment.port: not overridable: the workspace entry points at port 3030",
          "error: Pulumi.dev.yaml: chart.deployment.dagsterApiGrpcArgs: not overridable: set code_path and docker.docker_root",
        ],
      ],
      [{ deployment: ["a"] }, ['error: Pulumi.dev.yaml: chart.deployment: expected a mapping of values for the deployment, got ["a"]']],
    ];
    for (const [chart, expected] of cases) {
      const repo = project({ "Pulumi.dev.yaml": [[["config", `${P}:chart`], chart]] });
      const result = runCli(["render", "--dir", repo, "--stack", "dev", "--branch", "main"]);
      assert.equal(result.code, 1, JSON.stringify(chart));
      const lines = result.stderr.trim().split("\n");
      assert.equal(lines.length, expected.length, result.stderr);
      expected.forEach((line, i) => assert.ok(lines[i]?.startsWith(line), `${lines[i]}\n  should start with\n${line}`));
    }
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
    // dev.feature has no file of its own: the error names the file it was read from.
    assert.match(result.stderr, /^error: Pulumi\.dev\.yaml: cicd: true is only allowed on the stack named "dev"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("names the file a problem is in for a branch stack read from its environment's file", () => {
    const bad = project({ "Pulumi.dev.yaml": [[["config", `${P}:kubernetes`, "requests"], { cpu: "lots" }]] });
    const result = runCli(["render", "--dir", bad, "--stack", "dev.feature-x"]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: Pulumi.dev.yaml: kubernetes.requests.cpu: expected a Kubernetes quantity such as 150m, got "lots"\n');
  });

  it("says so when config: or the defaults are not a mapping, naming Pulumi.yaml", () => {
    const badDefaults = project({ "Pulumi.yaml": [[["config", "defaults", "value"], "oops"]] });
    const defaults = runCli(["render", "--dir", badDefaults, "--stack", "dev"]);
    assert.equal(defaults.code, 1);
    assert.equal(defaults.stderr, 'error: Pulumi.yaml: config: defaults: expected a mapping of settings under value:, got "oops"\n');
    const badConfig = project({ "Pulumi.yaml": [[["config"], ["a", "list"]]] });
    const config = runCli(["render", "--dir", badConfig, "--stack", "dev"]);
    assert.equal(config.code, 1);
    assert.match(config.stderr, /^error: Pulumi\.yaml: config: expected a mapping of config keys, got \["a","list"\]\n$/);
  });

  it("refuses a --stack that is not a Pulumi stack name before it reaches the file system", () => {
    for (const stack of ["../outside", "x/../../dev", "a".repeat(101)]) {
      const result = runCli(["render", "--dir", dir, "--stack", stack]);
      assert.equal(result.code, 1, stack);
      assert.match(result.stderr, /^error: render: --stack: ".*" is not a Pulumi stack name/, stack);
      const names = runCli(["names", "--dir", dir, "--stack", stack], { input: "main\n" });
      assert.match(names.stderr, /^error: names: --stack: ".*" is not a Pulumi stack name/, stack);
    }
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

  it("reports a branch it cannot name on its own line, goes on with the rest, and exits 1 at the end", () => {
    const result = runCli(["names", "--dir", dir, "--stack", "dev"], { input: "ok\n///\nmain\n" });
    assert.equal(result.code, 1);
    const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.branch), ["ok", "///", "main"]);
    assert.match(lines[1].error, /^branch "\/\/\/" has no letters or digits/);
    assert.equal(lines[1].deploymentName, undefined);
    assert.equal(lines[2].deploymentName, "example--main");
    assert.match(result.stderr, /^error: 1 branch\(es\) cannot be named/);
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
    assert.equal(doc.image.builder, null);
    assert.equal(doc.release.values.deployments[0].image.tag, "1.11.16-<n>@sha256:<digest>");
  });

  it("builds with the buildx builder docker.builder names, and refuses a name buildx would not take", () => {
    const named = projectCopy({ "Pulumi.dev.yaml": [[["config", `${P}:docker`, "builder"], "k8s-buildkit"]] });
    cleanups.push(named.cleanup);
    assert.equal(render(named.dir).image.builder, "k8s-buildkit");
    const bad = projectCopy({ "Pulumi.dev.yaml": [[["config", `${P}:docker`, "builder"], "my builder!"]] });
    cleanups.push(bad.cleanup);
    const result = runCli(["render", "--dir", bad.dir, "--stack", "dev", "--branch", "main"], { env: cleanEnv() });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Pulumi\.dev\.yaml: docker\.builder: expected a buildx builder name .*, got "my builder!"\n$/);
  });

  it("keeps repository_root inside the project and docker.dockerfile inside repository_root, symlinks followed", () => {
    const outside = mkdtempSync(path.join(tmpdir(), "dcl-outside-"));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    writeFileSync(path.join(outside, "Dockerfile"), "FROM scratch\n");
    writeFileSync(path.join(outside, "pyproject.toml"), '[project]\nname = "elsewhere"\n');
    const cases: [string, Record<string, [readonly (string | number)[], unknown][]>, RegExp][] = [
      ["/etc", { "Pulumi.dev.yaml": [[["config", `${P}:repository_root`], "/etc"]] }, /^error: Pulumi\.dev\.yaml: repository_root: "\/etc" is \/etc, outside the project directory /],
      ["../..", { "Pulumi.yaml": [[["config", "defaults", "value", "repository_root"], "../.."]] }, /^error: Pulumi\.yaml: repository_root: "\.\.\/\.\." is .*, outside the project directory/],
      ["../../x", { "Pulumi.dev.yaml": [[["config", `${P}:docker`, "dockerfile"], "../../x"]] }, /^error: Pulumi\.dev\.yaml: docker\.dockerfile: "\.\.\/\.\.\/x" is .*, outside repository_root /],
    ];
    for (const [what, edits, expected] of cases) {
      const copy = projectCopy(edits);
      cleanups.push(copy.cleanup);
      const result = runCli(["render", "--dir", copy.dir, "--stack", "dev", "--branch", "main"]);
      assert.equal(result.code, 1, what);
      assert.match(result.stderr, expected, what);
      assert.match(result.stderr, /set allow_paths_outside_project: true to use it anyway\n$/, what);
    }
    // A Dockerfile inside the tree that is a symlink to one outside it.
    const linked = projectCopy({ "Pulumi.dev.yaml": [[["config", `${P}:docker`, "dockerfile"], "docker/linked.Dockerfile"]] });
    cleanups.push(linked.cleanup);
    symlinkSync(path.join(outside, "Dockerfile"), path.join(linked.dir, "docker/linked.Dockerfile"));
    const viaLink = runCli(["render", "--dir", linked.dir, "--stack", "dev", "--branch", "main"]);
    assert.equal(viaLink.code, 1);
    assert.match(viaLink.stderr, /docker\.dockerfile: "docker\/linked\.Dockerfile" is .*dcl-outside-.*\/Dockerfile, outside repository_root/);
    // The documented opt-in.
    const optIn = projectCopy({
      "Pulumi.dev.yaml": [
        [["config", `${P}:repository_root`], outside],
        [["config", `${P}:docker`, "dockerfile"], "Dockerfile"],
        [["config", `${P}:allow_paths_outside_project`], true],
      ],
    });
    cleanups.push(optIn.cleanup);
    assert.equal(renderJson(["--stack", "dev", "--branch", "main"], optIn.dir).image.context, outside);
  });

  it("masks build args whose value comes from the environment", () => {
    const dir = projectCopy({ "Pulumi.dev.yaml": [[["config", `${P}:docker`, "docker_env_vars"], ["API_TOKEN"]]] });
    cleanups.push(dir.cleanup);
    const result = runCli(["render", "--dir", dir.dir, "--stack", "dev", "--branch", "main"], { env: cleanEnv({ API_TOKEN: "very-secret-value" }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).image.buildArgs.API_TOKEN, "[secret]");
    assert.ok(!result.stdout.includes("very-secret-value"));
  });

  it("treats KEY=${NAME} like KEY: a secret build arg, masked with every other value from the environment", () => {
    const dir = projectCopy({
      "Pulumi.dev.yaml": [
        [["config", `${P}:docker`, "docker_env_vars"], ["PIP_TOKEN=${PIP_TOKEN}", "ON_K8S=1"]],
        [["config", `${P}:kubernetes`, "user_code_deployment_env"], [
          { name: "API_KEY", value: "${API_KEY}" },
          { name: "ENVIRONMENT", value: "dev" },
          { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "dagster-db", key: "password" } } },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ]],
      ],
    });
    cleanups.push(dir.cleanup);
    const result = runCli(["render", "--dir", dir.dir, "--stack", "dev", "--branch", "main"], { env: cleanEnv({ PIP_TOKEN: "pip-secret-123", API_KEY: "api-secret-456" }) });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /pip-secret-123|api-secret-456/);
    const doc = JSON.parse(result.stdout);
    assert.deepEqual(doc.image.buildArgs, { BRANCH_NAME: "main", PIP_TOKEN: "[secret]", ON_K8S: "1" });
    assert.deepEqual(doc.config.docker.docker_env_vars, ["[secret]", "ON_K8S=1"]);
    const env = doc.release.values.deployments[0].env;
    assert.deepEqual(env, [
      { name: "API_KEY", value: "[secret]" },
      { name: "ENVIRONMENT", value: "dev" },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "dagster-db", key: "password" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ]);
    assert.equal(doc.config.kubernetes.user_code_deployment_env[0].value, "[secret]");
    assert.deepEqual(validate(doc.release.values), []);
  });

  it("shows a key set with --secret as [secret], and refuses --secret on a key that makes names", () => {
    const secured = projectCopy({ "Pulumi.dev.yaml": [[["config", `${P}:kubernetes`, "user_code_deployment_env"], [{ name: "TOKEN", value: { secure: "v1:abc:def" } }]]] });
    cleanups.push(secured.cleanup);
    const doc = render(secured.dir);
    assert.equal(doc.config.kubernetes, "[secret]");
    assert.deepEqual(doc.release.values.deployments[0].env, [{ name: "TOKEN", value: "[secret]" }]);
    const named = projectCopy({ "Pulumi.dev.yaml": [[["config", `${P}:deployment_name_suffix`], { secure: "v1:abc:def" }]] });
    cleanups.push(named.cleanup);
    const result = runCli(["render", "--dir", named.dir, "--stack", "dev", "--branch", "main"], { env: cleanEnv() });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Pulumi\.dev\.yaml: deployment_name_suffix: set with --secret, but it makes the names .*; set it again without --secret\n$/);
  });

  it("never shows a secret or environment value in an error: it names the key and what it expects", () => {
    const dir = projectCopy({
      "Pulumi.dev.yaml": [
        [["config", `${P}:kubernetes`, "requests"], { cpu: "${CPU_REQUEST}" }],
        [["config", `${P}:kubernetes`, "user_code_deployment_env"], [{ name: "BAD", valueFrom: { secretKeyRef: { name: "Not_A_Name", key: "k" } } }]],
      ],
    });
    cleanups.push(dir.cleanup);
    const result = runCli(["render", "--dir", dir.dir, "--stack", "dev", "--branch", "main"], { env: cleanEnv({ CPU_REQUEST: "secret-cpu-text" }) });
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, /secret-cpu-text/);
    assert.match(result.stderr, /^error: Pulumi\.dev\.yaml: kubernetes\.requests\.cpu: expected a Kubernetes quantity such as 150m; the value is secret \(--secret or \$\{NAME\}\), so it is not shown$/m);
    assert.match(result.stderr, /kubernetes\.user_code_deployment_env\[0\]\.valueFrom\.secretKeyRef\.name: expected a Kubernetes object name/);
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

describe("modules a render loads", () => {
  /** Files under @pulumi/azure-native in require.cache when render of `dir` exits. */
  function azureNativeLoaded(dir: string): string[] {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "dcl-modules-")), "modules.txt");
    cleanups.push(() => rmSync(path.dirname(out), { recursive: true, force: true }));
    const preload = path.join(__dirname, "support", "loaded-modules.cjs");
    renderJson(["--stack", "dev", "--branch", "main"], dir, cleanEnv({ NODE_OPTIONS: `--require ${preload}`, LOADED_MODULES_OUT: out }));
    return readFileSync(out, "utf8").split("\n").filter((file) => file.includes(`${path.sep}@pulumi${path.sep}azure-native${path.sep}`));
  }

  it("leaves @pulumi/azure-native unloaded without Azure login, and loads it with", () => {
    assert.deepEqual(azureNativeLoaded(project({ "Pulumi.dev.yaml": [[["config", `${P}:docker`, "use_az_login"], false]] })), []);
    assert.ok(azureNativeLoaded(project()).length > 0, "with use_az_login: true the Azure token comes from @pulumi/azure-native");
  });
});
