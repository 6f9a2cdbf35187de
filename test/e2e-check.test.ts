// e2e/check-location.mjs, which the end-to-end workflow runs against a real webserver, run here
// against the stand-in webserver that validates every request against Dagster's GraphQL schema.
import assert from "node:assert/strict";
import * as path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { FakeDagsterWebserver } from "./support/fake-dagster-webserver";
import { FakeKubeApi } from "./support/fake-kube-api";
import { REPO_ROOT } from "./support/repo";

interface Seen {
  state: string;
  repositories?: string[];
  message?: string;
}
interface CheckLocation {
  lookOnce(url: string, location: string): Promise<Seen>;
  waitFor(options: { url: string; location: string; expect: string; timeoutSeconds: number; pollMs?: number }): Promise<{ ok: boolean; seen: Seen }>;
}

const NS = "dagster";
const CM = "dagster-workspace-yaml";
const WORKSPACE = "load_from:\n  - grpc_server:\n      host: example--e2e-check\n      port: 3030\n      location_name: example:e2e-check\n";

let kube: FakeKubeApi;
let web: FakeDagsterWebserver;
let check: CheckLocation;
let url: string;

beforeEach(async () => {
  check = (await import(pathToFileURL(path.join(REPO_ROOT, "e2e/check-location.mjs")).href)) as CheckLocation;
  kube = await FakeKubeApi.start();
  kube.putConfigMap(NS, { metadata: { name: CM }, data: { "workspace.yaml": WORKSPACE } });
  web = new FakeDagsterWebserver(kube, { namespace: NS, configMap: CM });
  // The workflow port-forwards the webserver; the service proxy reaches the same GraphQL endpoint.
  url = `${kube.url}/api/v1/namespaces/${NS}/services/dagster-dagster-webserver:80/proxy/graphql`;
});
/** What the webserver does when our program registers a change: a reload, read from the mounted workspace. */
async function reload(): Promise<void> {
  await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "mutation { reloadWorkspace { __typename } }" }) });
}

afterEach(async () => {
  await kube.close();
});

describe("e2e/check-location.mjs against the stand-in webserver", () => {
  it("sees a loaded location with its repositories, and an absent one, with a query Dagster's schema accepts", async () => {
    web.codeServers.set("example--e2e-check", { repositories: [{ name: "__repository__", jobs: ["daily"], assets: 2 }] });
    await reload();
    const loaded = await check.lookOnce(url, "example:e2e-check");
    assert.equal(loaded.state, "loaded");
    assert.deepEqual(loaded.repositories, ["__repository__"]);
    assert.equal((await check.lookOnce(url, "example:other")).state, "absent");
    assert.deepEqual(web.operations.filter((o) => o.errors.length > 0), [], "every request valid against the schema");
    assert.ok(web.operations.length >= 2);
  });

  it("reports the location's own load error at once, without waiting out the time", async () => {
    web.codeServers.set("example--e2e-check", { error: { className: "ModuleNotFoundError", message: "No module named 'pandas'", stack: ["  File \"repo.py\", line 1"] } });
    await reload();
    const started = Date.now();
    const result = await check.waitFor({ url, location: "example:e2e-check", expect: "loaded", timeoutSeconds: 30, pollMs: 10 });
    assert.equal(result.ok, false);
    assert.equal(result.seen.state, "error");
    assert.match(result.seen.message ?? "", /No module named 'pandas'/);
    assert.ok(Date.now() - started < 5_000);
  });

  it("expect absent: true once the location is gone from the workspace the webserver reloaded", async () => {
    kube.editConfigMap(NS, CM, (cm) => {
      (cm as { data: Record<string, string> }).data["workspace.yaml"] = "load_from: []\n";
    });
    // The stand-in re-reads the workspace only on a reload, as the webserver does.
    await reload();
    const result = await check.waitFor({ url, location: "example:e2e-check", expect: "absent", timeoutSeconds: 5, pollMs: 10 });
    assert.equal(result.ok, true, JSON.stringify(result.seen));
  });
});
