/**
 * `stacks status`: what a branch's code location looks like right now. The Helm release's status,
 * the code server's readiness and pods, why it is not serving, and whether Dagster loaded it; read
 * through the stack's own kube context, from its outputs where an update left them.
 */
import type * as k8s from "@kubernetes/client-node";
import { SECRET_PLACEHOLDER } from "../config/stackFiles";
import type { DagsterWebserver, DefinitionCounts } from "../workspace/dagster-graphql";
import type { KubeApi } from "../workspace/kube-api";
import { loadErrorMessage } from "../workspace/reload";
import { explainPods } from "./explainPods";
import { describeHelmRelease, helmReleaseReport, helmReleaseSelector, helmReleaseStatus, type HelmReleaseReport } from "./helmRelease";
import { locationOf } from "./runReport";
import type { StackTarget } from "./target";

export interface PodState {
  readonly name: string;
  readonly phase: string;
  /** Per container: "running", "running, not ready", or the waiting/terminated reason. */
  readonly containers: readonly string[];
  readonly restarts: number;
}

/** The location as the instance's webserver lists it. */
export type DagsterState =
  | { readonly state: "loaded"; readonly definitions?: DefinitionCounts }
  | { readonly state: "loading" }
  | { readonly state: "failed"; readonly error: readonly string[] }
  | { readonly state: "not in the workspace" }
  | { readonly state: "unknown"; readonly reason: string };

export interface StackStatus {
  readonly stack: string;
  /** False before the stack's first successful update (it has no outputs). */
  readonly deployed: boolean;
  readonly context: string;
  readonly location: { readonly name: string; readonly dagsterUrl?: string; readonly image?: string; readonly digest?: string };
  readonly release: HelmReleaseReport;
  /** "ready 1/1", "not ready 0/1", "not found" (the code server Deployment). */
  readonly codeServer: string;
  readonly pods: readonly PodState[];
  readonly dagster: DagsterState;
  readonly explanation?: readonly string[];
}

export interface Cluster {
  readonly kube: Pick<KubeApi, "listPods" | "readPodLog" | "readDeployment" | "listSecretMetadata">;
  readonly webserver: Pick<DagsterWebserver, "workspace">;
}

export async function stackStatus(stack: string, outputs: Readonly<Record<string, unknown>>, target: StackTarget, cluster: Cluster): Promise<StackStatus> {
  const { kube } = cluster;
  const { namespace, deploymentName, releaseName } = target;
  const [revisions, deployment, pods, dagster] = await Promise.all([
    kube.listSecretMetadata(namespace, helmReleaseSelector(releaseName)),
    kube.readDeployment(namespace, deploymentName),
    kube.listPods(namespace, `deployment=${deploymentName}`),
    dagsterState(cluster.webserver, target),
  ]);
  const explanation = await explainPods(kube, namespace, pods);
  const deployed = locationOf(outputs);
  return {
    stack,
    deployed: deployed !== undefined,
    context: target.concealed ? SECRET_PLACEHOLDER : target.context,
    location: omitUndefined({ name: target.locationName, dagsterUrl: target.uiUrl, image: deployed?.image, digest: deployed?.digest }),
    release: helmReleaseReport(releaseName, helmReleaseStatus(revisions)),
    codeServer: readiness(deployment),
    pods: pods.map(podState),
    dagster,
    ...(explanation === undefined ? {} : { explanation }),
  };
}

/** False when there is something to act on: the release is not deployed, the code server fails, or Dagster does not load it. */
export function isServing(s: StackStatus): boolean {
  return s.release.status === "deployed" && s.explanation === undefined && s.dagster.state !== "failed" && s.dagster.state !== "not in the workspace";
}

/** The text `stacks status` prints without --json. */
export function statusLines(s: StackStatus): string[] {
  const out = [`stack: ${s.stack}${s.deployed ? "" : " (no successful update yet)"}`, `kube context: ${s.context}`, `location: ${s.location.name}`];
  if (s.location.dagsterUrl !== undefined) out.push(`dagster: ${s.location.dagsterUrl}`);
  if (s.location.image !== undefined) out.push(`image: ${s.location.image}${s.location.digest === undefined ? "" : ` (${s.location.digest})`}`);
  out.push(`helm release ${describeHelmRelease(s.release)}`);
  out.push(`code server: ${s.codeServer}`);
  for (const p of s.pods) out.push(`  pod ${p.name}: ${p.phase}; ${p.containers.join(", ")}; ${p.restarts} restarts`);
  out.push(...dagsterLines(s.dagster));
  if (s.explanation !== undefined) out.push("why it is not serving:", ...s.explanation.map((l) => `  ${l}`));
  return out;
}

async function dagsterState(webserver: Cluster["webserver"], target: StackTarget): Promise<DagsterState> {
  let entries;
  try {
    entries = await webserver.workspace();
  } catch (err) {
    return { state: "unknown", reason: `the webserver could not be asked: ${err instanceof Error ? err.message : String(err)}` };
  }
  const entry = entries.find((e) => e.name === target.locationName);
  if (entry === undefined) return { state: "not in the workspace" };
  if (entry.error !== undefined) return { state: "failed", error: loadErrorMessage(target.locationName, entry.error, target.uiUrl).split("\n") };
  if (entry.loadStatus === "LOADING") return { state: "loading" };
  return { state: "loaded", ...(entry.definitions === undefined ? {} : { definitions: entry.definitions }) };
}

function dagsterLines(d: DagsterState): string[] {
  switch (d.state) {
    case "loaded": {
      const counts = d.definitions;
      return [`in dagster: loaded${counts === undefined ? "" : ` (${counts.repositories} repositories, ${counts.jobs} jobs, ${counts.assets} assets)`}`];
    }
    case "failed":
      return ["in dagster: failed to load", ...d.error.map((l) => `  ${l}`)];
    case "unknown":
      return [`in dagster: unknown (${d.reason})`];
    default:
      return [`in dagster: ${d.state}`];
  }
}

function readiness(d: k8s.V1Deployment | undefined): string {
  if (d === undefined) return "not found";
  const want = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  return `${ready >= want ? "ready" : "not ready"} ${ready}/${want}`;
}

function podState(pod: k8s.V1Pod): PodState {
  const statuses = pod.status?.containerStatuses ?? [];
  return {
    name: pod.metadata?.name ?? "",
    phase: pod.status?.phase ?? "Unknown",
    containers: statuses.map((c) => {
      const why = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
      if (why !== undefined) return `${c.name} ${why}`;
      return `${c.name} ${c.ready ? "running" : "running, not ready"}`;
    }),
    restarts: statuses.reduce((n, c) => n + c.restartCount, 0),
  };
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
