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
