import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { createPki } from "../../src/pki/create-pki.ts";
import { createTestCa } from "../../src/server/test-ca.ts";
import { setUpTrust } from "../../src/server/trust-setup.ts";
import { useTempDir } from "../support/temp-dir.ts";

const tempDir = useTempDir("certchat-trust-setup-");
const silent = pino({ level: "silent" });

test("the implicit test CA (CERTCHAT_TRUST unset) counts as qualified", async () => {
  const dataDir = join(await tempDir(), "data");
  const { store } = await setUpTrust(
    { trust: [], qualifiedTrust: [], crl: [], dataDir },
    silent,
    createPki(),
  );
  assert.deepEqual(store.material().qualified, [store.anchors[0]?.fingerprint]);
});

test("CERTCHAT_TRUST entries are qualified only when marked", async () => {
  const root = await tempDir();
  await createTestCa(join(root, "marked"), { name: "Marked" });
  await createTestCa(join(root, "plain"), { name: "Plain" });
  const marked = join(root, "marked", "ca.pem");
  const plain = join(root, "plain", "ca.pem");
  const { store } = await setUpTrust(
    { trust: [marked, plain], qualifiedTrust: [marked], crl: [], dataDir: join(root, "unused") },
    silent,
    createPki(),
  );
  const markedAnchor = store.anchors.find((anchor) => anchor.subjectDn.includes("Marked"));
  assert.equal(store.anchors.length, 2);
  assert.deepEqual(store.material().qualified, [markedAnchor?.fingerprint]);
});
