import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
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
const E2E_SCRIPTS = ["e2e/cluster.sh", "e2e/run.sh"];

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
  // A command may have several usage lines (`up` of a branch, `up --stack` of an environment).
  for (const m of readme.matchAll(/^npm run -s stacks -- (\w+)\s+(.*)$/gm)) usage.set(m[1] ?? "", `${usage.get(m[1] ?? "") ?? ""} ${m[2] ?? ""}`.trim());
  return usage;
}

describe("GitHub Actions workflows", () => {
  it("exist: branch deployments and main deployment", () => {
    assert.deepEqual(workflowFiles.sort(), [".github/workflows/branch-deployments.yml", ".github/workflows/e2e.yml", ".github/workflows/main-deploy.yml"]);
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

  const branchWorkflow = () => mapping(parse(read(".github/workflows/branch-deployments.yml")), "workflow");
  const jobOf = (wf: Node, name: string) => mapping(mapping(wf.jobs, "jobs")[name], name);
  const steps = (job: Node) => job.steps as Node[];
  const uses = (job: Node) => steps(job).map((s) => String(s.uses ?? ""));

  it("branch deployments: PR opened/reopened/updated/closed, OIDC, deploy and destroy behind the PR's action", () => {
    const wf = branchWorkflow();
    const on = mapping(wf.on, "on");
    assert.deepEqual(mapping(on.pull_request, "pull_request").types, ["opened", "reopened", "synchronize", "closed"]);
    assert.equal(wf.concurrency, undefined, "no workflow-wide group: it would let a new push or the close cancel a destroy");
    const permissions = mapping(wf.permissions, "permissions");
    for (const [key, value] of [["id-token", "write"], ["pull-requests", "write"], ["deployments", "write"], ["actions", "read"]]) assert.equal(permissions[key ?? ""], value, key);
    const deploy = jobOf(wf, "deploy");
    const destroy = jobOf(wf, "destroy");
    assert.match(String(deploy.if), /action != 'closed'/);
    assert.match(String(destroy.if), /action == 'closed'/);
    for (const job of [deploy, destroy]) assert.ok(uses(job).some((u) => u.startsWith("azure/login@")));
  });

  it("cancellation: deploys of a branch replace each other; a destroy is never cancelled and waits for the deploy", () => {
    const wf = branchWorkflow();
    const deploy = mapping(jobOf(wf, "deploy").concurrency, "deploy.concurrency");
    const destroy = mapping(jobOf(wf, "destroy").concurrency, "destroy.concurrency");
    assert.match(String(deploy.group), /github\.head_ref/);
    assert.equal(deploy["cancel-in-progress"], true);
    assert.match(String(destroy.group), /github\.head_ref/);
    assert.notEqual(destroy.group, deploy.group, "a destroy in the deploys' group would cancel, or be cancelled by, a deploy");
    assert.equal(destroy["cancel-in-progress"], false);
    const deployRun = scripts(jobOf(wf, "deploy"), ["run"]).join("\n");
    assert.match(deployRun, /stacks -- up --env "\$ENVIRONMENT" --branch "\$BRANCH" --json --take-over-lock > report\.json/);
    const destroyJob = jobOf(wf, "destroy");
    assert.match(scripts(destroyJob, ["run"]).join("\n"), /stacks -- destroy .*--branch "\$BRANCH" --yes --missing-ok --json --wait \d+m > report\.json/);
    const waitStep = steps(destroyJob).findIndex((s) => String(mapping(s.with ?? {}, "with").script ?? "").includes("runningDeploys"));
    const destroyStep = steps(destroyJob).findIndex((s) => String(s.run ?? "").includes("stacks -- destroy"));
    assert.ok(waitStep >= 0 && waitStep < destroyStep, "waits for running deploys before destroying");
  });

  it("one status comment: deploying at the start, the outcome whatever it is, from the run's report; a GitHub deployment links the location", () => {
    const wf = branchWorkflow();
    const deploy = jobOf(wf, "deploy");
    const scriptSteps = steps(deploy).filter((s) => String(s.uses).startsWith("actions/github-script@"));
    const texts = scriptSteps.map((s) => String(mapping(s.with, "with").script));
    assert.ok(texts[0]?.includes('"--phase", "deploying"'));
    const up = steps(deploy).findIndex((s) => s.id === "up");
    assert.ok(steps(deploy).indexOf(scriptSteps[0] as Node) < up, "deploying is said before the deploy");
    const last = scriptSteps[scriptSteps.length - 1] as Node;
    assert.equal(last.if, "always()", "the outcome is written when the deploy failed or was cancelled too");
    assert.ok(steps(deploy).indexOf(last) > up);
    for (const needed of ['"--report", "report.json"', '"--previews", "previews.json"', '"--outcome", JOB_STATUS', "upsertComment"]) assert.ok(texts[texts.length - 1]?.includes(needed), needed);
    const environment = mapping(deploy.environment, "environment");
    assert.match(String(environment.url), /steps\.up\.outputs\.url/);
    assert.match(scripts(deploy, ["run"]).join("\n"), /\.location\.dagsterUrl/);
    const destroyScript = steps(jobOf(wf, "destroy")).map((s) => String(mapping(s.with ?? {}, "with").script ?? "")).join("\n");
    assert.match(destroyScript, /deactivateDeployments\(\{ github, context, environment: `dagster-pr-\$\{PR_NUMBER\}` \}\)/);
    assert.equal(String(environment.name), "dagster-pr-${{ github.event.pull_request.number }}");
    assert.match(scripts(deploy, ["run"]).join("\n"), /stacks -- preview --changed-since "origin\/\$BASE_REF" --json > previews\.json/);
  });

  it("main deployment: push to main updates dev after a preview that refuses a release replace unless allowed; queued, never cancelled", () => {
    const wf = mapping(parse(read(".github/workflows/main-deploy.yml")), "workflow");
    assert.deepEqual(mapping(mapping(wf.on, "on").push, "push").branches, ["main"]);
    assert.equal(mapping(wf.concurrency, "concurrency")["cancel-in-progress"], false);
    assert.equal(mapping(wf.env, "env").ENVIRONMENT, "dev");
    const run = scripts(wf, ["run"]).join("\n");
    assert.match(run, /npm run -s stacks -- up --stack "\$ENVIRONMENT" --json --wait 30m "\$\{allow\[@\]\}"/);
    assert.match(run, /allow=\(--allow-replace\)/);
    assert.doesNotMatch(run, /--skip-preview/);
    assert.match(JSON.stringify(wf), /allow-release-replace/);
    assert.match(run, /stacks -- prune --env "\$ENVIRONMENT" --gone-branches --stale-locks 3h/);
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
    const text = JSON.stringify(jobs);
    assert.match(text, /stacks -- up --env \\"\$ENVIRONMENT\\" --json --take-over-lock > report\.json/);
    assert.match(text, /stacks -- up --stack \\"\$ENVIRONMENT\\" --json --wait 30m/);
    assert.match(text, /--gone-branches --stale-locks 3h/);
    const comments = (byName.get("branch")?.strategy as Node | undefined) === undefined ? [] : scripts(byName.get("branch"), ["script"]);
    assert.ok(comments[0]?.includes("--phase deploying"), "deploying first");
    assert.ok(comments[comments.length - 1]?.includes("--phase finished --report report.json"));
    assert.match(text, /"condition":"and\(always\(\), eq\(variables\['Build.Repository.Provider'\], 'TfsGit'\)\)"/);
    const cli = JSON.stringify(jobs).match(/"task":"AzureCLI@2"/g) ?? [];
    assert.equal(cli.length, 3);
    assert.equal((JSON.stringify(jobs).match(/"addSpnToEnvironment":true/g) ?? []).length, 3, "OIDC token for ARM_OIDC_TOKEN");
  });
});

describe("CI commands are the ones the README documents", () => {
  const all = [
    ...[...workflowFiles, ...AZURE].flatMap((file) =>
      invocations(scripts(parse(read(file)), ["run", "script", "inlineScript"]).join("\n")).map((i) => ({ ...i, file })),
    ),
    ...E2E_SCRIPTS.flatMap((file) => invocations(read(file)).map((i) => ({ ...i, file }))),
  ];

  it("finds the stacks and pulumi commands CI runs", () => {
    const seen = new Set(all.map((i) => `${i.tool} ${i.sub}`));
    for (const expected of ["stacks up", "stacks destroy", "stacks prune", "stacks preview", "stacks comment"]) {
      assert.ok(seen.has(expected), `${expected} in ${[...seen].join(", ")}`);
    }
  });

  it("every stacks subcommand and flag CI uses is in README's usage", () => {
    const usage = documentedStacks();
    assert.deepEqual([...usage.keys()], ["create", "up", "status", "list", "destroy", "prune", "preview", "comment"]);
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

describe("the shell scripts CI and the e2e workflow run", () => {
  for (const file of [...E2E_SCRIPTS, ".azure/pipelines/pr-comment.sh"]) {
    it(`${file} parses (bash -n) and stops at the first failure (set -euo pipefail)`, () => {
      execFileSync("bash", ["-n", path.join(ROOT, file)]);
      assert.match(read(file), /^set -euo pipefail$/m);
    });
  }

  it("e2e.yml brings the cluster up, runs e2e/run.sh, and always removes the cluster", () => {
    const wf = mapping(parse(read(".github/workflows/e2e.yml")), "workflow");
    const on = mapping(wf.on, "on");
    assert.ok("workflow_dispatch" in on && "schedule" in on, "on demand and nightly");
    const steps = (mapping(mapping(wf.jobs, "jobs").e2e, "e2e").steps as Node[]).map((s) => ({ run: String(s.run ?? ""), if: s.if }));
    const at = (run: string) => steps.findIndex((s) => s.run === run);
    assert.ok(at("e2e/cluster.sh up") >= 0 && at("e2e/cluster.sh up") < at("e2e/run.sh"));
    assert.equal(steps[at("e2e/cluster.sh down")]?.if, "always()");
  });
});
