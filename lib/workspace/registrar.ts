/**
 * Registers one code location in the Dagster instance's workspace ConfigMap, has the webserver
 * reload it and checks that it loaded. Plain async functions for a Pulumi dynamic provider.
 */
import type * as k8s from "@kubernetes/client-node";
import { INSTANCE_DEFAULTS } from "../shared/dagsterInstance";
import { UserError } from "../shared/errors";
import { DEFAULT_RETRY, type RetryOptions, compareAndSwap } from "./cas";
import { type GrpcServerEntry, entryProblems } from "./document";
import { type KubeApi, makeKubeApi } from "./kube-api";
import { type ConfigMapRef, type EntryState, entryState, planRegister, planUnregister } from "./plan";
import { restartDeployments } from "./restart";
import { checkDaemonVersion } from "./dagsterVersion";
import { dagsterWebserver, type DagsterWebserver, type DefinitionCounts } from "./dagster-graphql";
import { DEFAULT_POLL_INTERVAL_MS, type Expectation, type PollOptions, loadErrorMessage, reloadUntilListed } from "./reload";

const DEFAULT_CONFIG_MAP_NAME = INSTANCE_DEFAULTS.workspaceConfigMap;
const DEFAULT_WEBSERVER_DEPLOYMENT = INSTANCE_DEFAULTS.webserverDeployment;
const DEFAULT_DAEMON_DEPLOYMENT = INSTANCE_DEFAULTS.daemonDeployment;

export interface WorkspaceTarget {
  readonly namespace: string;
  /** Default dagster-workspace-yaml. */
  readonly configMapName?: string;
}

/** The instance Deployments to restart after a change (defaults: the Dagster chart's names). */
export interface RestartTargets {
  readonly webserver?: string;
  /** Kept for the version check; the daemon re-reads workspace.yaml every 60 s by itself. */
  readonly daemon?: string;
}

/** How the webserver learns about the change, and where its GraphQL API is. */
export interface ReloadTarget {
  /** "reload" asks the webserver over GraphQL; "restart" restarts its Deployment. @default "reload" */
  readonly mode?: "reload" | "restart";
  /** The webserver's Service and port (the Dagster chart's defaults). */
  readonly service?: string;
  readonly port?: number;
  /** How long to reload until the webserver lists the change (kubelet sync included). @default 120 */
  readonly timeoutSeconds?: number;
  /** The location's page in the Dagster UI, named in load errors. */
  readonly uiUrl?: string;
}

export interface RegisterRequest extends WorkspaceTarget {
  readonly entry: GrpcServerEntry;
  /** "<project>/<stack>", recorded as the entry's owner. */
  readonly owner: string;
  /** Take over an entry of the same name that no stack owns. */
  readonly adoptUnowned?: boolean;
  readonly restart?: RestartTargets;
  readonly reload?: ReloadTarget;
}

export interface UnregisterRequest extends WorkspaceTarget {
  readonly locationName: string;
  readonly owner: string;
  readonly restart?: RestartTargets;
  readonly reload?: ReloadTarget;
}

export interface ReadEntryRequest extends WorkspaceTarget {
  readonly locationName: string;
}

export interface VersionCheckRequest {
  readonly namespace: string;
  /** Default dagster-daemon. */
  readonly daemonDeployment?: string;
  /** The configured dagster_version, e.g. 1.11.16. */
  readonly dagsterVersion: string;
}

export interface WorkspaceChange {
  /** workspace.yaml changed in substance (an owner-only update is not a change). */
  readonly changed: boolean;
  /** Deployments restarted because of the change. */
  readonly restarted: string[];
  /** The webserver reloaded and listed the change. */
  readonly reloaded: boolean;
  /** What the location holds, once loaded (register with reload only). */
  readonly definitions?: DefinitionCounts;
  readonly warnings: string[];
}

export interface RegistrarOptions {
  readonly retry?: Partial<RetryOptions>;
  /** Clock for the restartedAt annotation. */
  readonly now?: () => Date;
  /** Polling of the webserver (tests shorten it). */
  readonly poll?: Partial<Omit<PollOptions, "timeoutMs">>;
}

const DEFAULT_WEBSERVER_SERVICE = INSTANCE_DEFAULTS.webserverService;
const DEFAULT_WEBSERVER_PORT = INSTANCE_DEFAULTS.webserverPort;
const DEFAULT_RELOAD_TIMEOUT_SECONDS = 120;
const REQUEST_TIMEOUT_MS = 60_000;

export class WorkspaceRegistrar {
  private readonly api: KubeApi;
  private readonly retry: RetryOptions;
  private readonly now: () => Date;
  private readonly kc: k8s.KubeConfig;
  private readonly poll: Omit<PollOptions, "timeoutMs">;

  /** `kc` must already point at the right context (see loadKubeConfig). */
  constructor(kc: k8s.KubeConfig, options: RegistrarOptions = {}) {
    this.kc = kc;
    this.api = makeKubeApi(kc);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.now = options.now ?? (() => new Date());
    this.poll = {
      intervalMs: DEFAULT_POLL_INTERVAL_MS,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      ...options.poll,
    };
  }

