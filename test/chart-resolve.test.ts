// Chart resolution: a Helm repository served here on 127.0.0.1, and OCI charts in the real loopback
// registry (Debian's docker-registry) with htpasswd auth; versions, cache, digests, schema stripping.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { sha256Digest } from "../lib/shared/fileDigest";
import { chartSource } from "../lib/chart/source";
import { parseRegistryAddress } from "../lib/config/registryAddress";
import { resolveChart } from "../lib/chart/resolve";
import { RegistryClient } from "../lib/registry/client";
import type { Settings } from "../lib/config/schema";
import { chartYaml, packChart, pushChart, startHelmRepository, testChartFiles } from "./support/charts";
import { registrySkipReason, startRegistry, type LocalRegistry } from "./support/docker-registry";
import { expectUserError } from "./support/expect-user-error";
import { registryError, startFakeServer, type FakeServer } from "./support/fake-server";

const scratch: string[] = [];
after(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function cacheRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "dcl-chart-cache-"));
  scratch.push(dir);
  return dir;
}

/** Every file below `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => statSync(path.join(dir, file)).isFile())
    .map((file) => file.split(path.sep).join("/"))
    .sort();
}

/** The settings chartSource reads, for a Helm repository or an OCI path. */
function source(options: { version?: string; skip?: boolean; ociPath?: string; registry?: string; repo?: string }) {
  const settings = {
    use_latest_chart_version: options.version === undefined,
    dagster_version: options.version ?? "0.0.0",
    helm: { skip_schema_validation: options.skip ?? false },
    docker: { container_registry: options.registry ?? "unused.example", container_registry_chart_path: options.ociPath },
  } as unknown as Settings;
  const configured = chartSource(settings, parseRegistryAddress(settings.docker.container_registry));
  // The tests' own Helm repository stands in for Dagster's.
  return options.repo ? { ...configured, name: "demo", chart: "demo", repo: options.repo } : configured;
}

/** A chart with a schema of its own, a subchart directory and a packed subchart, each with a schema too. */
function chartWithSubcharts(version: string): Buffer {
  const sub = (name: string) => ({ [`charts/${name}/Chart.yaml`]: chartYaml(name, "1.0.0"), [`charts/${name}/values.schema.json`]: "{}" });
  const packed = packChart("packed", { "Chart.yaml": chartYaml("packed", "2.0.0"), "values.schema.json": "{}", "values.yaml": "a: 1\n" });
  return packChart("demo", { ...testChartFiles("demo", version), ...sub("unpacked"), "charts/packed-2.0.0.tgz": packed });
}

