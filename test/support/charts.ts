import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { HELM_CHART_LAYER_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE } from "../../lib/chart/ociChart";
import { ociTagFromVersion } from "../../lib/chart/chartVersion";
import { sha256Digest } from "../../lib/shared/fileDigest";
import { pushArtifact, type LocalRegistry } from "./docker-registry";
import { startFakeServer, type FakeServer } from "./fake-server";
import { SHARED_CHART_DIR } from "./repo";
import { tgzEntries, type TarEntry } from "./tar";

/** A chart's files by path inside the chart directory. */
export type ChartFiles = Readonly<Record<string, string | Buffer>>;

export function chartYaml(name: string, version: string): string {
  return stringify({ apiVersion: "v2", name, version, type: "application" });
}

/** A chart .tgz as `helm package` lays it out (`<name>/...`), plus any hand-made `extra` entries. */
export function packChart(name: string, files: ChartFiles, extra: readonly TarEntry[] = []): Buffer {
  const entries: TarEntry[] = [{ name: `${name}/`, type: "dir" }];
  for (const [file, content] of Object.entries(files)) entries.push({ name: `${name}/${file}`, content });
  return tgzEntries([...entries, ...extra]);
}

/** A small chart of our own, with a schema that wants `replicas` to be an integer. */
export function testChartFiles(name: string, version: string): ChartFiles {
  return {
    "Chart.yaml": chartYaml(name, version),
    "values.yaml": "replicas: 1\n",
    "values.schema.json": JSON.stringify({ type: "object", properties: { replicas: { type: "integer" } } }),
    "templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\n",
  };
}

/** Dagster's dagster-user-deployments chart from ../shared (see its PROVENANCE.md), as `version`. */
export function dagsterChartFiles(version: string): ChartFiles {
  const files: Record<string, string | Buffer> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(SHARED_CHART_DIR, full).split(path.sep).join("/")] = readFileSync(full);
    }
  };
  walk(SHARED_CHART_DIR);
  delete files["PROVENANCE.md"];
  for (const file of Object.keys(files)) if (file.startsWith("main-chart-templates/")) delete files[file];
  files["Chart.yaml"] = readFileSync(path.join(SHARED_CHART_DIR, "Chart.yaml"), "utf8").replace(/^version: .*$/m, `version: ${version}`);
  return files;
}

/** Pushes a chart .tgz as `helm push` does; returns the digest of its archive layer. */
export async function pushChart(registry: LocalRegistry, repository: string, name: string, version: string, tgz: Buffer): Promise<string> {
  const config = Buffer.from(JSON.stringify({ apiVersion: "v2", name, version }));
  await pushArtifact(registry, repository, ociTagFromVersion(version), { mediaType: HELM_CONFIG_MEDIA_TYPE, bytes: config }, [
    { mediaType: HELM_CHART_LAYER_MEDIA_TYPE, bytes: tgz },
  ]);
  return sha256Digest(tgz);
}

export interface ServedChart {
  readonly name: string;
  readonly version: string;
  readonly tgz: Buffer;
  /** The digest index.yaml claims: the archive's own unless a test wants it to lie. */
  readonly digest?: string;
}

/** A Helm repository on 127.0.0.1: `/index.yaml` listing `charts`, each at `/charts/<name>-<version>.tgz`. */
export function startHelmRepository(charts: readonly ServedChart[]): Promise<FakeServer> {
  return startFakeServer((req) => {
    if (req.url === "/index.yaml") {
      const entries: Record<string, object[]> = {};
      for (const chart of charts) {
        const digest = (chart.digest ?? sha256Digest(chart.tgz)).replace(/^sha256:/, "");
        (entries[chart.name] ??= []).push({ apiVersion: "v2", name: chart.name, version: chart.version, digest, urls: [`charts/${chart.name}-${chart.version}.tgz`] });
      }
      return { status: 200, headers: { "Content-Type": "application/x-yaml" }, body: stringify({ apiVersion: "v1", entries }) };
    }
    const served = charts.find((chart) => req.url === `/charts/${chart.name}-${chart.version}.tgz`);
    return served ? { status: 200, headers: { "Content-Type": "application/gzip" }, body: served.tgz } : { status: 404, body: "not found" };
  });
}
