/** The Debian packages the benchmarks run, checked (and installed when we may) before anything is measured. */
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** tool on PATH → the Debian package that ships it. */
export const TOOLS: Readonly<Record<string, string>> = {
  "docker-registry": "docker-registry",
  skopeo: "skopeo",
  podman: "podman",
  tar: "tar",
  sha256sum: "coreutils",
  git: "git",
};

function onPath(tool: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missingPackages(): string[] {
  return [...new Set(Object.entries(TOOLS).filter(([tool]) => !onPath(tool)).map(([, pkg]) => pkg))];
}

/**
 * Installs missing packages with apt-get when running as root (a CI container, a scratch VM) and
 * BENCH_NO_APT is unset; otherwise returns the missing ones so the caller can say what to install.
 */
export function ensurePackages(log: (line: string) => void): string[] {
  let missing = missingPackages();
  if (missing.length === 0) return [];
  const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (process.getuid?.() === 0 && !process.env.BENCH_NO_APT && onPath("apt-get")) {
    log(`installing ${missing.join(", ")}: ${command}`);
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: "inherit" });
    missing = missingPackages();
  }
  if (missing.length > 0) log(`missing Debian packages: run  sudo apt-get install -y --no-install-recommends ${missing.join(" ")}`);
  return missing;
}

/** `dpkg-query` versions, for the record; "?" where dpkg does not know the package. */
export function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const pkg of new Set(Object.values(TOOLS))) {
    try {
      versions[pkg] = execFileSync("dpkg-query", ["-W", "-f", "${Version}", pkg], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      versions[pkg] = "?";
    }
  }
  return versions;
}
