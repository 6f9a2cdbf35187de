/**
 * `hash-child.ts CONTEXT CACHEDIR [--cold] [--no-git]`: one hashSource call in a fresh process,
 * as a Pulumi program makes it once per run. Prints {ms, files, bytes, cachedFiles,
 * gitIndexFiles, hash} on stdout; `ms` is the call alone (the Node process already exists when a
 * Pulumi program hashes). --cold empties the stat cache first; --no-git hashes without git's
 * index (`useGit: false`, the walk every non-git context gets).
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import { hashSource } from "../lib/build/sourceHash";

async function main(): Promise<void> {
  const [contextDir, cacheDir, ...flags] = process.argv.slice(2);
  if (!contextDir || !cacheDir) throw new Error("usage: hash-child.ts CONTEXT CACHEDIR [--cold] [--no-git]");
  if (flags.includes("--cold")) rmSync(cacheDir, { recursive: true, force: true });
  const start = process.hrtime.bigint();
  const result = await hashSource({
    contextDir,
    dockerfile: { path: path.join(contextDir, "Dockerfile") },
    buildArgs: { BRANCH_NAME: "main" },
    dagsterVersion: "1.11.16",
    cacheDir,
    useGit: !flags.includes("--no-git"),
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(`${JSON.stringify({ ms, files: result.files, bytes: result.bytes, cachedFiles: result.cachedFiles, gitIndexFiles: result.gitIndexFiles, hash: result.hash })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
