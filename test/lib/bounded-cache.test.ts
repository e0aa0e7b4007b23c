import assert from "node:assert/strict";
import { test } from "node:test";
import { BoundedCache } from "../../src/lib/bounded-cache.ts";

test("a full cache drops the least recently used entry", () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set("a", 1);
  cache.set("b", 2);
  assert.equal(cache.get("a"), 1); // "b" is now the least recently used
  cache.set("c", 3);
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("a"), 1);
  assert.equal(cache.get("c"), 3);
  assert.equal(cache.size, 2);
});

test("setting an existing key replaces its value without growing the cache", () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set("a", 1);
  cache.set("a", 2);
  assert.equal(cache.get("a"), 2);
  assert.equal(cache.size, 1);
});

test("a deleted key is gone", () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set("a", 1);
  cache.delete("a");
  assert.equal(cache.get("a"), undefined);
});

test("clear empties the cache", () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set("a", 1);
  cache.set("b", 2);
  cache.clear();
  assert.equal(cache.size, 0);
  assert.equal(cache.get("b"), undefined);
});

test("a weighed cache drops the least recently used entries until the new one fits its weight", () => {
  const cache = new BoundedCache<string, string>(10, { of: (value) => value.length, max: 5 });
  cache.set("a", "xx");
  cache.set("b", "xx");
  cache.set("c", "xxx");
  assert.equal(cache.get("a"), undefined);
  assert.equal(cache.get("b"), "xx");
  assert.equal(cache.get("c"), "xxx");
});

test("a weighed cache does not keep a value heavier than all it may hold, nor drop others for it", () => {
  const cache = new BoundedCache<string, string>(10, { of: (value) => value.length, max: 5 });
  cache.set("a", "xx");
  cache.set("big", "xxxxxx");
  assert.equal(cache.get("big"), undefined);
  assert.equal(cache.get("a"), "xx");
});
