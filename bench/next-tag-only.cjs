// `next-tag` without dist/cli/main.js: the compiled command function with only its own modules, a
// diagnostic row of the tag benchmark showing what the dispatcher in main.js adds (or does not).
// Plain CommonJS, as main.js runs: no TypeScript loader.
"use strict";
const path = require("node:path");
const dist = path.resolve(__dirname, "../dist/cli");
const { nextTag } = require(path.join(dist, "commands/next-tag.js"));
const { processIo, runCommand } = require(path.join(dist, "io.js"));

runCommand(nextTag, process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
