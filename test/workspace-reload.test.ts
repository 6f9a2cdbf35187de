import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { isUserError } from "../lib/shared/errors";
import { dagsterWebserver, RELOAD_LOCATION, RELOAD_WORKSPACE, WORKSPACE_QUERY } from "../lib/workspace/dagster-graphql";
import { loadKubeConfig } from "../lib/workspace/kube-config";
import { WorkspaceRegistrar } from "../lib/workspace/registrar";
import { FakeDagsterWebserver } from "./support/fake-dagster-webserver";
import { FakeKubeApi } from "./support/fake-kube-api";

const NS = "dagster";
const CM = "dagster-workspace-yaml";
const WEBSERVER = "dagster-dagster-webserver";
const T = { timeout: 20_000 };

let kube: FakeKubeApi;
let web: FakeDagsterWebserver;

beforeEach(async () => {
  kube = await FakeKubeApi.start();
  kube.addDeployment(NS, WEBSERVER, "dagster/dagster-k8s:1.11.16");
  kube.addDeployment(NS, "dagster-daemon", "dagster/dagster-k8s:1.11.16");
  web = new FakeDagsterWebserver(kube, { namespace: NS, configMap: CM });
});
afterEach(async () => {
  await kube.close();
});

function kubeConfig() {
  return loadKubeConfig("aks", { yaml: kube.kubeconfig("aks") });
}

function registrar(): WorkspaceRegistrar {
  return new WorkspaceRegistrar(kubeConfig(), { retry: { baseDelayMs: 2, maxDelayMs: 20 }, poll: { intervalMs: 40 } });
}

const entry = (name: string) => ({ locationName: `proj:${name}`, host: `proj--${name}`, port: 3030 });
const register = (name: string, reload: { timeoutSeconds?: number; uiUrl?: string } = {}) =>
  registrar().register({ namespace: NS, entry: entry(name), owner: `proj/${name}`, reload: { timeoutSeconds: 5, ...reload } });
const unregister = (name: string) =>
  registrar().unregister({ namespace: NS, locationName: `proj:${name}`, owner: `proj/${name}`, reload: { timeoutSeconds: 5 } });

function assertSchemaValid() {
  assert.deepEqual(web.operations.filter((o) => o.errors.length > 0), []);
}

