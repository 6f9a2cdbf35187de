import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../lib/shared/errors";
import { parseDuration } from "../lib/stacks/duration";
import { findPermalink } from "../lib/stacks/pulumi";
import { branchStacks, destroyTargets, parseLsRemoteHeads, pruneCandidates, type StackSummary } from "../lib/stacks/select";
import { checkEnvironment, checkStackName } from "../lib/shared/stackName";
import { branchOfStack, branchStackName, shortStackName } from "../lib/stacks/stackNames";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("stack names", () => {
  it("names branch stacks <env>.<branch slug>, the slug the deployment name uses", () => {
    assert.equal(branchStackName("dev", "feature/JIRA-12 login"), "dev.feature-jira-12-login");
    assert.equal(branchStackName("acc", "main"), "acc.main");
    assert.throws(() => branchStackName("dev", "///"), UserError);
  });

  it("tells branch stacks of an environment from everything else, qualified names included", () => {
    assert.equal(branchOfStack("dev", "dev.feat-a"), "feat-a");
    assert.equal(branchOfStack("dev", "acme/dagster-code-locations/dev.feat-a"), "feat-a");
    assert.equal(branchOfStack("dev", "dev"), undefined);
    assert.equal(branchOfStack("dev", "dev."), undefined);
    assert.equal(branchOfStack("dev", "acc.feat-a"), undefined);
    assert.equal(branchOfStack("dev", "development.x"), undefined);
    assert.equal(shortStackName("org/proj/dev.x"), "dev.x");
  });

  it("keeps a long branch's stack name within Pulumi's 100 characters, distinct and stable", () => {
    const a = branchStackName("dev", `feature/${"x".repeat(150)}-one`);
    const b = branchStackName("dev", `feature/${"x".repeat(150)}-two`);
    assert.ok(a.length <= 100 && b.length <= 100, a);
    assert.notEqual(a, b);
    assert.equal(branchStackName("dev", `feature/${"x".repeat(150)}-one`), a);
    checkStackName(a, "--stack");
    // A branch spelled like that shortened stack name gets another stack.
    assert.notEqual(branchStackName("dev", a.slice("dev.".length)), a);
    // prune compares stack names, so a long branch still on the remote keeps its stack.
    const remote = [`feature/${"x".repeat(150)}-one`];
    assert.deepEqual(pruneCandidates("dev", [{ name: a }, { name: b }], { remoteBranches: remote, now: new Date() }).map((c) => c.stack.name), [b]);
  });

  it("accepts as a stack name only what Pulumi accepts, and nothing that leaves a directory", () => {
    assert.equal(checkStackName("dev.feature-x", "--stack"), "dev.feature-x");
    assert.equal(checkStackName("org/proj/dev.x", "--stack", { qualified: true }), "org/proj/dev.x");
    for (const bad of ["", "../outside", "x/../../outside", "acc/eu", "a b", "..", "x".repeat(101), "dev:x"]) {
      assert.throws(() => checkStackName(bad, "--stack"), /^UserError: --stack: ".*" is not a Pulumi stack name/, bad);
    }
    for (const bad of ["a/b/c/d", "../x", "../../dev.x", "org/../dev.x"]) assert.throws(() => checkStackName(bad, "--stack", { qualified: true }), UserError, bad);
  });

  it("accepts only plain environment names", () => {
    assert.equal(checkEnvironment("dev"), "dev");
    assert.throws(() => checkEnvironment("dev.x"), /not an environment stack name/);
    assert.throws(() => checkEnvironment("org/dev"), UserError);
  });
});

describe("durations", () => {
  it("parses minutes, hours, days and weeks", () => {
    assert.equal(parseDuration("90m"), 90 * 60_000);
    assert.equal(parseDuration("12h"), 12 * HOUR);
    assert.equal(parseDuration("7d"), 7 * DAY);
    assert.equal(parseDuration("2W"), 14 * DAY);
  });

  it("rejects anything else with the flag's name", () => {
    for (const bad of ["7", "d", "1.5d", "-1d", "0d", "7 days", ""]) {
      assert.throws(() => parseDuration(bad), (err: Error) => err instanceof UserError && err.message.startsWith("--older-than:"), bad);
    }
  });
});

