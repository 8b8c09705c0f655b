import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { ContractTransactionResponse, TypedDataDomain } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import type { ERC1271WalletMock } from "../types/ethers-contracts/index.js";
import { type Consent, consentDomain, signConsent } from "./helpers/consent.js";
import {
  BEIJING,
  DAY,
  type LedgerFixture,
  SHANGHAI,
  YEAR,
  appRef,
  deploySchemeFixture,
  invoiceHash,
} from "./helpers/fixture.js";
import { signForwardRequest } from "./helpers/forwarder.js";
import { propertySeed } from "./helpers/seed.js";
import {
  type CityPick,
  type DataCenterPick,
  type ExpiryPick,
  type IssueItem,
  type IssuerPick,
  type Op,
  type RedeemItem,
  type RefPick,
  type VoucherPick,
  operationsArb,
} from "./helpers/operations.js";
import { checkInvariants, checkInvoices } from "./helpers/invariants.js";
import {
  type ConsentInput,
  type IssueInput,
  LedgerModel,
  ModelRevert,
  type ModelVoucher,
  Status,
  modelVoucherId,
} from "./helpers/model.js";

/*
 * Property-based tests of the ledger: random sequences of issues, batch issues, redemptions (valid and invalid),
 * revocations, expiries, re-issues, budget and cap changes, pauses and time jumps, run against the in-process
 * Hardhat network and against a TypeScript model (helpers/model.ts). Every operation the model says must revert
 * must revert with that custom error and those arguments, and change nothing; after every step the invariants of
 * helpers/invariants.ts hold and the chain equals the model.
 *
 * Every transaction is mined at an explicit timestamp (the latest block's + 1), so that expiry boundaries are
 * predicted exactly. Reproduce a failure with FC_SEED=<seed> (and FC_PATH=<path> to jump to the shrunk case);
 * FC_SEED=random draws a new seed, and by default the seed comes from the commit (helpers/seed.ts). FC_RUNS overrides
 * the number of runs.
 */

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const NUM_RUNS = Number(process.env.FC_RUNS ?? 30);
const FC_PARAMS: fc.Parameters<[Op[]]> = {
  numRuns: NUM_RUNS,
  seed: propertySeed(),
  ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }),
};
const UNKNOWN_CITY = 999_999;
/** With FC_STATS=1, how often each operation succeeded or reverted with which error (to tune the generators). */
const STATS = process.env.FC_STATS === "1" ? new Map<string, number>() : undefined;
const FORWARDED_GAS = 1_000_000n;

// ------------------------------------------------------------------------------------------------------------------
// Fixture: the scheme fixture, plus Beijing accredited for the data center and a contract-wallet holder
// ------------------------------------------------------------------------------------------------------------------

interface PropertyFixture extends LedgerFixture {
  wallet: ERC1271WalletMock;
  /** The holder pool: addresses vouchers are issued to, and the key that signs each one's consents. */
  holders: { address: string; signer: HardhatEthersSigner }[];
  /** A key that is no holder's. */
  wrongSigner: HardhatEthersSigner;
  /** Every address a voucher balance could land on. */
  accounts: string[];
}

async function deployPropertyFixture(connection: HardhatEthers): Promise<PropertyFixture> {
  const f = await deploySchemeFixture(connection);
  const signers = await connection.getSigners();
  const [extraHolderA, extraHolderB, walletOwner, wrongSigner] = [signers[11]!, signers[12]!, signers[13]!, signers[14]!];
  const latest = BigInt((await connection.provider.getBlock("latest"))!.timestamp);
  await f.ledger.connect(f.governor).accredit(f.dataCenter.address, BEIJING, latest, latest + 2n * YEAR);
  const wallet = await connection.deployContract("ERC1271WalletMock", [
    walletOwner.address,
  ]);
  const walletAddress = await wallet.getAddress();
  const holders = [
    { address: f.holder.address, signer: f.holder },
    { address: f.otherHolder.address, signer: f.otherHolder },
    { address: extraHolderA.address, signer: extraHolderA },
    { address: extraHolderB.address, signer: extraHolderB },
    { address: walletAddress, signer: walletOwner },
  ];
  const accounts = [
    ...signers.slice(0, 15).map((s) => s.address),
    walletAddress,
    await f.ledger.getAddress(),
    await f.forwarder.getAddress(),
    await f.manager.getAddress(),
  ];
  return { ...f, wallet, holders, wrongSigner, accounts };
}

