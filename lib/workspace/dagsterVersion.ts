/**
 * Dagster version preflight: code servers must run the instance's Dagster version. dagster-uc execs
 * `dagster --version` in the daemon pod; reading the daemon's image tag needs no exec permission.
 */
import type { V1Deployment } from "@kubernetes/client-node";
import { UserError } from "../shared/errors";

/** The tag of an image reference (`repo:tag`, `repo:tag@sha256:...`), or undefined (digest only). */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split("@")[0] ?? "";
  const colon = withoutDigest.lastIndexOf(":");
  // A colon before the last slash belongs to a registry port (host:5000/repo).
  if (colon < 0 || colon < withoutDigest.lastIndexOf("/")) return undefined;
  return withoutDigest.slice(colon + 1) || undefined;
}

/** "1.11.16" from `1.11.16`, `v1.11.16`, `1.11.16-py3.11`; undefined from `latest`. */
export function leadingVersion(text: string): string | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?!\d)/.exec(text.trim());
  return match ? match.slice(1, 4).map(Number).join(".") : undefined;
}

/** The daemon's container: the only one, else the one named like a daemon, else the first. */
export function daemonImage(deployment: V1Deployment): string | undefined {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const chosen = containers.length === 1 ? containers[0] : containers.find((c) => c.name.includes("daemon")) ?? containers[0];
  return chosen?.image;
}

/**
 * Compares the daemon's Dagster version with `dagsterVersion`. Mismatch: UserError. Missing daemon
 * or unreadable tag: a warning, since the check cannot decide.
 */
export function checkDaemonVersion(
  deployment: V1Deployment | undefined,
  request: { namespace: string; daemonDeployment: string; dagsterVersion: string },
): { warnings: string[] } {
  const where = `Deployment ${request.namespace}/${request.daemonDeployment}`;
  const skip = "set instance.check_dagster_version: false to skip this check";
  const expected = leadingVersion(request.dagsterVersion);
  if (expected === undefined) {
    throw new UserError(`dagster_version "${request.dagsterVersion}" is not a version like 1.11.16`);
  }
  if (deployment === undefined) {
    return { warnings: [`${where} not found, so the instance's Dagster version was not checked`] };
  }
  const image = daemonImage(deployment);
  const tag = image === undefined ? undefined : imageTag(image);
  const actual = tag === undefined ? undefined : leadingVersion(tag);
  if (actual === undefined) {
    return { warnings: [`${where} runs image "${image ?? "(none)"}" whose tag names no Dagster version; the version was not checked`] };
  }
  if (actual !== expected) {
    throw new UserError(
      `the Dagster instance runs Dagster ${actual} (${where}, image ${image}) but dagster_version is ${request.dagsterVersion}; use the instance's version, or ${skip}`,
    );
  }
  return { warnings: [] };
}
