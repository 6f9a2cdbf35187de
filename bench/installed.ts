/**
 * A Dagster repository as users have one: the template's files, this repository's dev config and
 * example code, and the packed package installed from npm's cache (`npm pack`, `npm install`), as
 * test/package.test.ts builds it. The program benchmark renders there, since only an installed
 * package gives the dynamic providers as requires (components/dynamicResource.ts).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, parseDocument } from "yaml";
import { REPO_ROOT } from "./measure";

const PROJECT = "dagster-code-locations";

export interface InstalledProject {
  /** The project with the package in node_modules. */
  readonly dir: string;
  /** Another project directory on the same node_modules, with `edits` to Pulumi.dev.yaml. */
  readonly variant: (name: string, edits: [readonly string[], unknown][]) => string;
  readonly cleanup: () => void;
}

export function installedProject(): InstalledProject {
  const work = mkdtempSync(path.join(tmpdir(), "bench-installed-"));
  execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: REPO_ROOT, stdio: "ignore" });
  const tarball = path.join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  const dir = path.join(work, "app");
  cpSync(path.join(REPO_ROOT, "template"), dir, { recursive: true });
  for (const file of ["Pulumi.yaml", "package.json"]) {
    writeFileSync(path.join(dir, file), readFileSync(path.join(dir, file), "utf8").replaceAll("${PROJECT}", PROJECT).replaceAll("${DESCRIPTION}", "bench"));
  }
  const projectFile = parseDocument(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
  const ours = parse(readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { config: { defaults: unknown } };
  projectFile.setIn(["config", "defaults"], projectFile.createNode(ours.config.defaults));
  writeFileSync(path.join(dir, "Pulumi.yaml"), projectFile.toString());
  const copied = ["Pulumi.dev.yaml", "pyproject.toml", ".dockerignore", "example", "docker"];
  for (const name of copied) cpSync(path.join(REPO_ROOT, name), path.join(dir, name), { recursive: true });
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: dir, stdio: "ignore", timeout: 300_000 });

  const variant = (name: string, edits: [readonly string[], unknown][]) => {
    const other = path.join(work, name);
    mkdirSync(other);
    for (const file of ["Pulumi.yaml", "package.json", "index.ts", "tsconfig.json", ...copied]) cpSync(path.join(dir, file), path.join(other, file), { recursive: true });
    symlinkSync(path.join(dir, "node_modules"), path.join(other, "node_modules"));
    const stackFile = path.join(other, "Pulumi.dev.yaml");
    const doc = parseDocument(readFileSync(stackFile, "utf8"));
    for (const [keyPath, value] of edits) doc.setIn(keyPath, doc.createNode(value));
    writeFileSync(stackFile, doc.toString());
    return other;
  };
  return { dir, variant, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}
