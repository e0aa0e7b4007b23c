import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Socket } from "socket.io-client";
import { encodeBase64 } from "../src/protocol/base64.ts";
import type { ErrorCode } from "../src/protocol/errors.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../test/support/chats.ts";
import { backends, issueUser, logIn, startTestServer, type TestServer } from "../test/support/server.ts";
import { connectV4, eventually, record, request, textMessage } from "../test/support/sockets.ts";
import { buildCast, type Cast } from "./support/cast.ts";
import { apiMethods, rawFilePath, socketEvents } from "./support/endpoints.ts";

/**
 * The access matrix: every API method, the raw download and every socket event, asked with no token, an
 * expired token, a token whose login was never confirmed, a token of a profile without a phone, another
 * profile's token (reaching for someone else's certificate, phone, code or file) and a non-member's token
 * (for what names a chat). Each answers its error code — exactly the envelope, nothing more — and no answer
 * carries anything of Alice and Bob's private chat.
 */

const TOKEN_TTL_MS = 3_600_000;

type Case =
  | "no token"
  | "expired token"
  | "unconfirmed login"
  | "no phone"
  | "other profile's token"
  | "non-member";

interface Actors {
  cast: Cast;
  /** Logged in and phone confirmed, then idle for twice the TTL. */
  stale: ChatUser;
  /** auth done, confirmAuth never. */
  pendingToken: string;
  /** Logged in, no phone. */
  phonelessToken: string;
  /** A phone code Alice asked for (another phone of hers), with the code she received. */
  aliceCode: { id: number; code: string };
}

interface HttpCase {
  case: Case;
  token?: (a: Actors) => string;
  /** The body without the token (defaults to the method's valid request for Mallory). */
  body?: (a: Actors) => Record<string, unknown>;
  expect: ErrorCode;
}

/** Mallory's valid requests, from which each case departs. */
function malloryBodies(a: Actors): Record<string, Record<string, unknown>> {
  const { mallory, alice, malloryChat, malloryFile } = a.cast;
  return {
    confirmAuth: { sign: mallory.user.sign(new Uint8Array(32)) },
    registryPhone: { phone: "+7 999 555 00 77" },
    confirmPhone: { id: a.aliceCode.id, code: "000000" },
    profile: {},
    contacts: {},
    createChat: { type: 1, name: "Группа", keys: keysFor(newChatKey(), [mallory, alice]) },
    sendMessage: textMessage(mallory, malloryChat, "hello"),
    messages: { chat: malloryChat },
    file: { chat: malloryChat, file: malloryFile },
  };
}

const tokenCases = (needsPhone: boolean): HttpCase[] => [
  { case: "no token", expect: "NeedAuthentication" },
  { case: "expired token", token: (a) => a.stale.token, expect: "SessionExpired" },
  { case: "unconfirmed login", token: (a) => a.pendingToken, expect: "NeedAuthentication" },
  ...(needsPhone
    ? [
        {
          case: "no phone" as const,
          token: (a: Actors) => a.phonelessToken,
          expect: "NeedRegisterPhone" as const,
        },
      ]
    : []),
];

const mallory = (a: Actors) => a.cast.mallory.token;

