import { readFileSync, renameSync, writeFileSync } from "node:fs";
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
  const result = importDagsterUcConfig(values.file, source, pulumiYaml, (name) => readOptional(path.join(dir, name)));

  for (const [name, text] of result.files) {
    const target = path.join(dir, name);
    // Write beside, then rename: an interrupted import never leaves a half-written file.
    writeFileSync(`${target}.tmp`, text);
    renameSync(`${target}.tmp`, target);
    io.stdout(`wrote ${path.relative(io.cwd, target) || target}\n`);
  }
  for (const note of result.notes) io.stdout(`note: ${note}\n`);
  return 0;
};

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new UserError(`import-config: ${flag}: cannot read ${file}`);
  }
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
