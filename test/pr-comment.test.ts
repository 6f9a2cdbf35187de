import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { changeSummary, COMMENT_MARKER, commentRunId, prComment } from "../lib/stacks/prComment";
import { changesOfLatestUpdate, errorLines, ERROR_LINES, locationOf, type RunReport } from "../lib/stacks/runReport";

const RUNS = path.join(__dirname, "fixtures", "runs");
const fixture = (name: string) => readFileSync(path.join(RUNS, name), "utf8");
const RUN_URL = "https://github.com/acme/pipelines/actions/runs/42";

const OUTPUTS = {
  branch: "feature/sensors",
  locationName: "example:feature-sensors",
  deploymentName: "example--feature-sensors",
  locationUrl: "http://dagster.dev/locations/example:feature-sensors/assets",
  // As the program exports it: the tag the release pulls, pinned by digest.
  image: "acme.azurecr.io/example/example--feature-sensors:1.11.16-2@sha256:4b1c0b0f7b5b7e0f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b",
};
const IMAGE = "acme.azurecr.io/example/example--feature-sensors:1.11.16-2";
const DIGEST = "sha256:4b1c0b0f7b5b7e0f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b";

function report(over: Partial<RunReport>): RunReport {
  return { command: "up", stack: "dev.feature-sensors", branch: "feature/sensors", status: "succeeded", startedAt: "2026-12-03T07:41:09.000Z", durationSeconds: 162, ...over };
}

describe("run report from Pulumi's own records", () => {
  it("takes the newest update's resource changes from pulumi stack history --json", () => {
    assert.deepEqual(changesOfLatestUpdate(JSON.parse(fixture("history-up.json"))), { same: 9, update: 2, replace: 1 });
  });

  it("has no changes for an empty or unexpected history rather than inventing them", () => {
    assert.equal(changesOfLatestUpdate([]), undefined);
    assert.equal(changesOfLatestUpdate({ resourceChanges: { create: 1 } }), undefined);
    assert.deepEqual(changesOfLatestUpdate([{ resourceChanges: { create: -1, update: "2", same: 3 } }]), { same: 3 });
  });

  it("keeps a failed up's diagnostics and drops Pulumi's summary lines", () => {
    const lines = errorLines(fixture("failed-up.stderr"));
    assert.equal(lines[0], "    pulumi:pulumi:Stack (dagster-code-locations-dev.feature-sensors):");
    assert.ok(lines.some((l) => l.includes("failed to become available within allocated timeout")));
    assert.ok(!lines.some((l) => /Resources:|unchanged|Duration/.test(l)));
    assert.equal(errorLines("x\n".repeat(100)).length, ERROR_LINES);
  });

  it("reads the location from the stack outputs, and nothing from a stack without one", () => {
    assert.deepEqual(locationOf(OUTPUTS), {
      name: OUTPUTS.locationName,
      deploymentName: OUTPUTS.deploymentName,
      dagsterUrl: OUTPUTS.locationUrl,
      image: IMAGE,
      digest: DIGEST,
    });
    assert.equal(locationOf({}), undefined);
    assert.deepEqual(locationOf({ locationName: "example:x", locationUrl: "" }), { name: "example:x" });
  });
});