function propertyFixture(): Promise<PropertyFixture> {
  return deployPropertyFixture(ethers);
}

/** The model of the fixture's state, read from the chain. */
async function initialModel(f: PropertyFixture): Promise<LedgerModel> {
  const model = new LedgerModel({
    governors: new Set([f.governor.address.toLowerCase()]),
    issuers: new Set([f.shanghaiIssuer.address.toLowerCase(), f.beijingIssuer.address.toLowerCase()]),
  });
  model.now = BigInt(await time.latest());
  for (const code of [SHANGHAI, BEIJING]) {
    const c = await f.ledger.getCity(code);
    model.addCity({
      code,
      budget: c.budget,
      ratioBps: c.ratioBps,
      holderCap: c.holderCap,
      defaultValidity: c.defaultValidity,
    });
    const a = await f.ledger.getAccreditation(f.dataCenter.address, code);
    model.accredit(f.dataCenter.address, code, { validFrom: a.validFrom, validUntil: a.validUntil, suspended: a.suspended });
  }
  model.bindIssuer(f.shanghaiIssuer.address, SHANGHAI);
  model.bindIssuer(f.beijingIssuer.address, BEIJING);
  return model;
}

// ------------------------------------------------------------------------------------------------------------------
// The runner: one operation sequence on a fresh fixture
// ------------------------------------------------------------------------------------------------------------------

/** What one step does on chain and what the model says it must do. */
interface Step {
  description: string;
  send: () => Promise<ContractTransactionResponse>;
  /** Applies the operation to a model; throws the expected {@link ModelRevert} if it must revert. */
  apply: (model: LedgerModel, ts: bigint) => void;
  /** Set when the call goes through the forwarder, which reports a failed inner call as its own FailedCall. */
  viaForwarder?: boolean;
}

class Run {
  private refCounter = 0;
  private invoiceCounter = 0;
  /** Every invoice hash a consent named, to check invoiceUsed at the end. */
  private readonly invoices: string[] = [];
  private readonly unknownId = modelVoucherId(SHANGHAI, appRef("NEVER-ISSUED"));

  private constructor(
    private readonly f: PropertyFixture,
    private model: LedgerModel,
    private readonly domain: TypedDataDomain,
  ) {}

  static async start(): Promise<Run> {
    const f = await networkHelpers.loadFixture(propertyFixture);
    return new Run(f, await initialModel(f), await consentDomain(f.ledger));
  }

  async execute(ops: readonly Op[]): Promise<void> {
    await checkInvariants(this.f.ledger, this.model, this.f.accounts, "initial state");
    for (const [i, op] of ops.entries()) {
      const context = `step ${i} (${op.kind})`;
      if (op.kind === "timeJump") {
        await time.increaseTo(this.model.now + op.seconds);
      } else if (op.kind === "toExpiry") {
        const v = this.pickVoucher(op.voucher);
        const target = v === undefined ? undefined : v.expiresAt + op.offset - 1n;
        if (target !== undefined && target > this.model.now) await time.increaseTo(target);
      } else {
        await this.run(await this.step(op), op.kind, context);
      }
      this.model.now = BigInt(await time.latest());
      await checkInvariants(this.f.ledger, this.model, this.f.accounts, context);
    }
    await checkInvoices(this.f.ledger, this.model, this.invoices, "end of run");
  }

  /** Sends the step's transaction at the next timestamp; asserts the model's outcome. */
  private async run(step: Step, kind: Op["kind"], context: string): Promise<void> {
    const ts = this.model.now + 1n;
    const next = this.model.clone();
    let expected: ModelRevert | undefined;
    try {
      step.apply(next, ts);
    } catch (error) {
      if (!(error instanceof ModelRevert)) throw error;
      expected = error;
    }
    await time.setNextBlockTimestamp(ts);
    const label = `${context}: ${step.description}`;
    const statKey = `${kind} ${expected?.errorName ?? "ok"}`;
    STATS?.set(statKey, (STATS.get(statKey) ?? 0) + 1);
    if (expected === undefined) {
      let status: number | null | undefined;
      try {
        status = (await (await step.send()).wait())?.status;
      } catch (error) {
        throw new Error(`${label}: the model expects success, the chain reverted: ${(error as Error).message}`, {
          cause: error,
        });
      }
      expect(status, `${label} succeeds`).to.equal(1);
      this.model = next;
      expect(BigInt(await time.latest()), `${label} mined at the expected time`).to.equal(ts);
    } else if (step.viaForwarder === true) {
      await expect(step.send(), `${label} reverts (${expected.message})`).to.be.revertedWithCustomError(
        this.f.forwarder,
        "FailedCall",
      );
    } else {
      await expect(step.send(), `${label} reverts`)
        .to.be.revertedWithCustomError(this.f.ledger, expected.errorName)
        .withArgs(...expected.args);
    }
  }

