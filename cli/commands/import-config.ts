import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { UserError } from "../../lib/shared/errors";
import { importDagsterUcConfig } from "../../lib/config/importConfig";
import { parseCommandArgs } from "../args";
import * as usage from "../usage";
import type { Command } from "../io";

/** `import-config --file PATH [--dir DIR]`: dagster-uc's config file → Pulumi.yaml + Pulumi.<env>.yaml. */
export const importConfig: Command = async (args, io) => {
  const { values } = parseCommandArgs(usage.importConfig, args, io.env);
  const dir = path.resolve(io.cwd, values.dir ?? ".");
  const sourcePath = path.resolve(io.cwd, values.file);

  const source = readText(sourcePath, "--file");
  const pulumiYaml = readText(path.join(dir, "Pulumi.yaml"), "--dir");
  // Every file's new content is computed, and every problem found, before anything is written.
  const result = importDagsterUcConfig(values.file, source, pulumiYaml, (name) => readOptional(insideDir(dir, name)));
  const targets = [...result.files].map(([name, text]) => ({ target: insideDir(dir, name), text }));
  writeAll(targets);
  for (const { target } of targets) io.stdout(`wrote ${path.relative(io.cwd, target) || target}\n`);
  for (const note of result.notes) io.stdout(`note: ${note}\n`);
  return 0;
};

/** DIR/name, refusing any name that would leave DIR (the names are checked already; this is the last guard). */
function insideDir(dir: string, name: string): string {
  const target = path.resolve(dir, name);
  if (path.dirname(target) !== dir || path.basename(target) !== name) throw new UserError(`import-config: refusing to write ${name} outside ${dir}`);
  return target;
}

/**
 * Writes every file beside its target first, then renames each over its target: a failure while
 * writing leaves DIR as it was, and no file is ever half-written.
 */
function writeAll(targets: readonly { target: string; text: string }[]): void {
  const suffix = `.import-${randomBytes(4).toString("hex")}.tmp`;
  const written: string[] = [];
  try {
    for (const { target, text } of targets) {
      const temp = `${target}${suffix}`;
      writeFileSync(temp, text, { flag: "wx" });
      written.push(temp);
    }
  } catch (err) {
    for (const temp of written) rmSync(temp, { force: true });
    const why = err instanceof Error && "code" in err ? String(err.code) : String(err);
    throw new UserError(`import-config: --dir: cannot write in ${path.dirname(targets[0]?.target ?? ".")} (${why}); nothing was changed`);
  }
  for (const { target } of targets) renameSync(`${target}${suffix}`, target);
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new UserError(`import-config: ${flag}: cannot read ${file}`);
  }
}

/** The file's text, or undefined when there is none yet; anything else unreadable is an error. */
function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UserError(`import-config: cannot read ${file} (${String((err as NodeJS.ErrnoException).code ?? err)}); nothing was changed`);
  }
}
