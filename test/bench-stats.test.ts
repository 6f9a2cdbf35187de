import assert from "node:assert/strict";
import { test } from "node:test";
import { median, pairedRatio, summarize } from "../bench/stats";

test("median of odd and even counts, unsorted input", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]));
});

test("summarize gives median, min, max and count", () => {
  assert.deepEqual(summarize([5, 1, 9]), { median: 5, min: 1, max: 9, n: 3 });
});

test("pairedRatio is the median of per-round ratios", () => {
  assert.equal(pairedRatio([2, 4, 30], [1, 2, 3]), 2);
  assert.throws(() => pairedRatio([1], [1, 2]));
});
