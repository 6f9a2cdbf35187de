import { UserError } from "../shared/errors";
import type { ChartSource } from "./source";
import type { RegistryClient } from "../registry/client";
import { cachedChart, cachedSchemalessChart, pinChart, pinnedChart, type ChartKey } from "./cache";
import { downloadIndexedChart, indexedChartVersions, type HttpOptions } from "./helmRepository";
import { offeredList, ociChartVersion } from "./ociChart";
import { pickChartVersion } from "./chartVersion";

/** A chart version pinned to its archive's digest and unpacked in the local cache. */
export interface ResolvedChart {
  readonly name: string;
  readonly version: string;
  /** `sha256:<hex>` of the chart's .tgz. */
  readonly digest: string;
  /** The unpacked chart, as published. */
  readonly dir: string;
  /** The copy to deploy with every values.schema.json removed; only with skipSchemaValidation. */
  readonly schemalessDir: string | undefined;
  /** True when nothing was downloaded: the cache had this archive. */
  readonly reused: boolean;
}

export interface ResolveOptions {
  /** Where unpacked charts are kept between runs. */
  readonly cacheRoot: string;
  /** The client of `docker.container_registry`, with the images' credentials; needed for an OCI chart. */
  readonly registry?: RegistryClient;
  readonly http?: HttpOptions;
}

/**
 * Resolves `source` to one version and archive digest, and makes sure that archive is unpacked in
 * the cache (downloaded and checked only when it is not there yet).
 */
export async function resolveChart(source: ChartSource, options: ResolveOptions): Promise<ResolvedChart> {
  const what = source.repo ? `chart ${source.name} from ${source.repo}` : `chart ${source.chart}`;
  // A pinned version deployed before is in the cache with its digest: no request at all.
  const where = `${source.repo ?? ""} ${source.chart}`;
  const pinned = source.version === undefined ? undefined : pinnedChart(options.cacheRoot, where, source.version);
  if (pinned) return withSchemaless(source, options.cacheRoot, pinned.key, pinned.dir, true);
  let key: ChartKey;
  let download: () => Promise<Buffer>;
  if (source.ociRepository !== undefined) {
    const client = options.registry;
    if (!client) throw new Error("resolveChart: an OCI chart needs the registry client");
    const repository = source.ociRepository;
    const found = await ociChartVersion(client, repository, source.version, what);
    key = { name: source.name, version: found.version, digest: found.digest };
    download = () => client.blob(repository, found.digest);
  } else {
    const repo = source.repo;
    if (repo === undefined) throw new Error("resolveChart: a chart source is either a Helm repository or an OCI repository");
    const entries = await indexedChartVersions(repo, source.name, options.http);
    const version = pickChartVersion(entries.map((e) => e.version), source.version);
    const entry = entries.find((e) => e.version === version);
    if (!entry) {
      const wanted = source.version === undefined ? "stable version" : `version ${source.version}`;
      throw new UserError(`${what}: no ${wanted}${offeredList(entries.map((e) => e.version))}`);
    }
    if (!entry.digest) throw new UserError(`${what}: index.yaml lists no digest for ${entry.version}, so the download cannot be verified`);
    key = { name: source.name, version: entry.version, digest: entry.digest };
    download = () => downloadIndexedChart(repo, source.name, entry, options.http);
  }
  const label = `${what} ${key.version}`;
  const { dir, reused } = await cachedChart(options.cacheRoot, key, download, label);
  if (source.version !== undefined) pinChart(options.cacheRoot, where, source.version, key);
  return withSchemaless(source, options.cacheRoot, key, dir, reused);
}

function withSchemaless(source: ChartSource, cacheRoot: string, key: ChartKey, dir: string, reused: boolean): ResolvedChart {
  const schemalessDir = source.skipSchemaValidation ? cachedSchemalessChart(cacheRoot, key, dir) : undefined;
  return { ...key, dir, schemalessDir, reused };
}
