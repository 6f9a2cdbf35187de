import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type * as k8s from "@kubernetes/client-node";
import { explanationLines, LOG_LINES, newestFailingContainer } from "../lib/stacks/explainPods";
import { describeHelmRelease, helmReleaseReport, helmReleaseStatus } from "../lib/stacks/helmRelease";

function pod(name: string, createdAt: string, status: k8s.V1ContainerStatus, pullSecrets: string[] = []): k8s.V1Pod {
  return {
    metadata: { name, creationTimestamp: new Date(createdAt) },
    spec: { containers: [{ name: status.name }], imagePullSecrets: pullSecrets.map((n) => ({ name: n })) },
    status: { containerStatuses: [status] },
  };
}

const crashing: k8s.V1ContainerStatus = {
  name: "dagster",
  image: "reg.example/team/loc:abc",
  imageID: "",
  ready: false,
  restartCount: 4,
  state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
  lastState: { terminated: { reason: "Error", exitCode: 1, message: "ModuleNotFoundError: No module named 'sensors'" } },
};

describe("explaining a code server that is not serving", () => {
  it("names the newest crash-looping container, its last termination and the last 40 lines of its previous log", () => {
    const healthy: k8s.V1ContainerStatus = { name: "dagster", image: "x", imageID: "", ready: true, restartCount: 0, state: { running: {} } };
    const f = newestFailingContainer([pod("old", "2026-01-01T00:00:00Z", healthy), pod("new", "2026-01-02T00:00:00Z", crashing)]);
    assert.ok(f);
    assert.equal(f.pod, "new");
    assert.equal(f.previous, true);
    const log = Array.from({ length: 60 }, (_, i) => `line ${i + 1}`).join("\n") + "\nModuleNotFoundError: No module named 'sensors'\n";
    const lines = explanationLines(f, log);
    assert.equal(lines[0], "pod new, container dagster: CrashLoopBackOff (last run: Error, exit code 1)");
    assert.ok(lines.includes("  ModuleNotFoundError: No module named 'sensors'"));
    assert.equal(lines.at(-1), "ModuleNotFoundError: No module named 'sensors'");
    assert.equal(lines.filter((l) => /^line \d+$/.test(l)).length, LOG_LINES - 1);
    assert.ok(!lines.includes("line 21"), "older log lines are cut");
  });

  it("an image pull failure names the image and the pull secret, not a log it does not have", () => {
    const pulling: k8s.V1ContainerStatus = {
      name: "dagster",
      image: "reg.example/team/loc:missing",
      imageID: "",
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "reg.example/team/loc:missing"' } },
    };
    const f = newestFailingContainer([pod("p", "2026-01-01T00:00:00Z", pulling, ["acr-pull"])]);
    assert.ok(f);
    assert.equal(f.pullFailure, true);
    assert.deepEqual(explanationLines(f, ""), [
      "pod p, container dagster: ImagePullBackOff",
      '  Back-off pulling image "reg.example/team/loc:missing"',
      "  image: reg.example/team/loc:missing",
      "  pull secret: acr-pull",
    ]);
    const noSecret = newestFailingContainer([pod("p", "2026-01-01T00:00:00Z", pulling)]);
    assert.ok(noSecret);
    assert.match(explanationLines(noSecret, "").at(-1) ?? "", /none/);
  });

  it("an OOM-killed container says so; running and ready pods explain nothing", () => {
    const oom: k8s.V1ContainerStatus = { ...crashing, lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } } };
    const f = newestFailingContainer([pod("p", "2026-01-01T00:00:00Z", oom)]);
    assert.equal(f?.state, "CrashLoopBackOff (last run: OOMKilled, exit code 137)");
    const ready: k8s.V1ContainerStatus = { name: "dagster", image: "x", imageID: "", ready: true, restartCount: 0, state: { running: {} } };
    assert.equal(newestFailingContainer([pod("p", "2026-01-01T00:00:00Z", ready)]), undefined);
  });
});

describe("a Helm release's status from its revision Secrets' labels", () => {
  const revision = (version: string, status: string): k8s.V1ObjectMeta => ({ name: `sh.helm.release.v1.r.v${version}`, labels: { owner: "helm", name: "r", status, version } });

  it("is the newest revision's, by number: v10 is newer than v9", () => {
    const status = helmReleaseStatus([revision("9", "superseded"), revision("10", "deployed"), revision("8", "superseded")]);
    assert.deepEqual(status, { revision: 10, status: "deployed", previousFailed: false });
    assert.equal(describeHelmRelease(helmReleaseReport("r", status)), "r: deployed (revision 10)");
  });

  it("says when the revision before failed and was rolled back (an atomic upgrade), and what Helm has none of", () => {
    const status = helmReleaseStatus([revision("4", "superseded"), revision("5", "failed"), revision("6", "deployed")]);
    assert.equal(describeHelmRelease(helmReleaseReport("r", status)), "r: deployed (revision 6; revision 5 failed and was rolled back)");
    assert.equal(describeHelmRelease(helmReleaseReport("r", helmReleaseStatus([revision("1", "pending-install")]))), "r: pending-install (revision 1)");
    assert.equal(describeHelmRelease(helmReleaseReport("r", helmReleaseStatus([]))), "r: not installed");
    assert.equal(helmReleaseStatus([{ name: "x", labels: { owner: "helm", name: "r" } }]), undefined, "a Secret without a revision is not one");
  });
});
