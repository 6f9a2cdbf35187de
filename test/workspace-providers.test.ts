// The dynamic providers behind WorkspaceEntry and DagsterVersionCheck, serialized the way Pulumi
// stores them and loaded the way its dynamic-provider host does, against a Kubernetes API served
// by the test on 127.0.0.1. The kube context comes from $KUBECONFIG, as for kubectl.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { dagsterVersionCheckProvider } from "../components/dagsterVersionCheck";
import { workspaceEntryProvider } from "../components/workspaceEntry";
import { asHostLoadsIt } from "./support/dynamic-provider";
import { FakeKubeApi } from "./support/fake-kube-api";


let api: FakeKubeApi;
let dir: string;
const previousKubeconfig = process.env.KUBECONFIG;
before(async () => {
  api = await FakeKubeApi.start();
  dir = mkdtempSync(path.join(tmpdir(), "dcl-kube-"));
  writeFileSync(path.join(dir, "config"), api.kubeconfig("aks-dev"));
  process.env.KUBECONFIG = path.join(dir, "config");
  api.addDeployment("dagster", "dagster-dagster-webserver", "docker.io/dagster/dagster-celery-k8s:1.11.16");
  api.addDeployment("dagster", "dagster-daemon", "docker.io/dagster/dagster-celery-k8s:1.11.16");
});
after(async () => {
  process.env.KUBECONFIG = previousKubeconfig;
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const inputs = (locationName = "example:main", host = "example--main") => ({
  context: "aks-dev",
  namespace: "dagster",
  configMapName: "dagster-workspace-yaml",
  entry: { locationName, host, port: 3030 },
  owner: "dagster-code-locations/dev.main",
  adoptUnowned: false,
  restart: { webserver: "dagster-dagster-webserver", daemon: "dagster-daemon" },
});

function workspace(): { load_from: { grpc_server: { location_name: string; host: string } }[] } {
  const cm = api.configMap("dagster", "dagster-workspace-yaml") as { data: Record<string, string> } | undefined;
  return parse(cm?.data["workspace.yaml"] ?? "load_from: []");
}

describe("workspace entry provider", { timeout: 60_000 }, () => {
  it("registers the entry, creating the ConfigMap, and (with no reload settings) restarts the webserver once, never the daemon", async () => {
    const provider = await asHostLoadsIt(workspaceEntryProvider);
    const patchesBefore = api.patches.length;
    const created = await provider.create(inputs());
    assert.equal(created.id, "dagster/dagster-workspace-yaml/example:main");
    assert.deepEqual(workspace().load_from.map((item) => item.grpc_server.location_name), ["example:main"]);
    // The daemon reads the workspace again on its own (issue 15); only the webserver needs the restart.
    assert.deepEqual([...created.outs.restarted].sort(), ["dagster-dagster-webserver"]);
    assert.equal(api.patches.length, patchesBefore + 1);
  });

  it("reports no change when nothing changed, so an image update restarts nothing else", async () => {
    const provider = await asHostLoadsIt(workspaceEntryProvider);
    const state = { ...inputs(), restarted: [], warnings: [] };
    assert.deepEqual(await provider.diff("id", state, inputs()), { changes: false });
  });

  it("notices an entry someone removed, in a preview's diff and in a refresh's read, and restores it", async () => {
    const provider = await asHostLoadsIt(workspaceEntryProvider);
    api.editConfigMap("dagster", "dagster-workspace-yaml", (cm) => {
      (cm.data as Record<string, string>)["workspace.yaml"] = "load_from: []\n";
    });
    const state = { ...inputs(), restarted: [], warnings: [] };
    assert.deepEqual(await provider.diff("id", state, inputs()), { changes: true });
    const read = await provider.read?.("id", state);
    assert.equal(read?.id, "");
    await provider.update("id", state, inputs());
    assert.deepEqual(workspace().load_from.map((item) => item.grpc_server.location_name), ["example:main"]);
  });

  it("moves the registration when the location name changes, and deletes exactly its own entry", async () => {
    const provider = await asHostLoadsIt(workspaceEntryProvider);
    const other = { ...inputs("example:feature", "example--feature"), owner: "dagster-code-locations/dev.feature" };
    await provider.create(other);
    const diff = await provider.diff("id", { ...inputs(), restarted: [], warnings: [] }, inputs("example:renamed"));
    assert.deepEqual(diff.replaces, ["entry"]);
    await provider.delete?.("id", { ...inputs(), restarted: [], warnings: [] });
    assert.deepEqual(workspace().load_from.map((item) => item.grpc_server.location_name), ["example:feature"]);
  });
});

describe("a no-change preview of the Kubernetes providers", { timeout: 60_000 }, () => {
  it("reads the workspace ConfigMap and the daemon Deployment once each, to see drift, and writes nothing", async () => {
    const entry = await asHostLoadsIt(workspaceEntryProvider);
    const check = await asHostLoadsIt(dagsterVersionCheckProvider);
    const checkInputs = { context: "aks-dev", namespace: "dagster", daemonDeployment: "dagster-daemon", dagsterVersion: "1.11.16" };
    const created = await entry.create(inputs("example:quiet", "example--quiet"));
    const checked = await check.create(checkInputs);
    const before = api.requests.length;
    assert.deepEqual(await entry.diff("id", created.outs, inputs("example:quiet", "example--quiet")), { changes: false });
    assert.deepEqual(await check.diff("id", checked.outs, checkInputs), { changes: false });
    assert.deepEqual(
      api.requests.slice(before).map((r) => `${r.method} ${r.path}`),
      ["GET /api/v1/namespaces/dagster/configmaps/dagster-workspace-yaml", "GET /apis/apps/v1/namespaces/dagster/deployments/dagster-daemon"],
    );
  });
});

describe("Dagster version preflight provider", { timeout: 60_000 }, () => {
  const check = (dagsterVersion: string) => ({ context: "aks-dev", namespace: "dagster", daemonDeployment: "dagster-daemon", dagsterVersion });

  it("passes quietly when the daemon runs the configured version", async () => {
    const provider = await asHostLoadsIt(dagsterVersionCheckProvider);
    const created = await provider.create(check("1.11.16"));
    assert.deepEqual(created.outs.warnings, []);
    assert.deepEqual(await provider.diff("id", created.outs, check("1.11.16")), { changes: false });
  });

  it("refuses, in every preview and update, a version the instance does not run, naming both and the switch", async () => {
    const provider = await asHostLoadsIt(dagsterVersionCheckProvider);
    const state = { ...check("1.11.16"), warnings: [] };
    await assert.rejects(provider.diff("id", state, check("1.12.0")), (err: Error) => {
      assert.match(err.message, /1\.11\.16/);
      assert.match(err.message, /1\.12\.0/);
      assert.match(err.message, /instance\.check_dagster_version: false/);
      return true;
    });
  });

  it("warns, without failing, when the daemon is missing", async () => {
    const provider = await asHostLoadsIt(dagsterVersionCheckProvider);
    const created = await provider.create({ ...check("1.11.16"), daemonDeployment: "no-such-daemon" });
    assert.equal((created.outs.warnings as string[]).length, 1);
  });
});
