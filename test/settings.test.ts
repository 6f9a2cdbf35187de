import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../lib/shared/errors";
import { interpolateString } from "../lib/config/interpolate";
import { resolveSettings, type ConfigLayer } from "../lib/config/resolve";
import { decodeConfigValue, stackConfigLayers } from "../lib/config/stackConfig";

const defaults: ConfigLayer = {
  file: "Pulumi.yaml",
  values: {
    code_path: "example/repo.py",
    dagster_version: "1.11.16",
    docker: { image_prefix: "example", docker_env_vars: ["FOO"] },
    kubernetes: { namespace: "dagster", node: "cpunode", requests: { cpu: "150m", memory: "750Mi" } },
  },
};

function stack(values: Record<string, unknown>): ConfigLayer {
  return {
    file: "Pulumi.dev.yaml",
    values: {
      environment: "dev",
      docker: { dockerfile: "docker/dev.Dockerfile", container_registry: "registry.example.com" },
      kubernetes: { context: "aks-dev" },
      ...values,
    },
  };
}

function problems(layer: ConfigLayer, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    resolveSettings(defaults, layer, env);
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail("expected the configuration to be rejected");
}

describe("settings resolution", () => {
  it("deep-merges the stack over defaults: mappings key by key, lists replace", () => {
    const settings = resolveSettings(
      defaults,
      stack({ kubernetes: { context: "aks-dev", requests: { cpu: "1" } }, docker: { dockerfile: "d", container_registry: "r.io", docker_env_vars: ["BAR"] } }),
      {},
    );
    assert.deepEqual(settings.kubernetes.requests, { cpu: "1", memory: "750Mi" });
    assert.equal(settings.kubernetes.namespace, "dagster");
    assert.deepEqual(settings.docker.docker_env_vars, ["BAR"]);
    assert.equal(settings.docker.image_prefix, "example");
  });

  it("gives every key dagster-uc's default", () => {
    const settings = resolveSettings(defaults, stack({}), {});
    assert.equal(settings.repository_root, "");
    assert.equal(settings.cicd, false);
    assert.equal(settings.verbose, false);
    assert.equal(settings.use_project_name, true);
    assert.equal(settings.use_latest_chart_version, false);
    assert.equal(settings.docker.use_az_login, true);
    assert.equal(settings.docker.build_format, "OCI");
    assert.equal(settings.helm.create_new_namespace, true);
    assert.equal(settings.helm.skip_schema_validation, false);
    assert.equal(settings.kubernetes.pull_policy, "IfNotPresent");
    assert.deepEqual(settings.kubernetes.image_pull_secrets, []);
    assert.equal(settings.instance.workspace_yaml_configmap_name, "dagster-workspace-yaml");
    assert.deepEqual(settings.chart, {});
  });

  it("substitutes ${NAME} and ${NAME:-fallback} in every string, and $${ stays literal", () => {
    const settings = resolveSettings(
      defaults,
      stack({ cicd: "${CICD}", dagster_gui_url: "${GUI:-http://dagster.dev}", chart: { note: "$${KEEP} ${WHO}" } }),
      { CICD: "TRUE", WHO: "team" },
    );
    assert.equal(settings.cicd, true);
    assert.equal(settings.dagster_gui_url, "http://dagster.dev");
    assert.deepEqual(settings.chart, { note: "${KEEP} team" });
  });

  it("accepts the boolean spellings dagster-uc accepted", () => {
    for (const [text, expected] of [["TRUE", true], ["1", true], ["yes", true], ["false", false], ["0", false], ["No", false]] as const) {
      assert.equal(resolveSettings(defaults, stack({ verbose: text }), {}).verbose, expected, text);
    }
  });

  it("names file and key path for each problem, one line each", () => {
    const lines = problems(
      stack({
        cicd: "maybe",
        kubernetes: { context: "aks-dev", requests: { cpu: "lots" }, pull_policy: "Sometimes" },
        docker: { dockerfile: "d", container_registry: "${REGISTRY}" },
      }),
    );
    assert.deepEqual([...lines].sort(), [
      'Pulumi.dev.yaml: cicd: expected true or false, got "maybe"',
      "Pulumi.dev.yaml: docker.container_registry: environment variable REGISTRY is not set (write ${REGISTRY:-default} to give a fallback)",
      'Pulumi.dev.yaml: kubernetes.pull_policy: expected IfNotPresent, Always or Never, got "Sometimes"',
      'Pulumi.dev.yaml: kubernetes.requests.cpu: expected a Kubernetes quantity such as 150m, got "lots"',
    ]);
  });

  it("blames Pulumi.yaml for a bad default the stack did not override", () => {
    const lines = problems({ ...stack({}), values: { ...stack({}).values, kubernetes: { context: "aks", namespace: "Not_Valid" } } });
    assert.deepEqual(lines, [
      "Pulumi.dev.yaml: kubernetes.namespace: expected a namespace name (lowercase letters, digits and '-', at most 63), got \"Not_Valid\"",
    ]);
    const fromDefaults = (() => {
      try {
        resolveSettings({ ...defaults, values: { ...defaults.values, verbose: "loud" } }, stack({}), {});
      } catch (err) {
        return (err as UserError).problems;
      }
      return [];
    })();
    assert.deepEqual(fromDefaults, ['Pulumi.yaml: verbose: expected true or false, got "loud"']);
  });

  it("rejects unknown keys and suggests the close one", () => {
    const lines = problems(stack({ kubernetes: { context: "aks", namepsace: "dagster" }, dagster_versoin: "1", colour: "blue" }));
    assert.ok(lines.includes('Pulumi.dev.yaml: kubernetes.namepsace: unknown key (did you mean "namespace"?)'), lines.join("\n"));
    assert.ok(lines.includes('Pulumi.dev.yaml: dagster_versoin: unknown key (did you mean "dagster_version"?)'), lines.join("\n"));
    assert.ok(lines.includes("Pulumi.dev.yaml: colour: unknown key"), lines.join("\n"));
  });

  it("reports required keys that no file sets", () => {
    const lines = problems({ file: "Pulumi.dev.yaml", values: { kubernetes: { context: "aks" } } });
    assert.ok(lines.includes("Pulumi.dev.yaml: environment: required, but not set"), lines.join("\n"));
    assert.ok(lines.includes("Pulumi.dev.yaml: docker.container_registry: required, but not set"), lines.join("\n"));
    const noDocker = (() => {
      try {
        resolveSettings({ file: "Pulumi.yaml", values: {} }, { file: "Pulumi.acc.yaml", values: { environment: "acc" } }, {});
      } catch (err) {
        return (err as UserError).problems;
      }
      return [];
    })();
    assert.ok(noDocker.includes("Pulumi.acc.yaml: docker: required, but not set"), noDocker.join("\n"));
  });

  it("checks what Kubernetes would accept: env var names, label keys, secret names, registries", () => {
    const lines = problems(
      stack({
        kubernetes: {
          context: "aks",
          user_code_deployment_env: [{ name: "1BAD NAME", value: "x" }],
          pod_labels: { "bad key!": "v", team: "way-too-long-".repeat(6) },
          user_code_deployment_env_secrets: [{ name: "Upper_Case" }],
        },
        docker: { dockerfile: "d", container_registry: "not a host", docker_env_vars: ["OK", "ALSO_OK=1", "9=x"] },
      }),
    );
    const keys = lines.map((line) => line.split(": ")[1]).sort();
    assert.deepEqual(keys, [
      "docker.container_registry",
      "docker.docker_env_vars[2]",
      "kubernetes.pod_labels.bad key!",
      "kubernetes.pod_labels.team",
      "kubernetes.user_code_deployment_env[0].name",
      "kubernetes.user_code_deployment_env_secrets[0].name",
    ]);
  });

  it("checks resources as Kubernetes would: above zero, requests not above limits", () => {
    const lines = problems(
      stack({
        kubernetes: { context: "aks", requests: { cpu: "2", memory: "0" }, limits: { cpu: "1500m", memory: "-1Gi" } },
      }),
    );
    assert.deepEqual([...lines].sort(), [
      'Pulumi.dev.yaml: kubernetes.limits.memory: expected a quantity above zero, got "-1Gi"',
      'Pulumi.dev.yaml: kubernetes.requests.cpu: 2 is above limits.cpu 1500m; Kubernetes rejects a request above its limit',
      'Pulumi.dev.yaml: kubernetes.requests.memory: expected a quantity above zero, got "0"',
    ]);
    // Units compare by value: 1Gi is 1024Mi, 0.5 is 500m.
    const ok = resolveSettings(defaults, stack({ kubernetes: { context: "aks", requests: { cpu: "0.5", memory: "1Gi" }, limits: { cpu: "500m", memory: "1024Mi" } } }), {});
    assert.deepEqual(ok.kubernetes.requests, { cpu: "0.5", memory: "1Gi" });
  });

  it("checks what becomes a label, an image tag and a chart version, and a registry's port", () => {
    const lines = problems(
      stack({
        dagster_version: `1.11.${"1".repeat(130)}`,
        kubernetes: { context: "aks", node: "gpu pool/1" },
        docker: { dockerfile: "d", container_registry: "registry.example.com:99999" },
      }),
    );
    assert.deepEqual(lines.map((line) => line.split(": ").slice(0, 2).join(": ")).sort(), [
      "Pulumi.dev.yaml: dagster_version",
      "Pulumi.dev.yaml: docker.container_registry",
      "Pulumi.dev.yaml: kubernetes.node",
    ]);
    assert.ok(lines.some((line) => line.includes("port 99999 is out of range")), lines.join("\n"));
    for (const version of ["1.11", "1.11.16+build", "1.11.16rc1", "v1.11.16"]) {
      assert.ok(problems(stack({ dagster_version: version })).some((line) => line.startsWith("Pulumi.dev.yaml: dagster_version: ")), version);
    }
    assert.equal(resolveSettings(defaults, stack({ dagster_version: "1.12.0-rc1" }), {}).dagster_version, "1.12.0-rc1");
    for (const scheme of ["ftp://registry.example.com", "https://user:pw@registry.example.com"]) {
      assert.ok(problems(stack({ docker: { dockerfile: "d", container_registry: scheme } })).some((line) => line.startsWith("Pulumi.dev.yaml: docker.container_registry: ")), scheme);
    }
  });

  it("accepts numbers where YAML reads them as numbers, as text", () => {
    const settings = resolveSettings(defaults, stack({ kubernetes: { context: "aks", limits: { cpu: 2 }, user_code_deployment_env: [{ name: "ON_K8S", value: 1 }] } }), {});
    assert.deepEqual(settings.kubernetes.limits, { cpu: "2" });
    assert.deepEqual(settings.kubernetes.user_code_deployment_env, [{ name: "ON_K8S", value: "1" }]);
  });
});

