import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartValues } from "../lib/chartValues";
import type { ChartSource } from "../lib/chartSource";
import type { DeploymentNames } from "../lib/names";
import type { Settings } from "../lib/settings/schema";
import { CodeImage, type CodeImageArgs } from "./codeImage";

export interface CodeLocationArgs {
  /** The stack's resolved settings. */
  readonly settings: Settings;
  /** Deployment, release and location names, derived from the settings and the branch. */
  readonly names: DeploymentNames;
  /** Where the dagster-user-deployments chart comes from. */
  readonly chart: ChartSource;
  /** The image the code server runs: built here, or an existing tag. */
  readonly image: CodeImageArgs;
}

/**
 * One Dagster code location: its own release of the dagster-user-deployments chart, holding exactly
 * one deployment, so a failed upgrade rolls back this location and nobody else's.
 */
export class CodeLocation extends pulumi.ComponentResource {
  /** Kubernetes Service name, also the gRPC host Dagster connects to. */
  public readonly deploymentName: pulumi.Output<string>;
  /** The location name shown in Dagster. */
  public readonly locationName: pulumi.Output<string>;
  public readonly releaseName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** The image reference the code server runs, `repository:tag`. */
  public readonly image: pulumi.Output<string>;
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: CodeLocationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagster-code-locations:index:CodeLocation", name, {}, opts);
    const { settings, names, chart } = args;
    const namespace = settings.kubernetes.namespace;

    const provider = new k8s.Provider(`${name}-k8s`, { context: settings.kubernetes.context }, { parent: this });

    const image = new CodeImage(`${name}-image`, args.image, { parent: this }).ref;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: names.releaseName,
        namespace,
        createNamespace: settings.helm.create_new_namespace,
        chart: chart.chart,
        repositoryOpts: chart.repo ? { repo: chart.repo } : undefined,
        version: chart.version,
        values: image.apply((ref) => chartValues(settings, names, ref, namespace)),
        disableOpenapiValidation: settings.helm.disable_openapi_validation,
        // Wait for the code server to be ready; on failure roll back this release alone.
        skipAwait: false,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 10,
      },
      { parent: this, provider },
    );

    this.deploymentName = pulumi.output(names.deploymentName);
    this.locationName = pulumi.output(names.locationName);
    this.releaseName = this.release.name;
    this.namespace = this.release.namespace;
    this.image = image.apply((ref) => `${ref.repository}:${ref.tag}`);
    this.registerOutputs({
      deploymentName: this.deploymentName,
      locationName: this.locationName,
      releaseName: this.releaseName,
      namespace: this.namespace,
      image: this.image,
    });
  }
}
