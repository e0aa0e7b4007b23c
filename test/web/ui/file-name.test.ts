import assert from "node:assert/strict";
import { test } from "node:test";
import { safeFileName } from "../../../web/src/ui/file-name.ts";

test("a right-to-left override cannot disguise an extension", () => {
  assert.equal(safeFileName("invoice\u202Efdp.exe"), "invoicefdp.exe");
});

test("every bidirectional control goes", () => {
  const controls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069";
  assert.equal(safeFileName(`a${controls}b.txt`), "ab.txt");
});

test("control characters go and path separators become underscores", () => {
  assert.equal(safeFileName("..\\..\\evil\n/passwd\u0000.txt"), ".._.._evil_passwd.txt");
});

test("an empty, dot-only or missing name is 'file'", () => {
  for (const name of ["", "  ", "\u202e", ".", "..", null, undefined])
    assert.equal(safeFileName(name), "file");
});

test("a long name is cut at 120 characters, never inside a character", () => {
  const name = `${"я".repeat(100)}${"😀".repeat(40)}`;
  assert.equal([...safeFileName(name)].length, 120);
  assert.equal(safeFileName(name).endsWith("😀"), true);
});

test("names in any script stay as they are", () => {
  assert.equal(safeFileName("Отчёт за 2026 год.pdf"), "Отчёт за 2026 год.pdf");
  assert.equal(safeFileName("تقرير.pdf"), "تقرير.pdf");
});
