// RegistryClient against small local fakes, for what distribution 2.8 cannot show:
// pagination (it ignores n), Bearer token challenges, the ACR exchange, retries and timeouts.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { after, describe, it } from "node:test";
import { ACR_REFRESH_TOKEN_USER } from "../lib/registry/auth";
import { MANIFEST_MEDIA_TYPES, RegistryClient, type RegistryClientOptions } from "../lib/registry/client";
import { fetchWithCa, type FetchLike } from "../lib/registry/http";
import { expectUserError } from "./support/expect-user-error";
import { registryError, startFakeServer, type FakeHandler, type FakeServer } from "./support/fake-server";
import { freePort } from "./support/free-port";

/** Every suite ends within this, even if the client under test loops. */
const LIMIT = 20_000;
const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function fake(handler: FakeHandler): Promise<FakeServer> {
  const server = await startFakeServer(handler);
  servers.push(server);
  return server;
}

function client(server: FakeServer, options: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ registry: `http://${server.host}`, timeoutMs: 2000, retries: 2, backoffMs: 5, ...options });
}

const basicHeader = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const tagList = (name: string, tags: readonly string[]) => ({ name, tags });

/** Serves `tags` in pages of `n` (the client's), with a relative Link to the next page like distribution 3. */
function paginated(name: string, tags: readonly string[]): FakeHandler {
  return (req) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname !== `/v2/${name}/tags/list`) return { status: 404, body: registryError("NAME_UNKNOWN", "repository name not known to registry") };
    const n = Number(url.searchParams.get("n") ?? tags.length);
    const last = url.searchParams.get("last");
    const start = last === null ? 0 : tags.indexOf(last) + 1;
    const page = tags.slice(start, start + n);
    const more = start + n < tags.length;
    const link = more ? { Link: `</v2/${name}/tags/list?last=${encodeURIComponent(page[page.length - 1]!)}&n=${n}>; rel="next"` } : undefined;
    return { status: 200, headers: link, body: tagList(name, page) };
  };
}

describe("tag listing", { timeout: LIMIT }, () => {
  const tags = Array.from({ length: 3500 }, (_, i) => `1.11.16-${i + 1}`);

  it("follows Link pages: 3500 tags cost 4 requests of n=1000", async () => {
    const server = await fake(paginated("team/app", tags));
    assert.deepEqual(await client(server).listTags("team/app"), tags);
    assert.deepEqual(
      server.requests.map((r) => r.url),
      [
        "/v2/team/app/tags/list?n=1000",
        "/v2/team/app/tags/list?last=1.11.16-1000&n=1000",
        "/v2/team/app/tags/list?last=1.11.16-2000&n=1000",
        "/v2/team/app/tags/list?last=1.11.16-3000&n=1000",
      ],
    );
  });

  it("asks for the configured page size", async () => {
    const server = await fake(paginated("app", tags.slice(0, 10)));
    assert.equal((await client(server, { pageSize: 3 }).listTags("app")).length, 10);
    assert.equal(server.requests.length, 4);
  });

  it("prefixes the address path to the repository", async () => {
    const server = await fake(paginated("dagster/proj--main", ["1.0.0-1"]));
    const c = new RegistryClient({ registry: `http://${server.host}/dagster`, retries: 0 });
    assert.deepEqual(await c.listTags("proj--main"), ["1.0.0-1"]);
    assert.equal(c.imageRepository("proj--main"), `${server.host}/dagster/proj--main`);
  });

  it("gives [] for NAME_UNKNOWN: no tags pushed yet", async () => {
    const server = await fake(() => ({ status: 404, body: registryError("NAME_UNKNOWN", "repository name not known to registry") }));
    assert.deepEqual(await client(server).listTags("new-app"), []);
    assert.equal(server.requests.length, 1);
  });

  it("does not take a 404 without registry error code for an empty repository", async () => {
    const server = await fake(() => ({ status: 404, body: "404 page not found" }));
    await expectUserError(client(server).listTags("app"), [`registry ${server.host}`, '"app"', "HTTP 404", "no error code", "container registry"]);
  });

  it("refuses an answer that is not a tag list", async () => {
    const server = await fake(() => ({ status: 200, body: "<html>login</html>" }));
    await expectUserError(client(server).listTags("app"), ["HTTP 200", "no tag list"]);
  });

  it("does not follow a next page on another host", async () => {
    const server = await fake((req) => ({
      status: 200,
      headers: { Link: `<http://localhost:1${req.url}>; rel="next"` },
      body: tagList("app", ["a"]),
    }));
    await expectUserError(client(server).listTags("app"), ["another host", "http://localhost:1"]);
    assert.equal(server.requests.length, 1);
  });

  it("stops when the Link header loops", async () => {
    const server = await fake(() => ({ status: 200, headers: { Link: '</v2/app/tags/list?last=a&n=1000>; rel="next"' }, body: tagList("app", ["a"]) }));
    await expectUserError(client(server).listTags("app"), ["Link header loops"]);
    assert.equal(server.requests.length, 2);
  });

  it("refuses an invalid repository name without sending a request", async () => {
    const server = await fake(paginated("app", []));
    await expectUserError(client(server).listTags("Team/App"), [`registry ${server.host}`, '"Team/App"', 'use "team/app"']);
    assert.equal(server.requests.length, 0);
  });
});

