import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeBytes32String, id as keccakText } from "ethers";

import type { AccessManager, ComputeVoucher, ERC2771Forwarder } from "../../types/ethers-contracts/index.js";
import { deployLedger } from "../../scripts/lib/deploy.js";
import { type Consent, signConsent } from "./consent.js";

export const SHANGHAI = 310000;
export const BEIJING = 110000;
export const DAY = 86_400n;
export const YEAR = 365n * DAY;
/** CNY 1 in fen. */
export const CNY = 100n;

export const SHANGHAI_PARAMS = {
  name: "Shanghai",
  budget: 600_000_000n * CNY,
  appropriation: encodeBytes32String("SH-2026-AI-COMPUTE"),
  ratioBps: 8000,
  holderCap: 2_000_000n * CNY,
  defaultValidity: YEAR,
};

export const BEIJING_PARAMS = {
  name: "Beijing",
  budget: 100_000_000n * CNY,
  appropriation: encodeBytes32String("BJ-2026-AI-COMPUTE"),
  ratioBps: 5000,
  holderCap: 0n,
  defaultValidity: 180n * DAY,
};

export interface LedgerFixture {
  ethers: HardhatEthers;
  manager: AccessManager;
  forwarder: ERC2771Forwarder;
  ledger: ComputeVoucher;
  admin: HardhatEthersSigner;
  governor: HardhatEthersSigner;
  shanghaiIssuer: HardhatEthersSigner;
  beijingIssuer: HardhatEthersSigner;
  auditor: HardhatEthersSigner;
  dataCenter: HardhatEthersSigner;
  otherDataCenter: HardhatEthersSigner;
  holder: HardhatEthersSigner;
  otherHolder: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
}

/**
 * A deployed ledger with Shanghai and Beijing registered, an issuer bound to each, and `dataCenter` accredited for
 * Shanghai from now for a year. No vouchers yet.
 */
export async function deploySchemeFixture(ethers: HardhatEthers): Promise<LedgerFixture> {
  const signers = await ethers.getSigners();
  const [admin, governor, shanghaiIssuer, beijingIssuer, auditor, dataCenter, otherDataCenter, holder, otherHolder] = signers;
  const stranger = signers[9]!;
  const relayer = signers[10]!;
  const { manager, forwarder, ledger } = await deployLedger(ethers, {
    admin: admin!,
    governors: [governor!.address],
    issuers: [shanghaiIssuer!.address, beijingIssuer!.address],
    auditors: [auditor!.address],
  });
  const asGovernor = ledger.connect(governor);
  await asGovernor.registerCity(SHANGHAI, SHANGHAI_PARAMS);
  await asGovernor.registerCity(BEIJING, BEIJING_PARAMS);
  await asGovernor.bindIssuer(shanghaiIssuer!.address, SHANGHAI);
  await asGovernor.bindIssuer(beijingIssuer!.address, BEIJING);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  await asGovernor.accredit(dataCenter!.address, SHANGHAI, now, now + YEAR);
  return {
    ethers,
    manager,
    forwarder,
    ledger,
    admin: admin!,
    governor: governor!,
    shanghaiIssuer: shanghaiIssuer!,
    beijingIssuer: beijingIssuer!,
    auditor: auditor!,
    dataCenter: dataCenter!,
    otherDataCenter: otherDataCenter!,
    holder: holder!,
    otherHolder: otherHolder!,
    stranger,
    relayer,
  };
}

/** A bytes32 application reference from a readable string. */
export function appRef(text: string): string {
  return encodeBytes32String(text);
}

/** A deterministic invoice hash from a readable invoice number. */
export function invoiceHash(invoiceNumber: string): string {
  return keccakText(`invoice:${invoiceNumber}`);
}

/** The latest block's timestamp. */
export async function now(ethers: HardhatEthers): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}

/** Issues a voucher in Shanghai to `holder` and returns its id. */
export async function issueVoucher(
  f: LedgerFixture,
  ref: string,
  faceValue: bigint = 1_000_000n * CNY,
  holder: string = f.holder.address,
  expiresAt: bigint = 0n,
): Promise<bigint> {
  const request = { holder, applicationRef: appRef(ref), faceValue, expiresAt };
  await f.ledger.connect(f.shanghaiIssuer).issue(SHANGHAI, request);
  return f.ledger.voucherId(SHANGHAI, appRef(ref));
}

/** A consent for `amount` of voucher `id` at `f.dataCenter`, on an invoice of `amount / 0.8`, valid for a day. */
export async function makeConsent(
  f: LedgerFixture,
  id: bigint,
  amount: bigint,
  invoiceNumber: string,
  overrides: Partial<Consent> = {},
): Promise<Consent> {
  return {
    voucherId: id,
    dataCenter: f.dataCenter.address,
    amount,
    invoiceHash: invoiceHash(invoiceNumber),
    invoiceTotal: (amount * 10_000n) / 8_000n,
    deadline: (await now(f.ethers)) + DAY,
    ...overrides,
  };
}

/** A consent and the holder's signature over it. */
export async function signedConsent(
  f: LedgerFixture,
  id: bigint,
  amount: bigint,
  invoiceNumber: string,
  overrides: Partial<Consent> = {},
): Promise<{ consent: Consent; signature: string }> {
  const consent = await makeConsent(f, id, amount, invoiceNumber, overrides);
  return { consent, signature: await signConsent(f.holder, f.ledger, consent) };
}
