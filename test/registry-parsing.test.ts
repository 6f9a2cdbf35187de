import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  acrExchangeForm,
  acrTokenForm,
  describeCredentials,
  parseRefreshTokenResponse,
  parseTokenResponse,
  parseWwwAuthenticate,
  TokenCache,
  tokenUrl,
  type Credentials,
} from "../lib/registry/auth";
import { backoffMs, classify, isRetryableStatus, TransportError, type HttpResult } from "../lib/registry/http";
import { httpProblem, redact, registryErrors, transportProblem } from "../lib/registry/problems";
import { parseNextLink, parseTagPage } from "../lib/registry/tags";

describe("WWW-Authenticate", () => {
  it("reads a Bearer challenge with a comma inside a quoted scope", () => {
    const header = 'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"';
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: "bearer",
        params: { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:a/b:pull,push" },
      },
    ]);
  });

  it("reads Basic, unquoted values, odd spacing and several challenges in one header", () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="local-registry", Bearer realm = https://r/t , error=invalid_token'), [
      { scheme: "basic", params: { realm: "local-registry" } },
      { scheme: "bearer", params: { realm: "https://r/t", error: "invalid_token" } },
    ]);
  });

  it("lowercases schemes and parameter names and unescapes quoted pairs", () => {
    assert.deepEqual(parseWwwAuthenticate('BEARER Realm="a\\"b"'), [{ scheme: "bearer", params: { realm: 'a"b' } }]);
  });

  it("skips a token68 challenge without losing the next one", () => {
    assert.deepEqual(
      parseWwwAuthenticate('Negotiate YWJj==, Basic realm="x"').map((c) => c.scheme),
      ["negotiate", "basic"],
    );
  });

  it("gives nothing for an empty header", () => {
    assert.deepEqual(parseWwwAuthenticate(""), []);
  });
});

describe("token requests and answers", () => {
  it("puts service and each scope into the realm's query, keeping its own parameters", () => {
    const url = new URL(tokenUrl("https://auth.example.com/token?x=1", "reg", "repository:a:pull repository:b:pull"));
    assert.equal(url.searchParams.get("x"), "1");
    assert.equal(url.searchParams.get("service"), "reg");
    assert.deepEqual(url.searchParams.getAll("scope"), ["repository:a:pull", "repository:b:pull"]);
  });

  it("builds the ACR exchange and refresh-token forms", () => {
    assert.deepEqual(Object.fromEntries(new URLSearchParams(acrExchangeForm("r.azurecr.io", "aad&x"))), {
      grant_type: "access_token",
      service: "r.azurecr.io",
      access_token: "aad&x",
    });
    assert.deepEqual(Object.fromEntries(new URLSearchParams(acrTokenForm("r.azurecr.io", "repository:a:pull", "rt"))), {
      grant_type: "refresh_token",
      service: "r.azurecr.io",
      scope: "repository:a:pull",
      refresh_token: "rt",
    });
  });

  it("takes token or access_token, and 60 s when expires_in is missing", () => {
    assert.deepEqual(parseTokenResponse('{"token":"t1","expires_in":300}'), { token: "t1", expiresInSeconds: 300 });
    assert.deepEqual(parseTokenResponse('{"access_token":"t2"}'), { token: "t2", expiresInSeconds: 60 });
    assert.equal(parseTokenResponse('{"token":""}'), undefined);
    assert.equal(parseTokenResponse("not json"), undefined);
    assert.equal(parseRefreshTokenResponse('{"refresh_token":"rt"}'), "rt");
    assert.equal(parseRefreshTokenResponse("{}"), undefined);
  });

  it("forgets a token before it expires", () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    cache.set("s", { token: "t", expiresInSeconds: 60 });
    now = 50_000;
    assert.equal(cache.get("s"), "t");
    now = 55_000; // inside the last tenth of its life
    assert.equal(cache.get("s"), undefined);
  });
});

describe("tag pages", () => {
  it("reads tags, and null tags as none", () => {
    assert.deepEqual(parseTagPage('{"name":"a","tags":["x","y"]}'), ["x", "y"]);
    assert.deepEqual(parseTagPage('{"name":"a","tags":null}'), []);
    assert.equal(parseTagPage("<html>"), undefined);
    assert.equal(parseTagPage('{"tags":[1]}'), undefined);
  });

  it("follows rel=next of a Link header, relative to the page that sent it", () => {
    const base = "https://r.io/v2/a/tags/list?n=2";
    assert.equal(parseNextLink('</v2/a/tags/list?last=b&n=2>; rel="next"', base), "https://r.io/v2/a/tags/list?last=b&n=2");
    assert.equal(parseNextLink("<https://r.io/p2>; rel=next", base), "https://r.io/p2");
    assert.equal(parseNextLink('<https://r.io/p0>; rel="prev", <https://r.io/p2>; rel="next last"', base), "https://r.io/p2");
    assert.equal(parseNextLink('<https://r.io/p0>; rel="prev"', base), undefined);
    assert.equal(parseNextLink(null, base), undefined);
  });
});

function result(status: number, body: unknown, attempts = 1): HttpResult {
  return { status, headers: new Headers(), body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)), attempts };
}