describe("basic auth", { timeout: LIMIT }, () => {
  function basicRegistry(): FakeHandler {
    const paged = paginated("app", ["1-1", "1-2", "1-3"]);
    return (req, origin) =>
      req.headers.authorization === basicHeader("alice", "pa55word")
        ? paged(req, origin)
        : { status: 401, headers: { "WWW-Authenticate": 'Basic realm="fake"' }, body: registryError("UNAUTHORIZED", "authentication required") };
  }

  it("answers the Basic challenge once, then sends credentials up front for later pages", async () => {
    const server = await fake(basicRegistry());
    const c = client(server, { credentials: { kind: "basic", username: "alice", password: "pa55word" }, pageSize: 1 });
    assert.deepEqual(await c.listTags("app"), ["1-1", "1-2", "1-3"]);
    assert.equal(server.requests.length, 4); // one 401, then three pages
    assert.equal(server.requests[0]!.headers.authorization, undefined);
  });

  it("reports a wrong password with the user tried, never the password", async () => {
    const server = await fake(basicRegistry());
    const c = client(server, { credentials: { kind: "basic", username: "alice", password: "wrong-pass" } });
    await expectUserError(c.listTags("app"), [`registry ${server.host}`, '"app"', "HTTP 401", "UNAUTHORIZED", '"alice"'], ["wrong-pass"]);
    assert.equal(server.requests.length, 2);
  });

  it("tells anonymous users the registry needs credentials", async () => {
    const server = await fake(basicRegistry());
    await expectUserError(client(server).listTags("app"), ["HTTP 401", "anonymous", "--username and --password-stdin"]);
  });

  it("scrubs secrets a registry quotes back", async () => {
    const server = await fake((req) => ({
      status: 401,
      headers: { "WWW-Authenticate": 'Basic realm="fake"' },
      body: registryError("UNAUTHORIZED", `bad credentials: ${req.headers.authorization ?? ""} / pa55word-leaky`),
    }));
    const c = client(server, { credentials: { kind: "basic", username: "alice", password: "pa55word-leaky" } });
    await expectUserError(c.listTags("app"), ["UNAUTHORIZED", "***"], ["pa55word-leaky"]);
  });
});

