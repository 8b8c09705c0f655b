/**
 * The operations the property tests of the ledger generate (test/ComputeVoucher.properties.test.ts): a few opening
 * issues, then random issues, batch issues, redemptions, revocations, expiries, re-issues, budget and cap changes,
 * pauses and time jumps. Indices into the run's current state are resolved when a step runs.
 */
import fc from "fast-check";

import { CNY, DAY, YEAR } from "./fixture.js";

/** Random operations after the opening issues, at most. */
export const MAX_STEPS = 30;

export type CityPick = "shanghai" | "beijing" | "unknown";
/** A voucher: one of the active ones, any issued one, or an id never issued. */
export type VoucherPick = { scope: "active" | "any" | "unknown"; index: number };
export type RefPick = { kind: "fresh" } | { kind: "duplicate"; index: number } | { kind: "previous" };
export type ExpiryPick =
  | { kind: "default" }
  | { kind: "days"; days: number }
  | { kind: "soon"; seconds: number }
  | { kind: "now" }
  | { kind: "beyondUint56" };
export interface IssueItem {
  holder: number; // index into the holder pool; -1 = the zero address
  faceValue: bigint;
  ref: RefPick;
  expiry: ExpiryPick;
}
export interface RedeemItem {
  voucher: VoucherPick;
  amount: { kind: "part"; percent: number } | { kind: "all" } | { kind: "over" } | { kind: "zero" };
  ratio: "exact" | "generous" | "over";
  invoice: { kind: "fresh" } | { kind: "reused"; index: number };
  signer: "holder" | "wrong";
  deadline: "ok" | "past";
}
export type DataCenterPick = "accredited" | "mismatch" | "unaccredited";
export type IssuerPick = "issuer" | "otherIssuer" | "stranger";

export type Op =
  | { kind: "issue"; city: CityPick; caller: IssuerPick; item: IssueItem }
  | { kind: "issueBatch"; city: CityPick; items: IssueItem[] }
  | { kind: "redeem"; item: RedeemItem; caller: DataCenterPick; via: "direct" | "forwarder" }
  | { kind: "redeemBatch"; items: RedeemItem[]; caller: DataCenterPick }
  | { kind: "revoke"; voucher: VoucherPick; by: IssuerPick | "governor" }
  | { kind: "expire"; voucher: VoucherPick }
  | { kind: "expireBatch"; vouchers: VoucherPick[] }
  | { kind: "reissue"; voucher: VoucherPick; newHolder: number; ref: RefPick; expiry: ExpiryPick; by: IssuerPick | "governor" }
  | { kind: "setBudget"; city: CityPick; mode: "committed" | "below" | "above"; delta: bigint }
  | { kind: "setHolderCap"; city: CityPick; cap: bigint }
  | { kind: "pause"; byStranger: boolean }
  | { kind: "unpause" }
  | { kind: "timeJump"; seconds: bigint }
  | { kind: "toExpiry"; voucher: VoucherPick; offset: -1n | 0n | 1n };

export const cityArb: fc.Arbitrary<CityPick> = fc.oneof(
  { arbitrary: fc.constant("shanghai" as const), weight: 6 },
  { arbitrary: fc.constant("beijing" as const), weight: 3 },
  { arbitrary: fc.constant("unknown" as const), weight: 1 },
);
export const voucherArb: fc.Arbitrary<VoucherPick> = fc.record({
  scope: fc.oneof(
    { arbitrary: fc.constant("active" as const), weight: 7 },
    { arbitrary: fc.constant("any" as const), weight: 3 },
    { arbitrary: fc.constant("unknown" as const), weight: 1 },
  ),
  index: fc.nat(1000),
});
export const refArb: fc.Arbitrary<RefPick> = fc.oneof(
  { arbitrary: fc.constant({ kind: "fresh" as const }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant("duplicate" as const), index: fc.nat(1000) }), weight: 1 },
  { arbitrary: fc.constant({ kind: "previous" as const }), weight: 1 },
);
export const expiryArb: fc.Arbitrary<ExpiryPick> = fc.oneof(
  { arbitrary: fc.constant({ kind: "default" as const }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant("days" as const), days: fc.integer({ min: 1, max: 400 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("soon" as const), seconds: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
  { arbitrary: fc.constant({ kind: "now" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "beyondUint56" as const }), weight: 1 },
);
// Shanghai's holder cap is CNY 2m and its budget CNY 600m; Beijing's budget is CNY 100m with no cap.
export const faceValueArb: fc.Arbitrary<bigint> = fc.oneof(
  { arbitrary: fc.bigInt(1n, 10_000n * CNY), weight: 4 },
  { arbitrary: fc.bigInt(100_000n * CNY, 2_500_000n * CNY), weight: 4 },
  { arbitrary: fc.bigInt(50_000_000n * CNY, 700_000_000n * CNY), weight: 1 },
  { arbitrary: fc.constant(0n), weight: 1 },
);
export const issueItemArb: fc.Arbitrary<IssueItem> = fc.record({
  holder: fc.oneof({ arbitrary: fc.nat(4), weight: 30 }, { arbitrary: fc.constant(-1), weight: 1 }),
  faceValue: faceValueArb,
  ref: refArb,
  expiry: expiryArb,
});
/** A redemption; each invalid choice comes once in `odds` (batches use longer odds, or they would rarely pass). */
export function redeemItemArb(odds: number): fc.Arbitrary<RedeemItem> {
  return fc.record({
    voucher: voucherArb,
    amount: fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant("part" as const), percent: fc.integer({ min: 1, max: 100 }) }), weight: 3 * odds },
      { arbitrary: fc.constant({ kind: "all" as const }), weight: odds },
      { arbitrary: fc.constant({ kind: "over" as const }), weight: 1 },
      { arbitrary: fc.constant({ kind: "zero" as const }), weight: 1 },
    ),
    ratio: fc.oneof(
      { arbitrary: fc.constant("exact" as const), weight: odds },
      { arbitrary: fc.constant("generous" as const), weight: odds },
      { arbitrary: fc.constant("over" as const), weight: 1 },
    ),
    invoice: fc.oneof(
      { arbitrary: fc.constant({ kind: "fresh" as const }), weight: odds },
      { arbitrary: fc.record({ kind: fc.constant("reused" as const), index: fc.nat(1000) }), weight: 1 },
    ),
    signer: fc.oneof(
      { arbitrary: fc.constant("holder" as const), weight: odds },
      { arbitrary: fc.constant("wrong" as const), weight: 1 },
    ),
    deadline: fc.oneof(
      { arbitrary: fc.constant("ok" as const), weight: odds },
      { arbitrary: fc.constant("past" as const), weight: 1 },
    ),
  });
}
export const dataCenterArb: fc.Arbitrary<DataCenterPick> = fc.oneof(
  { arbitrary: fc.constant("accredited" as const), weight: 8 },
  { arbitrary: fc.constant("mismatch" as const), weight: 1 },
  { arbitrary: fc.constant("unaccredited" as const), weight: 1 },
);
export const issuerArb: fc.Arbitrary<IssuerPick> = fc.oneof(
  { arbitrary: fc.constant("issuer" as const), weight: 8 },
  { arbitrary: fc.constant("otherIssuer" as const), weight: 1 },
  { arbitrary: fc.constant("stranger" as const), weight: 1 },
);