describe("error messages", () => {
  const ctx = { registry: "myacr.azurecr.io", repository: "proj--main", action: "listing tags" };
  const basic: Credentials = { kind: "basic", username: "ci-bot", password: "hunter2-secret" };

  it("reads distribution and OAuth error bodies", () => {
    assert.deepEqual(registryErrors('{"errors":[{"code":"DENIED","message":"no"}]}'), [{ code: "DENIED", message: "no" }]);
    assert.deepEqual(registryErrors('{"error":"invalid_grant","error_description":"expired"}'), [{ code: "invalid_grant", message: "expired" }]);
    assert.deepEqual(registryErrors("404 page not found"), []);
  });

  it("names registry, repository, status, code and the credentials tried on 401, without the password", () => {
    const message = httpProblem(ctx, result(401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), basic);
    for (const part of ["registry myacr.azurecr.io", '"proj--main"', "HTTP 401", "UNAUTHORIZED", '"ci-bot"', "check the user name and password"]) {
      assert.ok(message.includes(part), `${message} lacks ${part}`);
    }
    assert.ok(!message.includes("hunter2-secret"));
  });

  it("tells anonymous users to pass credentials, and Azure users to check their role", () => {
    assert.match(httpProblem(ctx, result(401, ""), { kind: "anonymous" }), /anonymous.*--username and --password-stdin/);
    assert.match(httpProblem(ctx, result(401, ""), { kind: "azure", getAccessToken: async () => "" }), /00000000-0000-0000-0000-000000000000.*AcrPull/);
  });

  it("says when the registry throttles or fails after retries", () => {
    assert.match(httpProblem(ctx, result(429, "", 4), basic), /HTTP 429, no error code after 4 attempts; .*throttling/);
    assert.match(httpProblem(ctx, result(503, "", 4), basic), /HTTP 503.*try again later/);
  });

  it("says a 404 without error code is probably not a registry", () => {
    assert.match(httpProblem(ctx, result(404, "404 page not found"), basic), /no error code; .*container registry/);
  });

  it("tells to drop http:// when a TLS server got plain HTTP", () => {
    assert.match(httpProblem(ctx, result(400, "Client sent an HTTP request to an HTTPS server.\n"), basic), /HTTP 400.*drop the http:\/\/ prefix/);
  });

  it("explains network failures with what to do", () => {
    const refused = transportProblem(ctx, new TransportError("refused", "ECONNREFUSED", 3, "https://myacr.azurecr.io/v2/x/tags/list?n=1"), { timeoutMs: 1000, budgetMs: 30_000 });
    assert.match(refused, /^registry myacr.azurecr.io, repository "proj--main": listing tags failed: no HTTP answer \(ECONNREFUSED\)/);
    assert.match(refused, /3 attempts; connection refused: check that the registry is running/);
    assert.ok(!refused.includes("?n=1"));
    const timeout = transportProblem(ctx, new TransportError("timeout", "TIMEOUT", 1, "https://r/v2/"), { timeoutMs: 1500, budgetMs: 30_000 });
    assert.match(timeout, /no answer within 1500 ms/);
    assert.match(transportProblem(ctx, new TransportError("tls-untrusted", "SELF_SIGNED_CERT_IN_CHAIN", 1, "https://r/"), { timeoutMs: 1, budgetMs: 30_000 }), /--ca-file/);
    assert.match(transportProblem(ctx, new TransportError("not-tls", "ERR_SSL_WRONG_VERSION_NUMBER", 1, "https://r/"), { timeoutMs: 1, budgetMs: 30_000 }), /http:\/\//);
  });

  it("redacts secrets quoted back by a registry", () => {
    assert.equal(redact("bad token abcd1234 for abcd1234", ["abcd1234"]), "bad token *** for ***");
  });
});

describe("retries", () => {
  const policy = { timeoutMs: 1000, retries: 3, backoffMs: 100, maxBackoffMs: 1000 };

  it("retries throttling and server errors, not client errors", () => {
    for (const status of [429, 500, 502, 503, 504]) assert.ok(isRetryableStatus(status), String(status));
    for (const status of [200, 400, 401, 403, 404, 501]) assert.ok(!isRetryableStatus(status), String(status));
  });

  it("backs off exponentially, honours Retry-After, and caps both", () => {
    const first = backoffMs(1, policy, null);
    const third = backoffMs(3, policy, null);
    assert.ok(first >= 75 && first <= 125, String(first));
    assert.ok(third >= 300 && third <= 500, String(third));
    assert.equal(backoffMs(10, policy, null), 1000);
    assert.equal(backoffMs(1, policy, "0.2"), 200);
    assert.equal(backoffMs(1, policy, "3600"), 1000);
    assert.equal(backoffMs(1, policy, new Date(10_500).toUTCString(), 10_000), 0); // a date in the past
  });

  it("names network failures from fetch's cause chain", () => {
    const wrapped = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("x"), { code }) });
    assert.deepEqual(classify(wrapped("ECONNREFUSED")), ["refused", "ECONNREFUSED"]);
    assert.deepEqual(classify(wrapped("DEPTH_ZERO_SELF_SIGNED_CERT")), ["tls-untrusted", "DEPTH_ZERO_SELF_SIGNED_CERT"]);
    assert.deepEqual(classify(wrapped("ERR_SSL_WRONG_VERSION_NUMBER")), ["not-tls", "ERR_SSL_WRONG_VERSION_NUMBER"]);
    assert.deepEqual(classify(wrapped("ECONNRESET")), ["network", "ECONNRESET"]);
    assert.deepEqual(classify(Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") })), ["other", "fetch failed: bad port"]);
  });
});

describe("credential descriptions", () => {
  it("never hold the secret", () => {
    assert.equal(describeCredentials({ kind: "basic", username: "u", password: "pw-123456" }).includes("pw-123456"), false);
  });
});
