import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { makeStacksCommand, type StacksDeps } from "../cli/commands/stacks";
import { runCommand } from "../cli/io";
import { openPulumi } from "../lib/stacks/pulumi";
import { loadKubeConfig } from "../lib/workspace/kube-config";
import { FakeDagsterWebserver, type CodeServer } from "./support/fake-dagster-webserver";
import { FakeKubeApi } from "./support/fake-kube-api";
import { fakeIo } from "./support/fake-io";
import { fakePulumi, fakeSecure, type FakePulumi, type FakeStack } from "./support/fake-pulumi";
import { REPO_ROOT } from "./support/repo";

const ENV_CONFIG = { "dagster-code-locations:environment": "dev", "dagster-code-locations:dagster_gui_url": "http://dagster.dev" };
const DAY = 86_400_000;
const NOW = new Date("2026-11-24T12:00:00.000Z");
const DIGEST = "sha256:0c1f0a9e6b3d2c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6";

let fake: FakePulumi | undefined;
afterEach(() => {
  fake?.cleanup();
  fake = undefined;
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  asked: string[];
}

/** Runs `stacks ARGS` in-process against the stand-in `pulumi`; git and the prompt are scripted. */
async function stacks(
  args: string[],
  options: {
    remote?: string[];
    gitBranch?: string;
    answer?: boolean;
    env?: NodeJS.ProcessEnv;
    /** Someone at a terminal (default: no, as in CI). */
    terminal?: boolean;
    /** What happens while the command sleeps (another run finishing, say); the time moves on either way. */
    onSleep?: (ms: number) => void;
    /** The cluster the code servers run in; without it, reading pods fails like an unreachable cluster. */
    kube?: FakeKubeApi;
  } = {},
): Promise<Run> {
  assert.ok(fake, "call setup() first");
  const asked: string[] = [];
  let slept = 0;
  const deps: StacksDeps = {
    openPulumi,
    remoteBranches: async () => options.remote ?? [],
    gitBranch: () => options.gitBranch,
    confirm: async (question) => {
      asked.push(question);
      return options.answer ?? false;
    },
    interactive: () => options.terminal === true,
    now: () => new Date(NOW.getTime() + slept),
    sleep: async (ms) => {
      slept += ms;
      options.onSleep?.(ms);
    },
    kubeConfig: (_io, context) => {
      if (options.kube === undefined) throw new Error("no cluster in this test");
      // Only the stack's own context reaches the cluster: another one is not in this kubeconfig.
      return loadKubeConfig(context, { yaml: options.kube.kubeconfig("aks-dev") });
    },
  };
  const io = fakeIo({ cwd: fake.dir, env: { ...fake.env, ...options.env } });
  const code = await runCommand(makeStacksCommand(deps), args, io.io);
  return { code, stdout: io.stdout(), stderr: io.stderr(), asked };
}

function setup(stacks: Record<string, FakeStack> = { dev: { config: { ...ENV_CONFIG } } }, env: NodeJS.ProcessEnv = {}): FakePulumi {
  fake = fakePulumi(stacks, env);
  return fake;
}

/**
 * The project's own files in the stand-in's directory, as a user's clone has them: Pulumi.yaml, the
 * dev environment's settings, and each branch stack's file as `stacks up` leaves it (dev's, plus its branch).
 */
function withProjectFiles(f: FakePulumi): FakePulumi {
  for (const name of ["Pulumi.yaml", "Pulumi.dev.yaml", "pyproject.toml"]) copyFileSync(path.join(REPO_ROOT, name), path.join(f.dir, name));
  for (const name of ["docker", "example"]) cpSync(path.join(REPO_ROOT, name), path.join(f.dir, name), { recursive: true });
  const dev = parse(readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  for (const stack of Object.keys(f.state().stacks).filter((s) => s.startsWith("dev."))) {
    const branch = stack.slice("dev.".length);
    writeFileSync(path.join(f.dir, `Pulumi.${stack}.yaml`), stringify({ config: { ...dev.config, "dagster-code-locations:branch": branch, "dagster-code-locations:cicd": "false" } }));
  }
  return f;
}

function editStackFile(f: FakePulumi, stack: string, edit: (config: Record<string, unknown>) => void): void {
  const file = path.join(f.dir, `Pulumi.${stack}.yaml`);
  const doc = parse(readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  edit(doc.config);
  writeFileSync(file, stringify(doc));
}

const deployed = (lastUpdate: string, branch: string): FakeStack => ({
  config: { ...ENV_CONFIG, "dagster-code-locations:branch": branch, "dagster-code-locations:cicd": "false" },
  lastUpdate,
  resourceCount: 5,
  outputs: { branch, deploymentName: `example--${branch}`, image: `reg/example/example--${branch}:1.11.16-2`, locationName: `example:${branch}` },
});

describe("stacks create", () => {
  it("creates <env>.<slug> from the environment's config, sets branch and cicd off, prints the name", async () => {
    const f = setup();
    const run = await stacks(["create", "--branch", "feature/JIRA-12 Login"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "dev.feature-jira-12-login\n");
    assert.deepEqual(f.calls(), [
      "stack ls --json",
      "stack init dev.feature-jira-12-login --copy-config-from dev --no-select",
      "config set branch --stack dev.feature-jira-12-login --plaintext -- feature/JIRA-12 Login",
      "config set cicd --stack dev.feature-jira-12-login --plaintext -- false",
    ]);
    assert.deepEqual(f.state().stacks["dev.feature-jira-12-login"]?.config, {
      ...ENV_CONFIG,
      "dagster-code-locations:branch": "feature/JIRA-12 Login",
      "dagster-code-locations:cicd": "false",
    });
  });

  it("is harmless to re-run: no second init, the config is set again", async () => {
    const f = setup();
    assert.equal((await stacks(["create", "--branch", "feat-a"])).code, 0);
    const again = await stacks(["create", "--branch", "feat-a"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, "dev.feat-a\n");
    assert.equal(f.calls().filter((c) => c.startsWith("stack init")).length, 1);
  });

  it("brings an existing branch stack's config up to date from the environment first; its own keys survive", async () => {
    const f = setup({ dev: { config: { ...ENV_CONFIG, "dagster-code-locations:dagster_version": "1.11.17" } }, "dev.feat-a": { config: { "dagster-code-locations:verbose": "true" } } });
    assert.equal((await stacks(["create", "--branch", "feat-a"])).code, 0);
    assert.deepEqual(f.calls().slice(1), [
      "config cp --stack dev --dest dev.feat-a",
      "config set branch --stack dev.feat-a --plaintext -- feat-a",
      "config set cicd --stack dev.feat-a --plaintext -- false",
    ]);
    assert.deepEqual(f.state().stacks["dev.feat-a"]?.config, {
      ...ENV_CONFIG,
      "dagster-code-locations:dagster_version": "1.11.17",
      "dagster-code-locations:verbose": "true",
      "dagster-code-locations:branch": "feat-a",
      "dagster-code-locations:cicd": "false",
    });
  });

  it("takes the branch from CI variables, then git, and the environment from --env", async () => {
    const f = setup({ acc: { config: {} } });
    const ci = await stacks(["create", "--env", "acc"], { env: { GITHUB_HEAD_REF: "feat/from-ci" }, gitBranch: "local" });
    assert.equal(ci.stdout, "acc.feat-from-ci\n", ci.stderr);
    const git = await stacks(["create", "--env", "acc"], { gitBranch: "Local_Work" });
    assert.equal(git.stdout, "acc.local-work\n", git.stderr);
    assert.ok(f.state().stacks["acc.local-work"]);
    const none = await stacks(["create", "--env", "acc"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: no branch: .* pass --branch B\n$/);
  });

  it("refuses a missing environment stack in one line", async () => {
    setup({});
    const run = await stacks(["create", "--branch", "x"]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "error: environment stack dev does not exist; create it first: pulumi stack init dev\n");
  });
});

describe("stacks up", () => {
  it("creates if needed, runs pulumi up with progress on stderr, prints location, Dagster and Pulumi links", async () => {
    const f = setup();
    const run = await stacks(["up", "--branch", "feat/a"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(f.calls().slice(1, 2), ["stack init dev.feat-a --copy-config-from dev --no-select"]);
    assert.ok(f.calls().includes("up --yes --skip-preview --stack dev.feat-a"), f.calls().join("\n"));
    assert.ok(f.calls().includes("stack output --json --stack dev.feat-a"));
    assert.match(run.stderr, /Updating \(dev.feat-a\)/);
    assert.equal(
      run.stdout,
      [
        "stack: dev.feat-a",
        "location: example:feat-a",
        "dagster: http://dagster.dev/locations/example:feat-a/assets",
        "pulumi: https://app.pulumi.com/acme/dagster-code-locations/dev.feat-a/updates/1",
        "changes: 5 created",
        "",
      ].join("\n"),
    );
  });

  it("passes the Pulumi CLI's error through unchanged, with its exit code", async () => {
    setup(undefined, { FAKE_PULUMI_FAIL: "up" });
    const run = await stacks(["up", "--branch", "feat/a"]);
    assert.equal(run.code, 255);
    assert.equal(run.stderr.match(/Another update is currently in progress/g)?.length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
    assert.equal(run.stdout, "");
  });

  it("passes an Automation API command's error through too (stack ls)", async () => {
    setup(undefined, { FAKE_PULUMI_FAIL: "stack ls" });
    const run = await stacks(["list"]);
    assert.equal(run.code, 255);
    assert.equal(run.stderr, "error: [409] Conflict: Another update is currently in progress.\n");
  });

  it("says in one line how to install a missing CLI", async () => {
    setup();
    const run = await stacks(["up", "--branch", "x"], { env: { PATH: "/nonexistent" } });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: the Pulumi CLI is not installed (no "pulumi" on PATH); install it with: curl -fsSL https://get.pulumi.com | sh\n');
  });
});

describe("stacks list", () => {
  const world = () => ({
    dev: { config: { ...ENV_CONFIG } },
    acc: { config: {} },
    "dev.feat-a": deployed("2026-11-23T10:00:00.000Z", "feat-a"),
    "dev.new": { config: {} },
    "acc.feat-b": deployed("2026-11-23T10:00:00.000Z", "feat-b"),
  });

  it("--json: the environment's branch stacks with deployment, image, last update and link", async () => {
    setup(world());
    const run = await stacks(["list", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [
      {
        stack: "dev.feat-a",
        branch: "feat-a",
        deploymentName: "example--feat-a",
        image: "reg/example/example--feat-a:1.11.16-2",
        lastUpdate: "2026-11-23T10:00:00.000Z",
        url: "https://app.pulumi.com/acme/dagster-code-locations/dev.feat-a",
      },
      { stack: "dev.new", branch: "new", deploymentName: "", image: "", lastUpdate: "", url: "https://app.pulumi.com/acme/dagster-code-locations/dev.new" },
    ]);
  });

  it("prints a table by default, for --env", async () => {
    setup(world());
    const run = await stacks(["list", "--env", "acc"]);
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? "", /^STACK\s+BRANCH\s+DEPLOYMENT\s+IMAGE\s+LAST UPDATE\s+URL$/);
    assert.match(lines[1] ?? "", /^acc\.feat-b\s+feat-b\s+example--feat-b\s+reg\/example\/example--feat-b:1\.11\.16-2\s+2026-11-23T10:00:00\.000Z\s+https:/);
  });
});

describe("stacks destroy", () => {
  const world = () => ({
    dev: deployed("2026-11-01T00:00:00.000Z", "dev"),
    "dev.feat-a": deployed("2026-11-23T10:00:00.000Z", "feat-a"),
    "dev.feat-b": deployed("2026-11-23T10:00:00.000Z", "feat-b"),
    "acc.feat-a": deployed("2026-11-23T10:00:00.000Z", "feat-a"),
  });

  it("--branch: destroys, then removes, the branch's stack after asking", async () => {
    const f = setup(world());
    const run = await stacks(["destroy", "--branch", "feat/a"], { answer: true });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.asked, ["Destroy and remove dev.feat-a?"]);
    assert.deepEqual(f.calls(), [
      "stack ls --json",
      "stack history --json --page-size 1 --stack dev.feat-a",
      "destroy --yes --skip-preview --stack dev.feat-a",
      "stack history --json --page-size 1 --stack dev.feat-a",
      "stack rm --yes dev.feat-a",
    ]);
    assert.equal(run.stdout, "destroyed dev.feat-a\n");
    assert.deepEqual(Object.keys(f.state().stacks).sort(), ["acc.feat-a", "dev", "dev.feat-b"]);
  });

  it("does nothing when the answer is no", async () => {
    const f = setup(world());
    const run = await stacks(["destroy", "--stack", "dev.feat-b"], { answer: false });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "nothing destroyed\n");
    assert.deepEqual(f.calls(), ["stack ls --json"]);
  });

  it("--all --yes: every branch stack of the environment, never the environment stack, without asking", async () => {
    const f = setup(world());
    const run = await stacks(["destroy", "--all", "--yes"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.asked, []);
    assert.equal(run.stdout, "destroyed dev.feat-a\ndestroyed dev.feat-b\n");
    assert.deepEqual(Object.keys(f.state().stacks).sort(), ["acc.feat-a", "dev"]);
  });

  it("--stack of another environment works out the environment; environment stacks are refused", async () => {
    const f = setup(world());
    const run = await stacks(["destroy", "--stack", "acc.feat-a", "--yes"]);
    assert.equal(run.stdout, "destroyed acc.feat-a\n", run.stderr);
    const env = await stacks(["destroy", "--stack", "dev", "--yes"]);
    assert.equal(env.code, 1);
    assert.match(env.stderr, /^error: --stack dev: not a branch stack .*pulumi destroy -s dev\n$/);
    assert.ok(f.state().stacks.dev);
  });

  it("--missing-ok: a stack that does not exist is nothing to do, not an error", async () => {
    const f = setup(world());
    const run = await stacks(["destroy", "--branch", "never/deployed", "--yes", "--missing-ok"]);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "no stack dev.never-deployed; nothing to destroy\n");
    assert.deepEqual(f.calls(), ["stack ls --json"]);
    const strict = await stacks(["destroy", "--branch", "never/deployed", "--yes"]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /^error: no stack dev.never-deployed/);
  });

  it("wants exactly one of --branch, --stack, --all", async () => {
    setup(world());
    for (const args of [["destroy"], ["destroy", "--all", "--branch", "x"]]) {
      const run = await stacks(args);
      assert.equal(run.stderr, "error: stacks destroy: pass exactly one of --branch B, --stack S or --all\n");
    }
    assert.match((await stacks(["destroy", "--force"])).stderr, /^error: stacks destroy: Unknown option '--force'/);
  });
});

describe("stacks prune", () => {
  const world = () => ({
    dev: deployed("2026-01-01T00:00:00.000Z", "dev"),
    "dev.feat-a": deployed("2026-11-23T10:00:00.000Z", "feat-a"),
    "dev.merged": deployed("2026-11-22T10:00:00.000Z", "merged"),
    "dev.stale": deployed(new Date(NOW.getTime() - 10 * DAY).toISOString(), "stale"),
  });

  it("--gone-branches --dry-run: names what would go, touches nothing", async () => {
    const f = setup(world());
    const run = await stacks(["prune", "--gone-branches", "--dry-run"], { remote: ["main", "feat/a", "stale"] });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "would destroy dev.merged (branch gone from the remote)\n");
    assert.deepEqual(f.calls(), ["stack ls --json"]);
  });

  it("--older-than 7d: destroys and removes stale stacks, never the environment stack", async () => {
    const f = setup(world());
    const run = await stacks(["prune", "--older-than", "7d"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^destroyed dev\.stale \(last updated .*\)\n$/);
    assert.deepEqual(Object.keys(f.state().stacks).sort(), ["dev", "dev.feat-a", "dev.merged"]);
  });

  it("refuses to run without a criterion, with a bad duration, or against a remote without branches", async () => {
    setup(world());
    assert.match((await stacks(["prune"])).stderr, /^error: stacks prune: pass --gone-branches, --older-than/);
    assert.equal((await stacks(["prune", "--older-than", "week"])).stderr, 'error: --older-than: expected a duration such as 12h, 7d or 2w, got "week"\n');
    assert.match((await stacks(["prune", "--gone-branches"], { remote: [] })).stderr, /refusing to prune them all/);
  });
});

describe("stacks usage", () => {
  it("names the subcommands", async () => {
    setup();
    const run = await stacks(["nope"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: stacks: unknown command "nope"\nusage: dagster-code-locations stacks <create\|up\|status\|list\|destroy\|prune\|preview\|comment> \[options\]\n/);
  });
});

const report = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown> & { error?: { step: string; lines: string[] } };

describe("stacks up --json and the run's report", () => {

  it("reports success with the location, the update link and Pulumi's change counts, first and second run", async () => {
    setup();
    const first = await stacks(["up", "--branch", "feat/a", "--json"]);
    assert.equal(first.code, 0, first.stderr);
    const doc = report(first);
    assert.equal(doc.status, "succeeded");
    assert.equal(doc.command, "up");
    assert.equal(doc.stack, "dev.feat-a");
    assert.equal(doc.branch, "feat/a");
    assert.deepEqual(doc.location, {
      name: "example:feat-a",
      deploymentName: "example--feat-a",
      dagsterUrl: "http://dagster.dev/locations/example:feat-a/assets",
      image: "dagster-uc.dev.acr.io/example/example--feat-a:1.11.16-1",
    });
    assert.deepEqual(doc.changes, { create: 5 });
    assert.equal(doc.pulumiUrl, "https://app.pulumi.com/acme/dagster-code-locations/dev.feat-a/updates/1");
    assert.deepEqual(report(await stacks(["up", "--branch", "feat/a", "--json"])).changes, { same: 5 });
  });

  it("reports a failed up with its step and the CLI's diagnostic, exit code kept; the next up refreshes first", async () => {
    const f = setup(undefined, { FAKE_PULUMI_UP_ERROR: "  kubernetes:helm.sh/v3:Release (example--feat-a):\n    error: context deadline exceeded" });
    const run = await stacks(["up", "--branch", "feat/a", "--json"]);
    assert.equal(run.code, 255);
    const doc = report(run);
    assert.equal(doc.status, "failed");
    assert.deepEqual(doc.error, { step: "pulumi up", lines: ["  kubernetes:helm.sh/v3:Release (example--feat-a):", "    error: context deadline exceeded"] });
    assert.equal(doc.location, undefined);
    // The next push, the fault gone: the failed update's leftovers are refreshed away before the up.
    delete process.env.FAKE_PULUMI_UP_ERROR;
    const again = await stacks(["up", "--branch", "feat/a", "--json"], { env: { FAKE_PULUMI_UP_ERROR: "" } });
    assert.equal(again.code, 0, again.stderr);
    const calls = f.calls();
    const refresh = calls.indexOf("refresh --yes --skip-preview --clear-pending-creates --stack dev.feat-a");
    assert.ok(refresh > 0 && refresh < calls.lastIndexOf("up --yes --skip-preview --stack dev.feat-a"), calls.join("\n"));
    assert.match(again.stderr, /the last update ended failed; refreshing the state first/);
  });

  describe("a code server that is not serving explains itself", () => {
    let kube: FakeKubeApi | undefined;
    afterEach(async () => {
      await kube?.close();
      kube = undefined;
    });
    const outputs = {
      branch: "feat-a", locationName: "example:feat-a", deploymentName: "example--feat-a", releaseName: "example--feat-a", namespace: "dagster",
      image: `reg/example/example--feat-a:1.11.16-2@${DIGEST}`, locationUrl: "http://dagster.dev/locations/example:feat-a/assets",
    };
    const failedStack = (): Record<string, FakeStack> => ({
      dev: { config: {} },
      "dev.feat-a": { config: {}, lastUpdate: "2026-11-20T10:00:00.000Z", resourceCount: 5, outputs },
    });
    const timeout = { FAKE_PULUMI_UP_ERROR: "  kubernetes:helm.sh/v3:Release (example--feat-a):\n    error: timed out waiting for the condition" };
    const crashLooping = (name = "example--feat-a-7d9-abcde") => ({
      metadata: { name, labels: { deployment: "example--feat-a", component: "user-deployments" }, creationTimestamp: "2026-11-24T11:58:00Z" },
      spec: { containers: [{ name: "dagster" }] },
      status: {
        phase: "Running",
        containerStatuses: [{
          name: "dagster", image: "reg/example/example--feat-a:1.11.16-2", imageID: "", ready: false, restartCount: 3,
          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
          lastState: { terminated: { reason: "Error", exitCode: 1, message: "ModuleNotFoundError: No module named 'sensors'" } },
        }],
      },
    });
    const traceback = [...Array.from({ length: 50 }, (_, i) => `noise ${i}`), "Traceback (most recent call last):", '  File "/app/defs.py", line 3, in <module>', "ModuleNotFoundError: No module named 'sensors'"].join("\n");

    it("a crash-looping container: its state, last termination message and log tail, in the report and on stderr", async () => {
      kube = await FakeKubeApi.start();
      kube.putPod("dagster", crashLooping(), { dagster: { previous: traceback, current: "" } });
      withProjectFiles(setup(failedStack(), timeout));
      const doc = report(await stacks(["up", "--branch", "feat-a", "--json"], { kube }));
      assert.equal(doc.status, "failed");
      const explanation = doc.explanation as string[];
      assert.equal(explanation[0], "pod example--feat-a-7d9-abcde, container dagster: CrashLoopBackOff (last run: Error, exit code 1)");
      assert.equal(explanation.at(-1), "ModuleNotFoundError: No module named 'sensors'");
      assert.ok(explanation.includes("Traceback (most recent call last):"));
      assert.ok(!explanation.includes("noise 9"), "only the last 40 lines of the log");
      const text = await stacks(["up", "--branch", "feat-a"], { kube });
      assert.match(text.stderr, /the code server:\n  pod example--feat-a-7d9-abcde, container dagster: CrashLoopBackOff/);
    });

    it("a first update that fails, with no outputs yet: the code server is found from the stack's config", async () => {
      kube = await FakeKubeApi.start();
      kube.putPod("dagster", crashLooping(), { dagster: { previous: traceback } });
      withProjectFiles(setup({ dev: { config: {} } }, timeout));
      const doc = report(await stacks(["up", "--branch", "feat-a", "--json"], { kube }));
      assert.equal(doc.status, "failed");
      assert.equal(doc.location, undefined, "no outputs: nothing was deployed");
      assert.equal((doc.explanation as string[])[0], "pod example--feat-a-7d9-abcde, container dagster: CrashLoopBackOff (last run: Error, exit code 1)");
    });

    it("an image that cannot be pulled: the image and the pull secret", async () => {
      kube = await FakeKubeApi.start();
      kube.putPod("dagster", {
        metadata: { name: "example--feat-a-7d9-xyz", labels: { deployment: "example--feat-a" }, creationTimestamp: "2026-11-24T11:58:00Z" },
        spec: { containers: [{ name: "dagster" }], imagePullSecrets: [{ name: "acr-pull" }] },
        status: {
          containerStatuses: [{
            name: "dagster", image: "reg/example/example--feat-a:1.11.16-2", imageID: "", ready: false, restartCount: 0,
            state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "reg/example/example--feat-a:1.11.16-2"' } },
          }],
        },
      });
      withProjectFiles(setup(failedStack(), timeout));
      const doc = report(await stacks(["up", "--branch", "feat-a", "--json"], { kube }));
      assert.deepEqual(doc.explanation, [
        "pod example--feat-a-7d9-xyz, container dagster: ImagePullBackOff",
        '  Back-off pulling image "reg/example/example--feat-a:1.11.16-2"',
        "  image: reg/example/example--feat-a:1.11.16-2",
        "  pull secret: acr-pull",
      ]);
    });

    /** The instance: its workspace ConfigMap listing the branch's location, and its webserver. */
    const instance = (k: FakeKubeApi, codeServer?: CodeServer): FakeDagsterWebserver => {
      k.putConfigMap("dagster", {
        metadata: { name: "dagster-workspace-yaml" },
        data: { "workspace.yaml": "load_from:\n  - grpc_server:\n      host: example--feat-a\n      port: 3030\n      location_name: example:feat-a\n" },
      });
      return new FakeDagsterWebserver(k, { namespace: "dagster", configMap: "dagster-workspace-yaml" }, codeServer === undefined ? {} : { "example--feat-a": codeServer });
    };

    it("stacks status of a healthy location: release deployed, code server ready, loaded in Dagster, exit 0", async () => {
      kube = await FakeKubeApi.start();
      kube.putHelmRevision("dagster", "example--feat-a", 1, "superseded");
      kube.putHelmRevision("dagster", "example--feat-a", 2, "deployed");
      kube.addDeployment("dagster", "example--feat-a", "reg/example/example--feat-a:1.11.16-2");
      kube.putPod("dagster", { metadata: { name: "example--feat-a-7d9-ok", labels: { deployment: "example--feat-a" } }, spec: { containers: [{ name: "dagster" }] }, status: { phase: "Running", containerStatuses: [{ name: "dagster", image: "i", imageID: "", ready: true, restartCount: 0, state: { running: {} } }] } });
      const web = instance(kube, { repositories: [{ name: "__repository__", jobs: ["__ASSET_JOB", "daily", "hourly"], assets: 4 }] });
      const f = withProjectFiles(setup(failedStack()));
      // A value the deploy takes from its environment, which this shell does not have: status needs none of it.
      editStackFile(f, "dev.feat-a", (config) => {
        const k8s = config["dagster-code-locations:kubernetes"] as { user_code_deployment_env: object[] };
        k8s.user_code_deployment_env.push({ name: "API_TOKEN", value: "${API_TOKEN}" });
      });
      const run = await stacks(["status", "--branch", "feat-a"], { kube });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.stdout, [
        "stack: dev.feat-a",
        "kube context: aks-dev",
        "location: example:feat-a",
        "dagster: http://dagster.dev/locations/example:feat-a/assets",
        `image: reg/example/example--feat-a:1.11.16-2 (${DIGEST})`,
        "helm release example--feat-a: deployed (revision 2)",
        "code server: not ready 0/1",
        "  pod example--feat-a-7d9-ok: Running; dagster running; 0 restarts",
        "in dagster: loaded (1 repositories, 2 jobs, 4 assets)",
        "",
      ].join("\n"));
      assert.deepEqual(web.operations, [{ operation: "workspaceOrError", errors: [] }], "one query, valid against Dagster's schema; no reload");
    });

    it("stacks status: a rolled-back upgrade, a crash-looping code server and the location's load error; exit 1; --json for CI", async () => {
      kube = await FakeKubeApi.start();
      kube.putHelmRevision("dagster", "example--feat-a", 2, "superseded");
      kube.putHelmRevision("dagster", "example--feat-a", 3, "failed");
      kube.putHelmRevision("dagster", "example--feat-a", 4, "deployed");
      kube.putPod("dagster", crashLooping(), { dagster: { previous: "loading definitions\nKilled" } });
      instance(kube, { error: { className: "DagsterImportError", message: "dagster._core.errors.DagsterImportError: Encountered ImportError: `No module named 'sensors'`", stack: ['  File "/app/defs.py", line 3, in <module>\n'] } });
      withProjectFiles(setup(failedStack()));
      const text = await stacks(["status", "--branch", "feat-a"], { kube });
      assert.equal(text.code, 1, text.stderr);
      assert.match(text.stdout, /\nhelm release example--feat-a: deployed \(revision 4; revision 3 failed and was rolled back\)\ncode server: not found\n  pod example--feat-a-7d9-abcde: Running; dagster CrashLoopBackOff; 3 restarts\n/);
      assert.match(text.stdout, /\nin dagster: failed to load\n  code location "example:feat-a" failed to load in Dagster \(http:\/\/dagster\.dev\/locations\/example:feat-a\/assets\):\n    dagster\._core\.errors\.DagsterImportError: Encountered ImportError: `No module named 'sensors'`\n/);
      assert.match(text.stdout, /why it is not serving:\n  pod example--feat-a-7d9-abcde, container dagster: CrashLoopBackOff \(last run: Error, exit code 1\)\n    ModuleNotFoundError: No module named 'sensors'\n  last 2 lines of its previous run's log:\n  loading definitions\n  Killed\n$/);
      const doc = JSON.parse((await stacks(["status", "--branch", "feat-a", "--json"], { kube })).stdout) as { release: { status: string; revision: number; previousFailed: boolean }; codeServer: string; pods: unknown[]; dagster: { state: string; error: string[] }; explanation: string[] };
      assert.deepEqual(doc.release, { name: "example--feat-a", status: "deployed", revision: 4, previousFailed: true });
      assert.equal(doc.codeServer, "not found");
      assert.equal(doc.pods.length, 1);
      assert.equal(doc.dagster.state, "failed");
      assert.equal(doc.explanation.at(-1), "Killed");
      assert.ok(!JSON.stringify(doc).includes("values and all"), "the release's stored values are never read out");
    });

    it("stacks status before any successful update, with a webserver that cannot be reached: what is there, and why Dagster's view is unknown", async () => {
      kube = await FakeKubeApi.start();
      kube.putHelmRevision("dagster", "example--feat-a", 1, "failed");
      kube.putPod("dagster", {
        metadata: { name: "p1", labels: { deployment: "example--feat-a" } },
        spec: { containers: [{ name: "dagster" }], imagePullSecrets: [{ name: "acr-pull" }] },
        status: { phase: "Pending", containerStatuses: [{ name: "dagster", image: "reg/example/example--feat-a:1.11.16-2", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ErrImagePull", message: "manifest unknown" } } }] },
      });
      withProjectFiles(setup({ dev: { config: {} }, "dev.feat-a": { config: {} } }));
      const run = await stacks(["status", "--branch", "feat-a"], { kube });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /^stack: dev\.feat-a \(no successful update yet\)\nkube context: aks-dev\nlocation: example:feat-a\ndagster: http:\/\/dagster\.dev\/locations\/example:feat-a\/assets\nhelm release example--feat-a: failed \(revision 1\)\ncode server: not found\n  pod p1: Pending; dagster ErrImagePull; 0 restarts\n/);
      assert.match(run.stdout, /\nin dagster: unknown \(the webserver could not be asked: .*services "dagster-dagster-webserver" not found\)\n/);
      assert.match(run.stdout, /ErrImagePull\n    manifest unknown\n    image: reg\/example\/example--feat-a:1\.11\.16-2\n    pull secret: acr-pull\n$/);
    });

    it("stacks status reads the cluster of the stack's kube context, even when its kubernetes settings are a secret; the context is not shown", async () => {
      kube = await FakeKubeApi.start();
      kube.putHelmRevision("dagster", "example--feat-a", 1, "deployed");
      instance(kube);
      // The namespace output is secret too: `pulumi stack output --json` shows it as "[secret]".
      const f = setup({ ...failedStack(), "dev.feat-a": { ...failedStack()["dev.feat-a"], config: {}, outputs: { ...outputs, namespace: "[secret]" } } });
      withProjectFiles(f);
      // `pulumi config set --secret kubernetes '{...}'` on the environment stack.
      editStackFile(f, "dev", (config) => {
        config["dagster-code-locations:kubernetes"] = fakeSecure("dev", JSON.stringify(config["dagster-code-locations:kubernetes"]));
      });
      rmSync(path.join(f.dir, "Pulumi.dev.feat-a.yaml")); // a fresh runner: the branch stack's file was never committed
      const run = await stacks(["status", "--branch", "feat-a", "--json"], { kube });
      const doc = JSON.parse(run.stdout) as { context: string; release: { status: string }; dagster: { state: string } };
      assert.equal(doc.context, "[secret]");
      assert.equal(doc.release.status, "deployed", "found in the namespace of the decrypted config, not one named [secret]");
      assert.equal(doc.dagster.state, "loaded");
      assert.ok(!run.stdout.includes("aks-dev") && !run.stderr.includes("aks-dev"));
      assert.ok(f.calls().includes("config get dagster-code-locations:kubernetes --json --stack dev"), f.calls().join("\n"));
    });

    it("a cluster that cannot be read leaves the failure report intact and says so", async () => {
      withProjectFiles(setup(failedStack(), timeout));
      const doc = report(await stacks(["up", "--branch", "feat-a", "--json"]));
      assert.equal(doc.status, "failed");
      assert.deepEqual(doc.explanation, ["(the code server could not be inspected: no cluster in this test)"]);
    });
  });

  it("says failed on stderr, not stdout, without --json", async () => {
    setup(undefined, { FAKE_PULUMI_UP_ERROR: "error: boom" });
    const run = await stacks(["up", "--branch", "feat/a"]);
    assert.equal(run.code, 255);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /error: boom\n[\s\S]*stack: dev\.feat-a\nfailed: pulumi up\n$/);
  });

  it("reports cancelled when the job is cancelled mid-up: the signal reaches the CLI, which unlocks the stack", async () => {
    const f = setup(undefined, { FAKE_PULUMI_UP_DELAY_MS: "30000" });
    const running = stacks(["up", "--branch", "feat/a", "--json"]);
    while (!f.calls().some((c) => c.startsWith("up "))) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the stand-in's handler is set once it saved
    process.emit("SIGINT", "SIGINT");
    const run = await running;
    assert.notEqual(run.code, 0);
    const doc = report(run);
    assert.equal(doc.status, "cancelled");
    assert.equal(doc.error?.step, "pulumi up");
    assert.ok(doc.error?.lines.includes("error: update canceled"), run.stdout);
    assert.equal(process.listenerCount("SIGINT"), 0, "no signal handler left behind");
  });

  it("waits for an update in progress, then refuses in one line unless told the lock is stale", async () => {
    const f = setup({ dev: { config: { ...ENV_CONFIG } }, "dev.feat-a": { ...deployed("2026-11-24T11:00:00.000Z", "feat-a"), updateInProgress: true } });
    const sleeps: number[] = [];
    const run = await stacks(["up", "--branch", "feat/a", "--wait", "1m"], { onSleep: (ms) => sleeps.push(ms) });
    assert.equal(run.code, 1);
    assert.deepEqual(sleeps, [10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
    assert.match(run.stderr, /^dev\.feat-a: waiting for the update in progress to end\nstack: dev\.feat-a\nfailed: wait for the update in progress\nerror: dev\.feat-a has an update in progress \(since 2026-11-24T11:00:00\.000Z\); wait for it, or pass --take-over-lock if the run that started it is gone\n$/);
    assert.ok(!f.calls().some((c) => c.startsWith("up ")));
    const taken = await stacks(["up", "--branch", "feat/a", "--take-over-lock", "--json"]);
    assert.equal(taken.code, 0, taken.stderr);
    const calls = f.calls();
    assert.deepEqual(
      calls.filter((c) => /^(cancel|refresh|up) /.test(c)),
      ["cancel --yes --stack dev.feat-a", "up --yes --skip-preview --stack dev.feat-a"],
    );
  });

  it("on a terminal shows the preview and deploys only after a yes; --yes and CI do not ask", async () => {
    const f = setup();
    const no = await stacks(["up", "--branch", "feat/a"], { terminal: true, answer: false });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /dev\.feat-a would change: 5 created\n/);
    assert.deepEqual(no.asked, ["Deploy dev.feat-a?"]);
    assert.ok(!f.calls().some((c) => c.startsWith("up ")));
    const yes = await stacks(["up", "--branch", "feat/a"], { terminal: true, answer: true });
    assert.equal(yes.code, 0, yes.stderr);
    assert.ok(f.calls().some((c) => c.startsWith("up ")));
    for (const options of [{ terminal: true, args: ["--yes"] }, { terminal: false, args: [] }]) {
      const run = await stacks(["up", "--branch", "feat/a", ...options.args], { terminal: options.terminal });
      assert.deepEqual(run.asked, []);
      assert.equal(run.code, 0);
    }
  });

  it("names a release the preview would replace before asking", async () => {
    setup(undefined, { FAKE_PULUMI_PREVIEW_REPLACE: "kubernetes:helm.sh/v3:Release" });
    const run = await stacks(["up", "--branch", "feat/a"], { terminal: true, answer: false });
    assert.match(run.stderr, /would change: 4 created, 1 replaced\n  replace urn:pulumi:dev\.feat-a::dagster-code-locations::kubernetes:helm\.sh\/v3:Release::r3\n  \(a replaced release reinstalls the live code location\)\n/);
  });
});

describe("destroy that never races a deploy, prune that clears stale locks", () => {
  it("destroy --wait waits for the running deploy to end, then destroys; --json reports it", async () => {
    const f = setup({ dev: { config: { ...ENV_CONFIG } }, "dev.feat-a": { ...deployed("2026-11-24T11:59:00.000Z", "feat-a"), updateInProgress: true } });
    let polls = 0;
    const finishDeploy = () => {
      // The deploy run ends on the second look.
      if (++polls < 2) return;
      const state = f.state();
      const stack = state.stacks["dev.feat-a"];
      if (stack) stack.updateInProgress = false;
      writeFileSync(f.env.FAKE_PULUMI_STATE as string, JSON.stringify(state));
    };
    const run = await stacks(["destroy", "--branch", "feat/a", "--yes", "--wait", "45m", "--json"], { onSleep: finishDeploy });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(polls, 2);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.command, "destroy");
    assert.equal(doc.status, "succeeded");
    assert.deepEqual(doc.changes, { delete: 5 });
    assert.ok(!f.calls().some((c) => c.startsWith("cancel")), "a running deploy is waited for, never cancelled");
    assert.equal(f.state().stacks["dev.feat-a"], undefined);
  });

  it("prune --stale-locks: a gone branch's locked stack is cancelled and destroyed, a live one only unlocked, a fresh lock left alone", async () => {
    const locked = (at: string, branch: string): FakeStack => ({ ...deployed(at, branch), updateInProgress: true });
    const f = setup({
      dev: deployed("2026-01-01T00:00:00.000Z", "dev"),
      "dev.gone": locked("2026-11-24T06:00:00.000Z", "gone"),
      "dev.live": locked("2026-11-24T06:00:00.000Z", "live"),
      "dev.running": locked("2026-11-24T11:30:00.000Z", "running"),
    });
    const dry = await stacks(["prune", "--gone-branches", "--stale-locks", "3h", "--dry-run"], { remote: ["main", "live", "running"] });
    assert.equal(dry.stdout, [
      "would destroy dev.gone (branch gone from the remote, update in progress since 2026-11-24T06:00:00.000Z, with no run behind it)",
      "would unlock dev.live (update in progress since 2026-11-24T06:00:00.000Z, with no run behind it)",
      "",
    ].join("\n"));
    const run = await stacks(["prune", "--gone-branches", "--stale-locks", "3h"], { remote: ["main", "live", "running"] });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^destroyed dev\.gone \(.*\)\nunlocked dev\.live \(.*\)\n$/);
    assert.deepEqual(Object.keys(f.state().stacks).sort(), ["dev", "dev.live", "dev.running"]);
    assert.equal(f.state().stacks["dev.live"]?.updateInProgress, false);
    assert.equal(f.state().stacks["dev.running"]?.updateInProgress, true);
    assert.ok(!f.calls().includes("cancel --yes --stack dev.running"));
  });

  it("without --stale-locks, prune still leaves every stack with an update in progress alone", async () => {
    const f = setup({ dev: { config: {} }, "dev.gone": { ...deployed("2026-11-24T06:00:00.000Z", "gone"), updateInProgress: true } });
    const run = await stacks(["prune", "--gone-branches"], { remote: ["main"] });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "");
    assert.ok(f.state().stacks["dev.gone"]);
  });
});

describe("environment stacks: previewed on a pull request, updated only after a preview", () => {
  const git = (dir: string, ...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
  /** A project repository on main with two environment stacks, then a branch changing `files`. */
  function branchChanging(dir: string, files: string[]): void {
    git(dir, "init", "-q", "-b", "main");
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.acc.yaml", "README.md", "lib/plan/names.ts"]) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), "a: 1\n");
    }
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "main");
    git(dir, "checkout", "-qb", "feature");
    for (const file of files) writeFileSync(path.join(dir, file), "a: 2\n");
    git(dir, "commit", "-qam", "change");
  }
  const both = () => ({ dev: { config: { ...ENV_CONFIG }, resourceCount: 5 }, acc: { config: { ...ENV_CONFIG }, resourceCount: 5 } });
  const previews = (run: Run) => JSON.parse(run.stdout) as { stack: string; status: string; changes?: object; replacedReleases?: string[]; error?: { lines: string[] } }[];

  it("preview --changed-since: an environment's stack file previews that environment, the program every one, docs none", async () => {
    for (const [files, expected] of [
      [["Pulumi.acc.yaml"], ["acc"]],
      [["lib/plan/names.ts"], ["acc", "dev"]],
      [["Pulumi.yaml"], ["acc", "dev"]],
      [["README.md"], []],
    ] as const) {
      const f = setup(both());
      branchChanging(f.dir, [...files]);
      const run = await stacks(["preview", "--changed-since", "main", "--json"]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(previews(run).map((p) => p.stack), expected, files.join());
      for (const p of previews(run)) assert.deepEqual(p.changes, { same: 5 });
      // The program is told it runs for a merge preview (it refuses other branches' checkouts otherwise).
      assert.deepEqual((f.state().programEnv ?? []).map((e) => e.mergePreview), expected.map(() => "1"));
      fake?.cleanup();
      fake = undefined;
    }
  });

  it("preview: names a replaced release, reports a failing program's diagnostics with exit 1, refuses a bad ref", async () => {
    setup(both(), { FAKE_PULUMI_PREVIEW_REPLACE: "kubernetes:helm.sh/v3:Release" });
    const replaced = previews(await stacks(["preview", "--env", "acc", "--json"]));
    assert.deepEqual(replaced[0]?.replacedReleases, ["urn:pulumi:acc::dagster-code-locations::kubernetes:helm.sh/v3:Release::r3"]);
    fake?.cleanup();
    setup(both(), { FAKE_PULUMI_PREVIEW_ERROR: "dagster-code-locations:index:CodeLocation (example):\n  error: Pulumi.acc.yaml: kubernetes.namespace: required" });
    const failed = await stacks(["preview", "--env", "acc", "--json"]);
    assert.equal(failed.code, 1);
    assert.deepEqual(previews(failed)[0]?.error?.lines, ["dagster-code-locations:index:CodeLocation (example):", "  error: Pulumi.acc.yaml: kubernetes.namespace: required"]);
    const text = await stacks(["preview", "--env", "acc"]);
    assert.match(text.stdout, /^acc: preview failed\nerror: dagster-code-locations:index:CodeLocation \(example\):\n/);
    branchChanging(fake!.dir, ["README.md"]);
    const badRef = await stacks(["preview", "--changed-since=--output=x"]);
    assert.equal(badRef.code, 1);
    assert.match(badRef.stderr, /--changed-since: "--output=x" is not a git ref/);
  });

  it("up --stack: previews, then updates the environment stack; the report names the branch it deployed", async () => {
    const f = setup({ dev: { config: { ...ENV_CONFIG, "dagster-code-locations:branch": "main" } } });
    const run = await stacks(["up", "--stack", "dev", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const doc = report(run);
    assert.equal(doc.status, "succeeded");
    assert.equal(doc.stack, "dev");
    assert.equal(doc.branch, "main");
    assert.deepEqual(f.calls().filter((c) => /^(preview|up) /.test(c)), ["preview --json --stack dev", "up --yes --skip-preview --stack dev"]);
    assert.equal(f.state().programEnv?.[0]?.mergePreview, null, "an update is never a merge preview");
  });

  it("up --stack: a replace of the environment's release stops before any change, unless --allow-replace", async () => {
    const f = setup({ dev: { config: { ...ENV_CONFIG }, resourceCount: 5 } }, { FAKE_PULUMI_PREVIEW_REPLACE: "kubernetes:helm.sh/v3:Release" });
    const refused = await stacks(["up", "--stack", "dev", "--json"]);
    assert.equal(refused.code, 1);
    const doc = report(refused);
    assert.equal(doc.status, "failed");
    assert.equal(doc.error?.step, "pulumi preview");
    assert.match(doc.error?.lines[0] ?? "", /would replace urn:pulumi:dev::dagster-code-locations::kubernetes:helm\.sh\/v3:Release::r3, reinstalling the live code location; pass --allow-replace/);
    assert.ok(!f.calls().some((c) => c.startsWith("up ")));
    const allowed = await stacks(["up", "--stack", "dev", "--allow-replace", "--json"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.ok(f.calls().some((c) => c.startsWith("up ")));
  });

  it("up --stack refuses a branch stack, a missing stack, and mixing with --branch; --allow-replace alone is refused", async () => {
    setup();
    for (const [args, message] of [
      [["--stack", "dev.feat-a"], /"dev\.feat-a" is not an environment stack; deploy a branch with --env ENV --branch B/],
      [["--stack", "acc"], /stack acc does not exist; create it first: pulumi stack init acc/],
      [["--stack", "dev", "--branch", "x"], /pass --stack ENV, or --env ENV and --branch B, not both/],
      [["--branch", "x", "--allow-replace"], /--allow-replace goes with --stack ENV/],
    ] as const) {
      const run = await stacks(["up", ...args]);
      assert.equal(run.code, 1, args.join(" "));
      assert.match(run.stderr, message);
    }
  });
});

describe("stacks comment", () => {
  function files(entries: Record<string, string>): string {
    for (const [name, text] of Object.entries(entries)) writeFileSync(path.join(fake!.dir, name), text);
    return fake!.dir;
  }
  const succeeded = { command: "up", stack: "dev.feat-a", branch: "feat/a", status: "succeeded", startedAt: NOW.toISOString(), durationSeconds: 42, location: { name: "example:feat-a" }, changes: { update: 1, same: 4 } };

  it("prints the deploying comment, and the finished one from the run's report, with the run number", async () => {
    setup();
    const deploying = await stacks(["comment", "--phase", "deploying", "--branch", "feat/a", "--commit", "0123456789abcdef", "--run-id", "77", "--run-url", "https://ci/run/77"]);
    assert.equal(deploying.code, 0, deploying.stderr);
    assert.match(deploying.stdout, /^<!-- dagster-code-locations:branch-deployment -->\n<!-- run 77 -->\n⏳ \*\*Deploying\*\* `feat\/a` at `0123456789ab`/);
    files({ "report.json": JSON.stringify(succeeded) });
    const finished = await stacks(["comment", "--phase", "finished", "--report", "report.json", "--outcome", "success"]);
    assert.match(finished.stdout, /✅ \*\*Dagster code location\*\* `example:feat-a` is live \(stack `dev.feat-a`, 42 s\)/);
    assert.match(finished.stdout, /- Changes: 1 updated, 4 unchanged/);
  });

  it("a report that is missing, empty or cut short means the run was stopped: cancelled or failed as the job ended", async () => {
    setup();
    files({ "empty.json": "", "cut.json": '{"command": "up", "sta' });
    for (const [file, outcome, expected] of [
      ["missing.json", "cancelled", /cancelled\*\* before it finished/],
      ["empty.json", "Canceled", /cancelled\*\* before it finished/],
      ["cut.json", "failure", /failed\*\* before it could report why/],
    ] as const) {
      const run = await stacks(["comment", "--phase", "finished", "--report", file, "--outcome", outcome, "--branch", "feat/a"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, expected);
    }
    const destroy = await stacks(["comment", "--phase", "finished", "--command", "destroy", "--report", "missing.json", "--outcome", "failure", "--branch", "feat/a"]);
    assert.match(destroy.stdout, /❌ \*\*Removing `feat\/a` failed\*\* before it could report why/);
    const noBranch = await stacks(["comment", "--phase", "finished", "--report", "missing.json"]);
    assert.match(noBranch.stderr, /--branch B is required without a report/);
  });

  it("includes the environment previews, and refuses a file that is not a report", async () => {
    setup();
    const previewsJson = JSON.stringify([
      { stack: "dev", status: "previewed", changes: { update: 2, same: 3 }, replaced: [], replacedReleases: [] },
      { stack: "acc", status: "previewed", changes: { replace: 1, same: 4 }, replaced: ["urn:pulumi:acc::p::kubernetes:helm.sh/v3:Release::r"], replacedReleases: ["urn:pulumi:acc::p::kubernetes:helm.sh/v3:Release::r"] },
    ]);
    files({ "report.json": JSON.stringify(succeeded), "previews.json": previewsJson, "other.json": '{"locationName": "x"}' });
    const run = await stacks(["comment", "--phase", "finished", "--report", "report.json", "--previews", "previews.json"]);
    assert.match(run.stdout, /\*\*Environment stacks this pull request changes\*\*.*\n- `dev`: 2 updated, 3 unchanged\n- `acc`: 1 replaced, 4 unchanged\n  - ⚠️ replaces `urn:pulumi:acc::p::kubernetes:helm.sh\/v3:Release::r`/);
    const bad = await stacks(["comment", "--phase", "finished", "--report", "other.json"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--report other\.json: not the JSON report of stacks up or stacks destroy/);
    assert.match((await stacks(["comment", "--phase", "done", "--branch", "x"])).stderr, /--phase: "done" is not deploying or finished/);
  });
});

describe("stacks up --json before the update", () => {
  it("a mistake found before any change is a failed report too, so CI's comment says why", async () => {
    setup({});
    const run = await stacks(["up", "--branch", "feat/a", "--json"]);
    assert.equal(run.code, 1);
    const doc = report(run);
    assert.equal(doc.status, "failed");
    assert.equal(doc.branch, "feat/a");
    assert.deepEqual(doc.error, { step: "stacks up", lines: ["environment stack dev does not exist; create it first: pulumi stack init dev"] });
    assert.match(run.stderr, /^error: environment stack dev does not exist/);
  });
});

describe("stacks up on a terminal, when the preview fails", () => {
  it("shows the program's error from the preview and asks nothing", async () => {
    const f = setup(undefined, { FAKE_PULUMI_PREVIEW_ERROR: "error: Pulumi.dev.yaml: kubernetes.context: required, but not set" });
    const run = await stacks(["up", "--branch", "feat/a"], { terminal: true, answer: true });
    assert.equal(run.code, 1);
    assert.deepEqual(run.asked, []);
    assert.match(run.stderr, /dev\.feat-a: preview failed\nerror: Pulumi\.dev\.yaml: kubernetes\.context: required, but not set\n/);
    assert.ok(!f.calls().some((c) => c.startsWith("up ")));
  });
});

describe("stacks up --stack while another update holds the environment stack", () => {
  it("waits for it before the preview (the service refuses a preview of a locked stack too), then previews and updates", async () => {
    const f = setup({ dev: { config: { ...ENV_CONFIG, "dagster-code-locations:branch": "main" }, resourceCount: 5, updateInProgress: true } });
    const finish = () => {
      const state = f.state();
      const stack = state.stacks.dev;
      if (stack) stack.updateInProgress = false;
      writeFileSync(f.env.FAKE_PULUMI_STATE as string, JSON.stringify(state));
    };
    const run = await stacks(["up", "--stack", "dev", "--json", "--wait", "30m"], { onSleep: finish });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(report(run).status, "succeeded");
    assert.deepEqual(f.calls().filter((c) => /^(preview|up|cancel) /.test(c)), ["preview --json --stack dev", "up --yes --skip-preview --stack dev"]);
  });
});
