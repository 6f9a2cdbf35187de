import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isUserError } from "../lib/shared/errors";
import {
  checkRepositoryPath,
  imageRepository,
  isDigest,
  isValidTag,
  parseRegistryAddress,
  registryOrigin,
  repositoryPath,
} from "../lib/config/registryAddress";

function rejects(fn: () => unknown, ...fragments: string[]) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isUserError(err), `expected a UserError, got ${String(err)}`);
    for (const fragment of fragments) assert.ok(err.message.includes(fragment), `"${err.message}" lacks "${fragment}"`);
    return true;
  });
}

describe("parseRegistryAddress", () => {
  it("defaults to https and keeps host, port and path apart", () => {
    assert.deepEqual(parseRegistryAddress("myacr.azurecr.io"), {
      scheme: "https",
      host: "myacr.azurecr.io",
      pathPrefix: "",
      display: "myacr.azurecr.io",
      input: "myacr.azurecr.io",
    });
    assert.deepEqual(parseRegistryAddress("registry.example.com:5000/team/dagster"), {
      scheme: "https",
      host: "registry.example.com:5000",
      pathPrefix: "team/dagster",
      display: "registry.example.com:5000/team/dagster",
      input: "registry.example.com:5000/team/dagster",
    });
  });

  it("takes an explicit http:// for local registries but never shows it in image names", () => {
    const address = parseRegistryAddress("http://127.0.0.1:5001/kind");
    assert.equal(address.scheme, "http");
    assert.equal(address.display, "127.0.0.1:5001/kind");
    assert.equal(registryOrigin(address), "http://127.0.0.1:5001");
    assert.equal(imageRepository(address, "proj--main"), "127.0.0.1:5001/kind/proj--main");
  });

  it("accepts https:// in any case, surrounding blanks and trailing slashes", () => {
    const address = parseRegistryAddress("  HTTPS://localhost:5000/  ");
    assert.equal(address.scheme, "https");
    assert.equal(address.display, "localhost:5000");
  });

  it("accepts a bracketed IPv6 host", () => {
    assert.equal(registryOrigin(parseRegistryAddress("http://[::1]:5000")), "http://[::1]:5000");
  });

  it("rejects other schemes, credentials, queries and empty input with what to do", () => {
    rejects(() => parseRegistryAddress("oci://myacr.azurecr.io"), "oci://", "https://");
    rejects(() => parseRegistryAddress("user:pw@myacr.azurecr.io"), "--username");
    rejects(() => parseRegistryAddress("myacr.azurecr.io?x=1"), "host[:port][/path]");
    rejects(() => parseRegistryAddress(""), "host[:port][/path]");
    rejects(() => parseRegistryAddress("http://"), "host[:port][/path]");
  });

  it("rejects bad hosts and ports", () => {
    rejects(() => parseRegistryAddress("my_acr.io"), "not a host name");
    rejects(() => parseRegistryAddress("myacr.io:99999"), "out of range");
    rejects(() => parseRegistryAddress("myacr.io:"), "port");
    rejects(() => parseRegistryAddress("-myacr.io"), "not a host name");
  });

  it("checks the path like a repository name and suggests the lowercase form", () => {
    rejects(() => parseRegistryAddress("myacr.io/Team"), 'component "Team"', 'use "team"');
    rejects(() => parseRegistryAddress("myacr.io/a//b"), "empty path component");
  });
});

describe("repository names", () => {
  const address = parseRegistryAddress("myacr.azurecr.io/dagster");

  it("prefixes the address path for the registry API", () => {
    assert.equal(repositoryPath(address, "proj--feat-x"), "dagster/proj--feat-x");
    assert.equal(repositoryPath(parseRegistryAddress("myacr.azurecr.io"), "a/b"), "a/b");
  });

  it("follows the distribution grammar", () => {
    for (const ok of ["a", "proj--feat-x", "a.b_c__d", "a---b", "team/app", "0day"]) {
      assert.equal(checkRepositoryPath(ok), undefined, ok);
    }
    for (const bad of ["App", "a_", "_a", "a..b", "a___b", "a/", "/a", "a b", "a:b", "a@b", "-a"]) {
      assert.notEqual(checkRepositoryPath(bad), undefined, bad);
    }
  });

  it("refuses an uppercase name with a message naming registry and repository and the fix", () => {
    rejects(
      () => repositoryPath(address, "Proj--Main"),
      "registry myacr.azurecr.io/dagster",
      'repository "Proj--Main"',
      "not sent to the registry",
      'use "proj--main"',
    );
  });

  it("refuses names longer than an image name may be", () => {
    rejects(() => imageRepository(address, "a".repeat(240)), "more than 255");
  });
});

describe("tags and digests", () => {
  it("knows a tag when it sees one", () => {
    assert.ok(isValidTag("1.11.16-3"));
    assert.ok(isValidTag("latest"));
    assert.ok(isValidTag("_x"));
    assert.ok(!isValidTag("-x"));
    assert.ok(!isValidTag(".x"));
    assert.ok(!isValidTag("a".repeat(129)));
    assert.ok(!isValidTag("a/b"));
  });

  it("knows a digest when it sees one", () => {
    assert.ok(isDigest(`sha256:${"a".repeat(64)}`));
    assert.ok(!isDigest("sha256:abc"));
    assert.ok(!isDigest("latest"));
  });
});