describe("environment substitution", () => {
  it("treats an empty variable as unset only with :-", () => {
    assert.deepEqual(interpolateString("${A:-x}", { A: "" }), { value: "x", problems: [], unset: [] });
    assert.deepEqual(interpolateString("${A}", { A: "" }), { value: "", problems: [], unset: [] });
  });

  it("leaves unset variables unchecked when asked, still reporting malformed references", () => {
    assert.deepEqual(interpolateString("${A}-${B:-b}", {}, { unsetVariables: "unchecked" }), { value: "-b", problems: [], unset: ["A"] });
    assert.equal(interpolateString("${not valid} ${A", {}, { unsetVariables: "unchecked" }).problems.length, 2);
  });

  it("reports malformed references instead of passing them on", () => {
    assert.equal(interpolateString("${A", {}).problems.length, 1);
    assert.equal(interpolateString("${not valid}", {}).problems.length, 1);
  });
});

describe("stack config as Pulumi hands it over", () => {
  it("names Pulumi.yaml for defaults that are not a mapping, and the stack file it was given", () => {
    assert.throws(() => stackConfigLayers("demo", "dev", { "demo:defaults": "oops" }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.deepEqual(err.problems, ['Pulumi.yaml: config: defaults: expected a mapping of settings under value:, got "oops"']);
      return true;
    });
    assert.equal(stackConfigLayers("demo", "dev.feature-x", {}, "Pulumi.dev.yaml").stack.file, "Pulumi.dev.yaml");
  });

  it("rejects a key in a misspelt project namespace with the suggestion, and leaves providers' keys alone", () => {
    const config = { "dagster-code-locatons:docker": "{}", "kubernetes:context": "aks", "aws:region": "eu-west-1" };
    assert.throws(() => stackConfigLayers("dagster-code-locations", "dev", config), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.deepEqual(err.problems, [
        'Pulumi.dev.yaml or Pulumi.yaml: dagster-code-locatons:docker: namespace "dagster-code-locatons" is not this project\'s, ' +
          'so the key would be ignored (did you mean "dagster-code-locations:docker"?)',
      ]);
      return true;
    });
    assert.deepEqual(stackConfigLayers("dagster-code-locations", "dev", { "kubernetes:context": "aks", "aws:region": "x" }).stack.values, {});
  });

  it("decodes structured values from JSON and leaves scalars as text", () => {
    assert.deepEqual(decodeConfigValue('{"a":[1,true]}'), { a: [1, true] });
    assert.equal(decodeConfigValue("true"), "true");
    assert.equal(decodeConfigValue("1.11.16"), "1.11.16");
    assert.equal(decodeConfigValue("[not json"), "[not json");
  });

  it("takes Kubernetes valueFrom sources for the code server's env, exactly one per variable", () => {
    const env = [
      { name: "A", value: "1" },
      { name: "B", valueFrom: { secretKeyRef: { name: "db", key: "password", optional: "true" } } },
      { name: "C", valueFrom: { configMapKeyRef: { name: "settings", key: "mode.conf" } } },
      { name: "D", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/name']" } } },
      { name: "E", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
    ];
    const settings = resolveSettings(defaults, stack({ kubernetes: { context: "aks-dev", user_code_deployment_env: env } }), {});
    assert.deepEqual(settings.kubernetes.user_code_deployment_env[1], { name: "B", valueFrom: { secretKeyRef: { name: "db", key: "password", optional: true } } });
    const bad = [
      { name: "NONE" },
      { name: "BOTH", value: "x", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "TWO", valueFrom: { secretKeyRef: { name: "a", key: "b" }, configMapKeyRef: { name: "a", key: "b" } } },
      { name: "FIELD", valueFrom: { fieldRef: { fieldPath: "spec.containers" } } },
      { name: "KEY", valueFrom: { secretKeyRef: { name: "db", key: "no/slash" } } },
      { name: "TYPO", valueFrom: { secretKeyRefs: { name: "db", key: "k" } } },
    ];
    assert.deepEqual(problems(stack({ kubernetes: { context: "aks-dev", user_code_deployment_env: bad } })), [
      "Pulumi.dev.yaml: kubernetes.user_code_deployment_env[0]: expected exactly one of value and valueFrom (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef)",
      "Pulumi.dev.yaml: kubernetes.user_code_deployment_env[1]: expected exactly one of value and valueFrom (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef)",
      "Pulumi.dev.yaml: kubernetes.user_code_deployment_env[2].valueFrom: expected exactly one of secretKeyRef, configMapKeyRef, fieldRef and resourceFieldRef, got secretKeyRef and configMapKeyRef",
      "Pulumi.dev.yaml: kubernetes.user_code_deployment_env[3].valueFrom.fieldRef.fieldPath: expected a pod field such as metadata.name, metadata.labels['app'], spec.nodeName or status.podIP, got \"spec.containers\"",
      "Pulumi.dev.yaml: kubernetes.user_code_deployment_env[4].valueFrom.secretKeyRef.key: expected a data key such as password (letters, digits, '-', '_' and '.'), got \"no/slash\"",
      "Pulumi.dev.yaml: kubernetes.user_code_deployment_env[5].valueFrom.secretKeyRefs: unknown key (did you mean \"secretKeyRef\"?)",
    ]);
  });

  it("names the key and the expected type, never the value, for a key set with --secret", () => {
    const layer = stack({ kubernetes: { context: "aks-dev", requests: { cpu: "hunter2" }, node: "no spaces allowed secret" } });
    try {
      resolveSettings(defaults, layer, {}, { secretKeys: new Set(["kubernetes"]) });
      assert.fail("expected the configuration to be rejected");
    } catch (err) {
      assert.ok(err instanceof UserError);
      assert.deepEqual([...err.problems].sort(), [
        "Pulumi.dev.yaml: kubernetes.node: expected a node pool name usable as a label value (at most 63 letters, digits, '-', '_' or '.'); the value is secret (--secret or ${NAME}), so it is not shown",
        "Pulumi.dev.yaml: kubernetes.requests.cpu: expected a Kubernetes quantity such as 150m; the value is secret (--secret or ${NAME}), so it is not shown",
      ]);
    }
  });
});