describe("the pull-request comment", () => {
  it("says deploying, with the commit and the run, while a deploy runs", () => {
    const body = prComment({ phase: "deploying", branch: "feature/sensors", commit: "5f1c2f0d3c1e9b8a7d6c", runUrl: RUN_URL });
    assert.ok(body.startsWith(`${COMMENT_MARKER}\n`));
    assert.match(body, /Deploying\*\* `feature\/sensors` at `5f1c2f0d3c1e`/);
    assert.match(body, /\[Workflow run\]\(https:\/\/github.com\/acme\/pipelines\/actions\/runs\/42\)/);
    assert.doesNotMatch(body, /is live/);
  });

  it("on success gives the location, the UI link, image and digest, time taken and Pulumi's change counts", () => {
    const changes = changesOfLatestUpdate(JSON.parse(fixture("history-up.json")));
    const body = prComment({ phase: "finished", report: report({ location: locationOf(OUTPUTS), changes, pulumiUrl: "https://app.pulumi.com/acme/p/dev.feature-sensors/updates/4" }), runUrl: RUN_URL });
    assert.match(body, /✅ \*\*Dagster code location\*\* `example:feature-sensors` is live \(stack `dev.feature-sensors`, 2 min 42 s\)/);
    assert.match(body, /- Dagster: http:\/\/dagster.dev\/locations\/example:feature-sensors\/assets/);
    assert.match(body, /- Image: `acme.azurecr.io\/example\/example--feature-sensors:1.11.16-2` \(`sha256:4b1c/);
    assert.match(body, /- Changes: 2 updated, 1 replaced, 9 unchanged/);
    assert.match(body, /- Pulumi update: https:\/\/app.pulumi.com\/acme\/p\/dev.feature-sensors\/updates\/4/);
  });

  it("on failure replaces the old success with the failing step and the error, never 'is live'", () => {
    const body = prComment({
      phase: "finished",
      report: report({
        status: "failed",
        durationSeconds: 312,
        error: { step: "pulumi up", lines: errorLines(fixture("failed-up.stderr")) },
        explanation: ["container dagster-user-deployments: CrashLoopBackOff", "ModuleNotFoundError: No module named 'sensors'"],
      }),
    });
    assert.match(body, /❌ \*\*Deploy of `feature\/sensors` failed\*\* after 5 min 12 s/);
    assert.match(body, /Failed at: pulumi up\n```text\n {4}pulumi:pulumi:Stack/);
    assert.match(body, /The code server:\n```text\ncontainer dagster-user-deployments: CrashLoopBackOff\nModuleNotFoundError/);
    assert.doesNotMatch(body, /is live/);
  });

  it("says cancelled, whether the run reported it or was killed first", () => {
    assert.match(prComment({ phase: "finished", report: report({ status: "cancelled", durationSeconds: 30 }) }), /⚪ \*\*Deploy of `feature\/sensors` cancelled\*\* after 30 s/);
    assert.match(prComment({ phase: "ended", branch: "feature/sensors", outcome: "cancelled", runUrl: RUN_URL }), /cancelled\*\* before it finished/);
    assert.match(prComment({ phase: "ended", branch: "feature/sensors", outcome: "failed" }), /failed\*\* before it could report why/);
  });

  it("says the location is gone after a destroy, and that prune retries a failed one", () => {
    assert.match(prComment({ phase: "finished", report: report({ command: "destroy" }) }), /Removed\*\*: the code location of `feature\/sensors` and stack `dev.feature-sensors` are gone/);
    const failed = prComment({ phase: "finished", report: report({ command: "destroy", status: "failed", error: { step: "pulumi destroy", lines: ["error: [409] Conflict"] } }) });
    assert.match(failed, /Removing `feature\/sensors` failed.*prune retries it/);
  });

  it("keeps branch names and errors that hold backticks inside their code spans and blocks", () => {
    const body = prComment({
      phase: "finished",
      report: report({ branch: "fix`x", status: "failed", error: { step: "pulumi up", lines: ["```", "boom"] } }),
    });
    assert.match(body, /``fix`x``/);
    assert.match(body, /````text\n```\nboom\n````/);
  });

  it("counts changes in Pulumi's order and says when nothing changed", () => {
    assert.equal(changeSummary({ same: 12 }), "no changes (12 unchanged)");
    assert.equal(changeSummary({}), "no changes");
    assert.equal(changeSummary({ delete: 1, create: 2 }), "2 created, 1 deleted");
  });
});

describe("which run wrote the comment", () => {
  it("reads back the run number, and nothing from a comment without one", () => {
    assert.equal(commentRunId(prComment({ phase: "deploying", branch: "x", runId: 4021 })), 4021);
    assert.equal(commentRunId(prComment({ phase: "deploying", branch: "x" })), undefined);
    assert.equal(commentRunId("<!-- run 12 --> trailing"), undefined);
  });
});
