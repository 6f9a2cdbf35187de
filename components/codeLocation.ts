import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartValues, CODE_SERVER_PORT } from "../lib/release/values";
import type { DeploymentNames } from "../lib/plan/names";
import type { Settings } from "../lib/config/schema";
import { CodeImage, type CodeImageArgs } from "./codeImage";
import { DagsterVersionCheck } from "./dagsterVersionCheck";
import type { DeployableChart } from "./helmChart";
import { WorkspaceEntry } from "./workspaceEntry";

export interface CodeLocationArgs {
  /** The stack's resolved settings. */
  readonly settings: Settings;
  /** Deployment, release and location names, derived from the settings and the branch. */
  readonly names: DeploymentNames;
  /** The dagster-user-deployments chart to deploy, resolved (see deployableChart). */
  readonly chart: pulumi.Input<DeployableChart>;
  /**
   * A Docker-style registry config Helm reads while it pulls an OCI chart itself.
   * @default none: Helm's own (ambient) registry config
   */
  readonly registryConfigPath?: string;
  /** The image the code server runs: built here, or an existing tag. */
  readonly image: CodeImageArgs;
  /** `<project>/<stack>`, recorded as the owner of this location's workspace entry. */
  readonly owner: string;
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
  public readonly workspaceEntry: WorkspaceEntry;

  constructor(name: string, args: CodeLocationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagster-code-locations:index:CodeLocation", name, {}, opts);
    const { settings, names } = args;
    const chart = pulumi.output(args.chart);
    const namespace = settings.kubernetes.namespace;

    const instance = settings.instance;
    const context = settings.kubernetes.context;
    const helmReleaseSettings = args.registryConfigPath ? { registryConfigPath: args.registryConfigPath } : undefined;
    const provider = new k8s.Provider(`${name}-k8s`, { context, helmReleaseSettings }, { parent: this });

    // Nothing is built or deployed for a Dagster version the instance does not run.
    const preflight = instance.check_dagster_version
      ? [
          new DagsterVersionCheck(
            `${name}-dagster-version`,
            { context, namespace, daemonDeployment: instance.daemon_deployment, dagsterVersion: settings.dagster_version },
            { parent: this },
          ),
        ]
      : [];
    preflight.forEach((check) => warnEach(check.warnings, check));

    const image = new CodeImage(`${name}-image`, args.image, { parent: this, dependsOn: preflight }).ref;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: names.releaseName,
        namespace,
        createNamespace: settings.helm.create_new_namespace,
        chart: chart.chart,
        repositoryOpts: chart.apply((c) => (c.repo ? { repo: c.repo } : undefined)),
        version: chart.version,
        values: image.apply((ref) => chartValues(settings, names, ref, namespace)),
        disableOpenapiValidation: settings.helm.disable_openapi_validation,
        // Wait for the code server to be ready; on failure roll back this release alone.
        skipAwait: false,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 10,
      },
      { parent: this, provider, dependsOn: preflight },
    );

    // Registered once the code server is up, so Dagster never lists a location it cannot reach.
    this.workspaceEntry = new WorkspaceEntry(
      `${name}-workspace-entry`,
      {
        context,
        namespace,
        configMapName: instance.workspace_yaml_configmap_name,
        entry: { locationName: names.locationName, host: names.deploymentName, port: CODE_SERVER_PORT },
        owner: args.owner,
        adoptUnowned: instance.adopt_unowned_entry,
        restart: { webserver: instance.webserver_deployment, daemon: instance.daemon_deployment },
      },
      { parent: this, dependsOn: [this.release] },
    );
    warnEach(this.workspaceEntry.warnings, this.workspaceEntry);

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

/** Surfaces what a dynamic resource found worth a warning (a missing daemon, an odd image tag). */
function warnEach(warnings: pulumi.Output<string[]>, resource: pulumi.Resource): void {
  warnings.apply((list) => (list ?? []).forEach((warning) => pulumi.log.warn(warning, resource)));
}