  private async step(op: Exclude<Op, { kind: "timeJump" | "toExpiry" }>): Promise<Step> {
    const f = this.f;
    switch (op.kind) {
      case "issue": {
        const city = this.cityCode(op.city);
        const caller = this.issuer(op.caller, city);
        const request = this.issueInput(op.item, city, [], this.model.now + 1n);
        return {
          description: `issue ${describeIssue(request)} in ${city} by ${op.caller}`,
          send: () => f.ledger.connect(caller).issue(city, request),
          apply: (m, ts) => void m.issue(caller.address, city, request, ts),
        };
      }
      case "issueBatch": {
        const city = this.cityCode(op.city);
        const caller = this.issuer("issuer", city);
        const requests: IssueInput[] = [];
        for (const item of op.items) requests.push(this.issueInput(item, city, requests, this.model.now + 1n));
        return {
          description: `issueBatch in ${city} [${requests.map(describeIssue).join("; ")}]`,
          send: () => f.ledger.connect(caller).issueBatch(city, requests),
          apply: (m, ts) => void m.issueBatch(caller.address, city, requests, ts),
        };
      }
      case "redeem": {
        const caller = this.dataCenter(op.caller);
        const { consent, signature, signedByHolder } = await this.consent(op.item, op.caller);
        const description = `redeem ${describeConsent(consent)} by ${op.caller} ${op.via}`;
        const apply = (m: LedgerModel, ts: bigint): void => m.redeem(caller.address, consent, signedByHolder, ts);
        if (op.via === "direct") {
          return { description, apply, send: () => f.ledger.connect(caller).redeem(consent, signature) };
        }
        const request = await signForwardRequest(
          f.forwarder,
          caller,
          await f.ledger.getAddress(),
          f.ledger.interface.encodeFunctionData("redeem", [consent, signature]),
          this.model.now + 1n + DAY,
          FORWARDED_GAS,
        );
        return { description, apply, viaForwarder: true, send: () => f.forwarder.connect(f.relayer).execute(request) };
      }
      case "redeemBatch": {
        const caller = this.dataCenter(op.caller);
        const items: { consent: Consent; signature: string; signedByHolder: boolean }[] = [];
        for (const item of op.items) items.push(await this.consent(item, op.caller));
        return {
          description: `redeemBatch by ${op.caller} [${items.map((i) => describeConsent(i.consent)).join("; ")}]`,
          send: () =>
            f.ledger.connect(caller).redeemBatch(
              items.map((i) => i.consent),
              items.map((i) => i.signature),
            ),
          apply: (m, ts) => m.redeemBatch(caller.address, items, ts),
        };
      }
      case "revoke": {
        const id = this.voucherId(op.voucher);
        const city = this.model.vouchers.get(id)?.city ?? SHANGHAI;
        const reason = appRef("FRAUD");
        if (op.by === "governor") {
          return {
            description: `revokeByGovernor ${id}`,
            send: () => f.ledger.connect(f.governor).revokeByGovernor(id, reason),
            apply: (m) => m.revokeByGovernor(f.governor.address, id),
          };
        }
        const caller = this.issuer(op.by, city);
        return {
          description: `revoke ${id} by ${op.by}`,
          send: () => f.ledger.connect(caller).revoke(id, reason),
          apply: (m) => m.revoke(caller.address, id),
        };
      }
      case "expire": {
        const id = this.voucherId(op.voucher);
        return {
          description: `expire ${id}`,
          send: () => f.ledger.connect(f.stranger).expire(id),
          apply: (m, ts) => m.expire(id, ts),
        };
      }
      case "expireBatch": {
        const ids = op.vouchers.map((v) => this.voucherId(v));
        return {
          description: `expireBatch [${ids.join(", ")}]`,
          send: () => f.ledger.connect(f.stranger).expireBatch(ids),
          apply: (m, ts) => m.expireBatch(ids, ts),
        };
      }
      case "reissue": {
        const id = this.voucherId(op.voucher);
        const city = this.model.vouchers.get(id)?.city ?? SHANGHAI;
        const newHolder = this.holderAddress(op.newHolder);
        const ref = this.ref(op.ref, city, []);
        const expiresAt = this.expiry(op.expiry, this.model.now + 1n);
        const reason = appRef("LOST-KEY");
        const description = `reissue ${id} to ${newHolder} as ${ref} expiring ${expiresAt} by ${op.by}`;
        if (op.by === "governor") {
          return {
            description,
            send: () => f.ledger.connect(f.governor).reissueByGovernor(id, newHolder, ref, expiresAt, reason),
            apply: (m, ts) => void m.reissueByGovernor(f.governor.address, id, newHolder, ref, expiresAt, ts),
          };
        }
        const caller = this.issuer(op.by, city);
        return {
          description,
          send: () => f.ledger.connect(caller).reissue(id, newHolder, ref, expiresAt, reason),
          apply: (m, ts) => void m.reissue(caller.address, id, newHolder, ref, expiresAt, ts),
        };
      }
      case "setBudget": {
        const city = this.cityCode(op.city);
        const c = this.model.cities.get(city);
        const committed = c === undefined ? 0n : this.model.committed(c);
        const budget =
          op.mode === "committed"
            ? committed
            : op.mode === "above"
              ? committed + op.delta
              : committed > 0n
                ? committed - 1n - (op.delta % committed)
                : 0n;
        const appropriation = appRef("AMENDED");
        return {
          description: `setCityBudget ${city} to ${budget} (committed ${committed})`,
          send: () => f.ledger.connect(f.governor).setCityBudget(city, budget, appropriation),
          apply: (m) => m.setCityBudget(f.governor.address, city, budget),
        };
      }
      case "setHolderCap": {
        const city = this.cityCode(op.city);
        return {
          description: `setCityHolderCap ${city} to ${op.cap}`,
          send: () => f.ledger.connect(f.governor).setCityHolderCap(city, op.cap),
          apply: (m) => m.setCityHolderCap(f.governor.address, city, op.cap),
        };
      }
      case "pause": {
        const caller = op.byStranger ? f.stranger : f.governor;
        return {
          description: `pause by ${op.byStranger ? "stranger" : "governor"}`,
          send: () => f.ledger.connect(caller).pause(),
          apply: (m) => m.pause(caller.address),
        };
      }
      case "unpause":
        return {
          description: "unpause",
          send: () => f.ledger.connect(f.governor).unpause(),
          apply: (m) => m.unpause(f.governor.address),
        };
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Resolving generated picks against the current state
  // ---------------------------------------------------------------------------------------------------------------

  private cityCode(pick: CityPick): number {
    return pick === "shanghai" ? SHANGHAI : pick === "beijing" ? BEIJING : UNKNOWN_CITY;
  }

  private issuer(pick: IssuerPick, city: number): HardhatEthersSigner {
    if (pick === "stranger") return this.f.stranger;
    const own = city === BEIJING ? this.f.beijingIssuer : this.f.shanghaiIssuer;
    const other = city === BEIJING ? this.f.shanghaiIssuer : this.f.beijingIssuer;
    return pick === "issuer" ? own : other;
  }

  private dataCenter(pick: DataCenterPick): HardhatEthersSigner {
    return pick === "accredited" ? this.f.dataCenter : this.f.otherDataCenter;
  }

  private holderAddress(index: number): string {
    return index < 0 ? ethers.ZeroAddress : this.f.holders[index % this.f.holders.length]!.address;
  }

  private pickVoucher(pick: VoucherPick): ModelVoucher | undefined {
    if (pick.scope === "unknown") return undefined;
    const all = this.model.voucherList();
    const pool = pick.scope === "active" ? all.filter((v) => v.status === Status.Active) : all;
    const candidates = pool.length > 0 ? pool : all;
    return candidates.length === 0 ? undefined : candidates[pick.index % candidates.length];
  }

  private voucherId(pick: VoucherPick): bigint {
    return this.pickVoucher(pick)?.id ?? this.unknownId;
  }

  private ref(pick: RefPick, city: number, batch: readonly IssueInput[]): string {
    if (pick.kind === "previous" && batch.length > 0) return batch[batch.length - 1]!.applicationRef;
    if (pick.kind === "duplicate") {
      const inCity = this.model.voucherList().filter((v) => v.city === city);
      if (inCity.length > 0) return inCity[pick.index % inCity.length]!.applicationRef;
    }
    return appRef(`APP-${++this.refCounter}`);
  }

  private expiry(pick: ExpiryPick, ts: bigint): bigint {
    switch (pick.kind) {
      case "default":
        return 0n;
      case "days":
        return ts + BigInt(pick.days) * DAY;
      case "soon":
        return ts + BigInt(pick.seconds);
      case "now":
        return ts;
      case "beyondUint56":
        return 2n ** 56n;
    }
  }

  private issueInput(item: IssueItem, city: number, batch: readonly IssueInput[], ts: bigint): IssueInput {
    return {
      holder: this.holderAddress(item.holder),
      applicationRef: this.ref(item.ref, city, batch),
      faceValue: item.faceValue,
      expiresAt: this.expiry(item.expiry, ts),
    };
  }

  private async consent(
    item: RedeemItem,
    caller: DataCenterPick,
  ): Promise<{ consent: Consent; signature: string; signedByHolder: boolean }> {
    const ts = this.model.now + 1n;
    const v = this.pickVoucher(item.voucher);
    const id = v?.id ?? this.unknownId;
    const remaining = v?.remaining ?? 0n;
    const amount =
      item.amount.kind === "zero"
        ? 0n
        : item.amount.kind === "over"
          ? remaining + 1n
          : item.amount.kind === "all"
            ? remaining
            : (remaining * BigInt(item.amount.percent)) / 100n;
    const effectiveAmount = item.amount.kind !== "zero" && amount === 0n ? 1n : amount;
    const ratioBps = this.model.cities.get(v?.city ?? SHANGHAI)!.ratioBps;
    const exactTotal = (effectiveAmount * 10_000n + ratioBps - 1n) / ratioBps;
    const invoiceTotal =
      item.ratio === "exact" ? exactTotal : item.ratio === "generous" ? effectiveAmount * 3n : exactTotal - 1n;
    let hash: string | undefined;
    if (item.invoice.kind === "reused" && this.invoices.length > 0) {
      hash = this.invoices[item.invoice.index % this.invoices.length];
    }
    if (hash === undefined) {
      hash = invoiceHash(`INV-${++this.invoiceCounter}`);
      this.invoices.push(hash);
    }
    const consent: Consent = {
      voucherId: id,
      dataCenter: (caller === "unaccredited" ? this.f.otherDataCenter : this.f.dataCenter).address,
      amount: effectiveAmount,
      invoiceHash: hash,
      invoiceTotal: invoiceTotal < 0n ? 0n : invoiceTotal,
      deadline: item.deadline === "ok" ? ts + DAY : ts - 1n,
    };
    const holder = v === undefined ? undefined : this.f.holders.find((h) => h.address === v.holder);
    const signer = item.signer === "wrong" || holder === undefined ? this.f.wrongSigner : holder.signer;
    const signature = await signConsent(signer, this.f.ledger, consent, this.domain);
    return { consent, signature, signedByHolder: signer === holder?.signer };
  }
}

function describeIssue(r: IssueInput): string {
  return `{holder ${r.holder}, ref ${r.applicationRef}, face ${r.faceValue}, expiresAt ${r.expiresAt}}`;
}

function describeConsent(c: ConsentInput): string {
  return `{voucher ${c.voucherId}, dc ${c.dataCenter}, amount ${c.amount}, invoice ${c.invoiceHash.slice(0, 10)}, total ${c.invoiceTotal}, deadline ${c.deadline}}`;
}

// ------------------------------------------------------------------------------------------------------------------

describe("ComputeVoucher: properties", function () {
  this.timeout(900_000);

  it("keeps counters, balances and records equal to the model, and the budget unbroken, under random operation sequences", async function () {
    await fc.assert(
      fc.asyncProperty(operationsArb, async (ops) => {
        const run = await Run.start();
        await run.execute(ops);
      }),
      FC_PARAMS,
    );
    if (STATS !== undefined) console.log([...STATS].sort().map(([k, n]) => `${k}: ${n}`).join("\n"));
  });
});
