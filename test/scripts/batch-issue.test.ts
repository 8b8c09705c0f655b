import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";

import { type BatchIssueOptions, batchIssue } from "../../scripts/lib/admin/batch-issue.js";
import { openLedger } from "../../scripts/lib/admin/context.js";
import { UserError } from "../../scripts/lib/admin/format.js";
import { CNY, SHANGHAI, deploySchemeFixture, issueVoucher } from "../helpers/fixture.js";

const { ethers, networkHelpers } = await network.create();

async function setup() {
  const f = await deploySchemeFixture(ethers);
  const logs: string[] = [];
  const ctx = await openLedger({
    signer: f.shanghaiIssuer,
    ledgerAddress: await f.ledger.getAddress(),
    log: (line) => logs.push(line),
  });
  return { f, ctx, logs };
}

describe("voucher batch-issue", function () {
  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "batch-issue-"));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  async function csv(name: string, lines: string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `${lines.join("\n")}\n`);
    return path;
  }

  async function run(ctx: Awaited<ReturnType<typeof setup>>["ctx"], options: Omit<BatchIssueOptions, "city">) {
    return batchIssue(ctx, { city: SHANGHAI, ...options });
  }

  async function failure(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      expect(error).to.be.instanceOf(UserError);
      return (error as Error).message;
    }
    throw new Error("expected the batch to be refused");
  }

  it("reports every mistake in the file with its line number and sends nothing", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    await issueVoucher(f, "SH-ISSUED", 1000n * CNY, f.otherHolder.address);
    const holder = f.holder.address;
    const file = await csv("mistakes.csv", [
      "application_ref,holder,face_value,expires_on",
      `SH-OK-1,${holder},1000.00,`, // line 2: fine
      `SH-BAD-SUM,${holder.slice(0, -1)}${holder.at(-1) === "a" ? "b" : "a"},1000.00,`, // 3: checksum typo
      `SH-LOWER,${holder.toLowerCase()},1000.00,`, // 4: no checksum
      `SH-CENTS,${holder},10.001,`, // 5: too many decimals
      `SH-ZERO,${holder},0.00,`, // 6: zero
      `SH-DATE,${holder},10.00,2027-02-30`, // 7: not a date
      `SH-PAST,${holder},10.00,2001-01-01`, // 8: past
      `SH-OK-1,${holder},10.00,`, // 9: duplicate of line 2
      `SH-ISSUED,${holder},10.00,`, // 10: issued on chain to someone else
      `SH-BIG-1,${f.otherHolder.address},1999000.01,`, // 11: with the voucher above, over the 2,000,000 cap
      `SH-SEP,${holder},"1,000.00",`, // 12: separators
    ]);
    const blockBefore = await ethers.provider.getBlockNumber();
    const message = await failure(run(ctx, { file }));
    for (const [line, words] of [
      [3, "wrong checksum"],
      [4, "no checksum"],
      [5, "3 digits after"],
      [6, "zero"],
      [7, "not a calendar date"],
      [8, "not in the future"],
      [9, "appears already on line 2"],
      [10, "already issued on the ledger"],
      [11, "above the cap"],
      [12, "separators"],
    ] as const) {
      expect(message).to.match(new RegExp(`line ${line}: [^\\n]*${words}`));
    }
    expect(message).not.to.contain("line 2:");
    expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
    expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(1000n * CNY);
  });

  it("refuses a wrong header, naming the columns it expects", async function () {
    const { ctx } = await networkHelpers.loadFixture(setup);
    const file = await csv("header.csv", ["reference,address,amount", "A,0x0,1"]);
    const message = await failure(run(ctx, { file }));
    expect(message).to.match(/line 1: the header is wrong: missing column\(s\) application_ref, holder, face_value/);
  });

  it("refuses a batch above the city's remaining budget at the line where the budget runs out", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    await f.ledger.connect(f.governor).setCityBudget(SHANGHAI, 2500n * CNY, ethers.encodeBytes32String("SH-CUT"));
    const rows = [1, 2, 3].map((i) => `SH-B-${i},${Wallet.createRandom().address},1000.00,`);
    const file = await csv("budget.csv", ["application_ref,holder,face_value", ...rows]);
    const message = await failure(run(ctx, { file }));
    expect(message).to.match(/line 4: the batch needs 3000\.00 CNY up to this line, but city 310000 has only 2500\.00/);
    expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(0n);
  });

  it("does everything but send on a dry run, and estimates the gas", async function () {
    const { f, ctx, logs } = await networkHelpers.loadFixture(setup);
    const rows = [1, 2, 3].map((i) => `SH-D-${i},${Wallet.createRandom().address},1250000.00,2030-01-01`);
    const file = await csv("dry.csv", ["application_ref,holder,face_value,expires_on", ...rows]);
    const blockBefore = await ethers.provider.getBlockNumber();
    const result = await run(ctx, { file, dryRun: true });
    expect(result.issued).to.equal(0);
    expect(result.gasEstimate > 100_000n).to.equal(true);
    expect(logs.join("\n")).to.contain("3 to issue, 3750000.00 CNY").and.to.contain("Nothing was sent.");
    expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
    expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(0n);
  });

  it("issues every voucher exactly once when run again after an interruption half way", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    const rows = Array.from({ length: 10 }, (_, i) => `SH-I-${i},${Wallet.createRandom().address},${100 + i}.50,`);
    const file = await csv("interrupted.csv", ["application_ref,holder,face_value", ...rows]);
    const crash = new Error("power cut");
    let thrown: unknown;
    try {
      await run(ctx, {
        file,
        chunkSize: 3,
        afterSend: (chunk) => {
          if (chunk === 1) throw crash; // the second transaction is sent, its receipt never read
        },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.equal(crash);
    expect((await f.ledger.queryFilter(f.ledger.filters.VoucherIssued())).length).to.equal(6);

    const result = await run(ctx, { file, chunkSize: 3 });
    expect(result).to.include({ issued: 4, skipped: 6 });
    const events = await f.ledger.queryFilter(f.ledger.filters.VoucherIssued());
    expect(events.length).to.equal(10);
    expect(new Set(events.map((e) => e.args.id)).size).to.equal(10);
    const expected = Array.from({ length: 10 }, (_, i) => BigInt(100 + i) * CNY + 50n).reduce((a, b) => a + b);
    expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(expected);

    const report = JSON.parse(await readFile(join(dir, "interrupted.report.json"), "utf8"));
    expect(report.vouchers).to.have.length(10);
    expect(report.vouchers.map((v: { line: number }) => v.line)).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const entry of report.vouchers) {
      const event = events.find((e) => e.args.id.toString() === entry.voucherId)!;
      expect(entry).to.include({ transactionHash: event.transactionHash, block: event.blockNumber });
    }
    expect(report.vouchers[0]).to.include({ reference: "SH-I-0", faceValue: "100.50" });

    const again = await run(ctx, { file, chunkSize: 3 });
    expect(again).to.include({ issued: 0, skipped: 10 });
    expect((await f.ledger.queryFilter(f.ledger.filters.VoucherIssued())).length).to.equal(10);
  });

  it("issues a file of 1,000 rows in chunks, reporting progress", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    const rows = Array.from({ length: 1000 }, (_, i) => `SH-K-${i},${Wallet.createRandom().address},1000.00,`);
    const file = await csv("thousand.csv", ["application_ref,holder,face_value", ...rows]);
    const progress: number[] = [];
    const result = await run(ctx, { file, chunkSize: 100, onProgress: (done) => progress.push(done) });
    expect(result.issued).to.equal(1000);
    expect(progress.at(-1)).to.equal(1000);
    expect(progress).to.have.length(11);
    expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(1_000_000n * CNY);
    const report = JSON.parse(await readFile(join(dir, "thousand.report.json"), "utf8"));
    expect(report.vouchers).to.have.length(1000);
  });
});
