import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { expect } from "chai";
import { getAddress, hexlify } from "ethers";
import fc from "fast-check";
import { SiweMessage } from "siwe";

import { ROOT } from "../helpers/node.js";

/** The dashboard's browser module, loaded as it is served (plain JavaScript, no build step). */
interface DashboardSiwe {
  toChecksum(address: string): string;
  siweMessage(f: { domain: string; address: string; uri: string; chainId: number; nonce: string; issuedAt: string; expirationTime: string }): string;
}

describe("the dashboard's wallet sign-in, in its own JavaScript", function () {
  let siwe: DashboardSiwe;

  before(async function () {
    const url = pathToFileURL(join(ROOT, "service/dashboard/public/siwe.js")).href;
    siwe = (await import(url)) as DashboardSiwe;
  });

  it("writes an address in its EIP-55 checksum form, as ethers does", function () {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        const address = getAddress(hexlify(bytes));
        expect(siwe.toChecksum(address.toLowerCase())).to.equal(address);
        expect(siwe.toChecksum(address.toUpperCase().replace(/^0X/, "0x"))).to.equal(address);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses what is not an address rather than checksumming it", function () {
    for (const bad of ["", "0x", "0x1234", `0x${"g".repeat(40)}`, `0x${"a".repeat(41)}`]) {
      expect(() => siwe.toChecksum(bad), bad).to.throw(/not an address/);
    }
  });

  it("builds an EIP-4361 message that the service's parser (siwe) reads back field by field", function () {
    const fields = {
      domain: "127.0.0.1:8080",
      address: getAddress("0x8ba1f109551bd432803012645ac136ddd64dba72"),
      uri: "http://127.0.0.1:8080",
      chainId: 31337,
      nonce: "a1b2c3d4e5f6a7b8",
      issuedAt: "2026-01-02T03:04:05.000Z",
      expirationTime: "2026-01-02T03:09:05.000Z",
    };
    const parsed = new SiweMessage(siwe.siweMessage(fields));
    expect({
      domain: parsed.domain,
      address: parsed.address,
      uri: parsed.uri,
      chainId: parsed.chainId,
      nonce: parsed.nonce,
      issuedAt: parsed.issuedAt,
      expirationTime: parsed.expirationTime,
      version: parsed.version,
    }).to.deep.equal({ ...fields, version: "1" });
  });
});
