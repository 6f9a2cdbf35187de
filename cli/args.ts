import { parseArgs } from "node:util";
import { UserError } from "../lib/shared/errors";

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** node:util parseArgs with errors a user can read: "<command>: unknown option --x". */
export function parseCommandArgs<T extends Options>(command: string, args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (err) {
    // Some of node's messages run over two lines; a problem is one line.
    throw new UserError(`${command}: ${(err as Error).message.replace(/\s*\n\s*/g, " ")}`);
  }
}
