import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { UserError } from "../lib/shared/errors";

/**
 * The program file Pulumi runs for the project in `dir`: Pulumi.yaml's `main`, else package.json's
 * `exports["."]` or `main`, else index.js or index.ts (what @pulumi/pulumi's cmd/run does).
 */
export function programEntry(dir: string): string {
  const project = parse(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { main?: unknown } | null;
  const candidates: unknown[] = [project?.main];
  const pkgFile = path.join(dir, "package.json");
  if (project?.main === undefined && existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { exports?: unknown; main?: unknown };
    const dot = typeof pkg.exports === "object" && pkg.exports !== null ? (pkg.exports as Record<string, unknown>)["."] : pkg.exports;
    candidates.push(typeof dot === "object" && dot !== null ? (dot as Record<string, unknown>).default : dot, pkg.main);
  }
  candidates.push("index.js", "index.ts");
  for (const candidate of candidates) {
    if (typeof candidate !== "string") continue;
    const file = path.resolve(dir, candidate);
    if (existsSync(file)) return file;
    // Pulumi.yaml's `main` is the program; when it names nothing, there is nothing to run.
    if (candidate === project?.main) throw new UserError(`Pulumi.yaml: main: ${candidate} does not exist in ${dir}`);
  }
  throw new UserError(`no Pulumi program in ${dir}: no Pulumi.yaml main, package.json main, index.js or index.ts`);
}

/**
 * Loads the project's program as Pulumi's TypeScript support does: through the project's own
 * ts-node, types not checked, unless a TypeScript loader is in place already (tsx, in tests).
 */
export function loadProgram(dir: string): unknown {
  const entry = programEntry(dir);
  // Module._extensions is where CommonJS loaders hook in; no typed API says whether one did.
  const extensions = (require as unknown as { extensions: Record<string, unknown> }).extensions;
  if (/\.[cm]?ts$/.test(entry) && extensions[".ts"] === undefined) registerTsNode(dir);
  return require(entry); // eslint-disable-line @typescript-eslint/no-require-imports
}

function registerTsNode(dir: string): void {
  let tsNode: string;
  try {
    tsNode = require.resolve("ts-node", { paths: [dir] });
  } catch {
    throw new UserError(`the program in ${dir} is TypeScript: install ts-node and typescript there as Pulumi expects (npm install -D ts-node typescript)`);
  }
  const tsconfig = path.join(dir, "tsconfig.json");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(tsNode) as { register: (options: object) => void }).register({
    transpileOnly: true,
    ...(existsSync(tsconfig) ? { project: tsconfig } : { skipProject: true }),
  });
}