describe("bearer token challenge", { timeout: LIMIT }, () => {
  /** A registry that wants `Bearer tok-<scope>` tokens from its own /token realm, given alice's password. */
  function tokenRegistry(options: { anonymous?: boolean; expiresIn?: number } = {}): { handler: FakeHandler; issued: string[] } {
    const issued: string[] = [];
    const handler: FakeHandler = (req, origin) => {
      const url = new URL(req.url, origin);
      if (url.pathname === "/token") {
        if (!options.anonymous && req.headers.authorization !== basicHeader("alice", "pa55word")) {
          return { status: 401, body: registryError("UNAUTHORIZED", "invalid username or password") };
        }
        const token = `tok-${url.searchParams.get("scope")}-${issued.length}`;
        issued.push(token);
        return { status: 200, body: { token, expires_in: options.expiresIn ?? 300 } };
      }
      const repo = /^\/v2\/(.+)\/(tags|manifests)\//.exec(url.pathname)?.[1] ?? "";
      const scope = `repository:${repo}:pull`;
      const valid = issued.some((t) => req.headers.authorization === `Bearer ${t}` && t.startsWith(`tok-${scope}-`));
      if (!valid) {
        return {
          status: 401,
          headers: { "WWW-Authenticate": `Bearer realm="${origin}/token",service="fake-registry",scope="${scope}"` },
          body: registryError("UNAUTHORIZED", "authentication required"),
        };
      }
      return paginated(repo, ["1-1", "1-2"])(req, origin);
    };
    return { handler, issued };
  }

  it("gets a token for the challenged scope and service, then reuses it across pages and calls", async () => {
    const { handler, issued } = tokenRegistry();
    const server = await fake(handler);
    const c = client(server, { credentials: { kind: "basic", username: "alice", password: "pa55word" }, pageSize: 1 });
    assert.deepEqual(await c.listTags("app"), ["1-1", "1-2"]);
    assert.deepEqual(await c.listTags("app"), ["1-1", "1-2"]);
    assert.equal(issued.length, 1);
    const tokenRequest = new URL(server.requests[1]!.url, server.origin);
    assert.equal(tokenRequest.pathname, "/token");
    assert.equal(tokenRequest.searchParams.get("service"), "fake-registry");
    assert.equal(tokenRequest.searchParams.get("scope"), "repository:app:pull");
    assert.equal(server.requests.length, 1 + 1 + 2 + 2); // 401, token, two pages, two pages again
  });

  it("gets a separate token per repository", async () => {
    const { handler, issued } = tokenRegistry();
    const server = await fake(handler);
    const c = client(server, { credentials: { kind: "basic", username: "alice", password: "pa55word" } });
    await c.listTags("app");
    await c.listTags("other");
    assert.deepEqual(issued.map((t) => t.split("-")[1]), ["repository:app:pull", "repository:other:pull"]);
  });

  it("asks anonymously for a token when it has no credentials (public registries)", async () => {
    const { handler } = tokenRegistry({ anonymous: true });
    const server = await fake(handler);
    assert.deepEqual(await client(server).listTags("app"), ["1-1", "1-2"]);
    assert.equal(server.requests[1]!.headers.authorization, undefined);
  });

  it("fetches a new token when the cached one is refused", async () => {
    const { handler, issued } = tokenRegistry();
    let revoked = false;
    const server = await fake((req, origin) => {
      if (revoked && req.headers.authorization === `Bearer ${issued[0]}`) {
        return { status: 401, headers: { "WWW-Authenticate": `Bearer realm="${origin}/token",service="fake-registry"` }, body: registryError("UNAUTHORIZED", "token revoked") };
      }
      return handler(req, origin);
    });
    const c = client(server, { credentials: { kind: "basic", username: "alice", password: "pa55word" } });
    await c.listTags("app");
    revoked = true;
    assert.deepEqual(await c.listTags("app"), ["1-1", "1-2"]);
    assert.equal(issued.length, 2);
  });

  it("reports a refused password at the token endpoint, naming it and the user", async () => {
    const { handler } = tokenRegistry();
    const server = await fake(handler);
    const c = client(server, { credentials: { kind: "basic", username: "alice", password: "not-it-123" } });
    await expectUserError(
      c.listTags("app"),
      [`registry ${server.host}`, '"app"', `getting a token from ${server.origin}/token`, "HTTP 401", "UNAUTHORIZED", '"alice"'],
      ["not-it-123"],
    );
  });

  it("does not send credentials to a plain-http realm of an https registry", async () => {
    const calls: string[] = [];
    const c = new RegistryClient({
      registry: "registry.invalid",
      credentials: { kind: "basic", username: "alice", password: "pa55word" },
      retries: 0,
      fetch: async (url) => {
        calls.push(url);
        return new Response("{}", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="http://registry.invalid/token"' } });
      },
    });
    await expectUserError(c.listTags("app"), ["not https", "not sending credentials"]);
    assert.deepEqual(calls, ["https://registry.invalid/v2/app/tags/list?n=1000"]);
  });
});

describe("Azure Container Registry", { timeout: LIMIT }, () => {
  /** Fake ACR: AAD token -> /oauth2/exchange -> refresh token -> /oauth2/token -> access token. */
  function acr(): { handler: FakeHandler; exchanges: string[] } {
    const exchanges: string[] = [];
    const handler: FakeHandler = (req, origin) => {
      const url = new URL(req.url, origin);
      const form = new URLSearchParams(req.body);
      if (url.pathname === "/oauth2/exchange") {
        exchanges.push(req.body);
        if (form.get("grant_type") !== "access_token" || form.get("access_token") !== "aad-token-xyz" || form.get("service") !== url.host) {
          return { status: 401, body: registryError("UNAUTHORIZED", `invalid AAD token ${form.get("access_token")}`) };
        }
        return { status: 200, body: { refresh_token: "acr-refresh-123" } };
      }
      if (url.pathname === "/oauth2/token") {
        const ok = form.get("grant_type") === "refresh_token" && form.get("refresh_token") === "acr-refresh-123" && form.get("scope") === "repository:app:pull";
        return ok ? { status: 200, body: { access_token: "acr-access-456" } } : { status: 401, body: registryError("UNAUTHORIZED", "bad refresh token") };
      }
      if (req.headers.authorization !== "Bearer acr-access-456") {
        return {
          status: 401,
          headers: { "WWW-Authenticate": `Bearer realm="${origin}/oauth2/token",service="${url.host}",scope="repository:app:pull"` },
          body: registryError("UNAUTHORIZED", "authentication required"),
        };
      }
      return paginated("app", ["1-1"])(req, origin);
    };
    return { handler, exchanges };
  }

  it("exchanges the AAD token once and lists tags with the ACR access token", async () => {
    const { handler, exchanges } = acr();
    const server = await fake(handler);
    let aadCalls = 0;
    const c = client(server, { credentials: { kind: "azure", getAccessToken: async () => (aadCalls++, "aad-token-xyz") } });
    assert.deepEqual(await c.listTags("app"), ["1-1"]);
    assert.deepEqual(await c.dockerLoginCredentials(), { username: ACR_REFRESH_TOKEN_USER, password: "acr-refresh-123" });
    assert.equal(aadCalls, 1);
    assert.equal(exchanges.length, 1);
  });

  it("gives docker login the refresh token with the all-zero user, like az acr login --expose-token", async () => {
    const { handler } = acr();
    const server = await fake(handler);
    const c = client(server, { credentials: { kind: "azure", getAccessToken: async () => "aad-token-xyz" } });
    assert.deepEqual(await c.dockerLoginCredentials(), { username: "00000000-0000-0000-0000-000000000000", password: "acr-refresh-123" });
    assert.deepEqual(server.requests.map((r) => r.url), ["/oauth2/exchange"]);
  });

  it("answers a Basic challenge with the all-zero user and the refresh token", async () => {
    const { handler } = acr();
    const server = await fake((req, origin) => {
      if (req.url.startsWith("/oauth2/")) return handler(req, origin);
      if (req.headers.authorization !== basicHeader(ACR_REFRESH_TOKEN_USER, "acr-refresh-123")) {
        return { status: 401, headers: { "WWW-Authenticate": 'Basic realm="acr"' }, body: registryError("UNAUTHORIZED", "authentication required") };
      }
      return paginated("app", ["1-1"])(req, origin);
    });
    const c = client(server, { credentials: { kind: "azure", getAccessToken: async () => "aad-token-xyz" } });
    assert.deepEqual(await c.listTags("app"), ["1-1"]);
  });

  it("reports a refused exchange with what to check, without the AAD token", async () => {
    const { handler } = acr();
    const server = await fake(handler);
    const c = client(server, { credentials: { kind: "azure", getAccessToken: async () => "stale-aad-token" } });
    await expectUserError(
      c.listTags("app"),
      [`registry ${server.host}`, "/oauth2/exchange", "HTTP 401", "UNAUTHORIZED", "AcrPull"],
      ["stale-aad-token"],
    );
  });

  it("reports a failing Azure sign-in and tries again on the next call", async () => {
    const { handler } = acr();
    const server = await fake(handler);
    let signedIn = false;
    const c = client(server, {
      credentials: {
        kind: "azure",
        getAccessToken: async () => {
          if (!signedIn) throw new Error("DefaultAzureCredential failed to retrieve a token");
          return "aad-token-xyz";
        },
      },
    });
    await expectUserError(c.listTags("app"), ["Azure AD access token", "DefaultAzureCredential", "az login"]);
    signedIn = true;
    assert.deepEqual(await c.listTags("app"), ["1-1"]);
  });
});

describe("docker login credentials", { timeout: LIMIT }, () => {
  it("passes basic credentials through and refuses anonymous", async () => {
    const basic = new RegistryClient({ registry: "registry.invalid", credentials: { kind: "basic", username: "u", password: "p" } });
    assert.deepEqual(await basic.dockerLoginCredentials(), { username: "u", password: "p" });
    await expectUserError(new RegistryClient({ registry: "registry.invalid" }).dockerLoginCredentials(), ["registry registry.invalid", "--username"]);
  });
});

describe("retries and time limits", { timeout: LIMIT }, () => {
  it("retries 503 and 429 (honouring Retry-After), then succeeds", async () => {
    const statuses = [503, 429];
    const server = await fake(() => {
      const status = statuses.shift();
      if (status === 429) return { status, headers: { "Retry-After": "0" }, body: registryError("TOOMANYREQUESTS", "slow down") };
      if (status !== undefined) return { status, body: "unavailable" };
      return { status: 200, body: tagList("app", ["x"]) };
    });
    assert.deepEqual(await client(server).listTags("app"), ["x"]);
    assert.equal(server.requests.length, 3);
  });

  it("gives up after the configured retries with the status and attempt count", async () => {
    const server = await fake(() => ({ status: 502, body: "bad gateway" }));
    await expectUserError(client(server, { retries: 3 }).listTags("app"), ["HTTP 502", "after 4 attempts", "try again later"]);
    assert.equal(server.requests.length, 4);
  });

  it("does not retry a client error", async () => {
    const server = await fake(() => ({ status: 400, body: registryError("NAME_INVALID", "invalid repository name") }));
    await expectUserError(client(server).listTags("app"), ["HTTP 400", "NAME_INVALID", "lowercase"]);
    assert.equal(server.requests.length, 1);
  });

  it("ends a request that gets no answer at the timeout", async () => {
    const server = await fake(() => undefined);
    const started = Date.now();
    await expectUserError(client(server, { timeoutMs: 200, retries: 1 }).listTags("app"), ["no answer within 200 ms", "2 attempts"]);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it("ends an answer that stalls mid-body, with global fetch and with the CA-trusting transport", async () => {
    const midBody = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"name":"app","tags":["1-');
    });
    await new Promise<void>((resolve) => midBody.listen(0, "127.0.0.1", resolve));
    const address = midBody.address();
    const registry = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    try {
      for (const transport of [undefined, fetchWithCa("unused for plain http")]) {
        const started = Date.now();
        await expectUserError(new RegistryClient({ registry, timeoutMs: 300, retries: 0, fetch: transport }).listTags("app"), ["no answer within 300 ms"]);
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      }
    } finally {
      midBody.closeAllConnections();
      midBody.close();
    }
  });

  it("reports a registry that is down (connection refused) at once, without retrying it", async () => {
    const port = await freePort();
    let calls = 0;
    const counting: FetchLike = (url, init) => {
      calls += 1;
      return fetch(url, init);
    };
    const err = await expectUserError(new RegistryClient({ registry: `http://127.0.0.1:${port}`, retries: 3, backoffMs: 20, fetch: counting }).listTags("app"), [
      `registry 127.0.0.1:${port}`,
      '"app"',
      "ECONNREFUSED",
      "check that the registry is running",
    ]);
    assert.equal(calls, 1, "a refused connection is not retried");
    assert.doesNotMatch(err.message, /attempts/);
  });

  it("ends at the total budget against a server that accepts connections and never answers", async () => {
    // Raw TCP: the connection is accepted, not a byte ever comes back.
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const host = `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    try {
      // Per-attempt timeout and retries as in production: only the budget can end it early.
      const err = await expectUserError(new RegistryClient({ registry: `http://${host}`, budgetMs: 700 }).listTags("app"), [
        `registry ${host}, repository "app": listing tags failed: no answer within the 0.7 s budget`,
        "check that the registry is up and reachable",
        "docker.registry_timeout_seconds",
      ]);
      assert.equal(err.problems.length, 1);
      assert.ok(sockets.length >= 1);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      silent.close();
    }
  });

  it("spends one budget over all of a client's requests and retries, then reports the last answer", async () => {
    const server = await fake(() => ({ status: 503, body: "unavailable" }));
    const c = client(server, { retries: 50, backoffMs: 100, budgetMs: 600 });
    await expectUserError(c.listTags("app"), ["HTTP 503", "the registry is failing"]);
    assert.ok(server.requests.length < 51, `${server.requests.length} requests`);
    // Once the budget is spent, the same client's next operation sends nothing.
    await sleep(650);
    const before = server.requests.length;
    await expectUserError(c.listTags("other"), ["budget"]);
    assert.equal(server.requests.length, before);
  });
});