  async register(request: RegisterRequest): Promise<WorkspaceChange> {
    const problems = [...entryProblems(request.entry), ...ownerProblems(request.owner)];
    if (problems.length > 0) throw new UserError(problems);
    const ref = configMapRef(request);
    const args = { entry: request.entry, owner: request.owner, adoptUnowned: request.adoptUnowned ?? false };
    const plan = await compareAndSwap(this.api, ref, (current) => planRegister(ref, current, args), this.retry);
    const { host, port, locationName } = request.entry;
    return this.apply(plan.contentChanged, request, locationName, { listed: true, host, port }, [...plan.warnings]);
  }

  /** Removes this owner's entry; absent is fine, and entries of others are never touched. */
  async unregister(request: UnregisterRequest): Promise<WorkspaceChange> {
    const problems = ownerProblems(request.owner);
    if (problems.length > 0) throw new UserError(problems);
    const ref = configMapRef(request);
    const args = { locationName: request.locationName, owner: request.owner };
    const plan = await compareAndSwap(this.api, ref, (current) => planUnregister(ref, current, args), this.retry);
    if (!plan.contentChanged) return { changed: false, restarted: [], reloaded: false, warnings: [...plan.warnings] };
    return this.apply(true, request, request.locationName, { listed: false }, [...plan.warnings]);
  }

  /** The entry and its owner as stored now, for drift detection (see entryMatches). */
  async readEntry(request: ReadEntryRequest): Promise<EntryState> {
    const ref = configMapRef(request);
    return entryState(ref, await this.api.readConfigMap(ref.namespace, ref.name), request.locationName);
  }

  async checkDagsterVersion(request: VersionCheckRequest): Promise<{ warnings: string[] }> {
    const daemonDeployment = request.daemonDeployment ?? DEFAULT_DAEMON_DEPLOYMENT;
    const deployment = await this.api.readDeployment(request.namespace, daemonDeployment);
    return checkDaemonVersion(deployment, { ...request, daemonDeployment });
  }

  /**
   * Makes the webserver see the workspace as written: a GraphQL reload (checked until it lists the
   * change, and the location's load error thrown), or with mode "restart", or when the webserver
   * cannot be reached, a restart of its Deployment. The daemon needs neither: it reads
   * workspace.yaml again every 60 s (Dagster's RELOAD_WORKSPACE_INTERVAL).
   */
  private async apply(
    changed: boolean,
    request: WorkspaceTarget & { restart?: RestartTargets; reload?: ReloadTarget },
    locationName: string,
    expect: Expectation,
    warnings: string[],
  ): Promise<WorkspaceChange> {
    const reload = request.reload ?? {};
    const restart = async (why: string | undefined): Promise<WorkspaceChange> => {
      if (!changed) {
        if (why) warnings.push(`${why}; could not check that code location "${locationName}" loaded`);
        return { changed, restarted: [], reloaded: false, warnings };
      }
      const webserver = request.restart?.webserver ?? DEFAULT_WEBSERVER_DEPLOYMENT;
      const result = await restartDeployments(this.api, request.namespace, [webserver], this.now());
      if (why) warnings.push(`${why}; restarted Deployment ${request.namespace}/${webserver} instead (the UI is down while it restarts)`);
      return { changed, restarted: result.restarted, reloaded: false, warnings: [...warnings, ...result.warnings] };
    };
    if (reload.mode === "restart") return restart(undefined);

    const web = this.webserver(request.namespace, reload);
    let entry;
    try {
      const timeoutMs = (reload.timeoutSeconds ?? DEFAULT_RELOAD_TIMEOUT_SECONDS) * 1000;
      entry = await reloadUntilListed(web, locationName, expect, changed, { ...this.poll, timeoutMs });
    } catch (err) {
      const name = (err as Error | null)?.name;
      if (name !== "ServiceUnreachable" && name !== "WebserverRefused") throw err;
      const reason = (err as { reason?: string }).reason ?? (err as Error).message;
      return restart(`cannot reload through the Dagster webserver's GraphQL API (${web.where}): ${reason}`);
    }
    if (entry?.error) throw new UserError(loadErrorMessage(locationName, entry.error, reload.uiUrl));
    return { changed, restarted: [], reloaded: true, ...(entry?.definitions && { definitions: entry.definitions }), warnings };
  }

  private webserver(namespace: string, reload: ReloadTarget): DagsterWebserver {
    const ref = { namespace, service: reload.service ?? DEFAULT_WEBSERVER_SERVICE, port: reload.port ?? DEFAULT_WEBSERVER_PORT };
    return dagsterWebserver(this.kc, ref, REQUEST_TIMEOUT_MS);
  }
}

function configMapRef(target: WorkspaceTarget): ConfigMapRef {
  return { namespace: target.namespace, name: target.configMapName ?? DEFAULT_CONFIG_MAP_NAME };
}

function ownerProblems(owner: string): string[] {
  return typeof owner === "string" && owner.trim() !== "" ? [] : ["the owner of a code location must be a non-empty \"<project>/<stack>\""];
}
