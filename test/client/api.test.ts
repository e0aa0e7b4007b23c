import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatApi, CertchatApiError, describeErrorCode } from "../../src/client/api.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { issueUser, startTestServer, type TestServer } from "../support/server.ts";

describe("SDK REST client: methods called by their name in the route table", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it("an error envelope throws CertchatApiError with the code and the catalogue's sentence", async () => {
    const api = new CertchatApi(server.url);
    await assert.rejects(
      api.call("profile", {}),
      (error: unknown) =>
        error instanceof CertchatApiError &&
        error.code === "NeedAuthentication" &&
        error.message === describeErrorCode("NeedAuthentication"),
    );
  });

  it("call('auth') keeps the session token for the following calls", async () => {
    const user = await issueUser(server);
    const api = new CertchatApi(server.url);
    const { nonce, token } = await api.call("auth", {
      cert: encodeBase64(user.der),
      sign: user.sign(user.der),
    });
    assert.equal(api.token, token);
    const confirmed = await api.call("confirmAuth", { sign: user.sign(Buffer.from(nonce, "base64")) });
    assert.deepEqual(confirmed, { needRegisterPhone: true });
  });

  it("the raw download's error throws CertchatApiError with the code", async () => {
    const api = new CertchatApi(server.url, "00000000-0000-4000-8000-000000000000");
    await assert.rejects(
      api.downloadFile("chat", "file"),
      (error: unknown) => error instanceof CertchatApiError && error.code === "NeedAuthentication",
    );
  });
});
