import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { execFileSync } from "node:child_process";
import { REPO_ROOT } from "./support/repo";

// The layout is the data flow: a stage of lib/ imports only earlier stages and shared helpers,
// lib/ never imports components/ or cli/, components/ never imports cli/, and nothing is circular.
const STAGES = ["shared", "config", "plan", "build", "registry", "chart", "release", "workspace", "stacks"];

const sources = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "lib", "components", "cli", "index.ts"], { cwd: REPO_ROOT, encoding: "utf8" })
  .split("\n")
  .filter((file) => file.endsWith(".ts"));

/** file → the project files it imports (relative imports, `import type` included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources) {
    const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
    const targets = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)"(\.{1,2}\/[^"]+)"/g)].map((m) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!)),
    );
    graph.set(file, targets.map((t) => (t.endsWith(".ts") ? t : sources.includes(`${t}.ts`) ? `${t}.ts` : `${t}/index.ts`)));
  }
  return graph;
}

const layer = (file: string) => (file.startsWith("lib/") ? `lib/${file.split("/")[1]}` : file.split("/")[0]!);

describe("layout", () => {
  const graph = importGraph();

  it("puts every lib/ module in a stage folder", () => {
    const loose = sources.filter((f) => f.startsWith("lib/") && !STAGES.includes(f.split("/")[1]!));
    assert.deepEqual(loose, []);
  });

  it("lets a stage import only earlier stages and shared helpers, and lib/ nothing above it", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = layer(file);
        const to = layer(target);
        if (from.startsWith("lib/")) {
          if (!to.startsWith("lib/")) wrong.push(`${file} → ${target}`);
          else if (STAGES.indexOf(to.slice(4)) > STAGES.indexOf(from.slice(4))) wrong.push(`${file} → ${target}`);
        } else if (from === "components" && to === "cli") wrong.push(`${file} → ${target}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("has no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
