// Entry point of `npm run -s next-tag -- ...` (package.json: "next-tag": "node --import tsx cli/bin/next-tag.ts").
import { nextTag } from "../commands/next-tag";
import { processIo, runCommand } from "../io";

void runCommand(nextTag, process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
