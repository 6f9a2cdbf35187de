/**
 * Why a code server is not serving, from its pods as the Kubernetes API returns them: the newest
 * failing container's state, its last termination message and the tail of its log, so a Python
 * import error is on screen without kubectl.
 */
import type * as k8s from "@kubernetes/client-node";
import type { KubeApi } from "../workspace/kube-api";

/** Enough of a traceback to see the error and where it came from. */
export const LOG_LINES = 40;

export interface FailingContainer {
  readonly pod: string;
  readonly container: string;
  /** CrashLoopBackOff, ImagePullBackOff, ErrImagePull, OOMKilled, Error, CreateContainerConfigError... */
  readonly state: string;
  readonly message?: string;
  readonly image?: string;
  /** The previous run's log is the one that crashed (kubectl logs --previous). */
  readonly previous: boolean;
  readonly pullFailure: boolean;
  readonly pullSecrets: readonly string[];
}

const PULL_REASONS = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"]);

/** The newest pod's failing container, or undefined when every container is running and ready. */
export function newestFailingContainer(pods: readonly k8s.V1Pod[]): FailingContainer | undefined {
  const newestFirst = [...pods].sort((a, b) => created(b) - created(a));
  for (const pod of newestFirst) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const s of statuses) {
      const failing = describe(s);
      if (failing === undefined) continue;
      return {
        pod: pod.metadata?.name ?? "",
        container: s.name,
        ...failing,
        ...(s.image ? { image: s.image } : {}),
        pullSecrets: (pod.spec?.imagePullSecrets ?? []).map((r) => r.name ?? "").filter((n) => n !== ""),
      };
    }
  }
  return undefined;
}

/** The block `stacks up` and `stacks status` print; log is the container's log (empty if none). */
export function explanationLines(f: FailingContainer, log: string): string[] {
  const out = [`pod ${f.pod}, container ${f.container}: ${f.state}`];
  if (f.message !== undefined) out.push(...f.message.trimEnd().split(/\r?\n/).map((l) => `  ${l}`));
  if (f.pullFailure) {
    out.push(`  image: ${f.image ?? "(unknown)"}`);
    out.push(`  pull secret: ${f.pullSecrets.length === 0 ? "none (the pod has no imagePullSecrets)" : f.pullSecrets.join(", ")}`);
    return out;
  }
  const tail = log.trimEnd().split(/\r?\n/).slice(-LOG_LINES);
  if (tail.length > 0 && tail.some((l) => l !== "")) out.push(`last ${tail.length} lines of its ${f.previous ? "previous run's " : ""}log:`, ...tail);
  return out;
}

function describe(s: k8s.V1ContainerStatus): Omit<FailingContainer, "pod" | "container" | "image" | "pullSecrets"> | undefined {
  const waiting = s.state?.waiting;
  const last = s.lastState?.terminated;
  const terminated = s.state?.terminated;
  if (waiting?.reason !== undefined) {
    const pullFailure = PULL_REASONS.has(waiting.reason);
    // CrashLoopBackOff's own message is only "back-off restarting"; the crash is in the last run.
    const message = pullFailure ? waiting.message : (last?.message ?? waiting.message);
    const why = !pullFailure && last?.reason !== undefined ? `${waiting.reason} (last run: ${last.reason}, exit code ${last.exitCode})` : waiting.reason;
    if (waiting.reason === "ContainerCreating" || waiting.reason === "PodInitializing") return undefined;
    return { state: why, ...(message ? { message } : {}), previous: !pullFailure && last !== undefined, pullFailure };
  }
  if (terminated !== undefined && terminated.exitCode !== 0) {
    return { state: `${terminated.reason ?? "Terminated"} (exit code ${terminated.exitCode})`, ...(terminated.message ? { message: terminated.message } : {}), previous: false, pullFailure: false };
  }
  if (s.state?.running !== undefined && !s.ready && last !== undefined) {
    return { state: `not ready (last run: ${last.reason ?? "terminated"}, exit code ${last.exitCode})`, ...(last.message ? { message: last.message } : {}), previous: true, pullFailure: false };
  }
  return undefined;
}

function created(pod: k8s.V1Pod): number {
  const t = pod.metadata?.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
}

/** Where a branch's code server runs. */
export interface CodeServer {
  readonly namespace: string;
  readonly deploymentName: string;
}

/**
 * Reads the code server's pods (the chart labels them `deployment=<name>`) and explains the newest
 * failing container; undefined when none is failing.
 */
export async function explainCodeServer(kube: Pick<KubeApi, "listPods" | "readPodLog">, server: CodeServer): Promise<string[] | undefined> {
  return explainPods(kube, server.namespace, await kube.listPods(server.namespace, `deployment=${server.deploymentName}`));
}

/** Explains the newest failing container of `pods`, with its log; a log that cannot be read is said, not fatal. */
export async function explainPods(kube: Pick<KubeApi, "readPodLog">, namespace: string, pods: readonly k8s.V1Pod[]): Promise<string[] | undefined> {
  const failing = newestFailingContainer(pods);
  if (failing === undefined) return undefined;
  if (failing.pullFailure) return explanationLines(failing, "");
  const log = await kube
    .readPodLog(namespace, failing.pod, failing.container, { previous: failing.previous, tailLines: LOG_LINES })
    .catch((err: unknown) => `(its log could not be read: ${err instanceof Error ? err.message : String(err)})`);
  return explanationLines(failing, log);
}
