/**
 * "Remember the key on this device": the key material (the key files, or the PFX with its password) is kept in
 * IndexedDB only encrypted, under AES-256-GCM with a key derived from the user's passphrase (PBKDF2-SHA-256,
 * 600 000 iterations, random salt). The derived WebCrypto key is non-extractable and never stored; the
 * passphrase is not stored either. Only the holder's name is kept in the clear, to greet them on the unlock
 * screen. Signing keys themselves cannot be non-extractable CryptoKeys here: GOST keys are not WebCrypto
 * algorithms, and the chat-key unwrapping needs the PKCS#8 bytes (docs/WEB.md).
 */
import { decodeBase64, encodeBase64 } from "../../../src/protocol/base64.ts";
import { UserFacingError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { type KeyFiles, keyFilesSource, type PfxFile, pfxSource } from "./files.ts";
import type { KeySource } from "./key-source.ts";

const DB_NAME = "certchat";
const STORE = "keys";
const RECORD = "remembered";
const PBKDF2_ITERATIONS = 600_000;
export const MIN_PASSPHRASE = 8;

export type RememberedMaterial = ({ kind: "files" } & KeyFiles) | ({ kind: "pfx" } & PfxFile);

/** What IndexedDB holds: the holder's name in the clear, the rest sealed. */
interface SealedRecord {
  holder: string;
  salt: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

interface MaterialJson {
  kind: "files" | "pfx";
  a: string;
  b: string;
  password?: string;
}

export function sourceOf(material: RememberedMaterial): KeySource {
  return material.kind === "pfx" ? pfxSource(material) : keyFilesSource(material);
}

export async function remember(
  material: RememberedMaterial,
  holder: string,
  passphrase: string,
): Promise<void> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const json: MaterialJson =
    material.kind === "pfx"
      ? { kind: "pfx", a: encodeBase64(material.pfx), b: "", password: material.password }
      : {
          kind: "files",
          a: encodeBase64(material.certificate),
          b: encodeBase64(material.key),
          ...(material.password ? { password: material.password } : {}),
        };
  const key = await deriveKey(passphrase, salt);
  const plaintext = new TextEncoder().encode(JSON.stringify(json));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plaintext));
  await withStore("readwrite", (store) =>
    store.put({ holder, salt, iv, ciphertext } satisfies SealedRecord, RECORD),
  );
}

/** The holder's name of the remembered key, if one is kept. */
export async function rememberedHolder(): Promise<string | undefined> {
  const record = await withStore<SealedRecord | undefined>("readonly", (store) => store.get(RECORD));
  return record?.holder;
}

export async function unlock(passphrase: string): Promise<RememberedMaterial> {
  const record = await withStore<SealedRecord | undefined>("readonly", (store) => store.get(RECORD));
  if (!record) throw new UserFacingError(t.errors.wrongPassphrase);
  const key = await deriveKey(passphrase, record.salt);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv }, key, record.ciphertext);
  } catch {
    throw new UserFacingError(t.errors.wrongPassphrase);
  }
  const json = JSON.parse(new TextDecoder().decode(plaintext)) as MaterialJson;
  const a = decodeBase64(json.a) ?? new Uint8Array();
  if (json.kind === "pfx") return { kind: "pfx", pfx: a, password: json.password ?? "" };
  return {
    kind: "files",
    certificate: a,
    key: decodeBase64(json.b) ?? new Uint8Array(),
    ...(json.password ? { password: json.password } : {}),
  };
}

export async function forget(): Promise<void> {
  await withStore("readwrite", (store) => store.delete(RECORD));
}

async function deriveKey(passphrase: string, salt: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: PBKDF2_ITERATIONS },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function withStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const request = run(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => {
        db.close();
        resolve(request.result as T);
      };
      request.onerror = () => {
        db.close();
        reject(request.error);
      };
    };
  });
}
