#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import type { Command } from "./io";

// Node's fetch parses HTTP with a WebAssembly module that V8 re-compiles optimized in the
// background; a process that is done waits for that compile before it exits (50-60 ms here, a
// third of `next-tag`). The baseline compiler alone is plenty for a few registry answers. Set
// before any WebAssembly is compiled, which is what V8 needs for this flag to apply.
setFlagsFromString("--liftoff-only");
import { COMMANDS, listHelp, PROGRAM } from "./usage";

// Each command loads its own modules only when it runs: `--help`, a usage error or `names` never
// pay for Pulumi, the registry client or the chart code.
/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading is the point */
const loaders: Record<string, () => Command> = {
  render: () => (require("./commands/render") as typeof import("./commands/render")).render,
  names: () => (require("./commands/names") as typeof import("./commands/names")).names,
  "import-config": () => (require("./commands/import-config") as typeof import("./commands/import-config")).importConfig,
  "next-tag": () => (require("./commands/next-tag") as typeof import("./commands/next-tag")).nextTag,
  stacks: () => (require("./commands/stacks") as typeof import("./commands/stacks")).stacks,
};
/* eslint-enable @typescript-eslint/no-require-imports */

const SUMMARY = "Ships a Dagster code location per branch with Pulumi: helper commands beside `pulumi up`.";

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const write = (text: string) => process.stdout.write(text);
  if (name === "--help" || name === "-h" || name === "help") {
    write(listHelp("", SUMMARY, COMMANDS));
    return 0;
  }
  const load = name === undefined ? undefined : loaders[name];
  if (!load) {
    const problem = name === undefined ? "which command?" : `unknown command "${name}"`;
    process.stderr.write(`error: ${problem}\nusage: ${PROGRAM} <${Object.keys(loaders).join("|")}> [options]\nhint: ${PROGRAM} --help lists them\n`);
    return 2;
  }
  const { processIo, runCommand } = require("./io") as typeof import("./io"); // eslint-disable-line @typescript-eslint/no-require-imports
  return runCommand(load(), args, processIo());
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