describe("manifest check", { timeout: LIMIT }, () => {
  const digest = `sha256:${"ab".repeat(32)}`;

  it("HEADs the manifest accepting OCI and Docker types and returns Docker-Content-Digest", async () => {
    const server = await fake((req) =>
      req.url === "/v2/app/manifests/1.11.16-3" ? { status: 200, headers: { "Docker-Content-Digest": digest } } : { status: 404 },
    );
    assert.equal(await client(server).manifestDigest("app", "1.11.16-3"), digest);
    assert.equal(await client(server).manifestDigest("app", "1.11.16-4"), undefined);
    assert.equal(server.requests[0]!.method, "HEAD");
    const accepted = String(server.requests[0]!.headers.accept).split(/,\s*/);
    assert.deepEqual([...accepted].sort(), [...MANIFEST_MEDIA_TYPES].sort());
  });

  it("hashes the manifest itself when the registry sends no digest header", async () => {
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json" });
    const server = await fake(() => ({ status: 200, headers: { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json" }, body: manifest }));
    const expected = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
    assert.equal(await client(server).manifestDigest("app", "v1"), expected);
    assert.deepEqual(server.requests.map((r) => r.method), ["HEAD", "GET"]);
  });

  it("refuses a reference that is neither tag nor digest, without a request", async () => {
    const server = await fake(() => ({ status: 200 }));
    await expectUserError(client(server).manifestDigest("app", "bad/tag"), ['"bad/tag"', "neither a tag"]);
    assert.equal(server.requests.length, 0);
  });
});
