import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
        webserver_deployment: "dagster-dagster-webserver",
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
dev:
  environment: dev
`;
    const result = importDagsterUcConfig("old.yaml", source, PULUMI_YAML, () => undefined);
    const defaults = parse(result.files.get("Pulumi.yaml") ?? "").config.defaults.value;
    assert.deepEqual(defaults.chart, { dagsterHome: "/custom" });
    assert.deepEqual(defaults.instance, { workspace_yaml_configmap_name: "my-workspace" });
    assert.equal(result.notes.length, 4);
    assert.ok(result.notes.some((n) => n.includes("chart.deployment_semaphore_name dropped")));
  });

  it("keeps what an existing stack file holds beyond the imported keys", () => {
    const existing = "encryptionsalt: v1:abc\nconfig:\n  demo:registry_password:\n    secure: v1:xyz\n  demo:environment: old\n";
    const result = importDagsterUcConfig("old.yaml", "dev:\n  environment: dev\n", PULUMI_YAML, () => existing);
    const stack = parse(result.files.get("Pulumi.dev.yaml") ?? "");
    assert.equal(stack.encryptionsalt, "v1:abc");
    assert.deepEqual(stack.config["demo:registry_password"], { secure: "v1:xyz" });
    assert.equal(stack.config["demo:environment"], "dev");
  });

  it("fails with one line naming the file for unreadable input", () => {
    const result = runCli(["import-config", "--file", path.join(REPO_ROOT, "does-not-exist.yaml")]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: import-config: --file: cannot read .*does-not-exist\.yaml\n$/);
  });
});
