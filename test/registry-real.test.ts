// RegistryClient and next-tag against a real registry: Debian's docker-registry (distribution 2.8)
// started here on 127.0.0.1, with and without TLS and htpasswd auth, seeded with thousands of tags.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextTag } from "../cli/commands/next-tag";
import { runCommand } from "../cli/io";
import { RegistryClient, type RegistryClientOptions } from "../lib/registry/client";
import type { FetchLike } from "../lib/registry/http";
import { nextVersion } from "../lib/registry/nextTag";
import { registrySkipReason, seedTags, startRegistry, type LocalRegistry } from "./support/docker-registry";
import { expectUserError } from "./support/expect-user-error";
import { fakeIo } from "./support/fake-io";

const skip = registrySkipReason();
/** Each suite, seeding included, ends within this. */
const LIMIT = 120_000;
const NOISE = ["latest", "1.11.15-9000", "1.11.16-3-rc", "1.11.16-abc"];
const range = (version: string, count: number) => Array.from({ length: count }, (_, i) => `${version}-${i + 1}`);
const ALICE = { username: "alice", password: "correct-horse-battery" };

/** A fetch that counts its calls, to show how many requests a listing cost. */
function counting(inner: FetchLike): { fetch: FetchLike; calls: () => number } {
  let calls = 0;
  return { fetch: (url, init) => (calls++, inner(url, init)), calls: () => calls };
}

function clientFor(registry: LocalRegistry, options: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ registry: registry.registry, ca: registry.caPem, timeoutMs: 5000, retries: 1, backoffMs: 50, ...options });
}

async function runNextTag(args: readonly string[], stdin?: string) {
  const fake = fakeIo({ stdin });
  const code = await runCommand(nextTag, args, fake.io);
  return { code, stdout: fake.stdout(), stderr: fake.stderr() };
}

describe("real registry, plain HTTP, no auth, 1504 tags", { skip, timeout: LIMIT }, () => {
  let registry: LocalRegistry;
  let digest: string;
  before(async () => {
    registry = await startRegistry();
    digest = await seedTags(registry, "team/app", [...range("1.11.16", 1500), ...NOISE]);
  });
  after(() => registry?.stop());

  it("lists all 1504 tags", async () => {
    const count = counting(registry.fetch);
    const tags = await clientFor(registry, { fetch: count.fetch }).listTags("team/app");
    assert.equal(tags.length, 1504);
    assert.deepEqual(new Set(tags), new Set([...range("1.11.16", 1500), ...NOISE]));
    assert.equal(count.calls(), 1); // distribution 2.8 ignores n and sends everything at once
  });

  it("done-when: the next tag is 1.11.16-1501; an unknown repository gives 1.11.16-0", async () => {
    const client = clientFor(registry);
    assert.equal(nextVersion(await client.listTags("team/app"), "1.11.16"), "1.11.16-1501");
    assert.equal(nextVersion(await client.listTags("team/unknown"), "1.11.16"), "1.11.16-0");

    const seeded = await runNextTag(["--registry", registry.registry, "--repository", "team/app", "--dagster-version", "1.11.16"]);
    assert.deepEqual(seeded, { code: 0, stdout: "1.11.16-1501\n", stderr: "" });
    const unknown = await runNextTag(["--registry", registry.registry, "--repository", "team/unknown", "--dagster-version", "1.11.16"]);
    assert.deepEqual(unknown, { code: 0, stdout: "1.11.16-0\n", stderr: "" });
  });

  it("finds the digest of a pushed tag, and nothing for a missing tag or repository", async () => {
    const client = clientFor(registry);
    assert.equal(await client.manifestDigest("team/app", "1.11.16-1500"), digest);
    assert.equal(await client.manifestDigest("team/app", digest), digest);
    assert.equal(await client.manifestDigest("team/app", "1.11.16-1501"), undefined);
    assert.equal(await client.manifestDigest("team/unknown", "latest"), undefined);
  });

  it("refuses an uppercase repository name, which this registry would answer with a bare 404", async () => {
    await expectUserError(clientFor(registry).listTags("Team/App"), [`registry 127.0.0.1:`, '"Team/App"', 'use "team/app"']);
  });

  it("says to add http:// when https meets this plain-HTTP registry", async () => {
    const address = registry.registry.replace("http://", "");
    await expectUserError(clientFor(registry, { registry: address }).listTags("team/app"), [
      `registry ${address}`,
      '"team/app"',
      "does not speak TLS",
      "http://",
    ]);
  });
});

