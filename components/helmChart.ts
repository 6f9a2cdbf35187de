import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ChartSource } from "../lib/chart/source";
import type { RegistryAddress } from "../lib/config/registryAddress";
import { writeRegistryConfig } from "../lib/chart/registryConfig";
import { resolveChart, type ResolvedChart } from "../lib/chart/resolve";
import { chartValuesProblems } from "../lib/chart/validate";
import { UserError } from "../lib/shared/errors";
import { RegistryClient } from "../lib/registry/client";
import { clientCredentials, type RegistryLogin } from "../lib/registry/login";
import { asRunError } from "./runError";

/** The chart as helm.v3.Release takes it. */
export interface DeployableChart {
  /** A chart name in `repo`, an `oci://` reference, or a local path (`./...`, relative to the project). */
  readonly chart: string;
  readonly repo: string | undefined;
  /** undefined for a local path, which is one version already. */
  readonly version: string | undefined;
}

export interface HelmChartArgs {
  readonly source: ChartSource;
  /** An OCI chart lives in the images' registry. */
  readonly registry: RegistryAddress;
  /** The images' registry credentials (secret); an OCI chart is pulled with them. */
  readonly login: pulumi.Output<RegistryLogin>;
  /** Where unpacked charts are kept between runs. */
  readonly cacheRoot: string;
  /** The Pulumi project directory: local chart paths are given relative to it, the same on every machine. */
  readonly projectDir: string;
  /** The values the release gets (any image): checked against the chart's schema before anything is deployed. */
  readonly values: unknown;
  /** Set when Helm pulls an OCI chart itself: its registry credentials go into this file for the run. */
  readonly registryConfigPath: string | undefined;
  /** Total time for the chart's registry requests (`docker.registry_timeout_seconds`). */
  readonly registryBudgetMs: number;
  /** Resolve nothing, in a preview only (render): the chart as configured, unchecked. */
  readonly offline: boolean;
}

/**
 * Resolves the chart in every preview and update: pins the version ("latest" included), pulls and
 * verifies the archive into the cache, checks the values against the chart's schema, and says what
 * the release deploys: the schema-less local copy with `helm.skip_schema_validation`, else the
 * chart's own reference. Nothing in the result is secret, so it leaves the credentials' secrecy behind.
 */
export function deployableChart(args: HelmChartArgs): pulumi.Output<DeployableChart> {
  const { source } = args;
  const resolved = args.login.apply(async (login): Promise<DeployableChart> => {
    try {
      if (args.offline) return offlineChart(source);
      const client = source.ociRepository !== undefined ? new RegistryClient({ registry: args.registry.input, credentials: clientCredentials(login), budgetMs: args.registryBudgetMs }) : undefined;
      const chart = await resolveChart(source, { cacheRoot: args.cacheRoot, registry: client });
      if (!source.skipSchemaValidation) {
        const problems = chartValuesProblems(chart, args.values);
        if (problems.length > 0) throw new UserError(problems);
      }
      if (args.registryConfigPath !== undefined && client !== undefined) {
        const { username, password } = await client.dockerLoginCredentials();
        writeRegistryConfig(args.registryConfigPath, client.address.host, username, password);
      }
      return releaseChart(source, chart, args.projectDir);
    } catch (err) {
      return asRunError(err);
    }
  });
  return pulumi.unsecret(resolved);
}

/** What the release gets for a resolved chart. */
export function releaseChart(source: ChartSource, chart: ResolvedChart, projectDir: string): DeployableChart {
  if (chart.schemalessDir !== undefined) {
    const relative = path.relative(projectDir, chart.schemalessDir).split(path.sep).join("/");
    return { chart: relative.startsWith("../") || path.isAbsolute(relative) ? chart.schemalessDir : `./${relative}`, repo: undefined, version: undefined };
  }
  return { chart: source.chart, repo: source.repo, version: chart.version };
}

function offlineChart(source: ChartSource): DeployableChart {
  if (!pulumi.runtime.isDryRun()) throw new UserError("the chart is not resolved offline: unset DAGSTER_CODE_LOCATIONS_OFFLINE for an update");
  return { chart: source.chart, repo: source.repo, version: source.version };
}
