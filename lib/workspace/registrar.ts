/**
 * Registers one code location in the Dagster instance's workspace ConfigMap, and reloads the
 * instance when the workspace really changed. Plain async functions for a Pulumi dynamic provider.
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
  readonly daemon?: string;
}

export interface RegisterRequest extends WorkspaceTarget {
  readonly entry: GrpcServerEntry;
  /** "<project>/<stack>", recorded as the entry's owner. */
  readonly owner: string;
  /** Take over an entry of the same name that no stack owns. */
  readonly adoptUnowned?: boolean;
  readonly restart?: RestartTargets;
}

export interface UnregisterRequest extends WorkspaceTarget {
  readonly locationName: string;
  readonly owner: string;
  readonly restart?: RestartTargets;
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
  readonly warnings: string[];
}

export interface RegistrarOptions {
  readonly retry?: Partial<RetryOptions>;
  /** Clock for the restartedAt annotation. */
  readonly now?: () => Date;
}

export class WorkspaceRegistrar {
  private readonly api: KubeApi;
  private readonly retry: RetryOptions;
  private readonly now: () => Date;

  /** `kc` must already point at the right context (see loadKubeConfig). */
  constructor(kc: k8s.KubeConfig, options: RegistrarOptions = {}) {
    this.api = makeKubeApi(kc);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.now = options.now ?? (() => new Date());
  }

  async register(request: RegisterRequest): Promise<WorkspaceChange> {
    const problems = [...entryProblems(request.entry), ...ownerProblems(request.owner)];
    if (problems.length > 0) throw new UserError(problems);
    const ref = configMapRef(request);
    const args = { entry: request.entry, owner: request.owner, adoptUnowned: request.adoptUnowned ?? false };
    const plan = await compareAndSwap(this.api, ref, (current) => planRegister(ref, current, args), this.retry);
    return this.reloadIf(plan.contentChanged, request.namespace, request.restart, [...plan.warnings]);
  }

  /** Removes this owner's entry; absent is fine, and entries of others are never touched. */
  async unregister(request: UnregisterRequest): Promise<WorkspaceChange> {
    const problems = ownerProblems(request.owner);
    if (problems.length > 0) throw new UserError(problems);
    const ref = configMapRef(request);
    const args = { locationName: request.locationName, owner: request.owner };
    const plan = await compareAndSwap(this.api, ref, (current) => planUnregister(ref, current, args), this.retry);
    return this.reloadIf(plan.contentChanged, request.namespace, request.restart, [...plan.warnings]);
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

  private async reloadIf(
    changed: boolean,
    namespace: string,
    targets: RestartTargets | undefined,
    warnings: string[],
  ): Promise<WorkspaceChange> {
    if (!changed) return { changed, restarted: [], warnings };
    const names = [targets?.webserver ?? DEFAULT_WEBSERVER_DEPLOYMENT, targets?.daemon ?? DEFAULT_DAEMON_DEPLOYMENT];
    const result = await restartDeployments(this.api, namespace, names, this.now());
    return { changed, restarted: result.restarted, warnings: [...warnings, ...result.warnings] };
  }
}

function configMapRef(target: WorkspaceTarget): ConfigMapRef {
  return { namespace: target.namespace, name: target.configMapName ?? DEFAULT_CONFIG_MAP_NAME };
}

function ownerProblems(owner: string): string[] {
  return typeof owner === "string" && owner.trim() !== "" ? [] : ["the owner of a code location must be a non-empty \"<project>/<stack>\""];
}
