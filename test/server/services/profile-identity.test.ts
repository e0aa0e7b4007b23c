import assert from "node:assert/strict";
import { test } from "node:test";
import { profileFieldsOf } from "../../../src/server/services/profile-identity.ts";

const certificate = {
  subject: { snils: "13579246801", ogrn: "1027700132195", surname: "Жертва", givenName: "Вера Викторовна" },
  issuerDn: "CN=Some CA",
  subjectDn: "CN=Жертва Вера Викторовна,SNILS=13579246801",
};

test("a qualified certificate's profile is keyed by SNILS and OGRN", () => {
  assert.equal(profileFieldsOf(certificate, true).profile_key, "ru:13579246801:1027700132195");
});

test("a certificate from a CA not marked qualified is keyed by issuer and subject DN despite its SNILS", () => {
  const fields = profileFieldsOf(certificate, false);
  assert.equal(fields.profile_key, "dn:CN=Some CA|CN=Жертва Вера Викторовна,SNILS=13579246801");
  assert.equal(fields.snils, "13579246801");
});

// Outside review (attack12): the name is shown to every contact and member by clients (the deployed Android one
// among them) that show it as stored; a U+202E in it reverses what follows, an ESC drives a terminal.
test("bidirectional controls and control characters of the subject are not part of the name, company or title", () => {
  const fields = profileFieldsOf(
    {
      subject: {
        surname: "Иванов\u202E",
        givenName: "Иван\u2066\tИванович\u0007",
        organization: "ООО\u200F \u001B[31mРомашка",
        title: "Дир\u202Aектор\r\n",
      },
      issuerDn: "CN=Some CA",
      subjectDn: "CN=x",
    },
    false,
  );
  assert.deepEqual(
    [fields.name, fields.company, fields.title],
    ["Иванов Иван Иванович", "ООО [31mРомашка", "Директор"],
  );
});

// Outside review (attack12): a certificate may carry a name of up to its 64 KiB, which every contact is shown.
test("a name, company or title longer than 256 characters is cut to 256 with an ellipsis, never inside a surrogate pair", () => {
  const fields = profileFieldsOf(
    {
      subject: {
        commonName: `Ж${"😀".repeat(10_000)}`,
        organization: "О".repeat(300),
        title: "Т".repeat(256),
      },
      issuerDn: "CN=Some CA",
      subjectDn: "CN=x",
    },
    false,
  );
  assert.equal([...fields.name].length, 256);
  assert.equal(fields.name, `Ж${"😀".repeat(254)}…`);
  assert.equal(fields.company, `${"О".repeat(255)}…`);
  assert.equal(fields.title, "Т".repeat(256), "exactly 256 is kept whole");
});