describe("a Helm repository on 127.0.0.1", () => {
  let repo: FakeServer;
  const charts = ["1.11.15", "1.11.16", "1.12.0-rc.1"].map((version) => ({ name: "demo", version, tgz: chartWithSubcharts(version) }));
  before(async () => {
    repo = await startHelmRepository([...charts, { name: "demo", version: "0.9.0", tgz: charts[0]!.tgz, digest: `sha256:${"0".repeat(64)}` }]);
  });
  after(() => repo.close());
  const downloads = () => repo.requests.filter((r) => r.url.endsWith(".tgz")).length;

  it("takes the highest stable version for latest, and exactly dagster_version otherwise", async () => {
    const root = cacheRoot();
    const latest = await resolveChart(source({ repo: repo.origin }), { cacheRoot: root });
    assert.equal(latest.version, "1.11.16");
    assert.equal(latest.digest, sha256Digest(charts[1]!.tgz));
    const pinned = await resolveChart(source({ repo: repo.origin, version: "1.11.15" }), { cacheRoot: root });
    assert.equal(pinned.version, "1.11.15");
    assert.match(readFileSync(path.join(pinned.dir, "Chart.yaml"), "utf8"), /version: 1\.11\.15/);
  });

  it("downloads a version once, then reuses the cache", async () => {
    const root = cacheRoot();
    const before = downloads();
    const first = await resolveChart(source({ repo: repo.origin, version: "1.11.16" }), { cacheRoot: root });
    const second = await resolveChart(source({ repo: repo.origin, version: "1.11.16" }), { cacheRoot: root });
    assert.deepEqual([first.reused, second.reused], [false, true]);
    assert.equal(second.dir, first.dir);
    assert.equal(downloads() - before, 1);
  });

  it("sends no request for a pinned version the cache holds (a no-change preview), index.yaml only for latest", async () => {
    const root = cacheRoot();
    const count = async (version: string | undefined) => {
      const before = repo.requests.length;
      await resolveChart(source({ repo: repo.origin, version }), { cacheRoot: root });
      return repo.requests.slice(before).map((r) => r.url.replace(/.*\//, ""));
    };
    // First run: index.yaml and the archive; every later run of that pinned version: nothing.
    assert.deepEqual(await count("1.11.16"), ["index.yaml", "demo-1.11.16.tgz"]);
    assert.deepEqual(await count("1.11.16"), []);
    assert.deepEqual(await count("1.11.16"), []);
    // latest must ask which version is the highest now: the index, never the archive again.
    assert.deepEqual(await count(undefined), ["index.yaml"]);
    assert.deepEqual(await count(undefined), ["index.yaml"]);
  });

  it("asks the repository again when the pinned version's archive is gone from the cache", async () => {
    const root = cacheRoot();
    const first = await resolveChart(source({ repo: repo.origin, version: "1.11.15" }), { cacheRoot: root });
    rmSync(path.dirname(path.dirname(first.dir)), { recursive: true, force: true });
    const before = repo.requests.length;
    const again = await resolveChart(source({ repo: repo.origin, version: "1.11.15" }), { cacheRoot: root });
    assert.equal(again.reused, false);
    assert.deepEqual(repo.requests.slice(before).map((r) => r.url.replace(/.*\//, "")), ["index.yaml", "demo-1.11.15.tgz"]);
  });

  it("keeps every schema with the switch off, and deploys a copy without any with it on", async () => {
    const root = cacheRoot();
    const kept = await resolveChart(source({ repo: repo.origin, version: "1.11.16" }), { cacheRoot: root });
    assert.equal(kept.schemalessDir, undefined);
    assert.ok(filesUnder(kept.dir).includes("values.schema.json"));

    const stripped = await resolveChart(source({ repo: repo.origin, version: "1.11.16", skip: true }), { cacheRoot: root });
    const files = filesUnder(stripped.schemalessDir!);
    assert.deepEqual(files.filter((f) => f.endsWith("values.schema.json")), []);
    // The packed subchart is unpacked so its schema could go; everything else is still there.
    assert.deepEqual(files, ["Chart.yaml", "charts/packed-2.0.0/Chart.yaml", "charts/packed-2.0.0/values.yaml", "charts/unpacked/Chart.yaml", "templates/configmap.yaml", "values.yaml"]);
    // The pristine copy stays as published, for validation.
    assert.ok(existsSync(path.join(stripped.dir, "values.schema.json")));
  });

  it("refuses an archive whose digest is not the one index.yaml lists, and caches nothing", async () => {
    const root = cacheRoot();
    await expectUserError(resolveChart(source({ repo: repo.origin, version: "0.9.0" }), { cacheRoot: root }), [
      `chart demo from ${repo.origin} 0.9.0: the downloaded archive has digest sha256:`,
      `but the source lists sha256:${"0".repeat(64)}`,
    ]);
    assert.deepEqual(filesUnder(root), []);
  });

  it("names the versions it has when the one asked for is missing", async () => {
    await expectUserError(resolveChart(source({ repo: repo.origin, version: "1.10.0" }), { cacheRoot: cacheRoot() }), [
      `chart demo from ${repo.origin}: no version 1.10.0 (it has 1.12.0-rc.1, 1.11.16, 1.11.15, 0.9.0)`,
    ]);
  });

  it("says which repository could not be reached", async () => {
    const closed = await startHelmRepository([]);
    await closed.close();
    await expectUserError(
      resolveChart(source({ repo: closed.origin }), { cacheRoot: cacheRoot(), http: { policy: { timeoutMs: 2000, retries: 1, backoffMs: 10, maxBackoffMs: 10 } } }),
      [`Helm repository ${closed.origin}: reading index.yaml failed: refused (ECONNREFUSED) after 1 attempt(s)`],
    );
  });
});

describe("archives that would escape the cache", () => {
  const evil: [string, Parameters<typeof packChart>[2]][] = [
    ["a .. path", [{ name: "demo/../../escaped.txt", content: "x" }]],
    ["an absolute path", [{ name: "/tmp/dcl-escaped.txt", content: "x" }]],
    ["a symlink", [{ name: "demo/templates/link.yaml", type: "symlink", linkname: "/etc/passwd" }]],
  ];
  for (const [what, extra] of evil) {
    it(`rejects ${what}, unpacking nothing`, async () => {
      const tgz = packChart("demo", testChartFiles("demo", "1.0.0"), extra);
      const repo = await startHelmRepository([{ name: "demo", version: "1.0.0", tgz }]);
      const root = cacheRoot();
      try {
        await expectUserError(resolveChart(source({ repo: repo.origin, version: "1.0.0" }), { cacheRoot: root }), [/refusing to unpack: entry ".*" (climbs out|is an absolute path|is a SymbolicLink)/]);
      } finally {
        await repo.close();
      }
      assert.deepEqual(filesUnder(root), []);
      assert.ok(!existsSync("/tmp/dcl-escaped.txt") && !existsSync(path.join(root, "..", "escaped.txt")));
    });
  }
});

const skip = registrySkipReason();
const ALICE = { username: "alice", password: "chart-pull-password" };

describe("OCI charts in the real loopback registry, with htpasswd auth", { skip, timeout: 120_000 }, () => {
  let registry: LocalRegistry;
  const repository = "helm/dagster/dagster-user-deployments";
  const digests: Record<string, string> = {};
  before(async () => {
    registry = await startRegistry({ auth: ALICE });
    for (const version of ["1.11.15", "1.11.16", "1.12.0-rc.1"]) {
      digests[version] = await pushChart(registry, repository, "dagster-user-deployments", version, packChart("dagster-user-deployments", testChartFiles("dagster-user-deployments", version)));
    }
  });
  after(() => registry?.stop());
  const ociSource = (options: { version?: string; skip?: boolean }) => source({ ...options, ociPath: repository, registry: registry.registry });
  const client = (credentials = { kind: "basic" as const, ...ALICE }) => new RegistryClient({ registry: registry.registry, credentials, retries: 0, timeoutMs: 5000 });

  it("picks the highest stable tag for latest and pulls it with the images' credentials", async () => {
    const chart = await resolveChart(ociSource({}), { cacheRoot: cacheRoot(), registry: client() });
    assert.equal(chart.version, "1.11.16");
    assert.equal(chart.digest, digests["1.11.16"]);
    assert.match(readFileSync(path.join(chart.dir, "Chart.yaml"), "utf8"), /version: 1\.11\.16/);
  });

  it("pulls a pinned version, reuses the cache the second time, and strips the schema on request", async () => {
    const root = cacheRoot();
    const first = await resolveChart(ociSource({ version: "1.11.15", skip: true }), { cacheRoot: root, registry: client() });
    const again = await resolveChart(ociSource({ version: "1.11.15", skip: true }), { cacheRoot: root, registry: client() });
    assert.deepEqual([first.reused, again.reused], [false, true]);
    assert.deepEqual(filesUnder(again.schemalessDir!), ["Chart.yaml", "templates/configmap.yaml", "values.yaml"]);
  });

  it("sends no request for a pinned version the cache holds; latest lists the tags and reads the manifest", async () => {
    const root = cacheRoot();
    const sent: string[] = [];
    const counting = new RegistryClient({
      registry: registry.registry,
      credentials: { kind: "basic", ...ALICE },
      retries: 0,
      timeoutMs: 5000,
      fetch: (url, init) => (sent.push(`${init.method} ${new URL(url).pathname.replace(/sha256:[0-9a-f]+/, "sha256:…")}`), registry.fetch(url, init)),
    });
    const run = async (version: string | undefined) => {
      sent.splice(0);
      await resolveChart(ociSource({ version }), { cacheRoot: root, registry: counting });
      return [...sent];
    };
    const first = await run("1.11.16");
    assert.ok(first.includes(`GET /v2/${repository}/manifests/1.11.16`) && first.includes(`GET /v2/${repository}/blobs/sha256:…`), first.join("\n"));
    assert.deepEqual(await run("1.11.16"), []);
    const latest = await run(undefined);
    assert.ok(latest.includes(`GET /v2/${repository}/tags/list`) && !latest.some((r) => r.includes("/blobs/")), latest.join("\n"));
  });

  it("says so, without the password, when the credentials are wrong", async () => {
    await expectUserError(
      resolveChart(ociSource({}), { cacheRoot: cacheRoot(), registry: client({ kind: "basic", username: "alice", password: "wrong-password-123" }) }),
      [/HTTP 401/, /check the user name and password/],
      ["wrong-password-123"],
    );
  });

  it("names the versions there are when dagster_version has no chart", async () => {
    await expectUserError(resolveChart(ociSource({ version: "1.9.0" }), { cacheRoot: cacheRoot(), registry: client() }), [
      `chart oci://${registry.registry.replace("http://", "")}/${repository}: no version 1.9.0 (it has 1.12.0-rc.1, 1.11.16, 1.11.15)`,
    ]);
  });
});

describe("an OCI chart behind Azure Container Registry's token exchange", { skip, timeout: 120_000 }, () => {
  // A stand-in for ACR's auth in front of the real registry: AAD token -> /oauth2/exchange ->
  // refresh token -> /oauth2/token -> access token, then /v2/ only with that token.
  const repository = "helm/dagster-user-deployments";
  let registry: LocalRegistry;
  let acr: FakeServer;
  before(async () => {
    registry = await startRegistry();
    await pushChart(registry, repository, "dagster-user-deployments", "1.11.16", packChart("dagster-user-deployments", testChartFiles("dagster-user-deployments", "1.11.16")));
    acr = await startFakeServer(async (req, origin) => {
      const url = new URL(req.url, origin);
      const form = new URLSearchParams(req.body);
      if (url.pathname === "/oauth2/exchange") {
        return form.get("access_token") === "aad-token" ? { status: 200, body: { refresh_token: "acr-refresh" } } : { status: 401, body: registryError("UNAUTHORIZED", "bad AAD token") };
      }
      if (url.pathname === "/oauth2/token") {
        const ok = form.get("refresh_token") === "acr-refresh" && form.get("scope") === `repository:${repository}:pull`;
        return ok ? { status: 200, body: { access_token: "acr-access" } } : { status: 401, body: registryError("UNAUTHORIZED", "bad refresh token") };
      }
      if (req.headers.authorization !== "Bearer acr-access") {
        const challenge = `Bearer realm="${origin}/oauth2/token",service="${url.host}",scope="repository:${repository}:pull"`;
        return { status: 401, headers: { "WWW-Authenticate": challenge }, body: registryError("UNAUTHORIZED", "authentication required") };
      }
      const upstream = await fetch(`${registry.origin}${req.url}`, { headers: { Accept: String(req.headers.accept ?? "*/*") } });
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "docker-content-digest"]) if (upstream.headers.get(name)) headers[name] = upstream.headers.get(name)!;
      return { status: upstream.status, headers, body: Buffer.from(await upstream.arrayBuffer()) };
    });
  });
  after(async () => {
    await acr?.close();
    await registry?.stop();
  });

  it("pulls the chart with the refresh token the Azure identity's token was exchanged for", async () => {
    const client = new RegistryClient({ registry: `http://${acr.host}`, credentials: { kind: "azure", getAccessToken: async () => "aad-token" }, retries: 0 });
    const chart = await resolveChart(source({ ociPath: repository, registry: `http://${acr.host}` }), { cacheRoot: cacheRoot(), registry: client });
    assert.equal(chart.version, "1.11.16");
    assert.equal(acr.requests.filter((r) => r.url === "/oauth2/exchange").length, 1);
    // Helm, pulling the same chart itself, gets the refresh token with ACR's all-zero user.
    assert.deepEqual(await client.dockerLoginCredentials(), { username: "00000000-0000-0000-0000-000000000000", password: "acr-refresh" });
  });
});
