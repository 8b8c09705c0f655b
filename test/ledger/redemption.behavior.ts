import { expect } from "chai";
import type { Signer } from "ethers";

import type { Consent } from "../../service/domain/consent.js";
import type { SchemeFixture } from "../helpers/scheme-fixture.js";

/** One redemption as a supplier would send it. */
export interface RedemptionAttempt {
  consent: Consent;
  signature: string;
  /** Who sends it; the fixture's supplier when not given. */
  caller?: Signer;
}

/** A redemption the ledger must refuse: what makes it wrong, and the error (with its arguments) it must give. */
export interface RefusalCase<F extends SchemeFixture> {
  /** Completes "refuses …": "an unknown voucher". */
  title: string;
  error: string;
  /** Sets the scene and returns the attempt and the error's expected arguments. */
  arrange(f: F): Promise<RedemptionAttempt & { args: unknown[] }>;
}

function jsonOf(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * Everything a redemption could change, as one comparable string: the voucher and the holder's balance, the invoice
 * under the caller's company and under the consent supplier's, what the programme paid of it, both suppliers'
 * accrual, the programme's counters, the holder's account and its company's tally.
 */
export async function redemptionState(f: SchemeFixture, attempt: RedemptionAttempt): Promise<string> {
  const { consent } = attempt;
  const caller = await (attempt.caller ?? f.supplier).getAddress();
  const programme = consent.voucherId >> 224n;
  const voucher = await f.ledger.getVoucher(consent.voucherId).catch(() => null);
  const holder = voucher?.holder;
  const suppliers = [...new Set([caller, consent.supplier])];
  const perSupplier = [];
  for (const s of suppliers) {
    const [entity] = await f.registry.entityOf(s);
    const key = await f.ledger.invoiceKey(entity, consent.invoiceNumberHash);
    perSupplier.push({
      invoice: await f.ledger.getInvoice(key),
      paid: await f.ledger.invoicePaidBy(key, programme),
      accreditation: await f.ledger.getAccreditation(s, programme),
    });
  }
  const account = holder === undefined ? null : await f.ledger.getAccount(holder);
  return jsonOf({
    voucher,
    balance: holder === undefined ? null : await f.ledger.balanceOf(holder, consent.voucherId),
    perSupplier,
    counters: await f.ledger.programmeCounters(programme),
    account,
    tally: account === null ? null : await f.ledger.getTally(account.entity, programme),
  });
}

/**
 * Expects the ledger to refuse the redemption with `error(...args)`, alone and in a batch, and to change nothing
 * (see {@link redemptionState}).
 */
export async function expectRedemptionRefused(
  f: SchemeFixture,
  attempt: RedemptionAttempt,
  error: string,
  args: unknown[],
): Promise<void> {
  const before = await redemptionState(f, attempt);
  const ledger = f.ledger.connect(attempt.caller ?? f.supplier);
  await expect(ledger.redeem(attempt.consent, attempt.signature))
    .to.be.revertedWithCustomError(f.ledger, error)
    .withArgs(...args);
  await expect(ledger.redeemBatch([attempt.consent], [attempt.signature]))
    .to.be.revertedWithCustomError(f.ledger, error)
    .withArgs(...args);
  expect(await redemptionState(f, attempt)).to.equal(before);
}

/** One test per case: the redemption is refused with its error and arguments, and nothing changes. */
export function shouldRefuseRedemptions<F extends SchemeFixture>(load: () => Promise<F>, cases: RefusalCase<F>[]): void {
  for (const c of cases) {
    it(`refuses ${c.title} with ${c.error}, changing nothing`, async function () {
      const f = await load();
      const { args, ...attempt } = await c.arrange(f);
      await expectRedemptionRefused(f, attempt, c.error, args);
    });
  }
}
