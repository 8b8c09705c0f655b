import { expect } from "chai";
import { network } from "hardhat";

import type { Consent } from "../../service/domain/consent.js";
import { dayOfInstant, invoiceNumberHash } from "../../service/domain/identity.js";
import {
  CATEGORY,
  CLASS,
  CNY,
  DAY,
  addProgramme,
  deploySchemeFixture,
  invoiceNumber,
  issueVoucher,
  makeConsent,
  now,
  type RatioInput,
  signedConsent,
} from "../helpers/scheme-fixture.js";
import { expectRedemptionRefused } from "./redemption.behavior.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;
const TOTAL = 1_000_000n;

function ratios(bps: number): RatioInput[] {
  return [CLASS.DOMESTIC, CLASS.OTHER].flatMap((computeClass) =>
    [CATEGORY.STARTUP, CATEGORY.OTHER].map((category) => ({ computeClass, category, bps })),
  );
}

/**
 * The fixture (its Hangzhou-like programme pays alone), plus Shanghai's city programme (30%, stackable up to 100%) and
 * a district's (70%, stackable up to 100%), each with a voucher of CNY 1m for the start-up.
 */
async function stackingFixture() {
  const f = await deploySchemeFixture(ethers);
  const city = await addProgramme(f, { name: "上海市算力券", region: 310000, maxCombinedBps: 10_000 }, { ratios: ratios(3000) });
  const district = await addProgramme(
    f,
    { name: "徐汇区算力补贴", level: 4, region: 310104, maxCombinedBps: 10_000 },
    { ratios: ratios(7000) },
  );
  const alone = await issueVoucher(f, "HZ-1", FACE);
  const cityVoucher = await issueVoucher(f, "SH-1", FACE, f.holder.address, 0n, city);
  const districtVoucher = await issueVoucher(f, "XH-1", FACE, f.holder.address, 0n, district);
  return { ...f, city, district, vouchers: { alone, city: cityVoucher, district: districtVoucher } };
}
type StackingFixture = Awaited<ReturnType<typeof stackingFixture>>;

function load(): Promise<StackingFixture> {
  return networkHelpers.loadFixture(stackingFixture);
}

/** Redeems `amount` of voucher `id` on invoice 1 (total {@link TOTAL}). */
async function pay(f: StackingFixture, id: bigint, amount: bigint): Promise<void> {
  const { consent, signature } = await signedConsent(f, id, amount, 1, { invoiceTotal: TOTAL });
  await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
}

/** The key of invoice 1 of the fixture's supplier. */
function keyOf(f: StackingFixture): Promise<string> {
  return f.ledger.invoiceKey(f.entities.supplier, invoiceNumberHash(invoiceNumber(1)));
}

