import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeResults } from "../bench/results";
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

test("a run of some benchmarks replaces only their sections of the results block", () => {
  const old = "Measured then.\n\n### 1. Program\n\nold 1\n\n### 2. Hash\n\nold 2\n\n### 3. Tags\n\nold 3";
  const merged = mergeResults(old, "Measured now on here.", ["### 2. Hash\n\nnew 2"], false);
  assert.equal(merged, "Measured then.\n\n### 1. Program\n\nold 1\n\n### 2. Hash\n\nThis section alone: measured now on here.\n\nnew 2\n\n### 3. Tags\n\nold 3");
  assert.equal(mergeResults(old, "Measured now.", ["### 1. P\n\nx", "### 2. H\n\ny"], true), "Measured now.\n\n### 1. P\n\nx\n\n### 2. H\n\ny");
});
