import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parseDocument } from "yaml";
import { makeStacksCommand, type StacksDeps } from "../cli/commands/stacks";
import { runCommand } from "../cli/io";
import { openPulumi } from "../lib/stacks/pulumi";
import { loadKubeConfig } from "../lib/workspace/kube-config";
import { FakeDagsterWebserver } from "./support/fake-dagster-webserver";
import { FakeKubeApi } from "./support/fake-kube-api";
import { fakeIo } from "./support/fake-io";
import { fakePulumi, fakeSecure, stackFileConfig } from "./support/fake-pulumi";
import { projectCopy } from "./support/repo";

const P = "dagster-code-locations";
const BRANCH = "feature/login";
const STACK = "dev.feature-login";
const PASSWORD = "registry-password-of-dev";

/**
 * A pull request's life through `stacks`, each run on a fresh clone (a new CI runner: only the
 * committed Pulumi.<env>.yaml, no branch stack file) against one backend; every `up` evaluates the
 * real program with the config the CLI passes it from the branch stack's file.
 */
describe("a pull request's life through stacks, on fresh CI runners", () => {
  const fake = fakePulumi({ dev: { config: {} } });
  const clones: (() => void)[] = [];
  after(() => {
    fake.cleanup();
    for (const cleanup of clones) cleanup();
  });

  /** A fresh clone of the repository at the PR's head: Pulumi.dev.yaml as committed, with a secret. */
  function freshRunner(dagsterVersion?: string): string {
    const clone = projectCopy();
    clones.push(clone.cleanup);
    const file = path.join(clone.dir, "Pulumi.dev.yaml");
    const doc = parseDocument(readFileSync(file, "utf8"));
    doc.setIn(["config", `${P}:registry_password`], doc.createNode(fakeSecure("dev", PASSWORD)));
    if (dagsterVersion !== undefined) doc.setIn(["config", `${P}:dagster_version`], dagsterVersion);
    writeFileSync(file, doc.toString());
    return clone.dir;
  }

  /** The dev cluster, for `stacks status`; the updates themselves run under Pulumi's mocks. */
  let cluster: FakeKubeApi | undefined;
  after(() => cluster?.close());

  async function stacks(dir: string, args: string[]) {
    const deps: StacksDeps = {
      openPulumi,
      remoteBranches: async () => [],
      gitBranch: () => undefined,
      confirm: async () => true,
      interactive: () => false,
      now: () => new Date(),
      sleep: async () => undefined,
      kubeConfig: (_io, context) => {
        if (cluster === undefined) throw new Error("no cluster yet: no update fails in this test");
        return loadKubeConfig(context, { yaml: cluster.kubeconfig("aks-dev") });
      },
    };
    // The PR's CI job: the branch from GITHUB_HEAD_REF, the program run offline under the loader.
    const env = { ...fake.env, FAKE_PULUMI_PROGRAM: dir, GITHUB_HEAD_REF: BRANCH, DAGSTER_CODE_LOCATIONS_OFFLINE: "1" };
    const io = fakeIo({ cwd: dir, env });
    const code = await runCommand(makeStacksCommand(deps), args, io.io);
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  }

  const outputs = () => fake.state().stacks[STACK]?.outputs ?? {};
  let first: Record<string, unknown> = {};

  it("opened: create + up deploys the branch with the environment's full config", async () => {
    const dir = freshRunner();
    assert.equal((await stacks(dir, ["create", "--env", "dev"])).code, 0);
    const up = await stacks(dir, ["up", "--env", "dev"]);
    assert.equal(up.code, 0, up.stderr);
    first = outputs();
    assert.equal(first.releaseName, "example--feature-login");
    const config = stackFileConfig(dir, STACK);
    assert.equal(config[`${P}:branch`], BRANCH);
    assert.equal(config[`${P}:environment`], "dev");
    // The secret is re-encrypted for the branch stack: never plain text, never dev's ciphertext.
    assert.deepEqual(config[`${P}:registry_password`], fakeSecure(STACK, PASSWORD));
    assert.doesNotMatch(readFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), "utf8"), new RegExp(PASSWORD));
  });

  it("pushed: up from a fresh runner (the stack in the backend, no stack file) gives the same names and full config", async () => {
    const dir = freshRunner();
    assert.deepEqual(stackFileConfig(dir, STACK), {});
    const up = await stacks(dir, ["up", "--env", "dev"]);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(outputs(), first);
    assert.equal(stackFileConfig(dir, STACK)[`${P}:docker`] !== undefined, true);
    assert.ok(fake.calls().includes(`config cp --stack dev --dest ${STACK}`), fake.calls().join("\n"));
  });

  it("the environment's config changed: a dagster_version bump reaches the branch stack on its next up", async () => {
    const dir = freshRunner("1.11.17");
    const up = await stacks(dir, ["up", "--env", "dev"]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(stackFileConfig(dir, STACK)[`${P}:dagster_version`], "1.11.17");
    assert.match(String(outputs().image), /:1\.11\.17-/);
    assert.equal(outputs().releaseName, first.releaseName);
  });

  it("a reviewer asks for the status on a fresh runner: the deployed release, image and digest from the program's outputs", async () => {
    cluster = await FakeKubeApi.start();
    const release = String(outputs().releaseName);
    cluster.putHelmRevision("dagster", release, 3, "deployed");
    cluster.putConfigMap("dagster", {
      metadata: { name: "dagster-workspace-yaml" },
      data: { "workspace.yaml": `load_from:\n  - grpc_server:\n      host: ${String(outputs().deploymentName)}\n      port: 3030\n      location_name: ${String(outputs().locationName)}\n` },
    });
    new FakeDagsterWebserver(cluster, { namespace: "dagster", configMap: "dagster-workspace-yaml" });
    const run = await stacks(freshRunner("1.11.17"), ["status", "--env", "dev", "--json"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const status = JSON.parse(run.stdout) as { location: { name: string; image: string; digest: string }; release: { name: string; status: string }; dagster: { state: string } };
    assert.equal(status.location.name, outputs().locationName);
    assert.equal(`${status.location.image}@${status.location.digest}`, outputs().image, "the image output is the tag the release pulls, pinned by digest");
    assert.match(status.location.digest, /^sha256:/);
    assert.deepEqual(status.release, { name: release, status: "deployed", revision: 3, previousFailed: false });
    assert.equal(status.dagster.state, "loaded");
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(PASSWORD));
  });

  it("closed: destroy removes the location and the stack", async () => {
    const dir = freshRunner();
    const down = await stacks(dir, ["destroy", "--env", "dev", "--branch", BRANCH, "--yes"]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(fake.state().stacks[STACK], undefined);
    assert.deepEqual(stackFileConfig(dir, STACK), {});
  });
});
