/** Object identifiers the PKI layer reads or writes, by meaning. */

export const AttributeOid = {
  commonName: "2.5.4.3",
  surname: "2.5.4.4",
  serialNumber: "2.5.4.5",
  country: "2.5.4.6",
  locality: "2.5.4.7",
  stateOrProvince: "2.5.4.8",
  street: "2.5.4.9",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  title: "2.5.4.12",
  givenName: "2.5.4.42",
  domainComponent: "0.9.2342.19200300.100.1.25",
  userId: "0.9.2342.19200300.100.1.1",
  email: "1.2.840.113549.1.9.1",
  // Russian qualified-certificate attributes (order of ФСБ № 795).
  inn: "1.2.643.3.131.1.1",
  ogrn: "1.2.643.100.1",
  snils: "1.2.643.100.3",
  innle: "1.2.643.100.4",
  ogrnip: "1.2.643.100.5",
} as const;

export const ExtensionOid = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
  cRLNumber: "2.5.29.20",
  authorityKeyIdentifier: "2.5.29.35",
  privateKeyUsagePeriod: "2.5.29.16",
  subjectAltName: "2.5.29.17",
  certificatePolicies: "2.5.29.32",
  extKeyUsage: "2.5.29.37",
} as const;

/** extendedKeyUsage purposes (RFC 5280 §4.2.1.12, and a Russian one seen on qualified certificates). */
export const KeyPurposeOid = {
  anyExtendedKeyUsage: "2.5.29.37.0",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  /** CryptoPro: "Пользователь Центра Регистрации, HTTP, TLS клиент", on CryptoPro CAs' user certificates. */
  cryptoProRegistrationUser: "1.2.643.2.2.34.6",
} as const;

export const KeyOid = {
  ecPublicKey: "1.2.840.10045.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ed25519: "1.3.101.112",
  gost2001: "1.2.643.2.2.19",
  gost2012_256: "1.2.643.7.1.1.1.1",
  gost2012_512: "1.2.643.7.1.1.1.2",
} as const;

export const CurveOid = {
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
} as const;

export const DigestOid = {
  sha256: "2.16.840.1.101.3.4.2.1",
  sha512: "2.16.840.1.101.3.4.2.3",
} as const;

export const SignatureOid = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  ed25519: "1.3.101.112",
} as const;
