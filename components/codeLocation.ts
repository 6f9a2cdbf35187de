import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { locationPageUrl } from "../lib/plan/locationUrl";
import { helmRegistryConfigPath } from "../lib/chart/registryConfig";
import type { ChartSource } from "../lib/chart/source";
import { imageRepository, type RegistryAddress } from "../lib/config/registryAddress";
import type { DeploymentNames } from "../lib/plan/names";
import { chartValues, type CodeServerSpec } from "../lib/release/values";
import { CODE_SERVER_PORT, INSTANCE_DEFAULTS } from "../lib/shared/dagsterInstance";
import { CodeImage, type ImageBuildArgs } from "./codeImage";
import { DagsterVersionCheck } from "./dagsterVersionCheck";
import { deployableChart } from "./helmChart";
import { registryAuth, type RegistryCredentials } from "./registryAuth";
import { secretIf } from "./secretInput";
import { WorkspaceEntry } from "./workspaceEntry";

/** The code server: everything of its deployment entry but the names and the image. */
export type CodeServerArgs = Omit<CodeServerSpec, "deploymentName" | "releaseName" | "namespace">;

/** The Dagster instance the location registers with; each default is the Dagster chart's name. */
export interface DagsterInstanceArgs {
  /** @default "dagster-workspace-yaml" */
  readonly workspaceConfigMap?: string;
  /** Restarted with `reload: "restart"`, or when its GraphQL API cannot be reached. @default "dagster-dagster-webserver" */
  readonly webserverDeployment?: string;
  /** Its image tag gives the instance's version; it re-reads the workspace every 60 s itself. @default "dagster-daemon" */
  readonly daemonDeployment?: string;
  /** A GraphQL reload of the webserver (checked: the location must load), or a restart of it. @default "reload" */
  readonly reload?: "reload" | "restart";
  /** The webserver's Service, reached through the Kubernetes API's service proxy. @default "dagster-dagster-webserver" */
  readonly webserverService?: string;
  /** @default 80 */
  readonly webserverPort?: number;
  /** How long to reload until the webserver lists the change. @default 120 */
  readonly reloadTimeoutSeconds?: number;
  /** Refuse to build or deploy when the daemon runs another Dagster version. @default true */
  readonly checkDagsterVersion?: boolean;
  /** Take over a workspace entry of the same name that no stack owns (dagster-uc's). @default false */
  readonly adoptUnownedEntry?: boolean;
  /** Recorded as the owner of the workspace entry. @default "<project>/<stack>" */
  readonly owner?: string;
}

/**
 * Which parts of the args hold secrets (a config key set with `--secret`, a value from the
 * environment): every resource input and output made from a part marked here is a Pulumi secret.
 */
export interface SecretArgs {
  /** `kubernetes`: the provider's context, the release's namespace, the workspace entry's and version check's inputs, the `namespace` output. */
  readonly kubernetes?: boolean;
  /** `codeServer`: the release's values. */
  readonly codeServer?: boolean;
  /** `registry.address` and `image.repository`/`existingTag`: the image's name and tags everywhere, the release's values, the `image` output. */
  readonly image?: boolean;
  /** `image.build`: every input of the build (context, Dockerfile, args, platform, builder). */
  readonly build?: boolean;
  /** `chart`: the release's chart, repository, version and Helm switches. */
  readonly chart?: boolean;
  /** `instance`: the workspace entry's and version check's instance names and switches. */
  readonly instance?: boolean;
  /** `dagsterUiUrl`: the `locationUrl` output. */
  readonly dagsterUiUrl?: boolean;
}

