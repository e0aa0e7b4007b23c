/**
 * Decryption of PFX content under a password: PBES2 (RFC 8018 §6.2: PBKDF2, then AES-CBC or GOST 28147-89 CFB,
 * R 50.1.112-2016), the PKCS#12 PBEs with 3DES and RC2 (RFC 7292 Appendix C) and CryptoPro's
 * key-bag PBE. Anything else is refused with its OID named.
 */
import * as asn1js from "asn1js";
import { gost28147DecryptCfb } from "../../crypto/gost/gost28147.ts";
import { resolveGost28147Sbox } from "../../crypto/gost/gost28147-sboxes.ts";
import { subtle } from "../webcrypto.ts";
import { children, integerOf, octetsOf, oidOf } from "./asn1.ts";
import { CRYPTOPRO_PBE, decryptCryptoProKeyBag } from "./cryptopro-key-bag.ts";
import { CTR_ACPKM_CIPHERS, ctrAcpkmDecrypt } from "./ctr-acpkm.ts";
import { tripleDesCbcDecrypt } from "./des.ts";
import { digestByOid, hmacByOid } from "./digests.ts";
import { bmpPassword, pbkdf2, pkcs12Kdf, utf8Password } from "./kdf.ts";
import { rc2CbcDecrypt } from "./rc2.ts";

const PBES2 = "1.2.840.113549.1.5.13";
const PBKDF2 = "1.2.840.113549.1.5.12";
const HMAC_SHA1 = "1.2.840.113549.2.7";
const GOST28147_CFB = "1.2.643.2.2.21";
const SHA1 = "1.3.14.3.2.26";
/** The PKCS#12 PBEs (RFC 7292 Appendix C) read: SHA-1 KDF, then 3DES or RC2 in CBC mode. */
const PKCS12_PBES: Record<
  string,
  { keyLength: number; decrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array }
> = {
  "1.2.840.113549.1.12.1.3": { keyLength: 24, decrypt: tripleDesCbcDecrypt },
  "1.2.840.113549.1.12.1.5": { keyLength: 16, decrypt: (key, iv, data) => rc2CbcDecrypt(key, 128, iv, data) },
  "1.2.840.113549.1.12.1.6": { keyLength: 5, decrypt: (key, iv, data) => rc2CbcDecrypt(key, 40, iv, data) },
};
const AES_CBC: Record<string, number> = {
  "2.16.840.1.101.3.4.1.2": 16,
  "2.16.840.1.101.3.4.1.22": 24,
  "2.16.840.1.101.3.4.1.42": 32,
};

/** `algorithm`: the AlgorithmIdentifier of an EncryptedPrivateKeyInfo or an EncryptedContentInfo. */
export async function decryptWithPassword(
  algorithm: asn1js.AsnType | undefined,
  ciphertext: Uint8Array,
  password: string,
): Promise<Uint8Array> {
  const [oid, parameters] = children(algorithm, "encryption AlgorithmIdentifier");
  const schemeOid = oidOf(oid, "encryption algorithm");
  if (schemeOid === PBES2) return decryptPbes2(parameters, ciphertext, password);
  if (schemeOid === CRYPTOPRO_PBE) return decryptCryptoProKeyBag(parameters, ciphertext, password);
  const pbe = PKCS12_PBES[schemeOid];
  if (pbe) {
    const [salt, iterations] = children(parameters, "PKCS#12 PBE parameters");
    const derive = (purpose: 1 | 2, length: number) =>
      pkcs12Kdf(
        digestByOid(SHA1),
        bmpPassword(password),
        octetsOf(salt, "PBE salt"),
        integerOf(iterations, "PBE iterations"),
        purpose,
        length,
      );
    return pbe.decrypt(derive(1, pbe.keyLength), derive(2, 8), ciphertext);
  }
  throw new Error(`unsupported PFX algorithm: encryption ${schemeOid}`);
}

async function decryptPbes2(
  parameters: asn1js.AsnType | undefined,
  ciphertext: Uint8Array,
  password: string,
): Promise<Uint8Array> {
  const [kdf, scheme] = children(parameters, "PBES2 parameters");
  const [kdfOid, kdfParameters] = children(kdf, "PBES2 key derivation");
  if (oidOf(kdfOid, "PBES2 KDF") !== PBKDF2)
    throw new Error(`unsupported PFX algorithm: key derivation ${oidOf(kdfOid, "KDF")}`);
  const [schemeOid, schemeParameters] = children(scheme, "PBES2 encryption scheme");
  const cipherOid = oidOf(schemeOid, "PBES2 cipher");
  const [salt, iterations, ...rest] = children(kdfParameters, "PBKDF2 parameters");
  // PBKDF2-params: keyLength INTEGER OPTIONAL, then prf AlgorithmIdentifier DEFAULT hmacWithSHA1.
  const prf = rest.find((field) => field instanceof asn1js.Sequence);
  const prfOid = prf ? oidOf(children(prf, "PBKDF2 PRF")[0], "PBKDF2 PRF") : HMAC_SHA1;
  const derive = (length: number) =>
    pbkdf2(
      hmacByOid(prfOid),
      utf8Password(password),
      octetsOf(salt, "PBKDF2 salt"),
      integerOf(iterations, "PBKDF2 iterations"),
      length,
    );

  const aesKeyLength = AES_CBC[cipherOid];
  if (aesKeyLength) {
    const iv = octetsOf(schemeParameters, "AES-CBC IV");
    const key = await subtle().importKey("raw", new Uint8Array(derive(aesKeyLength)), "AES-CBC", false, [
      "decrypt",
    ]);
    try {
      const plain = await subtle().decrypt(
        { name: "AES-CBC", iv: new Uint8Array(iv) },
        key,
        new Uint8Array(ciphertext),
      );
      return new Uint8Array(plain);
    } catch {
      throw new Error("bad padding after decryption (wrong password?)");
    }
  }
  if (cipherOid === GOST28147_CFB) {
    // Gost28147-89-Parameters ::= SEQUENCE { iv OCTET STRING (8), encryptionParamSet OID } (RFC 4357 §10.1).
    const [iv, paramSet] = children(schemeParameters, "GOST 28147-89 parameters");
    const sbox = resolveGost28147Sbox(oidOf(paramSet, "GOST 28147-89 parameter set"));
    // CryptoPro key meshing every 1024 bytes, as gost-engine and Bouncy Castle apply it (docs/CRYPTO.md).
    return gost28147DecryptCfb(derive(32), octetsOf(iv, "GOST 28147-89 IV"), ciphertext, {
      sbox,
      keyMeshing: true,
    });
  }
  if (CTR_ACPKM_CIPHERS[cipherOid]) {
    // Gost3412-15-Encryption-Parameters ::= SEQUENCE { ukm OCTET STRING } (RFC 9337).
    const [ukm] = children(schemeParameters, "CTR-ACPKM parameters");
    return ctrAcpkmDecrypt(cipherOid, derive(32), octetsOf(ukm, "CTR-ACPKM ukm"), ciphertext);
  }
  throw new Error(`unsupported PFX algorithm: cipher ${cipherOid}`);
}
