/**
 * `stacks status`: what a branch's code location looks like right now, from the stack's outputs and
 * the cluster: the code server Deployment's readiness, its pods, and why it is not serving.
 */
import type * as k8s from "@kubernetes/client-node";
import type { KubeApi } from "../workspace/kube-api";
import { codeServerOf, explanationLines, LOG_LINES, newestFailingContainer } from "./explainPods";
import { locationOf, type LocationReport } from "./runReport";

export interface PodState {
  readonly name: string;
  readonly phase: string;
  /** Per container: "running", "running, not ready", or the waiting/terminated reason. */
  readonly containers: readonly string[];
  readonly restarts: number;
}

export interface StackStatus {
  readonly stack: string;
  readonly location?: LocationReport;
  /** "ready 1/1", "not ready 0/1", "not found" (the code server Deployment, from the cluster). */
  readonly release?: string;
  readonly pods?: readonly PodState[];
  readonly explanation?: readonly string[];
}

type Cluster = Pick<KubeApi, "listPods" | "readPodLog" | "readDeployment">;

export async function stackStatus(stack: string, outputs: Readonly<Record<string, unknown>>, kube: () => Cluster): Promise<StackStatus> {
  const location = locationOf(outputs);
  const base = { stack, ...(location === undefined ? {} : { location }) };
  const server = codeServerOf(outputs);
  if (server === undefined) return base;
  const api = kube();
  const deployment = await api.readDeployment(server.namespace, server.deploymentName);
  const pods = await api.listPods(server.namespace, `deployment=${server.deploymentName}`);
  const failing = newestFailingContainer(pods);
  let explanation: string[] | undefined;
  if (failing !== undefined) {
    const log = failing.pullFailure
      ? ""
      : await api
          .readPodLog(server.namespace, failing.pod, failing.container, { previous: failing.previous, tailLines: LOG_LINES })
          .catch((err: unknown) => `(its log could not be read: ${err instanceof Error ? err.message : String(err)})`);
    explanation = explanationLines(failing, log);
  }
  return { ...base, release: readiness(deployment), pods: pods.map(podState), ...(explanation === undefined ? {} : { explanation }) };
}

/** The text `stacks status` prints without --json. */
export function statusLines(s: StackStatus): string[] {
  const out = [`stack: ${s.stack}`];
  if (s.location === undefined) return [...out, "not deployed (the stack has no outputs)"];
  out.push(`location: ${s.location.name}`);
  if (s.location.dagsterUrl !== undefined) out.push(`dagster: ${s.location.dagsterUrl}`);
  if (s.location.image !== undefined) out.push(`image: ${s.location.image}${s.location.digest === undefined ? "" : ` (${s.location.digest})`}`);
  if (s.release !== undefined) out.push(`code server: ${s.release}`);
  for (const p of s.pods ?? []) out.push(`  pod ${p.name}: ${p.phase}; ${p.containers.join(", ")}; ${p.restarts} restarts`);
  if (s.explanation !== undefined) out.push("why it is not serving:", ...s.explanation.map((l) => `  ${l}`));
  return out;
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
