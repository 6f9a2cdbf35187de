import { mkdirSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import type * as Tar from "tar";
import { UserError } from "../shared/errors";

const REGULAR = new Set(["File", "OldFile", "ContiguousFile", "Directory"]);

/**
 * Why an archive entry may not be unpacked: a path that is absolute or climbs out with "..", or an
 * entry that is not a plain file or directory (links could point anywhere); undefined when it is fine.
 */
export function entryProblem(entryPath: string, type: string): string | undefined {
  if (entryPath.includes("\0")) return "holds a NUL character";
  if (path.posix.isAbsolute(entryPath) || /^[a-zA-Z]:[\\/]/.test(entryPath) || entryPath.startsWith("\\")) return "is an absolute path";
  if (entryPath.split(/[\\/]/).includes("..")) return 'climbs out of the directory with ".."';
  if (!REGULAR.has(type)) return `is a ${type}, not a file or directory`;
  return undefined;
}

/**
 * Unpacks the gzipped tar `archive` into `dest` after checking every entry, so nothing lands
 * outside `dest`; `what` names the archive in the error. Returns the top-level directory holding
 * Chart.yaml (charts are packed as `<name>/Chart.yaml`).
 */
export function unpackChartArchive(archive: string, dest: string, what: string): string {
  // tar loads only when a chart archive is unpacked (a chart cache miss).
  const tar = require("tar") as typeof Tar; // eslint-disable-line @typescript-eslint/no-require-imports
  const problems: string[] = [];
  readable(what, () =>
    tar.t({
      file: archive,
      sync: true,
      strict: true,
      onReadEntry: (entry) => {
        const problem = entryProblem(entry.path, entry.type);
        if (problem) problems.push(`${what}: refusing to unpack: entry "${entry.path}" ${problem}`);
      },
    }),
  );
  if (problems.length > 0) throw new UserError(problems);
  mkdirSync(dest, { recursive: true });
  readable(what, () => tar.x({ file: archive, cwd: dest, sync: true, strict: true, preservePaths: false, noChmod: true }));
  const tops = readdirSync(dest).filter((name) => statSync(path.join(dest, name)).isDirectory() && hasChartYaml(path.join(dest, name)));
  if (tops.length !== 1) throw new UserError(`${what}: expected one chart directory with a Chart.yaml at the top of the archive, found ${tops.length}`);
  return path.join(dest, tops[0] as string);
}

/** A damaged archive is the source's fault, told as such rather than as tar's stack trace. */
function readable(what: string, read: () => void): void {
  try {
    read();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if ((typeof code === "string" && code.startsWith("TAR_")) || /zlib|incorrect header|unexpected end/i.test(String(err))) {
      throw new UserError(`${what}: not a readable gzipped tar archive (${err instanceof Error ? err.message : String(err)})`);
    }
    throw err;
  }
}

function hasChartYaml(dir: string): boolean {
  try {
    return statSync(path.join(dir, "Chart.yaml")).isFile();
  } catch {
    return false;
  }
}
