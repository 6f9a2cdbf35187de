import { cpSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { unpackChartArchive } from "./archive";

const SCHEMA_FILE = "values.schema.json";

/**
 * Copies the chart at `chartDir` to `dest` without a single values.schema.json, its subcharts'
 * included: packed subcharts (`charts/*.tgz`) are unpacked in place first, since Helm reads a
 * subchart's schema from inside its archive too. Returns `dest`.
 */
export function copyWithoutSchemas(chartDir: string, dest: string): string {
  cpSync(chartDir, dest, { recursive: true });
  stripDir(dest);
  return dest;
}

function stripDir(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === SCHEMA_FILE) rmSync(full);
    else if (entry.isDirectory() && entry.name === "charts") unpackSubcharts(full);
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) stripDir(path.join(dir, entry.name));
  }
}

function unpackSubcharts(chartsDir: string): void {
  for (const name of readdirSync(chartsDir).filter((n) => n.endsWith(".tgz") && statSync(path.join(chartsDir, n)).isFile())) {
    const archive = path.join(chartsDir, name);
    const scratch = path.join(chartsDir, `.unpack-${name}`);
    const top = unpackChartArchive(archive, scratch, `subchart ${name}`);
    // Named after the archive, not its top directory: two archives may hold one chart name.
    renameSync(top, path.join(chartsDir, name.slice(0, -".tgz".length)));
    rmSync(scratch, { recursive: true, force: true });
    rmSync(archive);
  }
}
