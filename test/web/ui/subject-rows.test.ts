import assert from "node:assert/strict";
import { test } from "node:test";
import { shownRows, subjectRows } from "../../../web/src/ui/subject-rows.ts";

test("a certificate's holder is named by its CN, else surname and given name, else its whole subject DN", () => {
  const dn = "C=RU,O=ООО Ромашка,OU=Склад";
  const nameOf = (subject: Parameters<typeof subjectRows>[0]) =>
    shownRows(subjectRows(subject, "Владелец", dn))[0];
  assert.deepEqual(nameOf({ commonName: "Иванов Иван" }), ["Владелец", "Иванов Иван"]);
  assert.deepEqual(nameOf({ surname: "Иванов", givenName: "Иван Иванович" }), [
    "Владелец",
    "Иванов Иван Иванович",
  ]);
  assert.deepEqual(nameOf({ organization: "ООО Ромашка" }), ["Владелец", dn]);
});
