import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import { parse } from "csv-parse/sync";
import { network } from "hardhat";

import { parseBatchFile, voucherIdOf } from "../../scripts/lib/admin/batch-file.js";
import { type BatchIssueOptions, batchIssue } from "../../scripts/lib/admin/batch-issue.js";
import { csvHeader, csvRow } from "../../scripts/lib/admin/batch-report.js";
import { openLedger } from "../../scripts/lib/admin/context.js";
import { UserError } from "../../scripts/lib/admin/format.js";
import { CNY, SHANGHAI, deploySchemeFixture, issueVoucher } from "../helpers/fixture.js";
import { deployTestLedger } from "../service/helpers/ledger.js";
import { type LocalNode, rpcCall, startNode } from "../service/helpers/node.js";

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

describe("v1 batch-issue", function () {
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

  it("takes references that differ only in case, width or spaces around them as one application", async function () {
    const { f, ctx, logs } = await networkHelpers.loadFixture(setup);
    const holder = f.holder.address;
    const duplicates = await csv("same.csv", [
      "application_ref,holder,face_value",
      `" SH-2026-0001 ",${holder},10.00`, // 2: padded inside quotes: the same as SH-2026-0001
      `sh-2026-0001,${holder},10.00`, // 3: lower case
      `ＳＨ－２０２６－０００１,${holder},10.00`, // 4: full-width letters, digits and hyphen
      `SH-2026-0002,${holder},10.00`,
    ]);
    const message = await failure(run(ctx, { file: duplicates }));
    expect(message).to.match(/line 3: application_ref "sh-2026-0001" appears already on line 2 as " SH-2026-0001 "/);
    expect(message).to.match(/line 4: application_ref "ＳＨ－２０２６－０００１" appears already on line 2/);
    expect(message).to.contain("differ only in case");
    expect(message).not.to.match(/line [25]:/);

    // A padded reference is issued, checked against the chain and reported in its one form, so a second run skips it.
    const padded = await csv("padded.csv", ["application_ref,holder,face_value", `"  sh-2026-0003 ",${holder},10.00`]);
    expect(await run(ctx, { file: padded })).to.include({ issued: 1, skipped: 0 });
    const id = await f.ledger.voucherId(SHANGHAI, ethers.encodeBytes32String("SH-2026-0003"));
    expect((await f.ledger.getVoucher(id)).holder).to.equal(holder);
    expect(voucherIdOf(SHANGHAI, ethers.encodeBytes32String("SH-2026-0003"))).to.equal(id);
    logs.length = 0;
    expect(await run(ctx, { file: padded })).to.include({ issued: 0, skipped: 1 });
    const report = JSON.parse(await readFile(join(dir, "padded.report.json"), "utf8"));
    expect(report.vouchers).to.deep.equal([
      {
        line: 2,
        reference: "SH-2026-0003",
        holder,
        faceValue: "10.00",
        expiresOn: report.vouchers[0].expiresOn,
        voucherId: id.toString(),
        transactionHash: report.vouchers[0].transactionHash,
        block: report.vouchers[0].block,
        status: "issued before",
      },
    ]);
    const [event] = await f.ledger.queryFilter(f.ledger.filters.VoucherIssued(id));
    expect(report.vouchers[0]).to.include({ transactionHash: event!.transactionHash, block: event!.blockNumber });
    expect(logs.join("\n")).to.contain(
      `line 2: SH-2026-0003 was issued before to ${holder}, 10.00 CNY, in transaction`,
    );
  });

  it("refuses control characters and line breaks in references, and says the limits in words", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    const holder = f.holder.address;
    const file = await csv("limits.csv", [
      "application_ref,holder,face_value",
      `"SH\t1",${holder},10.00`, // 2: a tab inside
      `SH\u200B2,${holder},10.00`, // 3: a zero-width space
      `${"上海".repeat(5)}一,${holder},10.00`, // 4: 11 Chinese characters = 33 bytes
      `${"上海".repeat(5)},${holder},10.00`, // 5: 10 Chinese characters = 30 bytes: fine
      `${"A".repeat(32)},${holder},10.00`, // 6: 32 letters
      `SH-NEG,${holder},-5.00`, // 7: negative
      `"SH-3`, // 8: a quote opened, the cell going on over the next line
      `X",${holder},10.00`, // 9
    ]);
    const message = await failure(run(ctx, { file }));
    expect(message).to.match(/line 2: application_ref: the application reference "SH\\t1" has a tab \(U\+0009\)/);
    expect(message).to.match(/line 3: [^\n]*has an invisible character \(U\+200B\)/);
    expect(message).to.match(
      /line 4: [^\n]*is too long \(33 bytes\); it may be at most 31 bytes: 10 Chinese characters, or 31 letters\/digits/,
    );
    expect(message).to.match(/line 6: [^\n]*is too long \(32 bytes\)/);
    expect(message).to.match(/line 7: face_value: the amount "-5.00" is negative: it must be positive/);
    expect(message).to.match(
      /line 8: column application_ref: a quote \("\) opens a cell that is not closed on this line/,
    );
    expect(message).to.match(/line 9: column application_ref: a quote \("\) in the middle of the cell/);
    expect(message).not.to.match(/line 5:/);
  });

  it("reports a CSV syntax error on its line and in its column, next to every other row's problems", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    const holder = f.holder.address;
    const file = await csv("syntax.csv", [
      "application_ref,holder,face_value,expires_on",
      `SH-S-1,${holder},10.00,`, // 2: fine
      `SH-S-2,"${holder},10.00,`, // 3: a quote never closed, in holder
      `SH-S-3,${holder},10.00,2001-01-01`, // 4: in the past
      `SH-S-4,${holder},1"0.00,`, // 5: a quote in the middle of face_value
      `SH-S-5,"${holder}"x,10.00,`, // 6: text after the closing quote, in holder
      `SH-S-6,${holder},abc,`, // 7: not a number
    ]);
    const message = await failure(run(ctx, { file }));
    expect(message).to.match(/line 3: column holder: a quote/);
    expect(message).to.match(/line 4: expires_on: the expiry 2001-01-01 is not in the future/);
    expect(message).to.match(/line 5: column face_value: a quote \("\) in the middle of the cell/);
    expect(message).to.match(/line 6: column holder: text follows the closing quote/);
    expect(message).to.match(/line 7: face_value: the amount "abc" is not a number/);
    expect(message).to.contain("has 5 problem(s)");
  });

  it("names the separator of a file separated by semicolons, and refuses a file that is not UTF-8", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    const semicolons = await csv("semicolons.csv", [
      "application_ref;holder;face_value",
      `SH-1;${f.holder.address};10,00`,
    ]);
    expect(await failure(run(ctx, { file: semicolons }))).to.match(
      /line 1: the file is separated by semicolons \(;\), not by commas/,
    );
    const gbk = join(dir, "gbk.csv");
    // "上海" in GBK is C9 CF BA A3: not UTF-8.
    await writeFile(
      gbk,
      Buffer.concat([Buffer.from("application_ref,holder,face_value\n"), Buffer.from([0xc9, 0xcf, 0xba, 0xa3])]),
    );
    expect(await failure(run(ctx, { file: gbk }))).to.match(/line 2: the file is not UTF-8 text/);
  });

  it("shows, for a row issued before, what the chain holds, and names the line it skips", async function () {
    const { f, ctx, logs } = await networkHelpers.loadFixture(setup);
    const holder = f.holder.address;
    const id = await issueVoucher(f, "SH-RE-1", 1000n * CNY, holder);
    await f.ledger
      .connect(f.shanghaiIssuer)
      .reissue(
        id,
        f.otherHolder.address,
        ethers.encodeBytes32String("SH-RE-2"),
        0,
        ethers.encodeBytes32String("lost-key"),
      );
    // Line 2 names the original holder but a different amount: a re-issued voucher matches by holder; the report must
    // show the 1000.00 the chain holds, not the row's 999.00. Line 3 is the re-issue's new voucher.
    const file = await csv("before.csv", [
      "application_ref,holder,face_value",
      `SH-RE-1,${holder},999.00`,
      `SH-RE-2,${f.otherHolder.address},1000.00`,
      `SH-RE-3,${holder},5.00`,
    ]);
    expect(await run(ctx, { file })).to.include({ issued: 1, skipped: 2 });
    const report = JSON.parse(await readFile(join(dir, "before.report.json"), "utf8"));
    const [issued] = await f.ledger.queryFilter(f.ledger.filters.VoucherIssued(id));
    const [reissued] = await f.ledger.queryFilter(f.ledger.filters.VoucherReissued(id));
    expect(report.vouchers[0]).to.include({
      line: 2,
      holder,
      faceValue: "1000.00",
      transactionHash: issued!.transactionHash,
      status: "issued before",
    });
    expect(report.vouchers[1]).to.include({
      line: 3,
      holder: f.otherHolder.address,
      faceValue: "1000.00",
      transactionHash: reissued!.transactionHash,
      status: "issued before",
    });
    expect(report.vouchers[2]).to.include({ line: 4, faceValue: "5.00", status: "issued" });
    expect(report.pending).to.equal(null);
    const printed = logs.join("\n");
    expect(printed).to.contain(
      `line 2: SH-RE-1 was issued before to ${holder}, 1000.00 CNY, in transaction ${issued!.transactionHash}`,
    );
    expect(printed).to.contain(`line 3: SH-RE-2 was issued before to ${f.otherHolder.address}`);
  });

  it("writes a CSV report beside the JSON one that a spreadsheet opens as text: BOM, no formulas", async function () {
    const { f, ctx } = await networkHelpers.loadFixture(setup);
    const holder = f.holder.address;
    const references = ['"=HYPERLINK(""http://x.cn"",""a"")"', "+1", "-2", "@SUM(A1)", "上海算力券第一号"];
    const file = await csv("formulas.csv", [
      "application_ref,holder,face_value",
      ...references.map((ref, i) => `${ref},${holder},${i + 1}.00`),
    ]);
    const result = await run(ctx, { file });
    expect(result).to.include({ issued: 5, csvReportPath: join(dir, "formulas.report.csv") });
    const bytes = await readFile(join(dir, "formulas.report.csv"));
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8").slice(1);
    const lines = text.split("\r\n");
    expect(lines[0]).to.equal(
      "line,application_ref,holder,face_value,currency,expires_on,voucher_id,transaction_hash,block,status",
    );
    expect(lines[1]).to.match(new RegExp(`^2,"'=HYPERLINK\\(""HTTP://X\\.CN"",""A""\\)",${holder},1\\.00,CNY,`));
    expect(lines[2]).to.match(/^3,'\+1,/);
    expect(lines[3]).to.match(/^4,'-2,/);
    expect(lines[4]).to.match(/^5,'@SUM\(A1\),/);
    expect(lines[5]).to.match(/^6,上海算力券第一号,/);
    expect(lines.at(-1)).to.equal("");
    for (const line of lines.slice(1, -1)) expect(line).to.match(/,0x[0-9a-f]{64},0x[0-9a-f]{64},\d+,issued$/);
    // Every cell a person controls starts with a character a spreadsheet does not evaluate.
    const cells = parse<Record<string, string>>(bytes, { bom: true, columns: true });
    for (const row of cells) expect(row.application_ref).to.match(/^[^=+\-@\t\r]/);
    const id = await f.ledger.voucherId(SHANGHAI, ethers.encodeBytes32String("+1"));
    expect(cells[1]).to.include({ application_ref: "'+1", voucher_id: ethers.toBeHex(id, 32) });
  });

  it("hands the event loop back at least every 1,000 rows while it reads a large file", async function () {
    // A check that held the loop for seconds made the HTTP client send its next request into a connection the node
    // had closed meanwhile (Hardhat's node closes idle ones after 5 s): a 100,000-row dry run died that way.
    const holder = Wallet.createRandom().address;
    const text = [
      "application_ref,holder,face_value",
      ...Array.from({ length: 20_000 }, (_, i) => `SH-Y-${i},${holder},1.00`),
    ];
    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const parsed = await parseBatchFile(text.join("\n"), { city: SHANGHAI, decimals: 2, now: 0n });
    ticking = false;
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.rows).to.have.length(20_000);
    expect(turns).to.be.at.least(20);
  });

  it("neutralises formulas, tabs and carriage returns in every cell of the CSV report", function () {
    const entry = {
      line: 2,
      holder: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      faceValue: "1.00",
      expiresOn: "2027-01-01",
      voucherId: "1",
      transactionHash: `0x${"ab".repeat(32)}`,
      block: 7,
      status: "issued" as const,
    };
    const cell = (reference: string) => parse(csvRow({ ...entry, reference }, "CNY"))[0]![1];
    expect(cell("\tSH-1")).to.equal("'\tSH-1");
    expect(cell("\rSH-1")).to.equal("'\rSH-1");
    expect(cell("=1+1")).to.equal("'=1+1");
    expect(cell("SH-1")).to.equal("SH-1");
    expect(cell("SH\r1")).to.equal("SH\r1"); // quoted, so the row stays one record
    expect(csvHeader().startsWith("\uFEFFline,")).to.equal(true);
  });
});

describe("v1 batch-issue on a node over HTTP (anvil)", function () {
  let node: LocalNode;
  let dir: string;
  before(async function () {
    node = await startNode("anvil");
  });
  after(async function () {
    await node?.stop();
  });
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "batch-issue-"));
    await rpcCall(node.url, "evm_setAutomine", [true]);
  });
  afterEach(async function () {
    await rpcCall(node.url, "evm_setAutomine", [true]);
    await rm(dir, { recursive: true, force: true });
  });

  async function scheme() {
    const t = await deployTestLedger(node.url);
    const logs: string[] = [];
    const ctx = await openLedger({
      signer: t.signers.shanghaiIssuer,
      ledgerAddress: await t.ledger.getAddress(),
      fromBlock: t.deploymentBlock,
      log: (line) => logs.push(line),
    });
    return { t, ctx, logs };
  }

  async function rows(name: string, count: number): Promise<string> {
    const path = join(dir, name);
    const lines = Array.from({ length: count }, (_, i) => `SH-P-${i},${Wallet.createRandom().address},${i + 1}.00,`);
    await writeFile(path, `application_ref,holder,face_value\n${lines.join("\n")}\n`);
    return path;
  }

  /** Resolves once `logs` has a line matching `pattern`, or after `ms` (then the caller goes on anyway). */
  async function seen(logs: string[], pattern: RegExp, ms: number): Promise<boolean> {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      if (logs.some((line) => pattern.test(line))) return true;
    }
    return false;
  }

  /**
   * Run 1 sends its first chunk and dies before it is mined (the node mines nothing: automine off); run 2 starts
   * while that transaction is pending. After `waitMs`, or as soon as run 2 says it is waiting, the node mines a
   * block a second. Every voucher must be issued exactly once, and no transaction may fail.
   */
  async function restartWhilePending(forgetReport: boolean) {
    const { t, ctx, logs } = await scheme();
    const file = await rows("pending.csv", 6);
    await rpcCall(node.url, "evm_setAutomine", [false]);
    let sent = "";
    const crash = new Error("killed");
    try {
      await batchIssue(ctx, {
        city: SHANGHAI,
        file,
        chunkSize: 3,
        afterSend: (_chunk, hash) => {
          sent = hash;
          throw crash;
        },
      });
    } catch (error) {
      expect(error).to.equal(crash);
    }
    expect(await t.provider.getTransactionReceipt(sent)).to.equal(null);
    const report = join(dir, "pending.report.json");
    expect(JSON.parse(await readFile(report, "utf8")).pending).to.include({ transactionHash: sent, lines: "2–4" });
    if (forgetReport) await rm(report); // as if killed between sending and writing the report

    const second = batchIssue(ctx, { city: SHANGHAI, file, chunkSize: 3 });
    const waiting = forgetReport
      ? /transaction\(s\) pending \(sent before this run\): waiting/
      : /is still pending: waiting/;
    expect(await seen(logs, waiting, 5000)).to.equal(true);
    await rpcCall(node.url, "evm_setIntervalMining", [1]);
    const result = await second;
    await rpcCall(node.url, "evm_setIntervalMining", [0]);
    expect(result).to.include({ issued: 3, skipped: 3 });

    const events = await t.ledger.queryFilter(t.ledger.filters.VoucherIssued(), t.deploymentBlock);
    expect(events).to.have.length(6);
    expect(new Set(events.map((e) => e.args.id)).size).to.equal(6);
    for (let block = t.deploymentBlock; block <= (await t.provider.getBlockNumber()); block++) {
      for (const hash of (await t.provider.getBlock(block))!.transactions) {
        expect((await t.provider.getTransactionReceipt(hash))!.status, `transaction ${hash}`).to.equal(1);
      }
    }
    const written = JSON.parse(await readFile(report, "utf8"));
    expect(written.pending).to.equal(null);
    expect(written.vouchers.map((entry: { status: string }) => entry.status)).to.deep.equal([
      ...Array(3).fill("issued before"),
      ...Array(3).fill("issued"),
    ]);
    expect(written.vouchers[0].transactionHash).to.equal(sent);
  }

  it("waits for the transaction an interrupted run left pending, instead of sending its vouchers again", async function () {
    await restartWhilePending(false);
  });

  it("waits for the account's pending transactions even when the report did not record them", async function () {
    await restartWhilePending(true);
  });
});
