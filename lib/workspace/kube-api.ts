/**
 * The few Kubernetes calls the workspace needs, over @kubernetes/client-node. Expected outcomes
 * (missing object, 409) are return values; anything else is a one-line UserError (wrong context,
 * RBAC, unreachable cluster are all things the user fixes).
 */
import type * as k8s from "@kubernetes/client-node";
import { kubernetesClient } from "./client";
import { UserError } from "../shared/errors";

/** "conflict": 409 (stale resourceVersion, or AlreadyExists on create). "gone": 404 on replace. */
export type WriteOutcome = "ok" | "conflict" | "gone";

export interface KubeApi {
  readConfigMap(namespace: string, name: string): Promise<k8s.V1ConfigMap | undefined>;
  createConfigMap(namespace: string, body: k8s.V1ConfigMap): Promise<WriteOutcome>;
  /** Replaces with body.metadata.resourceVersion as precondition. */
  replaceConfigMap(namespace: string, name: string, body: k8s.V1ConfigMap): Promise<WriteOutcome>;
  readDeployment(namespace: string, name: string): Promise<k8s.V1Deployment | undefined>;
  /** Strategic-merge patch; false when the Deployment does not exist. */
  patchDeployment(namespace: string, name: string, patch: object): Promise<boolean>;
  listPods(namespace: string, labelSelector: string): Promise<k8s.V1Pod[]>;
  /** The last `tailLines` of a container's log; `previous` is the run before the current one. */
  readPodLog(namespace: string, name: string, container: string, options: { previous: boolean; tailLines: number }): Promise<string>;
  /** Only the metadata of matching Secrets: their data (a Helm release's values) never leaves this call. */
  listSecretMetadata(namespace: string, labelSelector: string): Promise<k8s.V1ObjectMeta[]>;
}

export function makeKubeApi(kc: k8s.KubeConfig): KubeApi {
  const client = kubernetesClient();
  const core = kc.makeApiClient(client.CoreV1Api);
  const apps = kc.makeApiClient(client.AppsV1Api);
  // The generated client defaults PATCH to JSON Patch; kubectl rollout restart sends a strategic merge.
  const strategicMerge = client.setHeaderOptions("Content-Type", client.PatchStrategy.StrategicMergePatch);
  const cm = (namespace: string, name: string) => `configmap ${namespace}/${name}`;
  const deploy = (namespace: string, name: string) => `deployment ${namespace}/${name}`;

  return {
    readConfigMap: (namespace, name) =>
      call(`get ${cm(namespace, name)}`, () => core.readNamespacedConfigMap({ namespace, name }), { 404: undefined }),
    createConfigMap: (namespace, body) =>
      call(`create ${cm(namespace, body.metadata?.name ?? "")}`, async () => {
        await core.createNamespacedConfigMap({ namespace, body });
        return "ok" as const;
      }, { 409: "conflict" as const }),
    replaceConfigMap: async (namespace, name, body) => {
      // Without a resourceVersion the replace would be unconditional: a lost update.
      if (!body.metadata?.resourceVersion) throw new Error(`bug: replace ${cm(namespace, name)} without resourceVersion`);
      return call(`replace ${cm(namespace, name)}`, async () => {
        await core.replaceNamespacedConfigMap({ namespace, name, body });
        return "ok" as const;
      }, { 409: "conflict" as const, 404: "gone" as const });
    },
    readDeployment: (namespace, name) =>
      call(`get ${deploy(namespace, name)}`, () => apps.readNamespacedDeployment({ namespace, name }), { 404: undefined }),
    patchDeployment: (namespace, name, patch) =>
      call(`patch ${deploy(namespace, name)}`, async () => {
        await apps.patchNamespacedDeployment({ namespace, name, body: patch }, strategicMerge);
        return true;
      }, { 404: false }),
    listPods: (namespace, labelSelector) =>
      call(`list pods in ${namespace}`, async () => (await core.listNamespacedPod({ namespace, labelSelector })).items, {}),
    readPodLog: (namespace, name, container, { previous, tailLines }) =>
      call(`read the log of pod ${namespace}/${name}`, () => core.readNamespacedPodLog({ namespace, name, container, previous, tailLines }), {}),
    listSecretMetadata: (namespace, labelSelector) =>
      call(`list secrets in ${namespace}`, async () => (await core.listNamespacedSecret({ namespace, labelSelector })).items.map((s) => s.metadata ?? {}), {}),
  };
}

/** Runs one API call; HTTP codes listed in `expected` map to values, the rest to a UserError. */
async function call<T, E>(what: string, run: () => Promise<T>, expected: Readonly<Record<number, E>>): Promise<T | E> {
  try {
    return await run();
  } catch (err) {
    const code = statusCode(err);
    if (code !== undefined && code in expected) return expected[code] as E;
    throw new UserError(`Kubernetes API: ${what} failed: ${describeError(err)}`);
  }
}

function statusCode(err: unknown): number | undefined {
  // ApiException carries `code`; checked structurally so a second copy of the library still matches.
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** "403 Forbidden: <Status message>" for API errors, the first line of the message otherwise. */
function describeError(err: unknown): string {
  const code = statusCode(err);
  if (code === undefined) return firstLine(err instanceof Error ? err.message : String(err));
  const status = parseStatus((err as { body?: unknown }).body);
  const reason = status?.reason ? ` ${status.reason}` : "";
  const message = status?.message ? `: ${status.message}` : "";
  return `${code}${reason}${message}`;
}

/** The client hands over undeclared error bodies as raw text; Kubernetes sends a Status object. */
function parseStatus(body: unknown): { reason?: string; message?: string } | undefined {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: firstLine(body.trim()) } : undefined;
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { reason, message } = value as { reason?: unknown; message?: unknown };
  return {
    reason: typeof reason === "string" ? reason : undefined,
    message: typeof message === "string" ? firstLine(message) : undefined,
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
