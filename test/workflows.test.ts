import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { isMapping } from "../lib/shared/merge";

const ROOT = path.join(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).map((f) => `.github/workflows/${f}`);
const AZURE = ["azure-pipelines.yml", ".azure/pipelines/setup-steps.yml"];

type Node = Record<string, unknown>;
const mapping = (value: unknown, where: string): Node => {
  assert.ok(isMapping(value), `${where}: expected a mapping`);
  return value;
};

/** Every string under a key named like `run` or `inlineScript`/`script` (the shell scripts). */
function scripts(value: unknown, keys: readonly string[]): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => scripts(v, keys));
  if (!isMapping(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => (keys.includes(k) && typeof v === "string" ? [v] : scripts(v, keys)));
}

/** `npm run -s stacks -- <sub> --flag ...` and `pulumi <verb> --flag ...` invocations in scripts. */
function invocations(text: string): { tool: "stacks" | "pulumi"; sub: string; flags: string[] }[] {
  const out: { tool: "stacks" | "pulumi"; sub: string; flags: string[] }[] = [];
  for (const line of text.split("\n")) {
    for (const m of line.matchAll(/npm run -s stacks -- (\w+)([^|;)\n]*)/g)) out.push({ tool: "stacks", sub: m[1] ?? "", flags: flagsOf(m[2] ?? "") });
    for (const m of line.matchAll(/(?:^|[\s"(])pulumi ((?:stack )?\w+)([^|;)>\n]*)/g)) out.push({ tool: "pulumi", sub: m[1] ?? "", flags: flagsOf(m[2] ?? "") });
  }
  return out;
}
const flagsOf = (rest: string) => [...rest.matchAll(/(?:^|\s)(--[a-z-]+)/g)].map((m) => m[1] ?? "");

/** README's usage lines of `stacks`: sub → the flags it documents. */
function documentedStacks(): Map<string, string> {
  const readme = read("README.md");
  const usage = new Map<string, string>();
  for (const m of readme.matchAll(/^npm run -s stacks -- (\w+)\s+(.*)$/gm)) usage.set(m[1] ?? "", m[2] ?? "");
  return usage;
}

describe("GitHub Actions workflows", () => {
  it("exist: branch deployments and main deployment", () => {
    assert.deepEqual(workflowFiles.sort(), [".github/workflows/branch-deployments.yml", ".github/workflows/main-deploy.yml"]);
  });

  for (const file of workflowFiles) {
    it(`${file} passes action-validator (GitHub's workflow schema)`, () => {
      const { errors } = validateWorkflow(read(file));
      assert.deepEqual(errors, [], JSON.stringify(errors, null, 2));
    });

    it(`${file} never expands untrusted event text inside a script (script injection)`, () => {
      for (const script of scripts(parse(read(file)), ["run", "script"])) {
        assert.doesNotMatch(script, /\$\{\{[^}]*(github\.head_ref|github\.event\.(pull_request|head_commit|issue|comment))/, script);
      }
    });
  }

  it("branch deployments: PR opened/reopened/updated/closed, one cancelling group per branch, OIDC", () => {
    const wf = mapping(parse(read(".github/workflows/branch-deployments.yml")), "workflow");
    const on = mapping(wf.on, "on");
    assert.deepEqual(mapping(on.pull_request, "pull_request").types, ["opened", "reopened", "synchronize", "closed"]);
    const concurrency = mapping(wf.concurrency, "concurrency");
    assert.match(String(concurrency.group), /github\.head_ref/);
    assert.equal(concurrency["cancel-in-progress"], true);
    assert.equal(mapping(wf.permissions, "permissions")["id-token"], "write");
    assert.equal(mapping(wf.permissions, "permissions")["pull-requests"], "write");
    const jobs = mapping(wf.jobs, "jobs");
    const deploy = mapping(jobs.deploy, "deploy");
    const destroy = mapping(jobs.destroy, "destroy");
    assert.match(String(deploy.if), /action != 'closed'/);
    assert.match(String(destroy.if), /action == 'closed'/);
    const uses = (job: Node) => (job.steps as Node[]).map((s) => String(s.uses ?? ""));
    for (const job of [deploy, destroy]) assert.ok(uses(job).some((u) => u.startsWith("azure/login@")));
    assert.ok(uses(deploy).some((u) => u.startsWith("actions/github-script@")), "posts the PR comment");
    const comment = (deploy.steps as Node[]).find((s) => String(s.uses).startsWith("actions/github-script@"));
    const script = String(mapping(comment?.with, "with").script);
    for (const needed of ["locationName", "locationUrl", "updateComment", "createComment", "outputs.json"]) assert.ok(script.includes(needed), needed);
    const deployRun = scripts(deploy, ["run"]).join("\n");
    assert.match(deployRun, /pulumi stack output --json --stack "\$stack" > outputs\.json/);
    assert.match(scripts(destroy, ["run"]).join("\n"), /stacks -- destroy .*--branch "\$BRANCH" --yes --missing-ok/);
  });

  it("main deployment: push to main runs pulumi up on dev, in its own cancelling group", () => {
    const wf = mapping(parse(read(".github/workflows/main-deploy.yml")), "workflow");
    assert.deepEqual(mapping(mapping(wf.on, "on").push, "push").branches, ["main"]);
    assert.equal(mapping(wf.concurrency, "concurrency")["cancel-in-progress"], true);
    assert.equal(mapping(wf.env, "env").ENVIRONMENT, "dev");
    assert.match(scripts(wf, ["run"]).join("\n"), /^pulumi up --yes --skip-preview --stack "\$ENVIRONMENT"$/m);
  });
});

describe("Azure DevOps pipeline", () => {
  const pipeline = () => mapping(parse(read("azure-pipelines.yml")), "pipeline");

  it("parses, and every template it names exists", () => {
    for (const file of AZURE) {
      const doc = parse(read(file));
      assert.ok(isMapping(doc), file);
    }
    const templates = JSON.stringify(pipeline()).match(/"template":"([^"]+)"/g) ?? [];
    assert.ok(templates.length >= 3);
    for (const t of templates) assert.ok(existsSync(path.join(ROOT, t.slice('"template":"'.length, -1))), t);
  });

  it("has the PR, main and prune jobs, each behind its Build.Reason, logging in to Azure through OIDC", () => {
    const p = pipeline();
    assert.equal(mapping(p.pr, "pr").autoCancel, true);
    assert.deepEqual(mapping(mapping(p.trigger, "trigger").branches, "branches").include, ["main"]);
    const jobs = p.jobs as Node[];
    const byName = new Map(jobs.map((j) => [String(j.deployment ?? j.job), j]));
    assert.deepEqual([...byName.keys()], ["branch", "main", "prune"]);
    assert.match(String(byName.get("branch")?.condition), /eq\(variables\['Build.Reason'\], 'PullRequest'\)/);
    assert.match(String(byName.get("prune")?.condition), /'Schedule'/);
    const cli = JSON.stringify(jobs).match(/"task":"AzureCLI@2"/g) ?? [];
    assert.equal(cli.length, 3);
    assert.equal((JSON.stringify(jobs).match(/"addSpnToEnvironment":true/g) ?? []).length, 3, "OIDC token for ARM_OIDC_TOKEN");
  });
});

describe("CI commands are the ones the README documents", () => {
  const all = [...workflowFiles, ...AZURE].flatMap((file) =>
    invocations(scripts(parse(read(file)), ["run", "script", "inlineScript"]).join("\n")).map((i) => ({ ...i, file })),
  );

  it("finds the stacks and pulumi commands CI runs", () => {
    const seen = new Set(all.map((i) => `${i.tool} ${i.sub}`));
    for (const expected of ["stacks create", "stacks up", "stacks destroy", "stacks prune", "pulumi up", "pulumi stack output"]) {
      assert.ok(seen.has(expected), `${expected} in ${[...seen].join(", ")}`);
    }
  });

  it("every stacks subcommand and flag CI uses is in README's usage", () => {
    const usage = documentedStacks();
    assert.deepEqual([...usage.keys()], ["create", "up", "status", "list", "destroy", "prune"]);
    for (const i of all.filter((x) => x.tool === "stacks")) {
      const line = usage.get(i.sub);
      assert.ok(line !== undefined, `${i.file}: stacks ${i.sub} is not in README`);
      for (const flag of i.flags) assert.ok(line.includes(flag), `${i.file}: stacks ${i.sub} ${flag} is not in README's usage: ${line}`);
    }
  });

  it("every pulumi command CI runs is spelled out in README", () => {
    const readme = read("README.md");
    for (const i of all.filter((x) => x.tool === "pulumi")) {
      const spelled = `pulumi ${i.sub}`;
      assert.ok(readme.includes(spelled), `${i.file}: ${spelled} not in README`);
      const mentions = [...readme.matchAll(new RegExp(`${spelled}[^\\n\`]*`, "g"))].map((m) => m[0]).join(" ");
      for (const flag of i.flags) assert.ok(mentions.includes(flag), `${i.file}: ${spelled} ${flag} not in README`);
    }
  });
});

describe("migration guide", () => {
  it("maps every dagster-uc command and flag", () => {
    const guide = read("docs/migration-from-dagster-uc.md");
    const rows = guide.split("\n").filter((l) => l.startsWith("| "));
    const covered = (text: string) => rows.some((r) => (r.split(" | ")[0] ?? "").includes(text));
    for (const item of [
      "deployment deploy", "--force", "--skip-build", "--deployment-name-suffix", "--deployment-name N", "--reset-lock", "--extra-env",
      "deployment list", "delete --branch", "delete --name", "delete --all", "revive", "check", "show-config", "init-config", "--config-file",
    ]) {
      assert.ok(covered(item), `no row for dagster-uc's ${item}`);
    }
    assert.match(guide, /npm run -s import-config/);
    assert.match(guide, /helm uninstall dagster-user-code/);
  });
});