export interface CodeLocationArgs {
  /** Deployment (Service, gRPC host), release and location names (`deploymentNames`). */
  readonly names: DeploymentNames;
  /** The Dagster version of the code and the instance: image tags `<version>-<n>`. */
  readonly dagsterVersion: string;
  readonly kubernetes: {
    /** The kube context (of the default kubeconfig: $KUBECONFIG, ~/.kube/config). */
    readonly context: string;
    /** Namespace of the Dagster instance and the code server. */
    readonly namespace: string;
    /** @default true */
    readonly createNamespace?: boolean;
  };
  /** The registry of the images (and of an OCI chart), and how to log in; no credentials for an anonymous one. */
  readonly registry: {
    readonly address: RegistryAddress;
    readonly credentials?: RegistryCredentials;
    /** Total time for the registry requests of one operation. @default 30 */
    readonly timeoutSeconds?: number;
  };
  readonly image: {
    /** Below the registry address: `[<image_prefix>/]<deployment name>`. */
    readonly repository: string;
    /** Build this; exactly one of `build` and `existingTag`. */
    readonly build?: ImageBuildArgs;
    /** Deploy this existing tag (dagster-uc's revive); pinned by its digest. */
    readonly existingTag?: string;
  };
  readonly chart: {
    /** Where the dagster-user-deployments chart comes from (`chartSource`). */
    readonly source: ChartSource;
    /** @default false */
    readonly disableOpenapiValidation?: boolean;
  };
  readonly codeServer: CodeServerArgs;
  /** @default the Dagster chart's names, with the version check on */
  readonly instance?: DagsterInstanceArgs;
  /** The Dagster UI: gives the `locationUrl` output. @default none */
  readonly dagsterUiUrl?: string;
  /** Parts of these args that are secret. @default none */
  readonly secrets?: SecretArgs;
  /**
   * Our cache: source-hash stats and unpacked charts survive between runs here.
   * @default "node_modules/.cache/dagster-code-locations" in the working directory
   */
  readonly cacheDir?: string;
}

/**
 * One Dagster code location: its image, its own release of the dagster-user-deployments chart
 * holding exactly one deployment (a failed upgrade rolls back this location and nobody else's),
 * and its entry in the instance's workspace.
 */
export class CodeLocation extends pulumi.ComponentResource {
  /** Kubernetes Service name, also the gRPC host Dagster connects to. */
  public readonly deploymentName: pulumi.Output<string>;
  /** The location name shown in Dagster. */
  public readonly locationName: pulumi.Output<string>;
  /** The branch part of the names. */
  public readonly branch: pulumi.Output<string>;
  public readonly releaseName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** The image reference the code server runs, `repository:tag`. */
  public readonly image: pulumi.Output<string>;
  /** Where the location's assets show in the Dagster UI; undefined without `dagsterUiUrl`. */
  public readonly locationUrl: pulumi.Output<string> | undefined;
  /** Repositories, jobs and assets the location holds, as the webserver loaded them; empty with `reload: "restart"`. */
  public readonly definitions: pulumi.Output<{ repositories?: number; jobs?: number; assets?: number }>;
  public readonly release: k8s.helm.v3.Release;
  public readonly workspaceEntry: WorkspaceEntry;

