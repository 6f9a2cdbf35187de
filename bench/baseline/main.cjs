// The baseline child of the program benchmark, run as `render` runs the real program: compiled
// JavaScript (dist/cli, `npm run build` first) loading bench/baseline/program.ts through
// loadProgram (the project's ts-node, as Pulumi's TypeScript support does) under the same
// runProgramUnderMocks. Prints the resource types it registered. Plain CommonJS so that no
// TypeScript loader (tsx) is in place before loadProgram decides how to load the program.
"use strict";
const path = require("node:path");
const dist = path.resolve(__dirname, "../../dist/cli");
const { runProgramUnderMocks } = require(path.join(dist, "programUnderMocks.js"));
const { loadProgram } = require(path.join(dist, "programLoader.js"));

runProgramUnderMocks({
  project: "dagster-code-locations",
  stack: "dev",
  config: {},
  secretKeys: [],
  cwd: __dirname,
  load: () => loadProgram(__dirname),
  computed: { "docker-build:index:Image": () => ({ digest: `sha256:${"0".repeat(64)}` }) },
}).then(
  (run) => process.stdout.write(`${JSON.stringify({ types: run.resources.map((r) => r.type), outputs: run.outputs })}\n`),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
