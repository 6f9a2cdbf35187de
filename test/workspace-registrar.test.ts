import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import YAML from "yaml";
import { isUserError } from "../lib/shared/errors";
import { OWNERS_ANNOTATION, entryMatches } from "../lib/workspace/document";
import { loadKubeConfig } from "../lib/workspace/kube-config";
import { WorkspaceRegistrar, type RegistrarOptions } from "../lib/workspace/registrar";
import { imageTag, leadingVersion } from "../lib/workspace/dagsterVersion";
import { FakeKubeApi } from "./support/fake-kube-api";

const NS = "dagster";
const CM = "dagster-workspace-yaml";
const WEBSERVER = "dagster-dagster-webserver";
const DAEMON = "dagster-daemon";
const NOW = new Date("2026-03-04T05:06:07.890Z");
const T = { timeout: 10_000 };

const chartWorkspace = `load_from:
  - grpc_server:
      host: alpha
      port: 3030
      location_name: alpha
`;

let fake: FakeKubeApi;

beforeEach(async () => {
  fake = await FakeKubeApi.start();
});
afterEach(async () => {
  await fake.close();
});

/**
 * These tests are about the ConfigMap and about `instance.reload: restart`, so requests restart the
 * webserver unless they say otherwise (reload over GraphQL: test/workspace-reload.test.ts).
 */
function registrar(options: RegistrarOptions = {}): WorkspaceRegistrar {
  const kc = loadKubeConfig("aks-test", { yaml: fake.kubeconfig("aks-test") });
  const real = new WorkspaceRegistrar(kc, { now: () => NOW, retry: { baseDelayMs: 2, maxDelayMs: 20 }, ...options });
  const restart = { mode: "restart" as const };
  return Object.assign(Object.create(real) as WorkspaceRegistrar, {
    register: (request: Parameters<WorkspaceRegistrar["register"]>[0]) => real.register({ reload: restart, ...request }),
    unregister: (request: Parameters<WorkspaceRegistrar["unregister"]>[0]) => real.unregister({ reload: restart, ...request }),
  });
}

function entry(name: string, port = 3030) {
  return { locationName: `proj:${name}`, host: `proj--${name}`, port };
}

function register(name: string, extra: { owner?: string; port?: number; adoptUnowned?: boolean } = {}) {
  return registrar().register({
    namespace: NS,
    entry: entry(name, extra.port),
    owner: extra.owner ?? `proj/${name}`,
    adoptUnowned: extra.adoptUnowned,
  });
}

function seed(workspace: string, annotations: Record<string, string> = {}) {
  fake.putConfigMap(NS, {
    metadata: { name: CM, labels: { app: "dagster", release: "dagster" }, annotations: { "meta.helm.sh/release-name": "dagster", ...annotations } },
    data: { "workspace.yaml": workspace, "other.yaml": "untouched: true\n" },
  });
}

function instance() {
  fake.addDeployment(NS, WEBSERVER, "docker.io/dagster/dagster-celery-k8s:1.11.16");
  fake.addDeployment(NS, DAEMON, "docker.io/dagster/dagster-celery-k8s:1.11.16");
}

function storedWorkspace(): { load_from: Array<{ grpc_server: { location_name: string; host: string; port: number } }> } {
  const data = fake.configMap(NS, CM)?.data as Record<string, string>;
  return YAML.parse(data["workspace.yaml"] as string, { version: "1.1" });
}

function storedNames(): string[] {
  return storedWorkspace().load_from.map((i) => i.grpc_server.location_name);
}

function storedOwners(): Record<string, string> {
  const annotations = (fake.configMap(NS, CM)?.metadata as { annotations?: Record<string, string> }).annotations ?? {};
  return JSON.parse(annotations[OWNERS_ANNOTATION] ?? "{}");
}

function configMapWrites() {
  return fake.requests.filter((r) => r.path.includes("/configmaps") && (r.method === "PUT" || r.method === "POST"));
}

function userError(pattern: RegExp) {
  return (err: unknown) => isUserError(err) && pattern.test(err.message);
}