describe("real registry, TLS and htpasswd auth, 2000 tags", { skip, timeout: LIMIT }, () => {
  let registry: LocalRegistry;
  let digest: string;
  before(async () => {
    registry = await startRegistry({ tls: true, auth: ALICE });
    digest = await seedTags(registry, "proj--main", [...range("1.12.0", 2000), "latest"]);
  });
  after(() => registry?.stop());

  const alice = () => ({ kind: "basic" as const, ...ALICE });

  it("lists all tags over TLS trusting the test CA, with one challenge and one listing request", async () => {
    assert.ok(registry.registry.startsWith("127.0.0.1:"), "no scheme: https is the default");
    const count = counting(registry.fetch);
    const tags = await clientFor(registry, { credentials: alice(), fetch: count.fetch }).listTags("proj--main");
    assert.equal(tags.length, 2001);
    assert.equal(nextVersion(tags, "1.12.0"), "1.12.0-2001");
    assert.equal(count.calls(), 2);
  });

  it("next-tag takes the password from stdin and the CA from --ca-file", async () => {
    const args = ["--registry", registry.registry, "--repository", "proj--main", "--dagster-version", "1.12.0"];
    const result = await runNextTag([...args, "--username", "alice", "--password-stdin", "--ca-file", registry.caFile!], `${ALICE.password}\n`);
    assert.deepEqual(result, { code: 0, stdout: "1.12.0-2001\n", stderr: "" });
  });

  it("checks manifests and gives [] for an unknown repository with credentials", async () => {
    const client = clientFor(registry, { credentials: alice() });
    assert.equal(await client.manifestDigest("proj--main", "1.12.0-2000"), digest);
    assert.equal(await client.manifestDigest("proj--main", "1.12.0-2001"), undefined);
    assert.deepEqual(await client.listTags("proj--other"), []);
  });

  it("reports a wrong password: registry, repository, 401, UNAUTHORIZED and the user, not the password", async () => {
    const started = Date.now();
    const client = clientFor(registry, { credentials: { kind: "basic", username: "alice", password: "wrong-horse-battery" } });
    await expectUserError(
      client.listTags("proj--main"),
      [`registry ${registry.registry}`, 'repository "proj--main"', "HTTP 401", "UNAUTHORIZED", 'user "alice"', "check the user name and password"],
      ["wrong-horse-battery"],
    );
    assert.ok(Date.now() - started < 5000);
  });

  it("tells an anonymous caller that the registry needs credentials", async () => {
    await expectUserError(clientFor(registry).listTags("proj--main"), ["HTTP 401", "UNAUTHORIZED", "anonymous", "--password-stdin"]);
  });

  it("refuses the self-signed certificate unless its CA is given, saying --ca-file", async () => {
    const client = new RegistryClient({ registry: registry.registry, credentials: alice(), retries: 0, timeoutMs: 5000 });
    await expectUserError(client.listTags("proj--main"), [`registry ${registry.registry}`, "certificate is not trusted", "--ca-file"], [ALICE.password]);
  });

  it("says to drop http:// when plain HTTP meets this TLS registry", async () => {
    await expectUserError(clientFor(registry, { registry: `http://${registry.registry}`, credentials: alice() }).listTags("proj--main"), [
      "HTTP 400",
      "drop the http:// prefix",
    ]);
  });

  it("hands docker login the basic credentials as given", async () => {
    assert.deepEqual(await clientFor(registry, { credentials: alice() }).dockerLoginCredentials(), ALICE);
  });
});

describe("real registry, TLS without auth", { skip, timeout: LIMIT }, () => {
  let registry: LocalRegistry;
  before(async () => {
    registry = await startRegistry({ tls: true });
    await seedTags(registry, "app", range("1.11.16", 30));
  });
  after(() => registry?.stop());

  it("lists tags anonymously over TLS", async () => {
    assert.equal(nextVersion(await clientFor(registry).listTags("app"), "1.11.16"), "1.11.16-31");
  });
});

describe("real registry, plain HTTP with htpasswd auth", { skip, timeout: LIMIT }, () => {
  let registry: LocalRegistry;
  before(async () => {
    registry = await startRegistry({ auth: ALICE });
    await seedTags(registry, "app", range("1.11.16", 30));
  });
  after(() => registry?.stop());

  it("lists tags with basic auth and refuses a wrong password", async () => {
    const tags = await clientFor(registry, { credentials: { kind: "basic", ...ALICE } }).listTags("app");
    assert.equal(nextVersion(tags, "1.11.16"), "1.11.16-31");
    await expectUserError(
      clientFor(registry, { credentials: { kind: "basic", username: "alice", password: "nope-nope" } }).listTags("app"),
      ["HTTP 401", "UNAUTHORIZED", '"alice"'],
      ["nope-nope"],
    );
  });
});

describe("real registry that went down", { skip, timeout: LIMIT }, () => {
  it("gives a clear connection-refused error within a bounded time", async () => {
    const registry = await startRegistry();
    await registry.stop();
    const started = Date.now();
    await expectUserError(clientFor(registry, { retries: 2 }).listTags("app"), [
      `registry ${registry.registry.replace("http://", "")}`,
      '"app"',
      "ECONNREFUSED",
      "3 attempts",
      "check that the registry is running",
    ]);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });
});
