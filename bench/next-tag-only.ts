/**
 * `next-tag` without cli/main.ts: runs the same command function, but loads only its own modules.
 * cli/main.ts imports every command up front (render pulls in @pulumi/pulumi), so this shows what
 * lazy command loading in cli/main.ts would leave of next-tag's time.
 */
import { nextTag } from "../cli/commands/next-tag";
import { processIo, runCommand } from "../cli/io";

runCommand(nextTag, process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