describe("register", T, () => {
  it("creates the ConfigMap when missing and restarts the webserver (not the daemon) as kubectl does", async () => {
    instance();
    const result = await register("main");
    assert.deepEqual(result, { changed: true, restarted: [WEBSERVER], reloaded: false, warnings: [] });
    assert.deepEqual(storedWorkspace().load_from, [{ grpc_server: { host: "proj--main", port: 3030, location_name: "proj:main" } }]);
    assert.deepEqual(storedOwners(), { "proj:main": "proj/main" });
    assert.deepEqual(
      fake.patches.map((p) => [p.name, p.contentType]),
      [[WEBSERVER, "application/strategic-merge-patch+json"]],
    );
    assert.deepEqual(fake.patches[0]?.body, {
      spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-03-04T05:06:07Z" } } } },
    });
  });

  it("writes nothing and restarts nothing when the entry is already there", async () => {
    instance();
    await register("main");
    const writes = configMapWrites().length;
    const result = await register("main");
    assert.deepEqual(result, { changed: false, restarted: [], reloaded: false, warnings: [] });
    assert.equal(configMapWrites().length, writes);
    assert.equal(fake.patches.length, 1);
  });

  it("restarts again only when host, port or name change", async () => {
    instance();
    await register("main");
    await register("main");
    assert.equal(fake.patches.length, 1);
    const moved = await register("main", { port: 4000 });
    assert.equal(moved.changed, true);
    assert.equal(fake.patches.length, 2);
    assert.equal(storedWorkspace().load_from[0]?.grpc_server.port, 4000);
  });

  it("keeps other entries, keys, labels and annotations", async () => {
    seed(chartWorkspace);
    instance();
    await register("main");
    const stored = fake.configMap(NS, CM) as { data: Record<string, string>; metadata: { labels: object; annotations: Record<string, string> } };
    assert.deepEqual(storedNames(), ["alpha", "proj:main"]);
    assert.equal(stored.data["other.yaml"], "untouched: true\n");
    assert.deepEqual(stored.metadata.labels, { app: "dagster", release: "dagster" });
    assert.equal(stored.metadata.annotations["meta.helm.sh/release-name"], "dagster");
  });

  it("8 concurrent registrations of different locations all land", async () => {
    instance();
    // Hold the first 8 reads until all 8 arrived, so every writer starts from the same (missing)
    // ConfigMap: 7 creates must fail with AlreadyExists and retry on top of each other.
    let waiting: Array<() => void> = [];
    let held = 0;
    fake.beforeHandle = async ({ method, resource }) => {
      if (resource !== "configmaps" || method !== "GET" || held >= 8) return;
      held++;
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 8) for (const release of waiting) release();
      });
    };
    const names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const results = await Promise.all(names.map((n) => register(n)));
    waiting = [];
    assert.ok(results.every((r) => r.changed));
    assert.deepEqual(storedNames(), names.map((n) => `proj:${n}`));
    assert.deepEqual(Object.keys(storedOwners()), names.map((n) => `proj:${n}`));
    const conflicts = configMapWrites().filter((r) => r.status === 409);
    assert.ok(conflicts.length >= 7, `expected at least 7 conflicts, saw ${conflicts.length}`);
  });

  it("retries after a write that slipped in between its read and its replace", async () => {
    seed(chartWorkspace);
    instance();
    let injected = false;
    fake.beforeHandle = ({ method, resource }) => {
      if (resource !== "configmaps" || method !== "PUT" || injected) return;
      injected = true;
      fake.editConfigMap(NS, CM, (cm) => {
        (cm.data as Record<string, string>)["workspace.yaml"] += "  - grpc_server: {host: intruder, port: 3030, location_name: intruder}\n";
      });
    };
    const result = await register("main");
    assert.equal(result.changed, true);
    assert.deepEqual(storedNames(), ["alpha", "intruder", "proj:main"]);
    assert.deepEqual(configMapWrites().map((r) => r.status), [409, 200]);
    assert.ok(configMapWrites().every((r) => (r.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion));
  });

  it("gives up with a clear error when conflicts never stop", async () => {
    seed(chartWorkspace);
    fake.beforeHandle = ({ method, resource }) => {
      if (resource === "configmaps" && method === "PUT") fake.editConfigMap(NS, CM, () => {});
    };
    await assert.rejects(
      registrar({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }).register({ namespace: NS, entry: entry("main"), owner: "proj/main" }),
      userError(/ConfigMap dagster\/dagster-workspace-yaml kept changing.*after 3 attempts/),
    );
    assert.equal(configMapWrites().length, 3);
  });

  it("refuses a location registered by another stack, naming it", async () => {
    seed(chartWorkspace, { [OWNERS_ANNOTATION]: JSON.stringify({ "proj:main": "proj/prod" }) });
    await assert.rejects(register("main", { owner: "proj/dev" }), userError(/"proj:main" is registered by stack proj\/prod, not proj\/dev/));
    assert.equal(configMapWrites().length, 0);
  });

  it("refuses an unowned entry unless adoptUnowned, then records the owner without a restart", async () => {
    seed(chartWorkspace);
    instance();
    const alpha = { namespace: NS, entry: { locationName: "alpha", host: "alpha", port: 3030 }, owner: "team/alpha" };
    await assert.rejects(registrar().register(alpha), userError(/"alpha" already exists but no stack owns it.*instance\.adopt_unowned_entry: true/));
    assert.equal(configMapWrites().length, 0);
    const adopted = await registrar().register({ ...alpha, adoptUnowned: true });
    assert.deepEqual(adopted, { changed: false, restarted: [], reloaded: false, warnings: [] });
    assert.deepEqual(storedOwners(), { alpha: "team/alpha" });
    assert.equal(fake.patches.length, 0);
  });

  it("reports a malformed workspace.yaml and does not overwrite it", async () => {
    for (const bad of ["load_from: [oops\n", "load_from: {a: 1}\n", "load_from:\n  - grpc_server: {host: a, port: x}\n"]) {
      seed(bad);
      await assert.rejects(register("main"), userError(/^ConfigMap dagster\/dagster-workspace-yaml: workspace\.yaml .*fix or remove it by hand$/));
      await assert.rejects(registrar().readEntry({ namespace: NS, locationName: "proj:main" }), userError(/ConfigMap dagster\/dagster-workspace-yaml/));
      assert.equal((fake.configMap(NS, CM)?.data as Record<string, string>)["workspace.yaml"], bad);
    }
    assert.equal(configMapWrites().length, 0);
  });

  it("warns when the webserver Deployment is missing", async () => {
    fake.addDeployment(NS, DAEMON, "dagster:1.11.16");
    const result = await register("main");
    assert.deepEqual(result.restarted, []);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? "", /Deployment dagster\/dagster-dagster-webserver not found/);
  });

  it("turns a failed restart into an error that gives the kubectl command", async () => {
    instance();
    fake.beforeHandle = ({ method, name }) => {
      if (method === "PATCH" && name === WEBSERVER) throw new Error("boom");
    };
    await assert.rejects(register("main"), userError(/workspace changed but Deployment dagster\/dagster-dagster-webserver could not be restarted.*kubectl -n dagster rollout restart deployment\/dagster-dagster-webserver/));
    assert.deepEqual(storedNames(), ["proj:main"]);
  });
});