/** Per method: the cases beyond the token ones, where the other profile's token reaches for others' data. */
const httpMatrix: Record<string, HttpCase[]> = {
  confirmAuth: [
    { case: "no token", expect: "NeedAuthentication" },
    // A confirmed session has no nonce left: the expired token cannot be turned into a fresh login.
    { case: "expired token", token: (a) => a.stale.token, expect: "AuthenticationFailed" },
    // Alice's confirmed token with Mallory's signature.
    { case: "other profile's token", token: (a) => a.cast.alice.token, expect: "AuthenticationFailed" },
  ],
  registryPhone: [
    ...tokenCases(false),
    {
      case: "other profile's token",
      token: mallory,
      body: (a) => ({ phone: a.cast.bob.phone }),
      expect: "PhoneAlreadyRegistered",
    },
  ],
  confirmPhone: [
    ...tokenCases(false),
    // Alice's code id with the right code, but Mallory's token.
    {
      case: "other profile's token",
      token: mallory,
      body: (a) => ({ id: a.aliceCode.id, code: a.aliceCode.code }),
      expect: "IncorrectCode",
    },
  ],
  profile: tokenCases(true),
  contacts: tokenCases(true),
  createChat: [
    ...tokenCases(true),
    // Mallory asking for "the" personal chat of Alice and Bob.
    {
      case: "other profile's token",
      token: mallory,
      body: (a) => ({ type: 0, keys: keysFor(newChatKey(), [a.cast.alice, a.cast.bob]) }),
      expect: "CreateChatError",
    },
  ],
  sendMessage: [
    ...tokenCases(true),
    // Mallory signing as Alice (Alice's certificate) in a chat of hers.
    {
      case: "other profile's token",
      token: mallory,
      body: (a) => ({ ...textMessage(a.cast.mallory, a.cast.malloryChat, "x"), cid: a.cast.alice.cid }),
      expect: "InvalidCertificate",
    },
    {
      case: "non-member",
      token: mallory,
      body: (a) => textMessage(a.cast.mallory, a.cast.privateChat, "x"),
      expect: "GetChatsError",
    },
  ],
  messages: [
    ...tokenCases(true),
    // Bob reading Mallory's chat (he is in none of hers).
    { case: "other profile's token", token: (a) => a.cast.bob.token, expect: "GetChatsError" },
    {
      case: "non-member",
      token: mallory,
      body: (a) => ({ chat: a.cast.privateChat, id: 0, rel: "next" }),
      expect: "GetChatsError",
    },
  ],
  file: [
    ...tokenCases(true),
    // Alice and Bob's file asked through Mallory's own chat.
    {
      case: "other profile's token",
      token: mallory,
      body: (a) => ({ chat: a.cast.malloryChat, file: a.cast.privateFile }),
      expect: "DataError",
    },
    {
      case: "non-member",
      token: mallory,
      body: (a) => ({ chat: a.cast.privateChat, file: a.cast.privateFile }),
      expect: "GetChatsError",
    },
  ],
};

/** What must never appear in an answer to anyone but Alice and Bob. */
function secretsOf(a: Actors, privateTexts: string[]): string[] {
  return [a.cast.privateChat, a.cast.privateFile, ...privateTexts];
}

