import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isUserError } from "../lib/shared/errors";
import { nextVersion, parseVersionTag } from "../lib/registry/nextTag";

describe("parseVersionTag", () => {
  it("reads n from a tag that is exactly <version>-<n>", () => {
    assert.equal(parseVersionTag("1.11.16-0", "1.11.16"), 0);
    assert.equal(parseVersionTag("1.11.16-42", "1.11.16"), 42);
  });

  it("rejects tags that only look alike", () => {
    for (const tag of ["latest", "1.11.16", "1.11.16-", "1.11.16-3-rc", "1.11.16-abc", "1.11.16-+3", "1.11.16-3.0", "1.11.160-3", "1.11.15-9", "x1.11.16-3", "1.11.16- 3"]) {
      assert.equal(parseVersionTag(tag, "1.11.16"), undefined, tag);
    }
  });

  it("treats the version literally, not as a pattern", () => {
    assert.equal(parseVersionTag("1x11y16-5", "1.11.16"), undefined);
  });

  it("ignores numbers too large to count exactly", () => {
    assert.equal(parseVersionTag("1.11.16-99999999999999999999", "1.11.16"), undefined);
  });
});

describe("nextVersion", () => {
  it("is one more than the largest n of this dagster version", () => {
    assert.equal(nextVersion(["1.11.16-1", "1.11.16-10", "1.11.16-9"], "1.11.16"), "1.11.16-11");
  });

  it("compares numbers, not strings", () => {
    assert.equal(nextVersion(["1.11.16-9", "1.11.16-10", "1.11.16-100", "1.11.16-99"], "1.11.16"), "1.11.16-101");
  });

  it("starts at 0 when there are no tags or no matching tags", () => {
    assert.equal(nextVersion([], "1.11.16"), "1.11.16-0");
    assert.equal(nextVersion(["latest", "1.11.15-9000", "1.11.16-3-rc", "1.11.16-abc"], "1.11.16"), "1.11.16-0");
  });

  it("ignores other versions and suffixed tags beside matching ones", () => {
    const tags = ["latest", "1.11.15-9000", "1.11.16-3-rc", "1.11.16-abc", "1.11.16-2", "1.11.16-0"];
    assert.equal(nextVersion(tags, "1.11.16"), "1.11.16-3");
  });

  it("continues after a 0 tag (0 is a used number)", () => {
    assert.equal(nextVersion(["1.11.16-0"], "1.11.16"), "1.11.16-1");
  });

  it("reads leading zeros as the number they spell", () => {
    assert.equal(nextVersion(["1.11.16-007"], "1.11.16"), "1.11.16-8");
  });

  it("handles thousands of tags in any order", () => {
    const tags = Array.from({ length: 5000 }, (_, i) => `1.11.16-${(i * 7919) % 5000}`);
    assert.equal(nextVersion(tags, "1.11.16"), "1.11.16-5000");
  });

  it("refuses a dagster version that cannot start an image tag", () => {
    for (const version of ["", "1.11 16", "-1.11", "1.11/16", "v".repeat(113)]) {
      assert.throws(
        () => nextVersion([], version),
        (err: unknown) => isUserError(err) && err.message.includes("dagster version") && err.message.includes("1.11.16"),
        JSON.stringify(version),
      );
    }
  });
});