describe("unregister", T, () => {
  it("removes exactly its own entry and owner record, then restarts", async () => {
    seed(chartWorkspace);
    instance();
    await register("main");
    await register("dev");
    const patchesBefore = fake.patches.length;
    const result = await registrar().unregister({ namespace: NS, locationName: "proj:main", owner: "proj/main" });
    assert.deepEqual(result, { changed: true, restarted: [WEBSERVER], reloaded: false, warnings: [] });
    assert.deepEqual(storedNames(), ["alpha", "proj:dev"]);
    assert.deepEqual(storedOwners(), { "proj:dev": "proj/dev" });
    assert.equal(fake.patches.length, patchesBefore + 1);
  });

  it("is fine when the entry or the whole ConfigMap is already gone", async () => {
    instance();
    const none = await registrar().unregister({ namespace: NS, locationName: "proj:main", owner: "proj/main" });
    assert.deepEqual(none, { changed: false, restarted: [], reloaded: false, warnings: [] });
    await register("main");
    await registrar().unregister({ namespace: NS, locationName: "proj:main", owner: "proj/main" });
    const again = await registrar().unregister({ namespace: NS, locationName: "proj:main", owner: "proj/main" });
    assert.deepEqual(again, { changed: false, restarted: [], reloaded: false, warnings: [] });
  });

  it("never touches an entry of another stack or an unowned one", async () => {
    seed(chartWorkspace, { [OWNERS_ANNOTATION]: JSON.stringify({ "proj:main": "proj/prod" }) });
    const other = await registrar().unregister({ namespace: NS, locationName: "proj:main", owner: "proj/dev" });
    assert.equal(other.changed, false);
    assert.match(other.warnings[0] ?? "", /belongs to stack proj\/prod/);
    const unowned = await registrar().unregister({ namespace: NS, locationName: "alpha", owner: "proj/dev" });
    assert.match(unowned.warnings[0] ?? "", /"alpha" is not owned by any stack/);
    assert.equal(configMapWrites().length, 0);
  });
});

