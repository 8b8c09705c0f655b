import { join } from "node:path";

import { expect } from "chai";

import { formatAmount, parseAmount } from "../../service/client/index.js";
import { ROOT, unusedPort } from "../service/helpers/node.js";
import { runToEnd } from "../service/helpers/process.js";

/** `npm run client -- …` as a person types it; resolves with its exit code and output. */
const client = (args: string[], env: Record<string, string> = {}) =>
  runToEnd([join(ROOT, "node_modules", ".bin", "tsx"), "service/client/cli.ts", ...args], { PATH: process.env.PATH ?? "", ...env });

const HOLDER = { HOLDER_PRIVATE_KEY: "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356" };
/** No service answers there (a free port, unbound); commands refused before asking it never notice. */
let nowhere = "";
const SIGN = () => ["consent", "sign", "--service", nowhere, "--city", "310000", "--ref", "SH-2026-0001",
  "--data-center", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "--invoice-hash", `0x${"ab".repeat(32)}`, "--out", "/dev/null"];

describe("the client CLI (npm run client)", function () {
  this.timeout(60_000);

  before(async function () {
    nowhere = `http://127.0.0.1:${await unusedPort()}`;
  });

  it("prints its usage and exits 0 with --help and -h", async function () {
    for (const flag of ["--help", "-h"]) {
      const r = await client([flag]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^Usage: npm run client -- /).and.include("consent sign").and.include("redeem").and.include("status");
      expect(r.stdout).to.include("--amount 1000.00");
    }
  });

  it("exits 2 with the usage when no command is given, and names an unknown command", async function () {
    const none = await client([]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include("no command given").and.include("Usage:");
    const unknown = await client(["redeme"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.equal('unknown command "redeme": the commands are "consent sign", "redeem" and "status" (npm run client -- --help)\n');
  });

  it("refuses a voucher named twice or not at all, and a missing key, before asking the service", async function () {
    const both = await client([...SIGN(), "--voucher", "1", "--amount", "1000.00", "--invoice-total", "1250.00"], HOLDER);
    expect(both.code).to.equal(2);
    expect(both.stderr).to.include("name the voucher with --voucher ID, or with --city CODE and --ref REFERENCE");
    const noKey = await client([...SIGN(), "--amount", "1000.00", "--invoice-total", "1250.00"]);
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr).to.equal("set HOLDER_PRIVATE_KEY, or HOLDER_KEYSTORE and HOLDER_KEYSTORE_PASSWORD\n");
  });

  it("refuses an amount that is not a decimal in the currency, naming the flag", async function () {
    const r = await client([...SIGN(), "--amount", "1,000.00", "--invoice-total", "1250.00"], HOLDER);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('--amount: the amount "1,000.00" has separators in it: write it as digits and one "." (300000.00)\n');
    const missing = await client([...SIGN(), "--amount", "1000.00"], HOLDER);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.equal("--invoice-total is required (npm run client -- --help)\n");
  });

  it("says so in one line when the service does not answer", async function () {
    const r = await client([...SIGN(), "--amount", "1000.00", "--invoice-total", "1250.00"], HOLDER);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^cannot reach the service \(ECONNREFUSED\): is it running, and is --service right\?\n$/);
  });

  it("reads amounts as decimals in the currency, as the admin tasks do", function () {
    expect(parseAmount("300000.00", 2)).to.equal(30_000_000n);
    expect(parseAmount("1000", 2)).to.equal(100_000n);
    expect(parseAmount("0.5", 2)).to.equal(50n);
    expect(formatAmount(30_000_000n, 2)).to.equal("300000.00");
    expect(formatAmount(5n, 2)).to.equal("0.05");
    for (const [text, message] of [
      ["1,000.00", /separators/],
      ["1000.001", /3 digits after "\." but the currency has 2/],
      ["0.00", /zero/],
      ["-5", /not a number like 300000\.00/],
      ["1e3", /not a number/],
      ["", /empty/],
      [`${2n ** 128n}`, /too large/],
    ] as const) {
      expect(() => parseAmount(text, 2), text).to.throw(RangeError, message);
    }
  });
});
