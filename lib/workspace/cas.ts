/**
 * Read-modify-write of one ConfigMap as compare-and-swap on its resourceVersion. Concurrent writers
 * never lose each other's changes (the loser gets 409 and redoes its edit on a fresh read), and
 * there is no lock that a crashed run could leave behind.
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import { UserError } from "../shared/errors";
import type { KubeApi } from "./kube-api";
import { type ConfigMapRef, describeConfigMap } from "./plan";

export interface RetryOptions {
  /** Total attempts (reads) before giving up. */
  readonly maxAttempts: number;
  /** Backoff before attempt n+1 is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 10,
  baseDelayMs: 25,
  maxDelayMs: 500,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Calls `decide` on the current object (undefined when missing) and writes what it returns, until a
 * write lands or nothing needs writing. `decide` runs again on every retry, so it must be pure;
 * its UserErrors end the loop at once.
 */
export async function compareAndSwap<R extends { next: V1ConfigMap | undefined }>(
  api: KubeApi,
  ref: ConfigMapRef,
  decide: (current: V1ConfigMap | undefined) => R,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<R> {
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    if (attempt > 1) await options.sleep(backoffMs(attempt - 1, options));
    const current = await api.readConfigMap(ref.namespace, ref.name);
    const plan = decide(current);
    if (plan.next === undefined) return plan;
    const outcome = current === undefined
      ? await api.createConfigMap(ref.namespace, withoutResourceVersion(plan.next))
      : await api.replaceConfigMap(ref.namespace, ref.name, plan.next);
    if (outcome === "ok") return plan;
    // "conflict": someone wrote (or created) first; "gone": deleted meanwhile. Both: read again.
  }
  throw new UserError(
    `${describeConfigMap(ref)} kept changing under concurrent writers; gave up after ${options.maxAttempts} attempts, try again`,
  );
}

export function backoffMs(failures: number, options: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "random">): number {
  // Full jitter: spreads writers that collided so they do not collide again in lockstep.
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (failures - 1));
  return Math.floor(options.random() * cap);
}

function withoutResourceVersion(cm: V1ConfigMap): V1ConfigMap {
  const { resourceVersion: _rv, ...metadata } = cm.metadata ?? {};
  return { ...cm, metadata };
}
