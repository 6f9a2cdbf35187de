import type { RegistryAddress } from "../config/registryAddress";
import type { Settings } from "../config/schema";

export const CHART_NAME = "dagster-user-deployments";
export const DAGSTER_HELM_REPO = "https://dagster-io.github.io/helm";

/** Where the chart comes from and which version, as configured (before anything is resolved). */
export interface ChartSource {
  /** The chart's name: the last part of an OCI path. */
  readonly name: string;
  /** As helm.v3.Release takes it: a chart name in `repo`, or an `oci://` reference. */
  readonly chart: string;
  /** The Helm repository's URL; undefined for an OCI chart. */
  readonly repo: string | undefined;
  /** For an OCI chart: the repository path, relative to `docker.container_registry`. */
  readonly ociRepository: string | undefined;
  /** undefined: the highest stable version the source offers. */
  readonly version: string | undefined;
  readonly skipSchemaValidation: boolean;
}

/** The chart as configured; an OCI chart lives in the images' registry (`registry`). */
export function chartSource(settings: Settings, registry: RegistryAddress): ChartSource {
  const version = settings.use_latest_chart_version ? undefined : settings.dagster_version;
  const skipSchemaValidation = settings.helm.skip_schema_validation;
  const ociPath = settings.docker.container_registry_chart_path;
  if (ociPath) {
    const name = ociPath.split("/").pop() ?? ociPath;
    return { name, chart: `oci://${registry.display}/${ociPath}`, repo: undefined, ociRepository: ociPath, version, skipSchemaValidation };
  }
  return { name: CHART_NAME, chart: CHART_NAME, repo: DAGSTER_HELM_REPO, ociRepository: undefined, version, skipSchemaValidation };
}
