import assert from "node:assert/strict";
import { test } from "node:test";
import { threePartName } from "../../../src/server/services/full-name.ts";

const NB = "\u00A0";
/** How the deployed client reads a name: split on single spaces, exactly three parts expected. */
const parts = (name: string) => name.split(" ");

test("a three-word name stays as it is", () => {
  assert.equal(threePartName("Иванов Иван Иванович"), "Иванов Иван Иванович");
});

test("extra whitespace is collapsed and trimmed", () => {
  assert.equal(threePartName("  Иванов   Иван\tИванович "), "Иванов Иван Иванович");
});

test("a name without patronymic gets an empty-looking third part", () => {
  assert.deepEqual(parts(threePartName("Smith John")), ["Smith", "John", NB]);
});

test("a one-word (CN-only) name gets two empty-looking parts", () => {
  assert.deepEqual(parts(threePartName("Администратор")), ["Администратор", NB, NB]);
});

test("words beyond the third stay with the patronymic", () => {
  assert.deepEqual(parts(threePartName("Алиев Рашид Гейдар оглы")), ["Алиев", "Рашид", `Гейдар${NB}оглы`]);
});

test("an empty name is still three parts", () => {
  assert.deepEqual(parts(threePartName("   ")), [NB, NB, NB]);
});

test("shaping twice changes nothing", () => {
  for (const name of ["Smith John", "Алиев Рашид Гейдар оглы", "X", "Иванов Иван Иванович"]) {
    assert.equal(threePartName(threePartName(name)), threePartName(name));
  }
});
