import assert from "node:assert/strict";
import { test } from "node:test";
import { RowCoverage } from "../../src/client/row-coverage.ts";

test("a profile with one covered certificate passes whatever its other certificates' reasons", () => {
  const coverage = new RowCoverage();
  coverage.skipped(1, 10, "another curve");
  coverage.covered(1);
  assert.doesNotThrow(() => coverage.requireEvery([1]));
});

test("names each profile left without a row with its certificates' reasons, and one never seen", () => {
  const coverage = new RowCoverage();
  coverage.covered(1);
  coverage.skipped(2, 20, "another curve");
  coverage.skipped(2, 21, "does not chain");
  assert.throws(
    () => coverage.requireEvery([1, 2, 3]),
    /no certificate of profile 2 \(certificate 20: another curve; certificate 21: does not chain\), 3 \(no certificate\)$/,
  );
});
