import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { CertificateTrust, certificateIdentity, NO_ANCHORS } from "../../src/client/certificate-trust.ts";
import { parseCertificate } from "../../src/pki/certificate.ts";
import { AttributeOid } from "../../src/pki/oids.ts";
import type { TrustInput } from "../../src/pki/trust.ts";
import {
  buildCertificate,
  buildName,
  keyIdentifierOf,
  type NameAttribute,
  randomSerialNumber,
} from "../../src/pki/x509-builder.ts";
import { signerForKey } from "../../src/server/test-ca.ts";
import { type Authority, makeCertificate } from "../support/authorities.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { type TestSigners, testSigners } from "./support.ts";

// The members' CA, and another CA of another name (of the server operator's own that no user trusts, unless a
// test says so).
const memberOf = testSigners(useTempDir("certchat-trust-members-"));
const rogueOf = testSigners(useTempDir("certchat-trust-rogue-"), "certchat Rogue CA");

describe("certificate trust", () => {
  it("a renewed certificate with the profile's SNILS is accepted as its profile's", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const [old, renewed] = [
      await memberOf("ecdsa-p256", { snils: "11223344595" }),
      await memberOf("ecdsa-p256", { snils: "11223344595" }),
    ];
    await trust.vouch(2, old.certificate);
    assert.equal(await trust.recipientProblem(2, renewed.certificate), undefined);
  });

  it("a certificate of another subject listed under a known profile is refused", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const [member, other] = [await memberOf("ecdsa-p256"), await memberOf("ecdsa-p256")];
    await trust.vouch(2, member.certificate);
    assert.match((await trust.recipientProblem(2, other.certificate)) ?? "", /not of profile 2's subject/);
  });

  it("a message's signer is checked at the message's time: a certificate expired since still vouches for it", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    // Within the test CA's validity, which begins an hour ago.
    const minute = 60_000;
    const expired = await memberOf("ecdsa-p256", {
      notBefore: new Date(Date.now() - 50 * minute),
      notAfter: new Date(Date.now() - 10 * minute),
    });
    assert.equal(
      await trust.senderProblem(2, expired.certificate, new Date(Date.now() - 30 * minute)),
      undefined,
    );
    const late = await trust.senderProblem(2, expired.certificate, new Date());
    assert.equal(late?.unknown, true);
    assert.match(late?.problem ?? "", /expired/);
    // A time no Date holds (a server's 1e20 seconds) would skip the validity checks: it is checked now instead.
    assert.match(
      (await trust.senderProblem(2, expired.certificate, new Date(1e23)))?.problem ?? "",
      /expired/,
    );
  });

  it("an expired certificate still makes its profile known (who a departed peer was), but nothing is wrapped for it", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    // Within the test CA's validity, which begins an hour ago.
    const expired = await memberOf("ecdsa-p256", {
      snils: "55566677790",
      notBefore: new Date(Date.now() - 50 * 60_000),
      notAfter: new Date(Date.now() - 10 * 60_000),
    });
    await trust.vouch(2, expired.certificate);
    assert.equal(trust.identityOf(2), certificateIdentity(expired.certificate));
    assert.match((await trust.recipientProblem(2, expired.certificate)) ?? "", /does not chain/);
  });

  it("a message's signer is judged at its exact time within an hour its certificate does not cover whole", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const hour = 3_600_000;
    // The next whole hour (the test CA is valid from an hour ago): messages may claim any time.
    const hourStart = Math.ceil(Date.now() / hour) * hour;
    // Valid from the middle of that hour: its first half is before the certificate, its second after.
    const member = await memberOf("ecdsa-p256", { notBefore: new Date(hourStart + hour / 2) });
    assert.equal(
      await trust.senderProblem(2, member.certificate, new Date(hourStart + hour * 0.75)),
      undefined,
    );
    const early = await trust.senderProblem(2, member.certificate, new Date(hourStart + hour * 0.25));
    assert.equal(early?.unknown, true);
    // The hour after it covers whole: decided once for that hour, still right.
    assert.equal(
      await trust.senderProblem(2, member.certificate, new Date(hourStart + hour * 1.1)),
      undefined,
    );
    assert.equal(
      await trust.senderProblem(2, member.certificate, new Date(hourStart + hour * 1.2)),
      undefined,
    );
  });

  it("a message's signer of another subject than its profile's is refused, of an unknown profile taken", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const [member, other] = [await memberOf("ecdsa-p256"), await memberOf("ecdsa-p256")];
    await trust.vouch(2, member.certificate);
    const problem = await trust.senderProblem(2, other.certificate, new Date());
    assert.equal(problem?.unknown, false);
    assert.match(problem?.problem ?? "", /not of profile 2's subject/);
    assert.equal(await trust.senderProblem(3, other.certificate, new Date()), undefined);
  });

  it("a certificate no trusted CA issued is refused, even with the profile's SNILS", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const member = await memberOf("ecdsa-p256", { snils: "11223344595" });
    const rogue = await rogueOf("ecdsa-p256", { snils: "11223344595" });
    await trust.vouch(2, member.certificate);
    assert.match((await trust.recipientProblem(2, rogue.certificate)) ?? "", /does not chain/);
  });

  it("a certificate no trusted CA issued does not make its profile known", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    await trust.vouch(2, (await rogueOf("ecdsa-p256")).certificate);
    assert.equal(trust.knows(2), false);
  });

  it("a certificate of a profile nothing is trusted for yet is refused", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const member = await memberOf("ecdsa-p256");
    assert.match((await trust.recipientProblem(2, member.certificate)) ?? "", /no certificate of profile 2/);
  });

  it("without anchors nothing is wrapped for, unless the server's certificates are trusted explicitly", async () => {
    const member = await rogueOf("ecdsa-p256");
    assert.equal(
      await new CertificateTrust({ none: true }).recipientProblem(2, member.certificate),
      NO_ANCHORS,
    );
    const opted = new CertificateTrust({ serverCertificates: true });
    assert.equal(await opted.recipientProblem(2, member.certificate), undefined);
  });

  it("the identity is the SNILS with the OGRN from a qualified anchor, as the server keys profiles", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const member = await memberOf("ecdsa-p256", { snils: "11223344595" });
    assert.equal(await trust.identity(member.certificate), "ru:11223344595:-");
  });

  it("a certificate carrying a SNILS from an anchor not marked qualified counts for no one: no key for it, no signature of its profile", async () => {
    const trust = new CertificateTrust({
      anchors: await bothAnchors(memberOf, rogueOf, { qualified: false }),
    });
    const anna = await memberOf("ecdsa-p256", { snils: "11223344595" });
    const mallory = await rogueOf("ecdsa-p256", { snils: "11223344595" });
    await trust.vouch(2, anna.certificate);
    const unqualified = /carries a SNILS but chains through no anchor marked qualified/;
    assert.match((await trust.chainProblem(mallory.certificate)) ?? "", unqualified);
    assert.match((await trust.recipientProblem(2, mallory.certificate)) ?? "", unqualified);
    const asSender = await trust.senderProblem(2, mallory.certificate, new Date());
    assert.equal(asSender?.unknown, true);
    assert.match(asSender?.problem ?? "", unqualified);
    assert.equal(await trust.identity(mallory.certificate), undefined);
    assert.equal(await trust.trustedIdentity(mallory.certificate), undefined);
  });

  it("a certificate from an unmarked anchor whose SNILS follows a blank SNILS attribute is refused as carrying a SNILS", async () => {
    const corporate = await makeCertificate("Corporate CA", undefined, { isCA: true });
    const trust = new CertificateTrust({ anchors: { anchors: [corporate.cert], qualified: [] } });
    const mallory = await leafOf(corporate, [
      { oid: AttributeOid.commonName, value: "Mallory" },
      { oid: AttributeOid.snils, value: " " },
      { oid: AttributeOid.snils, value: "11223344595" },
    ]);
    assert.match(
      (await trust.chainProblem(mallory)) ?? "",
      /carries a SNILS but chains through no anchor marked qualified/,
    );
    assert.equal(await trust.identity(mallory), undefined);
  });

  it("a renewal with the profile's SNILS from another qualified anchor keeps its identity", async () => {
    const trust = new CertificateTrust({
      anchors: await bothAnchors(memberOf, rogueOf, { qualified: true }),
    });
    const [old, renewed] = [
      await memberOf("ecdsa-p256", { snils: "11223344595" }),
      await rogueOf("ecdsa-p256", { snils: "11223344595" }),
    ];
    await trust.vouch(2, old.certificate);
    assert.equal(await trust.contradicts(2, renewed.certificate), false);
    assert.equal(await trust.recipientProblem(2, renewed.certificate), undefined);
  });

  it("an organisation's certificate without SNILS is known by its issuer and subject, not by the INN and OGRN its colleagues share", async () => {
    const trust = new CertificateTrust({ anchors: await memberOf.anchors() });
    const organisation = { inn: "7707083893", ogrn: "1027700132195" };
    const [clerk, colleague] = [
      await memberOf("ecdsa-p256", { organisation, name: "Петров Пётр Петрович" }),
      await memberOf("ecdsa-p256", { organisation, name: "Орлова Ольга Олеговна" }),
    ];
    const parsed = parseCertificate(clerk.certificate);
    assert.equal(await trust.identity(clerk.certificate), `dn:${parsed.issuerDn}|${parsed.subjectDn}`);
    await trust.vouch(2, clerk.certificate);
    assert.equal(await trust.contradicts(2, colleague.certificate), true);
  });

  it("without anchors a SNILS is read from any certificate (nothing is checked: the server's word)", async () => {
    const rogue = await rogueOf("ecdsa-p256", { snils: "11223344595" });
    assert.equal(
      await new CertificateTrust({ serverCertificates: true }).identity(rogue.certificate),
      "ru:11223344595:-",
    );
  });
});

/** The anchors of both signers' CAs, both marked qualified or neither (the first's always is). */
async function bothAnchors(
  first: TestSigners,
  second: TestSigners,
  options: { qualified: boolean },
): Promise<TrustInput> {
  const [a, b] = [await first.anchors(), await second.anchors(options)];
  return {
    anchors: [...a.anchors, ...b.anchors],
    qualified: [...(a.qualified ?? []), ...(b.qualified ?? [])],
  };
}

/** An ECDSA P-256 end-entity certificate `issuer` signs for a subject of exactly `attributes` (in order). */
async function leafOf(issuer: Authority, attributes: NameAttribute[]): Promise<Uint8Array> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return buildCertificate(
    {
      subject: buildName(attributes),
      issuer: issuer.cert.certificate.subject,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 30 * 86_400_000),
      spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      isCA: false,
      keyUsage: { digitalSignature: true },
      authorityKeyId: keyIdentifierOf(issuer.cert.certificate.subjectPublicKeyInfo),
    },
    signerForKey(issuer.key),
  );
}
