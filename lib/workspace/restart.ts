/**
 * Makes the Dagster instance reload workspace.yaml: the webserver and daemon read it only at
 * start, so they are restarted the way `kubectl rollout restart` does it.
 */
import { UserError } from "../shared/errors";
import type { KubeApi } from "./kube-api";

export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

/** The strategic-merge patch kubectl sends: only the pod-template annotation changes. */
export function restartPatch(now: Date): object {
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: rfc3339(now) } } } } };
}

/** RFC 3339 in UTC without fractional seconds, as kubectl writes it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Restarts each named Deployment. A missing one is a warning; any other failure is a UserError
 * telling the user that the workspace did change and how to restart by hand.
 */
export async function restartDeployments(
  api: KubeApi,
  namespace: string,
  names: readonly string[],
  now: Date,
): Promise<{ restarted: string[]; warnings: string[] }> {
  const unique = [...new Set(names)];
  const patch = restartPatch(now);
  const results = await Promise.allSettled(unique.map((name) => api.patchDeployment(namespace, name, patch)));
  const restarted: string[] = [];
  const warnings: string[] = [];
  const failures: string[] = [];
  results.forEach((result, i) => {
    const name = unique[i] as string;
    if (result.status === "fulfilled" && result.value) restarted.push(name);
    else if (result.status === "fulfilled") {
      warnings.push(`Deployment ${namespace}/${name} not found, so it was not restarted; check the instance's deployment names`);
    } else {
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
      failures.push(
        `the workspace changed but Deployment ${namespace}/${name} could not be restarted (${reason}); run: kubectl -n ${namespace} rollout restart deployment/${name}`,
      );
    }
  });
  if (failures.length > 0) throw new UserError(failures);
  return { restarted, warnings };
}
