import type { Command } from "commander";
import { parseCertificate } from "../../pki/certificate.ts";
import { runCommand } from "../config-loader.ts";
import { terminalJson, terminalText } from "../user/format.ts";
import { type UserOptions, userCommand } from "../user/open-messenger.ts";
import { type ListedPin, listPins, pinFile } from "../user/pin-file.ts";
import { defaultHome, readSession } from "../user/session-store.ts";

/** Who a pinned certificate names, for a human: its common name, else its subject DN. */
function pinnedSubject(pin: ListedPin): string {
  try {
    const parsed = parseCertificate(pin.certificate);
    return parsed.subject.commonName ?? parsed.subjectDn;
  } catch {
    return "(not a certificate)";
  }
}

function pinLine(pin: ListedPin, chats: readonly string[]): string {
  const personal = chats.length > 0 ? `; personal chats ${chats.map(terminalText).join(", ")}` : "";
  return `profile ${pin.pid}: ${terminalText(pinnedSubject(pin))} — ${terminalText(pin.identity)} (since ${pin.since})${personal}`;
}

/** Profile id → the personal chats pinned with it as their peer. */
function chatsByPeer(chatPeers: readonly { chatId: string; pid: number }[]): Map<number, string[]> {
  const chats = new Map<number, string[]>();
  for (const { chatId, pid } of chatPeers) chats.set(pid, [...(chats.get(pid) ?? []), chatId]);
  return chats;
}

export function pinsCommand(program: Command): void {
  const pins = userCommand(
    program
      .command("pins")
      .description(
        "whose certificate each profile is, as earlier commands learnt it: a later listing of another person's certificate under one of them is refused",
      ),
  ).action((options: UserOptions) =>
    runCommand(async () => {
      const home = options.home ?? defaultHome();
      const { server } = await readSession(home);
      const listed = await listPins(home, server);
      const chats = chatsByPeer((await pinFile(home, server)).chatPeers ?? []);
      if (options.json)
        process.stdout.write(
          `${terminalJson(
            listed.map((pin) => ({
              pid: pin.pid,
              subject: pinnedSubject(pin),
              identity: pin.identity,
              since: pin.since,
              chats: chats.get(pin.pid) ?? [],
            })),
            2,
          )}\n`,
        );
      else for (const pin of listed) process.stdout.write(`${pinLine(pin, chats.get(pin.pid) ?? [])}\n`);
    }),
  );
  userCommand(
    pins
      .command("forget")
      .description(
        "accept that a profile is now someone else's certificate (the person re-registered, the phone changed hands): its next listing is taken afresh",
      )
      .argument("<profile>", "profile id, as `certchat pins` lists it"),
  ).action((profile: string, _options: UserOptions, command: Command) =>
    runCommand(async () => {
      // `pins` takes --home too, and takes it wherever it is written: read both commands' options.
      const home = command.optsWithGlobals<UserOptions>().home ?? defaultHome();
      const { server } = await readSession(home);
      const pid = Number(profile);
      if (!/^[1-9][0-9]*$/.test(profile) || !Number.isSafeInteger(pid))
        throw new Error(`<profile> must be a profile id (a positive whole number), got "${profile}"`);
      const store = await pinFile(home, server);
      const pinned = [...store.known, ...(store.chatPeers ?? [])].some((pin) => pin.pid === pid);
      if (!pinned) throw new Error(`profile ${pid} is not pinned`);
      await store.forget(pid);
      process.stdout.write(`forgot whose certificate profile ${pid} is\n`);
    }),
  );
}
