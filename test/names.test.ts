import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { resolveBranch } from "../lib/plan/branch";
import { UserError } from "../lib/shared/errors";
import { isDns1035Label } from "../lib/shared/kubernetesNames";
import { branchSlug, deploymentNames, projectSlug } from "../lib/plan/names";
import { projectName } from "../lib/plan/project";

const sha8 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 8);

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

  it("keeps ordinary names as they were: plain, digit-prefixed, long", () => {
    assert.equal(deploymentNames({ project: undefined, branch: "release-20240101" }).deploymentName, "release-20240101");
    assert.equal(deploymentNames({ project: "example", branch: "fix-deadbeef" }).deploymentName, "example--fix-deadbeef");
    assert.equal(deploymentNames({ project: undefined, branch: "1abc" }).deploymentName, "d-1abc");
    // The shortened form of a long branch, as it was before names were made injective.
    const long = deploymentNames({ project: "example", branch: "feature/".concat("x".repeat(80)) });
    assert.equal(long.deploymentName, `example--feature-${"x".repeat(37)}-${sha8(`example--feature-${"x".repeat(80)}`)}`);
  });

  it("gives a branch spelled like a prefixed or shortened name a name of its own", () => {
    const plain = (branch: string) => deploymentNames({ project: undefined, branch }).deploymentName;
    // 1abc, d-1abc and "d 1abc" were all d-1abc.
    assert.equal(plain("1abc"), "d-1abc");
    assert.notEqual(plain("d-1abc"), "d-1abc");
    assert.equal(plain("d 1abc"), plain("d-1abc"), "the same slug, the same name");
    assert.ok(isDns1035Label(plain("d-1abc")));
    // A branch spelled exactly like another branch's shortened name.
    for (const project of ["example", undefined]) {
      const long = deploymentNames({ project, branch: "a".repeat(100) });
      const echo = project === undefined ? long.deploymentName : long.deploymentName.slice(project.length + 2);
      assert.notEqual(deploymentNames({ project, branch: echo }).deploymentName, long.deploymentName);
      const releaseEcho = project === undefined ? long.releaseName : long.releaseName.slice(project.length + 2);
      assert.notEqual(deploymentNames({ project, branch: releaseEcho }).releaseName, long.releaseName);
    }
  });

  it("never gives two slugs the same name: generated, fed-back, digit-prefixed and length-edge branches", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const alphabet = "abcdef0123456789-xyz";
    const word = (length: number) => Array.from({ length }, () => pick([...alphabet])).join("");
    for (const project of [undefined, "example", "3d-tools", "a---b", "d-1x"]) {
      const prefix = project === undefined ? "" : `${project}--`;
      const owner = new Map<string, string>();
      const claim = (kind: string, name: string, slug: string) => {
        const key = `${kind}:${name}`;
        const previous = owner.get(key);
        assert.ok(previous === undefined || previous === slug, `${project ?? "(none)"}: ${kind} ${name} for both ${previous} and ${slug}`);
        owner.set(key, slug);
      };
      const queue: string[] = ["1abc", "d-1abc", "d 1abc", "d-1abc-deadbeef", "1abc-deadbeef"];
      for (let i = 0; i < 400; i++) {
        const length = pick([1, 5, 20, 44, 45, 50, 51, 52, 53, 54, 55, 60, 61, 62, 63, 64, 70, 120]) - prefix.length;
        queue.push(pick(["", "d-", "1", "d-1"]) + word(Math.max(1, length)));
        queue.push(`${word(Math.max(1, length - 9))}-${word(8).replace(/[^0-9a-f]/g, "a")}`);
      }
      for (let i = 0; i < queue.length && i < 5000; i++) {
        const branch = queue[i] as string;
        if (branchSlug(branch) === "") continue;
        const names = deploymentNames({ project, branch });
        assert.ok(isDns1035Label(names.deploymentName) && isDns1035Label(names.releaseName) && names.releaseName.length <= 53, names.deploymentName);
        claim("deployment", names.deploymentName, branchSlug(branch));
        claim("release", names.releaseName, branchSlug(branch));
        // Feed every name back as a branch: shortened and prefixed names spelled out by hand.
        for (const name of [names.deploymentName, names.releaseName]) {
          const back = name.startsWith(prefix) ? name.slice(prefix.length) : name;
          queue.push(back, back.replace(/^d-/, ""), `d-${back}`);
        }
      }
      assert.ok(owner.size > 2000, `only ${owner.size} names checked`);
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
