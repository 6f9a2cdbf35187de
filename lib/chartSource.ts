import type { Settings } from "./settings/schema";

export const CHART_NAME = "dagster-user-deployments";
export const DAGSTER_HELM_REPO = "https://dagster-io.github.io/helm";

/** Where the chart comes from and which version, as helm.v3.Release takes it. */
export interface ChartSource {
  /** A chart name in `repo`, or an `oci://` reference. */
  readonly chart: string;
  readonly repo: string | undefined;
  /** undefined: the latest version the source offers. */
  readonly version: string | undefined;
  readonly skipSchemaValidation: boolean;
}

export function chartSource(settings: Settings): ChartSource {
  const version = settings.use_latest_chart_version ? undefined : settings.dagster_version;
  const skipSchemaValidation = settings.helm.skip_schema_validation;
  const ociPath = settings.docker.container_registry_chart_path;
  if (ociPath) {
    const registry = settings.docker.container_registry.replace(/^https?:\/\//, "");
    return { chart: `oci://${registry}/${ociPath}`, repo: undefined, version, skipSchemaValidation };
  }
  return { chart: CHART_NAME, repo: DAGSTER_HELM_REPO, version, skipSchemaValidation };
}