const stacks: StackSummary[] = [
  { name: "dev", lastUpdate: "2026-01-01T00:00:00.000Z" },
  { name: "acc" },
  { name: "dev.feat-a", lastUpdate: "2026-11-20T00:00:00.000Z" },
  { name: "dev.old-work", lastUpdate: "2026-10-01T00:00:00.000Z" },
  { name: "dev.running", lastUpdate: "2026-10-01T00:00:00.000Z", updateInProgress: true },
  { name: "dev.never-deployed" },
  { name: "acc.feat-a", lastUpdate: "2026-10-01T00:00:00.000Z" },
];
const now = new Date("2026-11-24T00:00:00.000Z");

describe("what destroy removes", () => {
  it("--all: every branch stack of the environment, never the environment stacks", () => {
    const names = destroyTargets("dev", { all: true }, stacks).map((s) => s.name);
    assert.deepEqual(names, ["dev.feat-a", "dev.old-work", "dev.running", "dev.never-deployed"]);
    assert.deepEqual(branchStacks("acc", stacks).map((s) => s.name), ["acc.feat-a"]);
  });

  it("--branch: the stack named after the branch's slug", () => {
    assert.deepEqual(destroyTargets("dev", { branch: "Feat/A" }, stacks).map((s) => s.name), ["dev.feat-a"]);
  });

  it("refuses environment stacks, other environments' stacks and missing stacks", () => {
    assert.throws(() => destroyTargets("dev", { stack: "dev" }, stacks), /environment stacks are destroyed only with pulumi destroy -s dev/);
    assert.throws(() => destroyTargets("dev", { stack: "acc.feat-a" }, stacks), /not a branch stack of environment "dev"/);
    assert.throws(() => destroyTargets("dev", { branch: "gone" }, stacks), /no stack dev.gone/);
  });
});

describe("what prune removes", () => {
  it("--gone-branches: stacks whose branch (by slug) is not on the remote", () => {
    const got = pruneCandidates("dev", stacks, { remoteBranches: ["main", "Feat/A", "never-deployed"], now });
    assert.deepEqual(got.map((c) => [c.stack.name, c.reason]), [["dev.old-work", "branch gone from the remote"]]);
  });

  it("--older-than: stacks not updated for longer, but not those without a time or being updated", () => {
    const got = pruneCandidates("dev", stacks, { olderThanMs: 7 * DAY, now });
    assert.deepEqual(got.map((c) => c.stack.name), ["dev.old-work"]);
    assert.match(got[0]?.reason ?? "", /last updated 2026-10-01/);
    assert.deepEqual(pruneCandidates("dev", stacks, { olderThanMs: 1 * HOUR, now }).map((c) => c.stack.name), ["dev.feat-a", "dev.old-work"]);
  });

  it("both: either reason is enough, and both are named", () => {
    const got = pruneCandidates("dev", stacks, { remoteBranches: ["main"], olderThanMs: 7 * DAY, now });
    assert.deepEqual(got.map((c) => c.stack.name), ["dev.feat-a", "dev.old-work", "dev.never-deployed"]);
    assert.equal(got[1]?.reason, "branch gone from the remote, last updated 2026-10-01T00:00:00.000Z");
  });

  it("reads git ls-remote --heads output", () => {
    const out = "abc123\trefs/heads/main\ndef456\trefs/heads/feature/x\n\n789\trefs/tags/v1\n";
    assert.deepEqual(parseLsRemoteHeads(out), ["main", "feature/x"]);
  });
});

describe("the update link", () => {
  it("is what the CLI prints", () => {
    assert.equal(findPermalink("Updating (dev.x)\n\nView in Browser (Ctrl+O): https://app.pulumi.com/a/p/dev.x/updates/3\n"), "https://app.pulumi.com/a/p/dev.x/updates/3");
    assert.equal(findPermalink("View Live: https://app.pulumi.com/a/p/s/updates/1\n"), "https://app.pulumi.com/a/p/s/updates/1");
    assert.equal(findPermalink("Updating (dev.x)\nResources:\n"), undefined);
  });
});
