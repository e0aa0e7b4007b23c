/** How the user commands print messages and chats: a human line each by default, JSON with `--json`. */

import type { ReadMessage } from "../../client/messenger.ts";
import type { BoundPeer } from "../../client/pair-peer.ts";
import { safetyCodeLines } from "../../client/safety-code.ts";
import type { SignatureStatus } from "../../client/verification.ts";
import type { Contact } from "../../protocol/schemas/chats.ts";
import type { ChatMembersData } from "../../protocol/schemas/members.ts";

const MARKS: Record<SignatureStatus, string> = {
  verified: "✓",
  invalid: "✗ INVALID",
  "unknown-certificate": "? unknown certificate",
};

/** Control and bidirectional-control characters but tab and line feed. */
const UNPRINTABLE = /(?![\t\n])[\p{Cc}\p{Bidi_Control}]/gu;
/** What JSON leaves raw but a terminal may obey: DEL, C1 controls (U+009B is a CSI), bidi controls, U+2028/9. */
const RAW_IN_JSON = /[\u007f-\u009f\p{Bidi_Control}\u2028\u2029]/gu;

/**
 * Text another person chose (a message, a file's name or type, a name, a chat's name) made safe for a
 * terminal: control characters are shown as \u{…} instead of obeyed — an escape sequence could rewrite the
 * line (a "✗ INVALID" message passing for "✓"), set the clipboard (OSC 52) or hide text — and every line after
 * the first is indented, so no text can pass for another message's line.
 */
export function terminalText(text: string): string {
  return text
    .replace(UNPRINTABLE, (character) => `\\u{${(character.codePointAt(0) ?? 0).toString(16)}}`)
    .replaceAll("\n", "\n    ");
}

/**
 * `--json` output: JSON.stringify with every character a terminal might obey escaped as \uXXXX — the same JSON
 * value for a program reading it, nothing a certificate's or a message's author chose acts on a terminal showing
 * it. (JSON escapes C0 controls itself; these can only stand inside strings, so escaping them anywhere is valid.)
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    RAW_IN_JSON,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function signatureMark(status: SignatureStatus, problem?: string): string {
  return status === "verified" || !problem ? MARKS[status] : `${MARKS[status]} (${terminalText(problem)})`;
}

export function messageLine(read: ReadMessage): string {
  const { message } = read;
  const time = new Date(message.time * 1000).toISOString().slice(0, 16).replace("T", " ");
  const body = read.text === null ? "[cannot decrypt]" : terminalText(read.text);
  const content = message.file ? `📎 ${body} [${terminalText(message.type)}, file ${message.file}]` : body;
  const mark = signatureMark(read.signature, read.problem);
  return `#${message.id} ${time} ${terminalText(message.user)} ${mark}: ${content}`;
}

export function messageJson(read: ReadMessage): object {
  const { message } = read;
  return {
    id: message.id,
    chat: message.chat,
    time: message.time,
    pid: message.pid,
    cid: message.cid,
    user: message.user,
    type: message.type,
    file: message.file,
    text: read.text,
    signature: read.signature,
    ...(read.problem ? { problem: read.problem } : {}),
  };
}

const CHAT_TYPES = ["personal", "group", "channel"];

export function chatLine(contact: Contact): string {
  const kind = CHAT_TYPES[contact.chatType] ?? `type ${contact.chatType}`;
  const user = terminalText(contact.user);
  const title = contact.chatName ? `"${terminalText(contact.chatName)}" (owner ${user})` : user;
  return `${contact.chatId ?? "(no chat yet)"}  ${kind}  ${title}  +${contact.phone}`;
}

export function contactLine(contact: Contact): string {
  const company = contact.name === contact.user ? "" : `, ${terminalText(contact.name)}`;
  return `+${contact.phone}  ${terminalText(contact.user)}${company}  chat: ${contact.chatId ?? "none"}`;
}

/**
 * `chat members`: one line per member (role, phone, name), its certificates with their key status, then the
 * wait list, saying which entries no current key holder can serve (fulfillable false).
 */
export function memberLines(data: ChatMembersData): string[] {
  const kind = CHAT_TYPES[data.chatType] ?? `type ${data.chatType}`;
  const lines = [
    `${data.chatId}  ${kind}  key epoch ${data.keyId}${data.rotationDue ? "  (rotation due: a member left)" : ""}`,
  ];
  for (const member of data.members) {
    lines.push(
      `  ${member.role.padEnd(6)} +${member.phone}  ${terminalText(member.user)}  (profile ${member.pid})`,
    );
    for (const certificate of member.certificates)
      lines.push(
        `           certificate ${certificate.id}: ${certificate.hasKey ? "has the key" : "no key yet"}`,
      );
  }
  for (const entry of data.waitList) {
    const serve = entry.fulfillable
      ? "waits for a key holder to come online"
      : `no key holder can wrap for it (needs ${entry.wrapWith ?? "any"})`;
    lines.push(
      `  waiting: certificate ${entry.cid} of profile ${entry.pid}, epochs ${entry.keyIds.join(", ")}: ${serve}`,
    );
  }
  return lines;
}

/** The Russian registry numbers a subject may carry, as a person reads them. */
const REGISTRY_NUMBERS = [
  ["snils", "SNILS"],
  ["ogrn", "OGRN"],
  ["ogrnip", "OGRNIP"],
  ["inn", "INN"],
  ["innle", "INN (organisation)"],
] as const;

/**
 * `chat peer`: whom a personal chat's keys are bound to — its certificate's subject (CA-issued text, made safe for
 * the terminal), identity, issuer and validity — and the safety code in three lines of four groups.
 */
export function peerLines(peer: BoundPeer): string[] {
  const { subject } = peer;
  const person = [subject.surname, subject.givenName].filter(Boolean).join(" ");
  const lines = [`bound to: ${terminalText(subject.commonName ?? peer.subjectDn)}`];
  if (person && person !== subject.commonName) lines.push(`  name: ${terminalText(person)}`);
  if (subject.organization) lines.push(`  organisation: ${terminalText(subject.organization)}`);
  if (subject.title) lines.push(`  title: ${terminalText(subject.title)}`);
  for (const [field, label] of REGISTRY_NUMBERS)
    if (subject[field]) lines.push(`  ${label}: ${terminalText(subject[field])}`);
  const until = peer.notAfter.toISOString().slice(0, 10);
  lines.push(
    `  identity: ${terminalText(peer.identity)}`,
    `  issuer: ${terminalText(peer.issuer)}`,
    `  certificate: ${peer.valid ? `valid until ${until}` : `NOT VALID now (until ${until}; expired, revoked or not chaining)`}`,
  );
  if (!peer.anchored) lines.push("  (no trust anchors: this is the server's word, and so is the code)");
  lines.push("safety code (the same on your contact's screen means you both see this pair):");
  return [...lines, ...safetyCodeLines(peer.safetyCode).map((line) => `  ${line}`)];
}

/** Prints a list: one human line per item, or the JSON array. */
export function printList<T>(
  items: readonly T[],
  json: boolean,
  line: (item: T) => string,
  toJson: (item: T) => unknown = (item) => item,
): void {
  if (json) process.stdout.write(`${terminalJson(items.map(toJson), 2)}\n`);
  else for (const item of items) process.stdout.write(`${line(item)}\n`);
}
