import assert from "node:assert/strict";
import { test } from "node:test";
import { kuznyechikEncryptor } from "../../../src/crypto/gost/kuznyechik.ts";

const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));

test("Kuznyechik encrypts the example block of GOST R 34.12-2015 (A.1.5)", () => {
  const encrypt = kuznyechikEncryptor(
    hex("8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef"),
  );
  assert.equal(
    Buffer.from(encrypt(hex("1122334455667700ffeeddccbbaa9988"))).toString("hex"),
    "7f679d90bebc24305a468d42b9d4edcd",
  );
});