describe("readEntry and drift", T, () => {
  const read = () => registrar().readEntry({ namespace: NS, locationName: "proj:main" });

  it("reports a missing ConfigMap", async () => {
    assert.deepEqual(await read(), { configMapExists: false, entry: undefined, owner: undefined });
  });

  it("notices an entry removed by a helm upgrade, and register restores it", async () => {
    instance();
    await register("main");
    const state = await read();
    assert.ok(entryMatches(state.entry, entry("main")));
    assert.equal(state.owner, "proj/main");

    // helm upgrade of the instance rewrites data; Helm's three-way merge keeps our annotation.
    fake.editConfigMap(NS, CM, (cm) => {
      cm.data = { "workspace.yaml": chartWorkspace };
    });
    const drifted = await read();
    assert.equal(drifted.entry, undefined);
    assert.equal(drifted.owner, "proj/main");

    const restored = await register("main");
    assert.equal(restored.changed, true);
    assert.deepEqual(storedNames(), ["alpha", "proj:main"]);
    assert.ok(entryMatches((await read()).entry, entry("main")));
  });

  it("notices an entry changed by hand, and register restores it", async () => {
    instance();
    await register("main");
    fake.editConfigMap(NS, CM, (cm) => {
      const data = cm.data as Record<string, string>;
      data["workspace.yaml"] = (data["workspace.yaml"] as string).replace("port: 3030", "port: 9999");
    });
    const drifted = await read();
    assert.equal(drifted.entry?.port, 9999);
    assert.equal(entryMatches(drifted.entry, entry("main")), false);
    assert.equal((await register("main")).changed, true);
    assert.equal(storedWorkspace().load_from[0]?.grpc_server.port, 3030);
  });
});

describe("checkDagsterVersion", T, () => {
  const check = (dagsterVersion: string) => registrar().checkDagsterVersion({ namespace: NS, dagsterVersion });

  it("passes when the daemon runs the configured version", async () => {
    fake.addDeployment(NS, DAEMON, "registry.local:5000/dagster/dagster-celery-k8s:1.11.16-py3.11@sha256:abc");
    assert.deepEqual(await check("1.11.16"), { warnings: [] });
    assert.deepEqual(await check("v1.11.16"), { warnings: [] });
  });

  it("refuses a mismatch, naming both versions and the switch to skip", async () => {
    fake.addDeployment(NS, DAEMON, "docker.io/dagster/dagster-celery-k8s:1.11.15");
    await assert.rejects(
      check("1.11.16"),
      userError(/runs Dagster 1\.11\.15 .*dagster_version is 1\.11\.16.*instance\.check_dagster_version: false/),
    );
  });

  it("warns on an unknown tag or a missing daemon", async () => {
    const missing = await check("1.11.16");
    assert.match(missing.warnings[0] ?? "", /Deployment dagster\/dagster-daemon not found/);
    fake.addDeployment(NS, DAEMON, "docker.io/dagster/dagster-celery-k8s:latest");
    const latest = await check("1.11.16");
    assert.match(latest.warnings[0] ?? "", /tag names no Dagster version/);
  });

  it("picks the daemon container among several", async () => {
    fake.addDeployment(NS, "custom-daemon", [
      { name: "log-shipper", image: "fluent-bit:2.0.0" },
      { name: "dagster-daemon", image: "dagster-celery-k8s:1.11.16" },
    ]);
    const custom = await registrar().checkDagsterVersion({ namespace: NS, daemonDeployment: "custom-daemon", dagsterVersion: "1.11.16" });
    assert.deepEqual(custom, { warnings: [] });
  });

  it("parses image tags and leading versions", () => {
    assert.equal(imageTag("dagster:1.11.16"), "1.11.16");
    assert.equal(imageTag("host:5000/dagster"), undefined);
    assert.equal(imageTag("repo@sha256:abc"), undefined);
    assert.equal(imageTag("host:5000/a/b:v1.2.3@sha256:abc"), "v1.2.3");
    assert.equal(leadingVersion("1.11.16-py3.11"), "1.11.16");
    assert.equal(leadingVersion("v1.11.16"), "1.11.16");
    assert.equal(leadingVersion("1.11.160"), "1.11.160");
    assert.equal(leadingVersion("latest"), undefined);
    assert.equal(leadingVersion("1.11"), undefined);
  });
});

describe("kube access", T, () => {
  it("names the known contexts when the configured one is missing", () => {
    assert.throws(() => loadKubeConfig("aks-prod", { yaml: fake.kubeconfig("aks-test") }), userError(/"aks-prod" is not in .*known: aks-test/));
  });

  it("turns an unreachable API server into a one-line UserError", async () => {
    const kc = loadKubeConfig("aks-test", { yaml: fake.kubeconfig("aks-test") });
    await fake.close();
    await assert.rejects(
      new WorkspaceRegistrar(kc).readEntry({ namespace: NS, locationName: "x" }),
      (err: unknown) => userError(/^Kubernetes API: get configmap dagster\/dagster-workspace-yaml failed: /)(err) && !(err as Error).message.includes("\n"),
    );
    fake = await FakeKubeApi.start(); // afterEach closes it
  });
});
