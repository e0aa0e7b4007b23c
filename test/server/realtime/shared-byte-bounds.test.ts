import assert from "node:assert/strict";
import { test } from "node:test";
import { SharedByteBounds } from "../../../src/server/realtime/shared-byte-bounds.ts";

test("the accounts of one key share its bound; another key has its own", () => {
  const bounds = new SharedByteBounds(100);
  const [first, second, other] = [bounds.account(1), bounds.account(1), bounds.account(2)];
  assert.equal(first.charge(60), true);
  assert.equal(second.charge(41), false, "60 + 41 is over the key's bound");
  assert.equal(second.charge(40), true);
  assert.equal(other.charge(100), true);
  assert.equal(bounds.heldBy(1), 100);
});

test("a refused charge holds nothing, and refunds free the bound", () => {
  const bounds = new SharedByteBounds(100);
  const account = bounds.account(7);
  assert.equal(account.charge(101), false);
  assert.equal(bounds.heldBy(7), 0);
  assert.equal(account.charge(100), true);
  account.refund(100);
  assert.equal(account.charge(100), true);
});

test("a key that holds nothing any more is forgotten", () => {
  const bounds = new SharedByteBounds(100);
  const account = bounds.account(3);
  account.charge(0);
  assert.equal(bounds.holders, 0, "a charge of nothing (a session re-check) is not remembered");
  account.charge(10);
  assert.equal(bounds.holders, 1);
  account.refund(10);
  assert.equal(bounds.holders, 0);
});
