import { importConfig } from "./commands/import-config";
import { names } from "./commands/names";
import { nextTag } from "./commands/next-tag";
import { render } from "./commands/render";
import { stacks } from "./commands/stacks";
import { processIo, runCommand, type Command } from "./io";

const commands: Record<string, Command> = {
  "import-config": importConfig,
  names,
  "next-tag": nextTag,
  render,
  stacks,
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const io = processIo();
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    io.stderr(`usage: cli <${Object.keys(commands).join("|")}> [options]\n`);
    return 2;
  }
  return runCommand(command, args, io);
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