describe("reload through the webserver's GraphQL API", T, () => {
  it("after register: reloads the workspace, restarts nothing, and reports what the location holds", async () => {
    web.codeServers.set("proj--main", { repositories: [{ name: "__repository__", jobs: ["__ASSET_JOB", "daily", "hourly"], assets: 4 }] });
    const result = await register("main");
    assert.deepEqual(result, { changed: true, restarted: [], reloaded: true, definitions: { repositories: 1, jobs: 2, assets: 4 }, warnings: [] });
    assert.deepEqual(web.listed(), ["proj:main"]);
    assert.deepEqual(kube.patches, []);
    assert.deepEqual(web.operations.map((o) => o.operation), ["reloadWorkspace"]);
    // Through the API server's service proxy, with the kube context's own token.
    assert.ok(kube.requests.some((r) => r.method === "POST" && r.path === `/api/v1/namespaces/${NS}/services/${WEBSERVER}:80/proxy/graphql`));
    assert.deepEqual([...new Set(kube.proxyAuthorization)], ["Bearer fake-token"]);
    assertSchemaValid();
  });

  it("waits out the kubelet's sync of the mounted ConfigMap, reloading until the location is listed", async () => {
    web.syncDelayMs = 300;
    const result = await register("main");
    assert.equal(result.reloaded, true);
    assert.deepEqual(web.listed(), ["proj:main"]);
    assert.ok(web.reloads() >= 3, `expected several reloads, got ${web.reloads()}`);
    assertSchemaValid();
  });

  it("gives up after reload_timeout_seconds with what to do, when the pod never sees the change", async () => {
    web.syncDelayMs = 60_000;
    const started = Date.now();
    await assert.rejects(register("main", { timeoutSeconds: 0.3 }), (err: unknown) =>
      isUserError(err) && /does not list code location "proj:main" after 0.3 s of reloads.*kubelet.*subPath.*instance\.reload_timeout_seconds/.test(err.message));
    assert.ok(Date.now() - started < 3_000);
    assert.deepEqual(kube.patches, []);
  });

  it("a second run with the same entry reloads only this location, leaving the other code servers alone", async () => {
    await register("main");
    await register("dev");
    web.operations.length = 0;
    const again = await register("main");
    assert.equal(again.changed, false);
    assert.equal(again.reloaded, true);
    assert.deepEqual(web.operations.map((o) => o.operation), ["reloadRepositoryLocation"]);
  });

  it("after unregister (destroy): reloads until the location is gone from the webserver's list", async () => {
    await register("main");
    await register("dev");
    web.syncDelayMs = 200;
    const result = await unregister("main");
    assert.deepEqual(result, { changed: true, restarted: [], reloaded: true, warnings: [] });
    assert.deepEqual(web.listed(), ["proj:dev"]);
    assertSchemaValid();
  });

  it("fails the update with the location's own Python error, naming it and its UI page", async () => {
    web.codeServers.set("proj--main", {
      error: {
        className: "DagsterUserCodeLoadError",
        message: "dagster._core.errors.DagsterUserCodeLoadError: Error occurred during the loading of Dagster definitions in\nexecutable_path=/usr/local/bin/python, module_name=example.definitions\n",
        stack: ['  File "/usr/local/lib/python3.12/site-packages/dagster/_grpc/server.py", line 420, in __init__\n    self._loaded_repositories = LoadedRepositories(\n'],
        cause: {
          message: "ModuleNotFoundError: No module named 'pandas'\n",
          stack: [
            '  File "/usr/local/lib/python3.12/importlib/__init__.py", line 90, in import_module\n    return _bootstrap._gcd_import(name[level:], package, level)\n',
            '  File "/opt/dagster/app/example/definitions.py", line 3, in <module>\n    import pandas as pd\n',
          ],
        },
      },
    });
    const url = "https://dagster.example.com/locations/proj:main";
    await assert.rejects(register("main", { uiUrl: url }), (err: unknown) => {
      assert.ok(isUserError(err));
      assert.match(err.message, /^code location "proj:main" failed to load in Dagster \(https:\/\/dagster\.example\.com\/locations\/proj:main\):/);
      assert.match(err.message, /DagsterUserCodeLoadError: Error occurred during the loading/);
      assert.match(err.message, /caused by:\n {2}ModuleNotFoundError: No module named 'pandas'/);
      assert.match(err.message, /definitions\.py", line 3, in <module>\n {6}import pandas as pd/);
      return true;
    });
    // Left registered: the UI shows the same error, and the next run after a fix loads it.
    assert.deepEqual(web.listed(), ["proj:main"]);
    assertSchemaValid();
  });

  it("falls back to restarting the webserver, with a warning saying why, when it cannot be reached", async () => {
    web.down = [503, { kind: "Status", apiVersion: "v1", status: "Failure", message: 'no endpoints available for service "dagster-dagster-webserver"', reason: "ServiceUnavailable", code: 503 }];
    const result = await register("main");
    assert.deepEqual(result.restarted, [WEBSERVER]);
    assert.equal(result.reloaded, false);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /cannot reload through the Dagster webserver's GraphQL API \(service dagster\/dagster-dagster-webserver:80\): .*HTTP 503: no endpoints available.*restarted Deployment dagster\/dagster-dagster-webserver instead/);
    assert.deepEqual(kube.patches.map((p) => p.name), [WEBSERVER]);
  });

  it("falls back the same way when the Service does not exist (another name: instance.webserver_service)", async () => {
    const result = await registrar().register({ namespace: NS, entry: entry("main"), owner: "proj/main", reload: { service: "dagster-webserver", port: 3000 } });
    assert.deepEqual(result.restarted, [WEBSERVER]);
    assert.match(result.warnings[0]!, /dagster\/dagster-webserver:3000\): .*HTTP 404: services "dagster-webserver" not found/);
  });

  it("restarts instead of reloading with mode restart, and never restarts the daemon", async () => {
    const result = await registrar().register({ namespace: NS, entry: entry("main"), owner: "proj/main", reload: { mode: "restart" } });
    assert.deepEqual(result, { changed: true, restarted: [WEBSERVER], reloaded: false, warnings: [] });
    assert.deepEqual(web.operations, []);
  });
});

describe("the stand-in webserver", T, () => {
  it("accepts our operations and rejects a field Dagster does not have, as Dagster does", async () => {
    const client = dagsterWebserver(kubeConfig(), { namespace: NS, service: WEBSERVER, port: 80 }, 5_000);
    await client.workspace();
    await client.reloadWorkspace();
    assert.equal(await client.reloadLocation("nope"), undefined);
    assertSchemaValid();
    assert.ok([WORKSPACE_QUERY, RELOAD_WORKSPACE, RELOAD_LOCATION].every((q) => q.includes("locationOrLoadError")));
    const res = await fetch(`${kube.url}/api/v1/namespaces/${NS}/services/${WEBSERVER}:80/proxy/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ workspaceOrError { ... on Workspace { locationEntries { name loadError } } } }" }),
    });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(await res.json()), /Cannot query field \\"loadError\\" on type \\"WorkspaceLocationEntry\\"/);
  });
});