  constructor(name: string, args: CodeLocationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dagster-code-locations:index:CodeLocation", name, {}, opts);
    const { names } = args;
    const { context, namespace } = args.kubernetes;
    const instance = { ...INSTANCE_DEFAULTS, checkDagsterVersion: true, adoptUnownedEntry: false, ...args.instance };
    const owner = instance.owner ?? `${pulumi.getProject()}/${pulumi.getStack()}`;
    const cacheDir = args.cacheDir ?? path.join(process.cwd(), "node_modules/.cache/dagster-code-locations");
    const spec: CodeServerSpec = { ...args.codeServer, deploymentName: names.deploymentName, releaseName: names.releaseName, namespace };
    const secret = args.secrets ?? {};
    const k8sInput = secretIf(secret.kubernetes);
    const instanceInput = secretIf(secret.instance);
    const chartInput = secretIf(secret.chart);

    const registryBudgetMs = (args.registry.timeoutSeconds ?? 30) * 1000;
    const auth = registryAuth(args.registry.address, args.registry.credentials, registryBudgetMs);
    // Credentials Helm needs travel in a file that lives for the run, never in state.
    const registryConfigPath = helmRegistryConfigPath(args.chart.source, auth.authenticated, pulumi.getProject(), pulumi.getStack());
    const chart = deployableChart({
      source: args.chart.source,
      registry: args.registry.address,
      login: auth.login,
      cacheRoot: path.join(cacheDir, "charts"),
      projectDir: process.cwd(),
      // The release's values but for the image tag, so a bad override fails the preview already.
      values: chartValues(spec, { repository: imageRepository(args.registry.address, args.image.repository), tag: `${args.dagsterVersion}-0` }),
      registryConfigPath,
      registryBudgetMs,
      offline: process.env.DAGSTER_CODE_LOCATIONS_OFFLINE === "1",
    });

    const helmReleaseSettings = registryConfigPath ? { registryConfigPath } : undefined;
    const provider = new k8s.Provider(`${name}-k8s`, { context: k8sInput(context), helmReleaseSettings }, { parent: this });

    // Nothing is built or deployed for a Dagster version the instance does not run.
    const preflight = instance.checkDagsterVersion
      ? [
          new DagsterVersionCheck(
            `${name}-dagster-version`,
            { context: k8sInput(context), namespace: k8sInput(namespace), daemonDeployment: instanceInput(instance.daemonDeployment), dagsterVersion: args.dagsterVersion },
            { parent: this },
          ),
        ]
      : [];
    preflight.forEach((check) => warnEach(check.warnings, check));

    const image = new CodeImage(
      `${name}-image`,
      {
        ...args.image,
        registry: args.registry.address,
        dagsterVersion: args.dagsterVersion,
        registryBudgetMs,
        login: auth.login,
        push: auth.push,
        cacheDir,
        secretName: secret.image,
        secretBuild: secret.build,
      },
      { parent: this, dependsOn: preflight },
    ).ref;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: names.releaseName,
        namespace: k8sInput(namespace),
        createNamespace: chartInput(args.kubernetes.createNamespace ?? true),
        chart: chartInput(chart.chart),
        repositoryOpts: chartInput(chart.apply((c) => (c.repo ? { repo: c.repo } : undefined))),
        version: chartInput(chart.version),
        values: secretIf(secret.codeServer || secret.image)(image.apply((ref) => chartValues(spec, ref))),
        disableOpenapiValidation: chartInput(args.chart.disableOpenapiValidation ?? false),
        // Wait for the code server to be ready; on failure roll back this release alone.
        skipAwait: false,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 10,
      },
      { parent: this, provider, dependsOn: preflight },
    );

    this.locationUrl = args.dagsterUiUrl
      ? pulumi.output(secretIf(secret.dagsterUiUrl)(locationPageUrl(args.dagsterUiUrl, names.locationName)))
      : undefined;
    const releaseImage = image.apply((ref) => `${ref.repository}:${ref.tag}`);
    // Registered once the code server is up, so Dagster never lists a location it cannot reach.
    this.workspaceEntry = new WorkspaceEntry(
      `${name}-workspace-entry`,
      {
        context: k8sInput(context),
        namespace: k8sInput(namespace),
        configMapName: instanceInput(instance.workspaceConfigMap),
        entry: { locationName: names.locationName, host: names.deploymentName, port: CODE_SERVER_PORT },
        owner,
        adoptUnowned: instanceInput(instance.adoptUnownedEntry),
        restart: instanceInput({ webserver: instance.webserverDeployment, daemon: instance.daemonDeployment }),
        reload: instanceInput(pulumi.output(this.locationUrl).apply((uiUrl) => ({
          mode: instance.reload,
          service: instance.webserverService,
          port: instance.webserverPort,
          timeoutSeconds: instance.reloadTimeoutSeconds,
          ...(uiUrl && { uiUrl }),
        }))),
        // A new image is a new code server: the entry is checked (and reloaded) again.
        codeVersion: releaseImage,
      },
      { parent: this, dependsOn: [this.release] },
    );
    warnEach(this.workspaceEntry.warnings, this.workspaceEntry);
    this.workspaceEntry.definitions.apply((d) => {
      if (d && d.repositories !== undefined) {
        pulumi.log.info(`code location ${names.locationName} loaded: ${d.repositories} repositories, ${d.jobs} jobs, ${d.assets} assets`, this.workspaceEntry);
      }
    });

    this.deploymentName = pulumi.output(names.deploymentName);
    this.locationName = pulumi.output(names.locationName);
    this.branch = pulumi.output(names.branchPart);
    this.releaseName = this.release.name;
    this.namespace = pulumi.output(k8sInput(this.release.namespace));
    this.image = pulumi.output(secretIf(secret.image)(releaseImage));
    this.definitions = this.workspaceEntry.definitions.apply((d) => d ?? {});
    this.registerOutputs({
      deploymentName: this.deploymentName,
      locationName: this.locationName,
      branch: this.branch,
      releaseName: this.releaseName,
      namespace: this.namespace,
      image: this.image,
      locationUrl: this.locationUrl,
      definitions: this.definitions,
    });
  }
}

/** Surfaces what a dynamic resource found worth a warning (a missing daemon, an odd image tag). */
function warnEach(warnings: pulumi.Output<string[]>, resource: pulumi.Resource): void {
  warnings.apply((list) => (list ?? []).forEach((warning) => pulumi.log.warn(warning, resource)));
}
