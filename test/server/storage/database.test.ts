import assert from "node:assert/strict";
import { test } from "node:test";
import { backends } from "../../support/storage.ts";

const postgres = backends.find((backend) => backend.name === "postgres");

test("migrations into separate PostgreSQL schemas can run at the same time", {
  skip: postgres?.skip ?? "no PostgreSQL backend",
}, async () => {
  const created = await Promise.allSettled(Array.from({ length: 8 }, () => postgres?.create()));
  for (const outcome of created) if (outcome.status === "fulfilled") await outcome.value?.dispose();
  const failures = created.filter((outcome) => outcome.status === "rejected");
  assert.deepEqual(
    failures.map((failure) => String((failure as PromiseRejectedResult).reason)),
    [],
  );
});
