import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { importDagsterUcConfig } from "../lib/config/importConfig";
import { resolveSettings } from "../lib/config/resolve";
import { stackConfigLayers } from "../lib/config/stackConfig";
import { readStackFiles } from "../lib/config/stackFiles";
import { REPO_ROOT, runCli, SEED_CONFIG } from "./support/repo";

const PULUMI_YAML = `name: demo
runtime: nodejs
# keep this comment
config:
  other:key: kept
`;

/** A dev section that resolves on its own: the import validates every section it writes. */
const DEV = `dev:
  environment: dev
  code_path: repo.py
  dagster_version: 1.11.16
  docker: {dockerfile: Dockerfile, container_registry: registry.example.com}
  kubernetes: {context: aks, namespace: dagster}
`;

/** A scratch --dir with Pulumi.yaml (and `files`), and what it holds, to check that nothing changed. */
function scratchDir(files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "dcl-import-"));
  const parent = mkdtempSync(path.join(tmpdir(), "dcl-import-parent-"));
  const project = path.join(parent, "project");
  renameSync(dir, project);
  writeFileSync(path.join(project, "Pulumi.yaml"), PULUMI_YAML);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(project, name), text);
  const snapshot = () => listTree(parent);
  return { dir: project, parent, before: snapshot(), snapshot, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}

function listTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(root, file)] = entry.isFile() ? readFileSync(file, "utf8") : "<dir>";
  }
  return out;
}

function importInto(dir: string, source: string) {
  const file = path.join(dir, "..", "old.yaml");
  writeFileSync(file, source);
  const result = runCli(["import-config", "--file", file, "--dir", dir]);
  rmSync(file);
  // Messages name the file as given; shown here as the short name.
  return { ...result, stderr: result.stderr.split(file).join("old.yaml") };
}

