import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ChartSource } from "./source";
import { UserError } from "../shared/errors";
import { sha256Hex } from "../shared/fileDigest";

/**
 * The registry config a run gives Helm, if any: only for an OCI chart that Helm pulls itself (the
 * schema kept, so not from a local copy) from a registry that wants credentials.
 */
export function helmRegistryConfigPath(source: ChartSource, authenticated: boolean, project: string, stack: string): string | undefined {
  const helmPulls = source.ociRepository !== undefined && !source.skipSchemaValidation;
  return helmPulls && authenticated ? registryConfigPath(project, stack) : undefined;
}

/**
 * Where Helm finds this stack's registry credentials while a run deploys an OCI chart: under the
 * temp directory, private to this user, one directory per stack. Stable, so the Kubernetes
 * provider's inputs do not change from run to run; the file itself lives only as long as the run.
 */
export function registryConfigPath(project: string, stack: string, base: string = tmpdir()): string {
  const uid = process.getuid?.() ?? 0;
  const id = sha256Hex(`${project}/${stack}`).slice(0, 16);
  return path.join(base, `dagster-code-locations-${uid}`, id, "registry-config.json");
}

/**
 * Writes a Docker-style registry config (`{"auths": {host: {auth}}}`, what Helm's registry client
 * reads) with mode 0600, and removes it when this process exits. Refuses directories that are not
 * this user's alone, so nobody else can read or swap the file.
 */
export function writeRegistryConfig(file: string, host: string, username: string, password: string): void {
  const stackDir = path.dirname(file);
  const userDir = path.dirname(stackDir);
  for (const dir of [userDir, stackDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    assertPrivate(dir);
  }
  const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  const scratch = `${file}.${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(scratch, JSON.stringify({ auths: { [host]: { auth } } }), { mode: 0o600, flag: "wx" });
  renameSync(scratch, file);
  process.once("exit", () => rmSync(file, { force: true }));
}

function assertPrivate(dir: string): void {
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  const ours = uid === undefined || stat.uid === uid;
  if (!stat.isDirectory() || stat.isSymbolicLink() || !ours || (stat.mode & 0o077) !== 0) {
    throw new UserError(`refusing to write registry credentials into ${dir}: it is not a directory only this user can use (remove it, or set TMPDIR elsewhere)`);
  }
}