describe("VoucherLedger: stacking and the entity window", function () {
  describe("an invoice paid by more than one programme", function () {
    it("lets a city programme pay 30% and a district programme 70% of one invoice, combined 100%", async function () {
      const f = await load();
      await pay(f, f.vouchers.city, 300_000n);
      await pay(f, f.vouchers.district, 700_000n);
      const key = await keyOf(f);
      const inv = await f.ledger.getInvoice(key);
      expect([inv.total, inv.subsidised, inv.count, inv.firstProgramme, inv.minShareBps]).to.deep.equal([
        TOTAL,
        TOTAL,
        2n,
        f.city,
        10_000n,
      ]);
      expect(await f.ledger.invoicePaidBy(key, f.city)).to.equal(300_000n);
      expect(await f.ledger.invoicePaidBy(key, f.district)).to.equal(700_000n);
      expect(await f.ledger.invoicePaidBy(key, f.programme)).to.equal(0n);
    });

    it("refuses a third programme once the invoice is fully subsidised", async function () {
      const f = await load();
      const national = await addProgramme(f, { name: "国家智能券", level: 1, region: 100000, maxCombinedBps: 10_000 }, { ratios: ratios(1000) });
      const v = await issueVoucher(f, "CN-1", FACE, f.holder.address, 0n, national);
      await pay(f, f.vouchers.city, 300_000n);
      await pay(f, f.vouchers.district, 700_000n);
      const third = await signedConsent(f, v, 1n, 1, { invoiceTotal: TOTAL });
      await expectRedemptionRefused(f, third, "VoucherLedgerOverCombinedShare", [await keyOf(f), TOTAL, 1n, 10_000]);
    });

    it("refuses one fen over the combined share and accepts exactly it", async function () {
      const f = await load();
      await pay(f, f.vouchers.city, 300_000n);
      const over = await signedConsent(f, f.vouchers.district, 700_001n, 1, { invoiceTotal: TOTAL });
      // 700,001 is also above the district's 70%: the ratio is checked first
      await expectRedemptionRefused(f, over, "VoucherLedgerOverRatio", [700_001n, TOTAL, 7000]);
      const national = await addProgramme(f, { name: "国家智能券", level: 1, region: 100000, maxCombinedBps: 10_000 }, { ratios: ratios(8000) });
      const v = await issueVoucher(f, "CN-1", FACE, f.holder.address, 0n, national);
      const big = await signedConsent(f, v, 700_001n, 1, { invoiceTotal: TOTAL });
      await expectRedemptionRefused(f, big, "VoucherLedgerOverCombinedShare", [await keyOf(f), 300_000n, 700_001n, 10_000]);
      await pay(f, v, 700_000n);
      expect((await f.ledger.getInvoice(await keyOf(f))).subsidised).to.equal(TOTAL);
    });

    it("keeps the smallest combined share of the programmes that paid", async function () {
      const f = await load();
      const half = await addProgramme(f, { name: "半额补贴", level: 4, region: 310105, maxCombinedBps: 5000 }, { ratios: ratios(4000) });
      const v = await issueVoucher(f, "HALF-1", FACE, f.holder.address, 0n, half);
      await pay(f, f.vouchers.city, 300_000n);
      const over = await signedConsent(f, v, 200_001n, 1, { invoiceTotal: TOTAL });
      await expectRedemptionRefused(f, over, "VoucherLedgerOverCombinedShare", [await keyOf(f), 300_000n, 200_001n, 5000]);
      await pay(f, v, 200_000n);
      expect((await f.ledger.getInvoice(await keyOf(f))).minShareBps).to.equal(5000n);
      // the district allows 100%, but the invoice is now bound by 50%
      const district = await signedConsent(f, f.vouchers.district, 1n, 1, { invoiceTotal: TOTAL });
      await expectRedemptionRefused(f, district, "VoucherLedgerOverCombinedShare", [await keyOf(f), 500_000n, 1n, 5000]);
    });

    it("refuses a stackable programme on an invoice that a programme with no combined share (0) paid", async function () {
      const f = await load();
      await pay(f, f.vouchers.alone, 300_000n);
      const onTop = await signedConsent(f, f.vouchers.city, 1n, 1, { invoiceTotal: TOTAL });
      await expectRedemptionRefused(f, onTop, "VoucherLedgerInvoiceNotStackable", [await keyOf(f), f.city]);
    });

    it("refuses a programme with no combined share (0) on an invoice that a stackable programme paid", async function () {
      const f = await load();
      await pay(f, f.vouchers.city, 300_000n);
      const alone = await signedConsent(f, f.vouchers.alone, 1n, 1, { invoiceTotal: TOTAL });
      await expectRedemptionRefused(f, alone, "VoucherLedgerInvoiceNotStackable", [await keyOf(f), f.programme]);
    });

    it("refuses a programme paying the same invoice a second time, after another programme stacked on it", async function () {
      const f = await load();
      await pay(f, f.vouchers.city, 100_000n);
      await pay(f, f.vouchers.district, 100_000n);
      for (const [id, programme] of [[f.vouchers.city, f.city], [f.vouchers.district, f.district]] as const) {
        const again = await signedConsent(f, id, 1n, 1, { invoiceTotal: TOTAL });
        await expectRedemptionRefused(f, again, "VoucherLedgerInvoiceUsed", [await keyOf(f), programme]);
      }
    });

    const CHANGES: [string, (c: Consent) => Partial<Consent>][] = [
      ["total", (c) => ({ invoiceTotal: c.invoiceTotal + 1n })],
      ["compute class", () => ({ computeClass: CLASS.OTHER })],
      ["first service day", (c) => ({ serviceFromDay: c.serviceFromDay - 1 })],
      ["last service day", (c) => ({ serviceToDay: c.serviceToDay + 1 })],
      ["GPU-hours", (c) => ({ gpuCentihours: c.gpuCentihours + 1n })],
    ];
    for (const [what, change] of CHANGES) {
      it(`refuses a second programme's consent whose invoice ${what} differs from the first one's`, async function () {
        const f = await load();
        await pay(f, f.vouchers.city, 100_000n);
        const base = await makeConsent(f, f.vouchers.district, 100_000n, 1, { invoiceTotal: TOTAL });
        const other = await signedConsent(f, f.vouchers.district, 100_000n, 1, { invoiceTotal: TOTAL, ...change(base) });
        await expectRedemptionRefused(f, other, "VoucherLedgerInvoiceMismatch", [await keyOf(f)]);
      });
    }
  });

  describe("the entity window", function () {
    async function windowFixture() {
      const f = await deploySchemeFixture(ethers);
      const firstYear = await addProgramme(f, { name: "上海市算力券（首年）", region: 310000, entityWindowDays: 365 });
      const id = await issueVoucher(f, "SH-1", FACE, f.holder.address, 0n, firstYear);
      return { ...f, firstYear, id, firstDay: dayOfInstant(await now(ethers)) };
    }

    it("records the company's first voucher day and keeps it for later vouchers", async function () {
      const f = await networkHelpers.loadFixture(windowFixture);
      expect((await f.ledger.getTally(f.entities.startup, f.firstYear)).firstDay).to.equal(BigInt(f.firstDay));
      await networkHelpers.time.increase(10n * DAY);
      await issueVoucher(f, "SH-2", FACE, f.holder2.address, 0n, f.firstYear);
      expect((await f.ledger.getTally(f.entities.startup, f.firstYear)).firstDay).to.equal(BigInt(f.firstDay));
    });

    it("pays service up to the window's last day and refuses service ending one day later", async function () {
      const f = await networkHelpers.loadFixture(windowFixture);
      const lastDay = f.firstDay + 364;
      const inside = await signedConsent(f, f.id, 1000n, 1, { serviceFromDay: lastDay - 10, serviceToDay: lastDay });
      await (await f.ledger.connect(f.supplier).redeem(inside.consent, inside.signature)).wait();
      const outside = await signedConsent(f, f.id, 1000n, 2, { serviceFromDay: lastDay - 10, serviceToDay: lastDay + 1 });
      await expectRedemptionRefused(f, outside, "VoucherLedgerOutsideEntityWindow", [
        f.firstYear,
        f.entities.startup,
        lastDay + 1,
        lastDay,
      ]);
    });

    it("counts the window from the company's first voucher, whichever address redeems", async function () {
      const f = await networkHelpers.loadFixture(windowFixture);
      await networkHelpers.time.increase(100n * DAY);
      const late = await issueVoucher(f, "SH-2", FACE, f.holder2.address, 0n, f.firstYear);
      const lastDay = f.firstDay + 364;
      const outside = await signedConsent(f, late, 1000n, 1, { serviceFromDay: lastDay, serviceToDay: lastDay + 1 }, f.holder2);
      await expectRedemptionRefused(f, outside, "VoucherLedgerOutsideEntityWindow", [f.firstYear, f.entities.startup, lastDay + 1, lastDay]);
    });

    it("does not limit a programme without a window", async function () {
      const f = await networkHelpers.loadFixture(windowFixture);
      const id = await issueVoucher(f, "HZ-1");
      const far = await signedConsent(f, id, 1000n, 1, { serviceFromDay: f.firstDay, serviceToDay: f.firstDay + 2000 });
      await expect(f.ledger.connect(f.supplier).redeem(far.consent, far.signature)).to.emit(f.ledger, "VoucherRedeemed");
    });
  });
});
