import { UserError } from "../shared/errors";
import type { RegistryClient } from "../registry/client";
import { ociTagFromVersion, pickChartVersion, versionFromOciTag } from "./chartVersion";

/** Media types of a chart pushed with `helm push` (Helm's OCI support). */
export const HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json";
export const HELM_CHART_LAYER_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

export interface OciChartVersion {
  readonly version: string;
  /** The digest of the chart's .tgz layer. */
  readonly digest: string;
}

/**
 * The chart version to deploy from `repository` (`requested`, or the highest stable one among its
 * tags) and the digest of its archive layer. `what` names the chart in errors.
 */
export async function ociChartVersion(client: RegistryClient, repository: string, requested: string | undefined, what: string): Promise<OciChartVersion> {
  let version = requested;
  if (version === undefined) {
    const tags = await client.listTags(repository);
    version = pickChartVersion(tags.map(versionFromOciTag), undefined);
    if (version === undefined) throw new UserError(`${what}: no stable semantic version among its ${tags.length} tag(s); push one with helm push`);
  }
  const manifest = await client.manifest(repository, ociTagFromVersion(version), [OCI_MANIFEST]);
  if (!manifest) {
    const offered = (await client.listTags(repository)).map(versionFromOciTag);
    throw new UserError(`${what}: no version ${version}${offeredList(offered)}`);
  }
  const { config, layers } = (manifest.json ?? {}) as { config?: { mediaType?: unknown }; layers?: { mediaType?: unknown; digest?: unknown }[] };
  const layer = (layers ?? []).find((l) => l.mediaType === HELM_CHART_LAYER_MEDIA_TYPE);
  if (config?.mediaType !== HELM_CONFIG_MEDIA_TYPE || typeof layer?.digest !== "string") {
    throw new UserError(`${what}: ${version} is not a Helm chart (no ${HELM_CHART_LAYER_MEDIA_TYPE} layer); push charts with helm push`);
  }
  return { version, digest: layer.digest };
}

/** " (it has 1.2.0, 1.1.9, ...)": what a source offers instead, highest first, at most five. */
export function offeredList(versions: readonly string[]): string {
  if (versions.length === 0) return " (it has no versions)";
  const latest = [...versions].sort((a, b) => b.localeCompare(a, undefined, { numeric: true })).slice(0, 5);
  return ` (it has ${latest.join(", ")}${versions.length > 5 ? ", ..." : ""})`;
}
