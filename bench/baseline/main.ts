/**
 * Runs bench/baseline/program.ts under the same mocks as `render` (runProgramUnderMocks), and
 * prints the resource types it registered: the baseline child of the program benchmark.
 */
import { runProgramUnderMocks } from "../../cli/programUnderMocks";

async function main(): Promise<void> {
  const run = await runProgramUnderMocks({
    project: "dagster-code-locations",
    stack: "dev",
    config: {},
    secretKeys: [],
    cwd: process.cwd(),
    load: () => require("./program"),
    computed: { "docker-build:index:Image": () => ({ digest: `sha256:${"0".repeat(64)}` }) },
  });
  process.stdout.write(`${JSON.stringify({ types: run.resources.map((r) => r.type), outputs: run.outputs })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
