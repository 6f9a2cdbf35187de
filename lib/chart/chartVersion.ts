import prerelease from "semver/functions/prerelease";
import rcompare from "semver/functions/rcompare";
import valid from "semver/functions/valid";

/** OCI tags cannot hold "+", so Helm pushes a version's build metadata with "_" instead. */
export function versionFromOciTag(tag: string): string {
  return tag.replace(/_/g, "+");
}

export function ociTagFromVersion(version: string): string {
  return version.replace(/\+/g, "_");
}

/**
 * The version to deploy among those a chart source offers: `requested` itself (semver-equal, so
 * "v1.2.3" finds "1.2.3"), or with `requested` undefined the highest stable semantic version, as
 * Helm picks without --devel. undefined when there is none.
 */
export function pickChartVersion(available: readonly string[], requested: string | undefined): string | undefined {
  if (requested !== undefined) {
    const wanted = valid(requested, { loose: true });
    return available.find((v) => v === requested) ?? (wanted ? available.find((v) => valid(v, { loose: true }) === wanted) : undefined);
  }
  const stable = available.filter((v) => valid(v, { loose: true }) !== null && prerelease(v, { loose: true }) === null);
  return stable.sort((a, b) => rcompare(a, b, { loose: true }))[0];
}
