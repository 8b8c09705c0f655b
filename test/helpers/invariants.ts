import { expect } from "chai";

import type { ComputeVoucher } from "../../types/ethers-contracts/index.js";
import type { LedgerModel } from "./model.js";

/**
 * The ledger's invariants, checked against the chain after every step of a property-based test, and the chain
 * compared with the TypeScript model of what it should hold:
 *
 * 1. per city, `issued == redeemed + revoked + expired + outstanding`;
 * 2. per city, `issued - revoked - expired <= budget` (the budget is never exceeded);
 * 3. per city, the sum of the holders' balances of the city's vouchers equals `outstanding`;
 * 4. no value ever moved between holders: a voucher has a balance only at its recorded holder, and every other
 *    tracked address holds none of it;
 * 5. counters, budgets, holder totals, pause state, each voucher's record and remaining value, and the used invoice
 *    hashes all equal the model.
 *
 * `accounts` are every address the test knows (holders, wallets, issuers, data centers, contracts): the addresses
 * where a moved balance could have landed.
 */
export async function checkInvariants(
  ledger: ComputeVoucher,
  model: LedgerModel,
  accounts: readonly string[],
  context: string,
): Promise<void> {
  const vouchers = model.voucherList();

  // One balanceOfBatch call for every (account, voucher) pair.
  const owners: string[] = [];
  const ids: bigint[] = [];
  for (const v of vouchers) {
    for (const account of accounts) {
      owners.push(account);
      ids.push(v.id);
    }
  }
  const balances = ids.length === 0 ? [] : await ledger.balanceOfBatch(owners, ids);

  const heldPerCity = new Map<number, bigint>();
  vouchers.forEach((v, i) => {
    for (let j = 0; j < accounts.length; j++) {
      const account = accounts[j]!;
      const balance = balances[i * accounts.length + j]!;
      if (account.toLowerCase() === v.holder.toLowerCase()) {
        expect(balance, `${context}: balance of voucher ${v.id} at its holder ${v.holder}`).to.equal(v.remaining);
        heldPerCity.set(v.city, (heldPerCity.get(v.city) ?? 0n) + balance);
      } else {
        expect(balance, `${context}: balance of voucher ${v.id} at ${account}, not its holder`).to.equal(0n);
      }
    }
  });

  for (const [code, c] of model.cities) {
    const counters = await ledger.getCityCounters(code);
    const city = await ledger.getCity(code);
    const at = `${context}: city ${code}`;
    expect(counters.issued, `${at}: issued == redeemed + revoked + expired + outstanding`).to.equal(
      counters.redeemed + counters.revoked + counters.expired + counters.outstanding,
    );
    expect(counters.issued - counters.revoked - counters.expired <= city.budget, `${at}: committed <= budget`).to.equal(
      true,
    );
    expect(counters.outstanding, `${at}: outstanding == sum of holders' balances`).to.equal(
      heldPerCity.get(code) ?? 0n,
    );

    expect(
      {
        issued: counters.issued,
        redeemed: counters.redeemed,
        revoked: counters.revoked,
        expired: counters.expired,
        outstanding: counters.outstanding,
        budget: city.budget,
        holderCap: city.holderCap,
      },
      `${at}: counters and parameters match the model`,
    ).to.deep.equal({
      issued: c.issued,
      redeemed: c.redeemed,
      revoked: c.revoked,
      expired: c.expired,
      outstanding: model.outstanding(c),
      budget: c.budget,
      holderCap: c.holderCap,
    });

    for (const [holder, total] of c.issuedTo) {
      expect(await ledger.issuedTo(code, holder), `${at}: issuedTo(${holder})`).to.equal(total);
    }
  }

  for (const v of vouchers) {
    const r = await ledger.getVoucher(v.id);
    expect(
      {
        city: Number(r.city),
        holder: r.holder.toLowerCase(),
        status: Number(r.status),
        faceValue: r.faceValue,
        remaining: r.remaining,
        issuedAt: r.issuedAt,
        expiresAt: r.expiresAt,
        reissuedFrom: r.reissuedFrom,
        reissuedTo: r.reissuedTo,
      },
      `${context}: record of voucher ${v.id}`,
    ).to.deep.equal({
      city: v.city,
      holder: v.holder.toLowerCase(),
      status: v.status,
      faceValue: v.faceValue,
      remaining: v.remaining,
      issuedAt: v.issuedAt,
      expiresAt: v.expiresAt,
      reissuedFrom: v.reissuedFrom,
      reissuedTo: v.reissuedTo,
    });
  }

  expect(await ledger.paused(), `${context}: paused`).to.equal(model.paused);
}

/** Whether each invoice hash is marked used on chain exactly when the model says it is. */
export async function checkInvoices(
  ledger: ComputeVoucher,
  model: LedgerModel,
  invoiceHashes: Iterable<string>,
  context: string,
): Promise<void> {
  for (const hash of invoiceHashes) {
    expect(await ledger.invoiceUsed(hash), `${context}: invoiceUsed(${hash})`).to.equal(model.invoicesUsed.has(hash));
  }
}
