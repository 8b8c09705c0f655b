import { expect } from "chai";
import { Wallet } from "ethers";

import { loadConfig } from "../../../service/internal/config.js";
import { deployTestLedger, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, startNode } from "../helpers/node.js";
import { type ApiFixture, login, siweMessage, startApiFixture } from "./helpers.js";

type Overrides = NonNullable<Parameters<typeof siweMessage>[2]>;

describe("SIWE sign-in: the message's domain and URI", function () {
  let node: LocalNode;
  let t: TestLedger;
  const wallet = Wallet.createRandom();

  before(async function () {
    node = await startNode("hardhat");
    t = await deployTestLedger(node.url);
  });

  after(async function () {
    await node?.stop();
  });

  /** Signs `overrides` with a real wallet and posts it; expects a token, or a refusal whose detail matches `why`. */
  async function expectLogin(f: ApiFixture, overrides: Overrides, why?: RegExp): Promise<void> {
    const what = JSON.stringify(overrides);
    const response = await login(f.client, wallet, await siweMessage(f.client, wallet, overrides));
    if (why === undefined) {
      expect(response.status, `${what}: ${response.text}`).to.equal(200);
      expect(response.json.address, what).to.equal(wallet.address);
    } else {
      expect(response.status, `${what}: ${response.text}`).to.equal(401);
      expect(response.json.code, what).to.equal("SIWE_INVALID");
      expect(response.json.detail, what).to.match(why);
    }
  }

  // Sign-in reads no table: one backend is enough.
  describe("with PUBLIC_URL=https://audit.example.gov.cn/api/ (a name, the default port)", function () {
    let f: ApiFixture;

    before(async function () {
      f = await startApiFixture(node.url, t, "pglite", { PUBLIC_URL: "https://audit.example.gov.cn/api/" });
    });

    after(async function () {
      await f?.close();
    });

    it("tells the client the origin and the domain a message must use", async function () {
      const info = (await f.client.request("POST", "/v1/auth/nonce")).json;
      expect(info).to.include({ uri: "https://audit.example.gov.cn", domain: "audit.example.gov.cn" });
    });

    it("accepts a URI on the origin with any path, query or fragment, scheme and host in any case", async function () {
      for (const uri of [
        "https://audit.example.gov.cn", "https://audit.example.gov.cn/", "https://audit.example.gov.cn/api/v1/login?next=%2F#top",
        "https://audit.example.gov.cn?x=1", "HTTPS://AUDIT.Example.GOV.cn/dashboard",
      ]) {
        await expectLogin(f, { uri });
      }
      await expectLogin(f, { scheme: "https" });
    });

    it("refuses a URI on another origin, one with user info, and spellings other readers would take elsewhere", async function () {
      const refusals: [string, RegExp][] = [
        ["https://audit.example.gov.cn:8443/", /must be on https:\/\/audit\.example\.gov\.cn, not https:\/\/audit\.example\.gov\.cn:8443/],
        ["http://audit.example.gov.cn/", /must be on https:\/\/audit\.example\.gov\.cn/],
        ["https://audit.example.gov.cn./", /must be on/],
        ["https://audit.example.gov.cn.evil.example/", /must be on/],
        ["https://audit.example.gov.cn@evil.example/", /user info/],
        ["https://user:pw@audit.example.gov.cn/", /user info/],
        ["https://audit.example.gov.cn:443/", /as written/],
        ["https:audit.example.gov.cn/", /as written/],
        ["https:/audit.example.gov.cn/", /as written/],
        ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", /must be on/],
      ];
      for (const [uri, why] of refusals) await expectLogin(f, { uri }, why);
    });

    it("refuses a domain that is not exactly the public URL's host, and a scheme that is not its scheme", async function () {
      for (const domain of ["AUDIT.EXAMPLE.GOV.CN", "audit.example.gov.cn.", "audit.example.gov.cn:443", "user@audit.example.gov.cn", "evil.example"]) {
        await expectLogin(f, { domain }, /the domain must be audit\.example\.gov\.cn/);
      }
      await expectLogin(f, { scheme: "http" }, /the scheme must be https/);
    });
  });

  describe("with PUBLIC_URL=http://127.0.0.1:21210 (an address and a port)", function () {
    let f: ApiFixture;

    before(async function () {
      f = await startApiFixture(node.url, t, "pglite", { PUBLIC_URL: "http://127.0.0.1:21210" });
    });

    after(async function () {
      await f?.close();
    });

    it("accepts a URI on that address and port, and nothing that merely starts like it", async function () {
      await expectLogin(f, { uri: "http://127.0.0.1:21210/v1/auth/login" });
      const refusals: [string, RegExp][] = [
        ["http://127.0.0.1:8080/", /not http:\/\/127\.0\.0\.1:8080/],
        ["http://127.0.0.1/", /must be on/],
        ["http://127.0.0.1:21210@evil.example/", /user info/],
        ["http://127.0.0.1:212100/", /absolute URL/],
        ["https://127.0.0.1:21210/", /must be on/],
        ["http://localhost:21210/", /must be on/],
        ["http://[::ffff:127.0.0.1]:21210/", /must be on/],
        // The WHATWG parser maps these to 127.0.0.1:21210; other readers need not.
        ["http://127.0.0.1.:21210/", /as written/],
        ["http://127.1:21210/", /as written/],
        ["http://0x7f.0.0.1:21210/", /as written/],
        ["http://127.0.0.1:021210/", /as written/],
      ];
      for (const [uri, why] of refusals) await expectLogin(f, { uri }, why);
      for (const domain of ["127.0.0.1", "127.0.0.1:8080", "127.0.0.1.:21210", "localhost:21210"]) {
        await expectLogin(f, { domain }, /the domain must be 127\.0\.0\.1:21210/);
      }
    });
  });

  it("refuses a PUBLIC_URL with user info at start-up, naming the key", function () {
    const rpc = { RPC_URL: "http://127.0.0.1:9" };
    expect(() => loadConfig({ ...rpc, PUBLIC_URL: "https://user:pw@audit.example.gov.cn/" })).to.throw(/PUBLIC_URL is invalid: must not contain user info/);
    expect(loadConfig({ ...rpc, PUBLIC_URL: "https://Audit.Example.gov.cn:443/x" }).api).to.include({
      publicUrl: "https://audit.example.gov.cn", domain: "audit.example.gov.cn",
    });
  });
});
