/**
 * A Helm release's status as `helm status` reports it, read from the labels of the Secrets Helm's
 * default storage driver keeps per revision (`sh.helm.release.v1.<release>.v<n>`), so neither the
 * helm binary nor the release's values (the Secrets' data) are needed.
 */
import type * as k8s from "@kubernetes/client-node";

export interface HelmReleaseStatus {
  readonly revision: number;
  /** deployed, failed, pending-install, pending-upgrade, pending-rollback, uninstalling, superseded. */
  readonly status: string;
  /** The revision before the newest failed: an atomic upgrade that was rolled back. */
  readonly previousFailed: boolean;
}

export function helmReleaseSelector(release: string): string {
  return `owner=helm,name=${release}`;
}

/** The newest revision among the release's Secrets' metadata; undefined when Helm has none. */
export function helmReleaseStatus(revisions: readonly k8s.V1ObjectMeta[]): HelmReleaseStatus | undefined {
  const known = revisions
    .map((m) => ({ revision: Number(m.labels?.version), status: m.labels?.status ?? "unknown" }))
    .filter((r) => Number.isInteger(r.revision) && r.revision > 0)
    .sort((a, b) => b.revision - a.revision);
  const [newest, before] = known;
  if (newest === undefined) return undefined;
  return { ...newest, previousFailed: before?.status === "failed" };
}

/** A release as `stacks status` reports it: its status, or "not installed" when Helm has no revision. */
export interface HelmReleaseReport {
  readonly name: string;
  readonly status: string;
  readonly revision?: number;
  readonly previousFailed?: boolean;
}

export function helmReleaseReport(name: string, status: HelmReleaseStatus | undefined): HelmReleaseReport {
  return status === undefined ? { name, status: "not installed" } : { name, ...status };
}

/** "r: deployed (revision 5)", "r: deployed (revision 5; revision 4 failed and was rolled back)", "r: not installed". */
export function describeHelmRelease(r: HelmReleaseReport): string {
  if (r.revision === undefined) return `${r.name}: ${r.status}`;
  const rolledBack = r.previousFailed === true && r.status === "deployed" ? `; revision ${r.revision - 1} failed and was rolled back` : "";
  return `${r.name}: ${r.status} (revision ${r.revision}${rolledBack})`;
}
