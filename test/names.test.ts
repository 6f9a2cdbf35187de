import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { resolveBranch } from "../lib/plan/branch";
import { UserError } from "../lib/shared/errors";
import { isDns1035Label } from "../lib/shared/kubernetesNames";
import { branchSlug, deploymentNames, projectSlug } from "../lib/plan/names";
import { projectName } from "../lib/plan/project";

describe("deployment names", () => {
  it("follows dagster-uc: <project>--<branch>, shown in Dagster as <project>:<branch>", () => {
    const names = deploymentNames({ project: "my_project", branch: "feat: my amazing feature" });
    assert.equal(names.deploymentName, "my-project--feat-my-amazing-feature");
    assert.equal(names.locationName, "my-project:feat-my-amazing-feature");
    assert.equal(names.releaseName, "my-project--feat-my-amazing-feature");
    assert.equal(names.branchPart, "feat-my-amazing-feature");
  });

  it("has no project prefix when use_project_name is off, and appends the suffix to the branch", () => {
    const names = deploymentNames({ project: undefined, branch: "feat/a", suffix: "-2" });
    assert.equal(names.deploymentName, "feat-a-2");
    assert.equal(names.locationName, "feat-a-2");
  });

  it("lowercases what dagster-uc let through and prefixes a letter before a leading digit", () => {
    assert.equal(deploymentNames({ project: "Proj", branch: "JIRA-12_Fix" }).deploymentName, "proj--jira-12-fix");
    assert.equal(deploymentNames({ project: undefined, branch: "123-hotfix" }).deploymentName, "d-123-hotfix");
    assert.equal(deploymentNames({ project: "3d-tools", branch: "main" }).deploymentName, "d-3d-tools--main");
  });

  it("shortens long names with a stable hash so two long branches never collide", () => {
    const base = "feature/".concat("a-really-long-descriptive-branch-name-".repeat(3));
    const a = deploymentNames({ project: "example", branch: `${base}one` });
    const b = deploymentNames({ project: "example", branch: `${base}two` });
    assert.equal(a.deploymentName.length, 63);
    assert.ok(a.releaseName.length <= 53);
    assert.notEqual(a.deploymentName, b.deploymentName);
    assert.notEqual(a.releaseName, b.releaseName);
    assert.deepEqual(deploymentNames({ project: "example", branch: `${base}one` }), a);
    // The full name still shows in Dagster.
    assert.ok(a.locationName.endsWith("-one"));
  });

  it("gives valid, stable names for branches of any shape", () => {
    const shapes = ["main", "Feature/ÄÖÜ-ümlaut", "--x--", "a".repeat(300), "9", "x/y/z.w_v", "UPPER", "dependabot/npm_and_yarn/@types/node-20.1.0", "release/1.2.3", "🙂ok"];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const length = 1 + Math.floor(random() * 120);
      shapes.push(Array.from({ length }, () => String.fromCharCode(33 + Math.floor(random() * 94))).join(""));
    }
    const seen = new Map<string, string>();
    for (const branch of shapes) {
      if (branchSlug(branch) === "") continue;
      for (const project of ["example", undefined]) {
        const names = deploymentNames({ project, branch });
        assert.ok(isDns1035Label(names.deploymentName), `${JSON.stringify(branch)} → ${names.deploymentName}`);
        assert.ok(isDns1035Label(names.releaseName) && names.releaseName.length <= 53, names.releaseName);
        assert.deepEqual(deploymentNames({ project, branch }), names);
        const key = `${project}|${branchSlug(branch)}`;
        const previous = seen.get(names.deploymentName);
        assert.ok(previous === undefined || previous === key, `${names.deploymentName} for both ${previous} and ${key}`);
        seen.set(names.deploymentName, key);
      }
    }
  });

  it("refuses a branch with nothing to name a deployment after", () => {
    assert.throws(() => deploymentNames({ project: "p", branch: "///" }), UserError);
  });

  it("keeps dagster-uc's slug rules apart: hyphens survive in projects, collapse in branches", () => {
    assert.equal(projectSlug("my--proj"), "my--proj");
    assert.equal(branchSlug("a--b"), "a-b");
  });
});

describe("branch source", () => {
  const base = { configured: undefined, env: {}, gitBranch: () => "from-git", stack: "dev.feat-x", environment: "dev" };

  it("prefers stack config, then CI variables, then git, then the stack name", () => {
    assert.deepEqual(resolveBranch({ ...base, configured: "from-config", env: { GITHUB_HEAD_REF: "pr" } }), { branch: "from-config", source: "config" });
    assert.deepEqual(resolveBranch({ ...base, env: { GITHUB_REF_NAME: "push", GITHUB_HEAD_REF: "pr" } }), { branch: "pr", source: "GITHUB_HEAD_REF" });
    assert.deepEqual(resolveBranch({ ...base, env: { SYSTEM_PULLREQUEST_SOURCEBRANCH: "refs/heads/feature/a" } }), {
      branch: "feature/a",
      source: "SYSTEM_PULLREQUEST_SOURCEBRANCH",
    });
    assert.deepEqual(resolveBranch({ ...base, env: { GITHUB_HEAD_REF: "" } }), { branch: "from-git", source: "git" });
    assert.deepEqual(resolveBranch({ ...base, gitBranch: () => undefined }), { branch: "feat-x", source: "stack name" });
    assert.deepEqual(resolveBranch({ ...base, stack: "other", gitBranch: () => undefined }), { branch: "other", source: "stack name" });
  });
});

describe("project name", () => {
  function withPyproject(text: string | undefined, run: (dir: string) => void): void {
    const dir = mkdtempSync(path.join(tmpdir(), "dcl-pyproject-"));
    try {
      if (text !== undefined) writeFileSync(path.join(dir, "pyproject.toml"), text);
      run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const options = (dir: string) => ({ repositoryRoot: dir, useProjectName: true, override: "", configFile: "Pulumi.dev.yaml" });

  it("reads project.name (or Poetry's) from pyproject.toml in the repository root", () => {
    withPyproject('[project]\nname = "my_pkg"\n', (dir) => assert.equal(projectName(options(dir)), "my_pkg"));
    withPyproject('[tool.poetry]\nname = "poetry-pkg"\n', (dir) => assert.equal(projectName(options(dir)), "poetry-pkg"));
  });

  it("lets project_name_override win and use_project_name: false drop the prefix", () => {
    withPyproject(undefined, (dir) => {
      assert.equal(projectName({ ...options(dir), override: "other" }), "other");
      assert.equal(projectName({ ...options(dir), useProjectName: false }), undefined);
    });
  });

  it("says how to fix a missing or nameless pyproject.toml", () => {
    withPyproject(undefined, (dir) => assert.throws(() => projectName(options(dir)), /not found.*project_name_override/));
    withPyproject("[project]\n", (dir) => assert.throws(() => projectName(options(dir)), /has no \[project\] name/));
    withPyproject("not = [toml", (dir) => assert.throws(() => projectName(options(dir)), /not valid TOML/));
  });
});
