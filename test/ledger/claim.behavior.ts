import { expect } from "chai";
import type { Signer } from "ethers";

import type { ClaimRequest } from "../../service/domain/consent.js";
import type { SchemeFixture } from "../helpers/scheme-fixture.js";

/** One claim as a holder would send it. */
export interface ClaimAttempt {
  claim: ClaimRequest;
  signature: string;
  /** Who sends it; the fixture's holder when not given. */
  caller?: Signer;
}

/** A claim the ledger must refuse: what makes it wrong, and the error (with its arguments) it must give. */
export interface ClaimRefusalCase<F extends SchemeFixture> {
  /** Completes "refuses …": "an unknown voucher". */
  title: string;
  error: string;
  /** Sets the scene and returns the attempt and the error's expected arguments. */
  arrange(f: F): Promise<ClaimAttempt & { args: unknown[] }>;
}

function jsonOf(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * Everything a claim could change, as one comparable string: the voucher and the holder's balance, the invoice under
 * the attestation supplier's company and what the programme paid of it, the programme's totals, the number of claims,
 * the holder's account and its company's tally.
 */
export async function claimState(f: SchemeFixture, attempt: ClaimAttempt): Promise<string> {
  const { claim } = attempt;
  const programme = claim.voucherId >> 224n;
  const voucher = await f.ledger.getVoucher(claim.voucherId).catch(() => null);
  const holder = voucher?.holder;
  const [supplierEntity] = await f.registry.entityOf(claim.attestation.supplier);
  const key = await f.ledger.invoiceKey(supplierEntity, claim.attestation.invoiceNumberHash);
  const account = holder === undefined ? null : await f.ledger.getAccount(holder);
  return jsonOf({
    voucher,
    balance: holder === undefined ? null : await f.ledger.balanceOf(holder, claim.voucherId),
    invoice: await f.ledger.getInvoice(key),
    paid: await f.ledger.invoicePaidBy(key, programme),
    totals: await f.ledger.programmeTotals(programme),
    claims: await f.ledger.claimCount(),
    account,
    tally: account === null ? null : await f.ledger.getTally(account.entity, programme),
  });
}

/** Expects the ledger to refuse the claim with `error(...args)` and to change nothing (see {@link claimState}). */
export async function expectClaimRefused(f: SchemeFixture, attempt: ClaimAttempt, error: string, args: unknown[]): Promise<void> {
  const before = await claimState(f, attempt);
  await expect(f.ledger.connect(attempt.caller ?? f.holder).submitClaim(attempt.claim, attempt.signature))
    .to.be.revertedWithCustomError(f.ledger, error)
    .withArgs(...args);
  expect(await claimState(f, attempt)).to.equal(before);
}

/** One test per case: the claim is refused with its error and arguments, and nothing changes. */
export function shouldRefuseClaims<F extends SchemeFixture>(load: () => Promise<F>, cases: ClaimRefusalCase<F>[]): void {
  for (const c of cases) {
    it(`refuses ${c.title} with ${c.error}, changing nothing`, async function () {
      const f = await load();
      const { args, ...attempt } = await c.arrange(f);
      await expectClaimRefused(f, attempt, c.error, args);
    });
  }
}
