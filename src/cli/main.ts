import { Command } from "commander";

type Registration = (program: Command) => void;

/**
 * Each command's module is imported only when that command runs: loading all of them (server, PKI, SDK)
 * made every start of a CLI command take the server's import time. Help and unknown commands load all.
 */
const commands: Record<string, () => Promise<Registration>> = {
  serve: async () => (await import("./commands/serve.ts")).serveCommand,
  migrate: async () => (await import("./commands/migrate.ts")).migrateCommand,
  ca: async () => (await import("./commands/ca.ts")).caCommand,
  billing: async () => (await import("./commands/billing.ts")).billingCommand,
  pki: async () => (await import("./commands/pki.ts")).pkiCommand,
  login: async () => (await import("./commands/login.ts")).loginCommand,
  contacts: async () => (await import("./commands/contacts.ts")).contactsCommand,
  chat: async () => (await import("./commands/chat.ts")).chatCommand,
  send: async () => (await import("./commands/send.ts")).sendCommand,
  history: async () => (await import("./commands/history.ts")).historyCommand,
  listen: async () => (await import("./commands/listen.ts")).listenCommand,
  download: async () => (await import("./commands/download.ts")).downloadCommand,
  sessions: async () => (await import("./commands/sessions.ts")).sessionsCommand,
  trust: async () => (await import("./commands/trust.ts")).trustCommand,
  profile: async () => (await import("./commands/profile.ts")).profileCommand,
  audit: async () => (await import("./commands/audit.ts")).auditCommand,
  backup: async () => (await import("./commands/backup.ts")).backupCommand,
  restore: async () => (await import("./commands/restore.ts")).restoreCommand,
  files: async () => (await import("./commands/files.ts")).filesCommand,
  pins: async () => (await import("./commands/pins.ts")).pinsCommand,
};

const program = new Command("certchat").description(
  "certchat: end-to-end encrypted messenger with certificate login",
);
const requested = process.argv[2];
const names =
  requested !== undefined && Object.hasOwn(commands, requested) ? [requested] : Object.keys(commands);
const registrations = await Promise.all(
  names.map((name) => (commands[name] as () => Promise<Registration>)()),
);
for (const register of registrations) register(program);
await program.parseAsync(process.argv);