/** Imports the seed's test config into a scratch project and resolves one environment from the files written. */
function importAndResolve(env: "dev" | "acc") {
  const dir = mkdtempSync(path.join(tmpdir(), "dcl-import-"));
  try {
    writeFileSync(path.join(dir, "Pulumi.yaml"), PULUMI_YAML);
    const result = runCli(["import-config", "--file", SEED_CONFIG, "--dir", dir]);
    assert.equal(result.code, 0, result.stderr);
    const files = readStackFiles(dir, env);
    const layers = stackConfigLayers(files.project, env, files.config);
    return { settings: resolveSettings(layers.defaults, layers.stack, {}), dir, stdout: result.stdout, pulumiYaml: readFileSync(path.join(dir, "Pulumi.yaml"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("import-config", () => {
  it("reproduces what dagster-uc's own tests expect for dev, every other key at its default", () => {
    const { settings } = importAndResolve("dev");
    assert.deepEqual(settings, {
      repository_root: ".",
      allow_paths_outside_project: false,
      environment: "dev",
      code_path: "example/repo.py",
      dagster_version: "1.11.16",
      cicd: false,
      dagster_gui_url: "http://dagster.dev",
      verbose: false,
      use_project_name: true,
      project_name_override: "",
      use_latest_chart_version: true,
      deployment_name_suffix: "",
      docker: {
        container_registry: "dagster-uc.dev.acr.io",
        dockerfile: "docker/dev.Dockerfile",
        docker_root: ".",
        docker_env_vars: ["FOO", "FOO='string'"],
        image_prefix: "example",
        use_az_login: true,
        container_registry_chart_path: "helm/dagster/dagster-user-deployments",
        build_format: "OCI",
        platform: "linux/amd64",
        registry_timeout_seconds: 30,
      },
      helm: { disable_openapi_validation: false, skip_schema_validation: true, create_new_namespace: true },
      kubernetes: {
        context: "aks-dev",
        namespace: "dagster",
        node: "cpunode",
        image_pull_secrets: [],
        user_code_deployment_env_secrets: [{ name: "dagster-storage-secret" }],
        user_code_deployment_env: [
          { name: "ON_K8S", value: "1" },
          { name: "ENVIRONMENT", value: "dev" },
        ],
        limits: { cpu: "4000m", memory: "2000Mi" },
        requests: { cpu: "150m", memory: "750Mi" },
        service_account_annotations: {},
        pod_labels: {},
        pull_policy: "IfNotPresent",
      },
      instance: {
        workspace_yaml_configmap_name: "dagster-workspace-yaml",
        reload: "reload",
        reload_timeout_seconds: 120,
        webserver_deployment: "dagster-dagster-webserver",
        webserver_port: 80,
        webserver_service: "dagster-dagster-webserver",
        daemon_deployment: "dagster-daemon",
        check_dagster_version: true,
        adopt_unowned_entry: false,
      },
      chart: {},
    });
  });

  it("reproduces acc: the acc values and pull_policy Always", () => {
    const { settings } = importAndResolve("acc");
    assert.equal(settings.environment, "acc");
    assert.equal(settings.dagster_gui_url, "http://dagster.acc");
    assert.equal(settings.docker.container_registry, "dagster-uc.acc.acr.io");
    assert.equal(settings.docker.dockerfile, "docker/acc.Dockerfile");
    assert.equal(settings.kubernetes.context, "aks-acc");
    assert.deepEqual(settings.kubernetes.user_code_deployment_env, [
      { name: "ON_K8S", value: "1" },
      { name: "ENVIRONMENT", value: "acc" },
    ]);
    assert.equal(settings.kubernetes.pull_policy, "Always");
    assert.deepEqual(settings.kubernetes.requests, { cpu: "150m", memory: "750Mi" });
    assert.equal(settings.helm.skip_schema_validation, true);
  });

  it("edits Pulumi.yaml in place: comments and other keys survive", () => {
    const { pulumiYaml } = importAndResolve("dev");
    assert.match(pulumiYaml, /# keep this comment/);
    assert.match(pulumiYaml, /other:key: kept/);
    assert.equal(parse(pulumiYaml).config.defaults.value.dagster_version, "1.11.16");
  });

  it("moves the workspace ConfigMap name and drops dagster-uc's shared-release bookkeeping with a note", () => {
    const source = `defaults:
  chart:
    workspace_yaml_configmap_name: my-workspace
    release_name: dagster-user-code
    deployment_semaphore_name: dagster-uc-semaphore
    deployments_configmap_name: dagster-uc-deployments
    dagsterHome: /custom
${DEV}`;
    const result = importDagsterUcConfig("old.yaml", source, PULUMI_YAML, () => undefined);
    const defaults = parse(result.files.get("Pulumi.yaml") ?? "").config.defaults.value;
    assert.deepEqual(defaults.chart, { dagsterHome: "/custom" });
    assert.deepEqual(defaults.instance, { workspace_yaml_configmap_name: "my-workspace" });
    assert.equal(result.notes.length, 4);
    assert.ok(result.notes.some((n) => n.includes("chart.deployment_semaphore_name dropped")));
  });

  it("keeps what an existing stack file holds beyond the imported keys", () => {
    const existing = "encryptionsalt: v1:abc\nconfig:\n  demo:registry_password:\n    secure: v1:xyz\n  demo:environment: old\n";
    const result = importDagsterUcConfig("old.yaml", DEV, PULUMI_YAML, () => existing);
    const stack = parse(result.files.get("Pulumi.dev.yaml") ?? "");
    assert.equal(stack.encryptionsalt, "v1:abc");
    assert.deepEqual(stack.config["demo:registry_password"], { secure: "v1:xyz" });
    assert.equal(stack.config["demo:environment"], "dev");
  });

  it("validates every section over the defaults as render does, one line per problem naming file, section and key", () => {
    const source = `defaults:
  kubernetes: {namspace: dagster, requests: {cpu: lots}}
  chart: [not, a, mapping]
dev:
  environment: dev
  code_path: "repo-\${UNTERMINATED"
  dagster_version: 1.11.16
  cicd: perhaps
  docker: {dockerfile: Dockerfile, container_registry: "ftp://registry.example.com"}
  dagster_gui_url: "\${NOT A VARIABLE}"
  kubernetes: {context: aks, namespace: dagster}
acc:
  environment: acc
  code_path: repo.py
  dagster_version: 1.11.16
  docker: {dockerfile: Dockerfile, container_registry: registry.example.com}
  kubernetes: [context, aks]
`;
    const dir = scratchDir();
    try {
      const result = importInto(dir.dir, source);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      const lines = result.stderr.trim().split("\n");
      const expected = [
        'old.yaml: defaults: kubernetes.namspace: unknown key (did you mean "namespace"?)',
        'old.yaml: defaults: kubernetes.requests.cpu: expected a Kubernetes quantity such as 150m, got "lots"',
        'old.yaml: defaults: chart: expected a mapping, got ["not","a","mapping"]',
        'old.yaml: dev: cicd: expected true or false, got "perhaps"',
        "old.yaml: dev: docker.container_registry: expected a registry",
        'old.yaml: dev: dagster_gui_url: "${NOT A VARIABLE}" is not a variable reference',
        'old.yaml: dev: code_path: unterminated "${"',
        "old.yaml: acc: kubernetes: expected a mapping",
      ];
      for (const start of expected) assert.ok(lines.some((line) => line.startsWith(`error: ${start}`)), `${start}\n${result.stderr}`);
      // The defaults' problems once, not once per section.
      assert.equal(lines.filter((line) => line.includes("kubernetes.namspace")).length, 1);
      assert.deepEqual(dir.snapshot(), dir.before);
    } finally {
      dir.cleanup();
    }
  });

  it("checks ${NAME} references for form only: a variable unset here is left for the deploying environment", () => {
    const dir = scratchDir();
    try {
      const result = importInto(dir.dir, DEV.replace("registry.example.com", "\"${REGISTRY}\""));
      assert.equal(result.code, 0, result.stderr);
      assert.equal(parse(readFileSync(path.join(dir.dir, "Pulumi.dev.yaml"), "utf8")).config["demo:docker"].container_registry, "${REGISTRY}");
    } finally {
      dir.cleanup();
    }
  });

  it("accepts only section names that are environment stack names, and writes nothing outside --dir or at all", () => {
    for (const section of ["x/../../outside", "acc/eu", "acc.eu", "a".repeat(300), '""', "'..'"]) {
      const dir = scratchDir();
      try {
        const result = importInto(dir.dir, `${DEV}${section}:\n  environment: acc\n`);
        assert.equal(result.code, 1, section);
        assert.match(result.stderr, /^error: old\.yaml: ".*": an environment section becomes stack and file name/, section);
        assert.doesNotMatch(result.stderr, /\n\s+at /);
        assert.deepEqual(dir.snapshot(), dir.before, section);
      } finally {
        dir.cleanup();
      }
    }
  });

  it("changes nothing when any target cannot be written or parsed", () => {
    const broken = scratchDir({ "Pulumi.acc.yaml": "config: [unclosed\n" });
    const blocked = scratchDir();
    mkdirSync(path.join(blocked.dir, "Pulumi.acc.yaml"));
    const before = blocked.snapshot();
    const acc = DEV.replace(/dev/g, "acc");
    try {
      const parseError = importInto(broken.dir, `${DEV}${acc}`);
      assert.equal(parseError.code, 1);
      assert.match(parseError.stderr, /^error: Pulumi\.acc\.yaml: not valid YAML/);
      assert.deepEqual(broken.snapshot(), broken.before);
      const directory = importInto(blocked.dir, `${DEV}${acc}`);
      assert.equal(directory.code, 1);
      assert.match(directory.stderr, /^error: import-config: cannot read .*Pulumi\.acc\.yaml \(EISDIR\); nothing was changed\n$/);
      assert.deepEqual(blocked.snapshot(), before);
    } finally {
      broken.cleanup();
      blocked.cleanup();
    }
  });

  it("fails with one line naming the file for unreadable input", () => {
    const result = runCli(["import-config", "--file", path.join(REPO_ROOT, "does-not-exist.yaml")]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: import-config: --file: cannot read .*does-not-exist\.yaml\n$/);
  });
});
