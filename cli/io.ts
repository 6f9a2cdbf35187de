import { isUserError } from "../lib/shared/errors";
import { HelpRequested, UsageError } from "./args";

/** What a command may touch: its streams and environment, so tests can drive it in-process. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** A CLI command: parses its own arguments, returns the process exit code. */
export type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

/**
 * Runs a command: help goes to stdout (exit 0), a wrong command line to stderr with the usage
 * line (exit 2), any other user error as its one-line messages (exit 1).
 */
export async function runCommand(command: Command, args: readonly string[], io: CommandIo): Promise<number> {
  try {
    return await command(args, io);
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.stdout(err.text);
      return 0;
    }
    if (isUserError(err)) {
      for (const line of err.problems) io.stderr(`error: ${line}\n`);
      if (err instanceof UsageError) {
        for (const line of err.usage) io.stderr(`${line}\n`);
        return 2;
      }
      return 1;
    }
    throw err;
  }
}

export function processIo(): CommandIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
