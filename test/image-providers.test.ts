// The dynamic providers behind ImageVersion and ExistingImage, serialized the way Pulumi stores them
// and loaded the way its dynamic-provider host does (require-from-string), then run against a
// real registry (Debian's docker-registry on 127.0.0.1).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { existingImageProvider } from "../components/existingImage";
import { imageVersionProvider } from "../components/imageVersion";
import { asHostLoadsIt } from "./support/dynamic-provider";
import { pushImage, registrySkipReason, seedTags, startRegistry, tagImage, type LocalRegistry } from "./support/docker-registry";
import { startFakeServer } from "./support/fake-server";
import { tinyImage } from "./support/tiny-image";

const skip = registrySkipReason();


const ALICE = { kind: "basic", username: "alice", password: "wonderland-pass" } as const;

describe("image providers against a real registry (basic auth)", { skip, timeout: 120_000 }, () => {
  let registry: LocalRegistry;
  before(async () => {
    registry = await startRegistry({ auth: { username: ALICE.username, password: ALICE.password } });
    await seedTags(registry, "example/example--main", ["1.11.16-1", "1.11.16-2", "1.11.16-7", "latest", "1.11.16-9-rc", "1.11.15-40"]);
  });
  after(async () => registry?.stop());

  const inputs = () => ({
    registry: registry.registry,
    repository: "example/example--main",
    dagsterVersion: "1.11.16",
    sourceHash: "sha256:aaa",
    login: ALICE,
  });

  it("allocates one past the largest <dagster_version>-<n> on create", async () => {
    const provider = await asHostLoadsIt(imageVersionProvider);
    const created = await provider.create(inputs());
    assert.equal(created.outs.tag, "1.11.16-8");
    assert.equal(created.id, `${registry.registry.replace(/^https?:\/\//, "")}/example/example--main:1.11.16-8`);
  });

  it("starts at <dagster_version>-0 in a repository with no tags yet", async () => {
    const provider = await asHostLoadsIt(imageVersionProvider);
    const created = await provider.create({ ...inputs(), repository: "example/example--new-branch" });
    assert.equal(created.outs.tag, "1.11.16-0");
  });

  it("keeps the version while the source is unchanged, even with fresh credentials", async () => {
    const provider = await asHostLoadsIt(imageVersionProvider);
    const { outs: olds } = await provider.create(inputs());
    assert.deepEqual(await provider.diff("id", olds, inputs()), { changes: false, replaces: [], deleteBeforeReplace: false });
    const refreshed = { ...inputs(), login: { ...ALICE, password: "rotated" } };
    assert.deepEqual(await provider.diff("id", olds, refreshed), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("keeps no login in its outputs, and drops the one an older state kept without a new version", async () => {
    const provider = await asHostLoadsIt(imageVersionProvider);
    const { outs } = await provider.create(inputs());
    assert.ok(!("login" in outs), "the outputs (state) hold no token");
    assert.doesNotMatch(JSON.stringify(outs), /wonderland-pass/);
    const legacy = { ...outs, login: { ...ALICE, password: "token-from-last-week" } };
    const diff = await provider.diff("id", legacy, inputs());
    assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await provider.update("id", legacy, { ...inputs(), login: { ...ALICE } });
    assert.deepEqual(updated.outs, outs);
  });

  it("asks for a new version when the source hash or the Dagster version changes", async () => {
    const provider = await asHostLoadsIt(imageVersionProvider);
    const olds = { ...inputs(), tag: "1.11.16-8" };
    assert.deepEqual((await provider.diff("id", olds, { ...inputs(), sourceHash: "sha256:bbb" })).replaces, ["sourceHash"]);
    assert.deepEqual((await provider.diff("id", olds, { ...inputs(), dagsterVersion: "1.12.0" })).replaces, ["dagsterVersion"]);
  });

  it("fails with a clear message on a wrong password, without the password in it", async () => {
    const provider = await asHostLoadsIt(imageVersionProvider);
    await assert.rejects(provider.create({ ...inputs(), login: { ...ALICE, password: "wrong-password-123" } }), (err: Error) => {
      assert.match(err.message, /401|UNAUTHORIZED|unauthorized/i);
      assert.match(err.message, /alice/);
      assert.doesNotMatch(err.message, /wrong-password-123/);
      return true;
    });
  });

  it("pins an existing tag with this run's login: no login in state, a moved tag re-pinned, no read from state", async () => {
    const provider = await asHostLoadsIt(existingImageProvider);
    const pin = { registry: registry.registry, repository: "example/example--pinned", tag: "1.11.16-3" };
    const first = await seedTags(registry, pin.repository, [pin.tag]);
    const { outs } = await provider.create({ ...pin, login: ALICE });
    assert.deepEqual(outs, { ...pin, digest: first });
    // The next run's login is what diff uses: a wrong one fails, whatever state held.
    await assert.rejects(provider.diff("id", outs, { ...pin, login: { ...ALICE, password: "expired-token-xyz" } }), (err: Error) => {
      assert.doesNotMatch(err.message, /expired-token-xyz/);
      return /401|unauthorized/i.test(err.message);
    });
    assert.deepEqual(await provider.diff("id", outs, { ...pin, login: ALICE }), { changes: false, replaces: [], deleteBeforeReplace: false });
    // Someone pushes another image under the same tag: the preview shows an update, not a replace.
    const other = tinyImage("pushed again under the same tag\n");
    const second = await pushImage(registry, pin.repository, other);
    await tagImage(registry, pin.repository, [pin.tag], other);
    assert.deepEqual(await provider.diff("id", outs, { ...pin, login: ALICE }), { changes: true, replaces: [], deleteBeforeReplace: false });
    assert.deepEqual((await provider.update("id", outs, { ...pin, login: ALICE })).outs, { ...pin, digest: second });
    // `pulumi refresh` would hand read() only the state, which has no login: there is no read().
    assert.equal(provider.read, undefined);
    // A state an older version wrote still holds a login: an update drops it, keeping the pin.
    const legacy = { ...pin, digest: second, login: ALICE };
    assert.equal((await provider.diff("id", legacy, { ...pin, login: ALICE })).changes, true);
    // An unknown login (a preview before credentials exist) asks nothing.
    assert.equal((await provider.diff("id", { ...pin, digest: second }, { ...pin, login: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" as never })).changes, false);
  });

  it("pins an existing tag to its digest, and names a missing one", async () => {
    const provider = await asHostLoadsIt(existingImageProvider);
    const found = await provider.create({ registry: registry.registry, repository: "example/example--main", tag: "1.11.16-2", login: ALICE });
    assert.match(String(found.outs.digest), /^sha256:[0-9a-f]{64}$/);
    await assert.rejects(provider.create({ registry: registry.registry, repository: "example/example--main", tag: "1.11.16-99", login: ALICE }), (err: Error) => {
      assert.match(err.message, /^docker\.image_tag: 127\.0\.0\.1:\d+\/example\/example--main:1\.11\.16-99 does not exist; push that tag first/);
      return true;
    });
  });
});

describe("a no-change preview of the image providers", () => {
  it("ImageVersion asks the registry nothing; ExistingImage only checks the pinned tag's digest, once, with this run's login", async () => {
    const digest = `sha256:${"a".repeat(64)}`;
    // The one request a preview makes on purpose: whether the pinned tag moved (drift), as the workspace entry reads its ConfigMap.
    const server = await startFakeServer((req) =>
      /^\/v2\/example\/example--main\/manifests\/1\.11\.16-8$/.test(req.url)
        ? { status: 200, headers: { "docker-content-digest": digest, "content-type": "application/vnd.oci.image.manifest.v1+json" }, body: req.method === "HEAD" ? "" : "{}" }
        : { status: 500, body: "a diff must not ask the registry anything else" },
    );
    try {
      const login = { kind: "basic", username: "alice", password: "p" } as const;
      const version = await asHostLoadsIt(imageVersionProvider);
      const versionInputs = { registry: server.origin, repository: "example/example--main", dagsterVersion: "1.11.16", sourceHash: "sha256:aaa", login };
      // State as this provider writes it now: the inputs without the login, plus the tag.
      const { login: _versionLogin, ...versionState } = versionInputs;
      assert.equal((await version.diff("id", { ...versionState, tag: "1.11.16-8" }, versionInputs)).changes, false);
      assert.equal(server.requests.length, 0, "ImageVersion's diff compares state with inputs");
      const existing = await asHostLoadsIt(existingImageProvider);
      const existingInputs = { registry: server.origin, repository: "example/example--main", tag: "1.11.16-8", login };
      const { login: _login, ...state } = existingInputs;
      assert.equal((await existing.diff("id", { ...state, digest }, existingInputs)).changes, false);
      assert.equal(server.requests.length, 1, server.requests.map((r) => `${r.method} ${r.url}`).join(", "));
      assert.match(`${server.requests[0]?.method} ${server.requests[0]?.url}`, /^(HEAD|GET) \/v2\/example\/example--main\/manifests\/1\.11\.16-8$/);
    } finally {
      await server.close();
    }
  });
});