/** A valid-looking issue in the issuer's own city: each sequence starts with a few, so that it has vouchers to use. */
export const openingIssueArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant("issue" as const),
  city: fc.constantFrom("shanghai" as const, "beijing" as const),
  caller: fc.constant("issuer" as const),
  item: fc.record({
    holder: fc.nat(4),
    faceValue: fc.bigInt(1n, 1_000_000n * CNY),
    ref: fc.constant({ kind: "fresh" as const }),
    expiry: fc.oneof(
      { arbitrary: fc.constant({ kind: "default" as const }), weight: 3 },
      { arbitrary: expiryArb, weight: 1 },
    ),
  }),
});

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("issue" as const), city: cityArb, caller: issuerArb, item: issueItemArb }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("issueBatch" as const),
      city: cityArb,
      items: fc.array(issueItemArb, { minLength: 1, maxLength: 4 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("redeem" as const),
      item: redeemItemArb(8),
      caller: dataCenterArb,
      via: fc.oneof(
        { arbitrary: fc.constant("direct" as const), weight: 3 },
        { arbitrary: fc.constant("forwarder" as const), weight: 1 },
      ),
    }),
    weight: 7,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("redeemBatch" as const),
      items: fc.array(redeemItemArb(30), { minLength: 1, maxLength: 3 }),
      caller: dataCenterArb,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("revoke" as const),
      voucher: voucherArb,
      by: fc.oneof(
        { arbitrary: issuerArb, weight: 2 },
        { arbitrary: fc.constant("governor" as const), weight: 1 },
      ),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("expire" as const), voucher: voucherArb }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("expireBatch" as const),
      vouchers: fc.array(voucherArb, { minLength: 1, maxLength: 3 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("reissue" as const),
      voucher: voucherArb,
      newHolder: fc.oneof({ arbitrary: fc.nat(4), weight: 20 }, { arbitrary: fc.constant(-1), weight: 1 }),
      ref: refArb,
      expiry: fc.oneof(
        { arbitrary: fc.constant({ kind: "default" as const }), weight: 3 },
        { arbitrary: expiryArb, weight: 1 },
      ),
      by: fc.oneof(
        { arbitrary: issuerArb, weight: 2 },
        { arbitrary: fc.constant("governor" as const), weight: 1 },
      ),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("setBudget" as const),
      city: cityArb,
      mode: fc.constantFrom("committed" as const, "below" as const, "above" as const),
      delta: fc.bigInt(0n, 5_000_000n * CNY),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("setHolderCap" as const),
      city: cityArb,
      cap: fc.constantFrom(0n, 1n * CNY, 500_000n * CNY, 2_000_000n * CNY),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("pause" as const), byStranger: fc.boolean() }), weight: 1 },
  { arbitrary: fc.constant({ kind: "unpause" as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("timeJump" as const),
      seconds: fc.oneof(
        fc.bigInt(1n, 3_600n),
        fc.constantFrom(DAY, 30n * DAY, 90n * DAY, 181n * DAY, YEAR),
      ),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("toExpiry" as const),
      voucher: voucherArb,
      offset: fc.constantFrom(-1n as const, 0n as const, 1n as const),
    }),
    weight: 1,
  },
);

/** A few opening issues, then up to {@link MAX_STEPS} random operations. */
export const operationsArb: fc.Arbitrary<Op[]> = fc
  .tuple(
    fc.array(openingIssueArb, { minLength: 1, maxLength: 3 }),
    fc.array(opArb, { minLength: 1, maxLength: MAX_STEPS, size: "max" }),
  )
  .map(([opening, rest]) => [...opening, ...rest]);