describe("resilience: access matrix", () => {
  const started = Date.now();
  const totals = { cases: 0, leaks: 0, /** Deliveries a member should have had and did not. */ lost: 0 };
  const ran: string[] = [];
  after(() => {
    console.log(
      `resilience access: cases=${totals.cases} leaks=${totals.leaks} lost=${totals.lost} ` +
        `backends=${ran.join(",")} in ${Math.round((Date.now() - started) / 1000)} s`,
    );
  });

  for (const backend of backends) {
    describe(`[${backend.name}]`, { skip: backend.skip }, () => {
      before(() => {
        ran.push(backend.name);
      });
      let server: TestServer;
      let actors: Actors;
      let secrets: string[];
      const sockets: Socket[] = [];

      /** Records a case and fails it if the text carries a secret. */
      function noLeak(text: string, what: string): void {
        totals.cases += 1;
        const found = secrets.find((secret) => text.includes(secret));
        if (found) totals.leaks += 1;
        assert.equal(found, undefined, `${what} leaks ${found}`);
      }

      before(async () => {
        server = await startTestServer({
          backend,
          env: { ...chatServerEnv, CERTCHAT_TOKEN_TTL: `${TOKEN_TTL_MS / 1000}s` },
        });
        const stale = await chatUser(server, "Староватов Степан Петрович");
        server.clock.advance(2 * TOKEN_TTL_MS);
        const cast = await buildCast(server);
        const pending = await issueUser(server, { name: "Ждущий Жан", snils: "00000000011" });
        const auth = await server.post("/api/auth/", {
          cert: encodeBase64(pending.der),
          sign: pending.sign(pending.der),
        });
        const phoneless = await issueUser(server, { name: "Бестелефонный Борис", snils: "00000000012" });
        const phonelessToken = await logIn(server, phoneless);
        const codeId = await call<{ id: number }>(server, "/api/registryPhone/", {
          token: cast.alice.token,
          phone: "+7 999 444 33 22",
        });
        const code = server.sms.lastCodeFor("79994443322")?.code ?? "";
        actors = {
          cast,
          stale,
          pendingToken: (auth.body.data as { token: string }).token,
          phonelessToken,
          aliceCode: { id: codeId.id, code },
        };
        const history = await call<{ data: string }[]>(server, "/api/messages/", {
          token: cast.alice.token,
          chat: cast.privateChat,
        });
        secrets = secretsOf(
          actors,
          history.map((message) => message.data).filter((data) => data.length > 8),
        );
      });

      after(async () => {
        for (const socket of sockets) socket.close();
        await server?.close();
      });

      for (const method of apiMethods.filter((m) => m.takesToken)) {
        describe(method.path, () => {
          for (const row of httpMatrix[method.name] ?? []) {
            for (const placement of row.token ? (["body", "header"] as const) : (["none"] as const)) {
              test(`${row.case}${placement === "header" ? " (Authorization header)" : ""} → ${row.expect}`, async () => {
                const body = row.body?.(actors) ?? malloryBodies(actors)[method.name] ?? {};
                const token = row.token?.(actors);
                const reply = await server.post(
                  method.path,
                  placement === "body" ? { token, ...body } : body,
                  placement === "header" ? { headers: { authorization: `Bearer ${token}` } } : {},
                );
                noLeak(JSON.stringify(reply.body), `${method.path} ${row.case}`);
                assert.equal(reply.status, 200);
                assert.deepEqual(reply.body, { success: false, error: row.expect });
              });
            }
          }
        });
      }

      test("every token-taking API method has its row in the matrix, with no token and an expired token", () => {
        for (const method of apiMethods.filter((m) => m.takesToken)) {
          const rows = (httpMatrix[method.name] ?? []).map((row) => row.case);
          assert.ok(rows.includes("no token") && rows.includes("expired token"), method.name);
          if (method.chatScoped) assert.ok(rows.includes("non-member"), `${method.name} non-member`);
        }
      });

      test("/api/auth/ takes no token: a token in it changes nothing (the answer is a new session, not the caller's)", async () => {
        const { alice } = actors.cast;
        const reply = await server.post("/api/auth/", {
          token: alice.token,
          cert: encodeBase64(actors.cast.mallory.user.der),
          sign: actors.cast.mallory.user.sign(actors.cast.mallory.user.der),
        });
        noLeak(JSON.stringify(reply.body), "/api/auth/");
        assert.equal(reply.body.success, true);
        assert.notEqual((reply.body.data as { token: string }).token, alice.token);
      });

      test("other profile's token on /api/profile/ answers the caller's own profile, nothing of Alice's or Bob's", async () => {
        const profile = await call<{ pid: number }>(server, "/api/profile/", {
          token: actors.cast.mallory.token,
        });
        noLeak(JSON.stringify(profile), "/api/profile/");
        assert.equal(profile.pid, actors.cast.mallory.pid);
      });

      test("other profile's token on /api/contacts/ lists only the caller's chats; a phone search shows no chat of others", async () => {
        const { mallory, bob, malloryChat } = actors.cast;
        const list = await call<{ chatId: string }[]>(server, "/api/contacts/", { token: mallory.token });
        noLeak(JSON.stringify(list), "/api/contacts/");
        assert.deepEqual(
          list.map((contact) => contact.chatId),
          [malloryChat],
        );
        const search = await call<{ pid: number; chatId: string | null; key: unknown }[]>(
          server,
          "/api/contacts/",
          {
            token: mallory.token,
            phones: [bob.phone],
          },
        );
        noLeak(JSON.stringify(search), "/api/contacts/ phones");
        assert.deepEqual(
          search.map(({ pid, chatId, key }) => ({ pid, chatId, key })),
          [{ pid: bob.pid, chatId: null, key: null }],
        );
      });

      describe("GET /api/file/:chat/:file", () => {
        const rows: {
          case: Case;
          token?: (a: Actors) => string;
          path: (a: Actors) => string;
          status: number;
          expect: ErrorCode;
        }[] = [
          {
            case: "no token",
            path: (a) => rawFilePath(a.cast.malloryChat, a.cast.malloryFile),
            status: 401,
            expect: "NeedAuthentication",
          },
          {
            case: "expired token",
            token: (a) => a.stale.token,
            path: (a) => rawFilePath(a.cast.malloryChat, a.cast.malloryFile),
            status: 401,
            expect: "SessionExpired",
          },
          {
            case: "unconfirmed login",
            token: (a) => a.pendingToken,
            path: (a) => rawFilePath(a.cast.malloryChat, a.cast.malloryFile),
            status: 401,
            expect: "NeedAuthentication",
          },
          {
            case: "no phone",
            token: (a) => a.phonelessToken,
            path: (a) => rawFilePath(a.cast.malloryChat, a.cast.malloryFile),
            status: 401,
            expect: "NeedRegisterPhone",
          },
          {
            case: "other profile's token",
            token: mallory,
            path: (a) => rawFilePath(a.cast.malloryChat, a.cast.privateFile),
            status: 404,
            expect: "DataError",
          },
          {
            case: "non-member",
            token: mallory,
            path: (a) => rawFilePath(a.cast.privateChat, a.cast.privateFile),
            status: 404,
            expect: "GetChatsError",
          },
        ];
        for (const row of rows) {
          test(`${row.case} → ${row.status} ${row.expect}`, async () => {
            const token = row.token?.(actors);
            const response = await fetch(`${server.url}${row.path(actors)}`, {
              headers: token ? { authorization: `Bearer ${token}` } : {},
            });
            const text = await response.text();
            noLeak(text, `GET /api/file/ ${row.case}`);
            assert.equal(response.status, row.status);
            assert.deepEqual(JSON.parse(text), { success: false, error: row.expect });
          });
        }
      });

      describe("socket events", () => {
        let anonymous: Socket;
        let malloryAll: unknown[];
        let malloryLegacyName: unknown[];
        let malloryUnsubscribed: Socket;

        before(async () => {
          anonymous = await connectV4(server.url);
          malloryUnsubscribed = await connectV4(server.url, { token: actors.cast.mallory.token });
          sockets.push(anonymous, malloryUnsubscribed);
          malloryAll = record(malloryUnsubscribed, "messages");
          malloryLegacyName = record(malloryUnsubscribed, "message");
        });

        const refusedHandshakes: { case: Case; token: (a: Actors) => string; expect: ErrorCode }[] = [
          { case: "expired token", token: (a) => a.stale.token, expect: "SessionExpired" },
          { case: "unconfirmed login", token: (a) => a.pendingToken, expect: "NeedAuthentication" },
          { case: "no phone", token: (a) => a.phonelessToken, expect: "NeedRegisterPhone" },
        ];
        for (const row of refusedHandshakes) {
          test(`handshake with ${row.case} is refused: connect_error carries ${row.expect}`, async () => {
            const error = await connectV4(server.url, { token: row.token(actors) }).then(
              (socket) => {
                socket.close();
                return undefined;
              },
              (refusal: Error & { data?: unknown }) => refusal,
            );
            noLeak(JSON.stringify(error?.data), `handshake ${row.case}`);
            assert.deepEqual(error?.data, { success: false, error: row.expect });
          });
          test(`session with ${row.case} → ${row.expect}, then the socket is disconnected`, async () => {
            const socket = await connectV4(server.url);
            sockets.push(socket);
            const disconnected = new Promise((resolve) => socket.once("disconnect", resolve));
            const reply = await request(socket, "session", row.token(actors));
            noLeak(JSON.stringify(reply), `session ${row.case}`);
            assert.deepEqual(reply, { success: false, error: row.expect });
            assert.equal(await disconnected, "io server disconnect");
          });
        }

        for (const event of socketEvents.filter((e) => e.name !== "session")) {
          test(`${event.name} right after a session with an expired token: SessionExpired, disconnected, nothing done`, async () => {
            const { mallory, malloryChat } = actors.cast;
            const before = await call<unknown[]>(server, "/api/messages/", {
              token: mallory.token,
              chat: malloryChat,
            });
            const socket = await connectV4(server.url);
            sockets.push(socket);
            const disconnected = new Promise((resolve) => socket.once("disconnect", resolve));
            const eventAnswers: unknown[] = [];
            const session = request(socket, "session", actors.stale.token);
            socket.emit(event.name, event.payload(sceneOf(actors), ""), (answer: unknown) =>
              eventAnswers.push(answer),
            );
            assert.deepEqual(await session, { success: false, error: "SessionExpired" });
            assert.equal(await disconnected, "io server disconnect");
            await delay(200);
            totals.cases += 1;
            const after = await call<unknown[]>(server, "/api/messages/", {
              token: mallory.token,
              chat: malloryChat,
            });
            assert.deepEqual(
              { answers: eventAnswers, stored: after.length },
              { answers: [], stored: before.length },
            );
          });
        }

        for (const event of socketEvents.filter((e) => e.name !== "session")) {
          test(`${event.name} with no token (before any session) → NeedAuthentication`, async () => {
            const reply = await request(anonymous, event.name, event.payload(sceneOf(actors), ""));
            noLeak(JSON.stringify(reply), `${event.name} no token`);
            assert.deepEqual(reply, { success: false, error: "NeedAuthentication" });
          });
        }

        const memberRows: {
          event: string;
          case: Case;
          payload: (a: Actors) => unknown;
          token: (a: Actors) => string;
          expect: ErrorCode;
        }[] = [
          {
            event: "subscribe",
            case: "non-member",
            token: mallory,
            payload: (a) => a.cast.privateChat,
            expect: "GetChatsError",
          },
          {
            event: "subscribe",
            case: "other profile's token",
            token: (a) => a.cast.bob.token,
            payload: (a) => a.cast.malloryChat,
            expect: "GetChatsError",
          },
          {
            event: "sendMessage",
            case: "non-member",
            token: mallory,
            payload: (a) => ({ ...textMessage(a.cast.mallory, a.cast.privateChat, "x"), localId: 1 }),
            expect: "GetChatsError",
          },
          {
            event: "sendMessage",
            case: "other profile's token",
            token: mallory,
            payload: (a) => ({
              ...textMessage(a.cast.mallory, a.cast.malloryChat, "x"),
              cid: a.cast.alice.cid,
              localId: 2,
            }),
            expect: "InvalidCertificate",
          },
          {
            event: "messages",
            case: "non-member",
            token: mallory,
            payload: (a) => ({ chat: a.cast.privateChat, id: 0, rel: "next" }),
            expect: "GetChatsError",
          },
          {
            event: "messages",
            case: "other profile's token",
            token: (a) => a.cast.bob.token,
            payload: (a) => ({ chat: a.cast.malloryChat }),
            expect: "GetChatsError",
          },
        ];
        for (const row of memberRows) {
          test(`${row.event} with ${row.case} → ${row.expect}`, async () => {
            const socket = await connectV4(server.url, { token: row.token(actors) });
            sockets.push(socket);
            const reply = await request(socket, row.event, row.payload(actors));
            noLeak(JSON.stringify(reply), `${row.event} ${row.case}`);
            assert.deepEqual(reply, { success: false, error: row.expect });
          });
        }

        test("unsubscribe by a non-member answers the chat id it was given and subscribes to nothing", async () => {
          const reply = await request(malloryUnsubscribed, "unsubscribe", actors.cast.privateChat);
          totals.cases += 1;
          assert.deepEqual(reply, { success: true, data: actors.cast.privateChat });
        });

        test("a non-member who tried to subscribe gets no delivery of the chat's messages; a member does", async () => {
          const { alice, bob, privateChat } = actors.cast;
          const intruder = await connectV4(server.url, { token: actors.cast.mallory.token });
          const member = await connectV4(server.url, { token: bob.token });
          sockets.push(intruder, member);
          const intruderSeen = [record(intruder, "messages"), record(intruder, "message")];
          const memberSeen = record(member, "messages");
          assert.deepEqual(await request(intruder, "subscribe", privateChat), {
            success: false,
            error: "GetChatsError",
          });
          assert.deepEqual(await request(member, "subscribe", privateChat), {
            success: true,
            data: privateChat,
          });
          await call(server, "/api/sendMessage/", {
            token: alice.token,
            ...textMessage(alice, privateChat, "только для Боба"),
          });
          await eventually(() => memberSeen.length === 1, "Bob's delivery").catch(() => {
            totals.lost += 1;
          });
          // Bob's delivery came; anything bound for the intruder would have left in the same broadcast.
          await delay(200);
          totals.cases += 1;
          const seen = [...intruderSeen.flat(), ...malloryAll, ...malloryLegacyName];
          if (seen.length > 0) totals.leaks += 1;
          assert.deepEqual(seen, []);
          assert.equal(memberSeen.length, 1);
        });

        test("session with no token or an empty one → InvalidSchema", async () => {
          for (const args of [[], [""]]) {
            const socket = await connectV4(server.url);
            sockets.push(socket);
            const reply = await request(socket, "session", ...args);
            noLeak(JSON.stringify(reply), "session without a token");
            assert.deepEqual(reply, { success: false, error: "InvalidSchema" });
          }
        });

        test("session with another profile's token on a live socket drops the first profile's subscriptions", async () => {
          const { alice, bob, mallory, privateChat } = actors.cast;
          const socket = await connectV4(server.url, { token: alice.token });
          sockets.push(socket);
          const seen = record(socket, "messages");
          assert.deepEqual(await request(socket, "subscribe", privateChat), {
            success: true,
            data: privateChat,
          });
          const switched = await request(socket, "session", mallory.token);
          noLeak(JSON.stringify(switched), "session switch");
          assert.deepEqual(switched, { success: true, data: { pid: mallory.pid } });
          const control = await connectV4(server.url, { token: alice.token });
          sockets.push(control);
          const controlSeen = record(control, "messages");
          await request(control, "subscribe", privateChat);
          await call(server, "/api/sendMessage/", {
            token: bob.token,
            ...textMessage(bob, privateChat, "не для Мэллори"),
          });
          await eventually(() => controlSeen.length === 1, "the control socket's delivery");
          await delay(200);
          totals.cases += 1;
          if (seen.length > 0) totals.leaks += 1;
          assert.deepEqual(seen, []);
        });
      });

      test("another profile's attempt with Alice's code id and the right code leaves the code usable by Alice", async () => {
        const { alice, mallory } = actors.cast;
        const attempt = await server.post("/api/confirmPhone/", {
          token: mallory.token,
          ...actors.aliceCode,
        });
        assert.deepEqual(attempt.body, { success: false, error: "IncorrectCode" });
        const own = await server.post("/api/confirmPhone/", { token: alice.token, ...actors.aliceCode });
        totals.cases += 1;
        assert.deepEqual(own.body, {
          success: true,
          data: { needRegisterPhone: false, phone: "79994443322" },
        });
      });
    });
  }
});

/** The socket payloads' scene for Mallory (payload builders of endpoints.ts). */
function sceneOf(a: Actors) {
  const { mallory, malloryChat, malloryFile, alice } = a.cast;
  const text = textMessage(mallory, malloryChat, "x");
  return {
    cert: "",
    certSign: "",
    nonceSign: "",
    phone: mallory.phone,
    codeId: a.aliceCode.id,
    chat: malloryChat,
    cid: mallory.cid,
    file: malloryFile,
    keys: keysFor(newChatKey(), [mallory, alice]),
    text: text.text as string,
    textSign: text.sign as string,
  };
}
