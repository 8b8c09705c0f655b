import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeBytes32String, id as keccakText, type Result, type Signer, type TypedDataDomain, ZeroHash } from "ethers";

import { ATTESTATION_TYPES, type Attestation, type ClaimRequest, type Consent, CONSENT_TYPES } from "../../service/domain/consent.js";
import { creditCodeCheckCharacter, creditCodeHash, dayOfInstant, invoiceNumberHash } from "../../service/domain/identity.js";
import { deployScheme, type SchemeDeployment } from "../../scripts/lib/ledger-deploy.js";
import type { ISchemeRegistry } from "../../types/ethers-contracts/index.js";

export const DAY = 86_400n;
export const YEAR = 365n * DAY;
/** CNY 1 in fen. */
export const CNY = 100n;

/** Compute classes and beneficiary categories of the fixture (the governor's lists). */
export const CLASS = { DOMESTIC: 1, OTHER: 2 } as const;
export const CATEGORY = { STARTUP: 1, OTHER: 2 } as const;
export const ROLES = { BENEFICIARY: 1, SUPPLIER: 2 } as const;
/** IVoucherLedgerTypes.VoucherStatus. */
export const STATUS = { NONE: 0n, ACTIVE: 1n, REDEEMED: 2n, REVOKED: 3n, EXPIRED: 4n } as const;

/** Unified social credit codes with valid check characters (GB 32100-2015), made up for the tests. */
export const CODES = {
  startup: "91330100MA2H3K4L50",
  company: "91330100MA2H3K4L63",
  supplier: "91330100MA2H3K4L76",
  otherSupplier: "91330100MA2H3K4L89",
} as const;

export type ProgrammeInput = ISchemeRegistry.ProgrammeStruct;
export type RatioInput = ISchemeRegistry.RatioStruct;

export interface SchemeFixture extends SchemeDeployment {
  ethers: HardhatEthers;
  admin: HardhatEthersSigner;
  governor: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  issuer: HardhatEthersSigner;
  auditor: HardhatEthersSigner;
  /** Two addresses of the start-up (category STARTUP). */
  holder: HardhatEthersSigner;
  holder2: HardhatEthersSigner;
  /** An address of another company (category OTHER). */
  otherHolder: HardhatEthersSigner;
  /** An address of the accredited supplier, and one of another, unaccredited supplier. */
  supplier: HardhatEthersSigner;
  otherSupplier: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
  /** Holds FINANCE: records payments (the last of the 20 development accounts, which tests use from #12 up). */
  finance: HardhatEthersSigner;
  entities: { startup: bigint; company: bigint; supplier: bigint; otherSupplier: bigint };
  /** The programme: Hangzhou-like, 30% domestic and 20% other compute, CNY 8m per company per year. */
  programme: bigint;
  /** The fiscal year now (China Standard Time). */
  year: number;
}

/** The fiscal year (UTC+8) of an instant in unix seconds. */
export function fiscalYear(seconds: bigint): number {
  return new Date((Number(seconds) + 8 * 3600) * 1000).getUTCFullYear();
}

export async function now(ethers: HardhatEthers): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}

/** The fixture programme's rules, with `overrides`. */
export function programmeRules(start: bigint, year: number, overrides: Partial<ProgrammeInput> = {}): ProgrammeInput {
  return {
    level: 3, // city
    region: 330100, // Hangzhou
    kind: 1, // compute
    name: "杭州市算力券",
    firstYear: year,
    yearCount: 3,
    redeemFrom: start - DAY,
    redeemUntil: start + 3n * YEAR,
    earliestContractDay: 0,
    defaultValidity: Number(YEAR),
    maxValidity: Number(2n * YEAR),
    capPerCompany: 8_000_000n * CNY,
    capLifetime: false,
    capGroup: 0,
    exclusive: false,
    maxCombinedBps: 0,
    entityWindowDays: 0,
    needsElectricity: false,
    needsAssessment: false,
    reissueDelay: Number(3n * DAY),
    payees: 1,
    supplierFirstDays: 0,
    reviewWindow: Number(30n * DAY),
    lapseApproves: false,
    ...overrides,
  };
}

export const FIXTURE_RATIOS: RatioInput[] = [
  { computeClass: CLASS.DOMESTIC, category: CATEGORY.STARTUP, bps: 3000 },
  { computeClass: CLASS.DOMESTIC, category: CATEGORY.OTHER, bps: 3000 },
  { computeClass: CLASS.OTHER, category: CATEGORY.STARTUP, bps: 2000 },
  { computeClass: CLASS.OTHER, category: CATEGORY.OTHER, bps: 2000 },
];

/**
 * Ledger v2 deployed, with two classes and two categories, one programme (see {@link programmeRules}) with a budget of
 * CNY 250m for each of its three years, its issuer, a start-up with two addresses, another company, an accredited
 * supplier (both classes, from now for three years) and an unaccredited one. No vouchers yet.
 */
export async function deploySchemeFixture(ethers: HardhatEthers): Promise<SchemeFixture> {
  const s = await ethers.getSigners();
  const finance = s[19];
  const [admin, governor, guardian, issuer, auditor, holder, holder2, otherHolder, supplier, otherSupplier, stranger, relayer] =
    s as [HardhatEthersSigner, ...HardhatEthersSigner[]] & HardhatEthersSigner[];
  const deployment = await deployScheme(ethers, {
    admin: admin,
    // The fixture acts as ADMIN with the deployer's key and without delays; test/governance/ deploys as production does.
    keepDeployerAsAdmin: true,
    governors: [governor!.address],
    guardians: [guardian!.address],
    issuers: [issuer!.address],
    auditors: [auditor!.address],
    finance: [finance!.address],
  });
  const r = deployment.registry.connect(governor);
  await (await r.defineClass(CLASS.DOMESTIC, "国产算力")).wait();
  await (await r.defineClass(CLASS.OTHER, "其他算力")).wait();
  await (await r.defineCategory(CATEGORY.STARTUP, "初创企业")).wait();
  await (await r.defineCategory(CATEGORY.OTHER, "其他企业")).wait();
  const t = await now(ethers);
  const year = fiscalYear(t);
  await (await r.registerProgramme(programmeRules(t, year), FIXTURE_RATIOS)).wait();
  const programme = await deployment.registry.programmeCount();
  for (let y = year; y < year + 3; y++) {
    await (await deployment.ledger.connect(governor).setBudget(programme, y, 250_000_000n * CNY, encodeBytes32String(`HZ-${y}-AI`))).wait();
  }
  await (await r.bindIssuer(issuer!.address, programme)).wait();
  const entity = async (code: string, roles: number, category: number, ...addresses: string[]) => {
    await (await r.registerEntity(creditCodeHash(code), roles, category)).wait();
    const id = await deployment.registry.entityCount();
    for (const a of addresses) await (await r.addAddress(id, a, encodeBytes32String("registered"))).wait();
    return BigInt(id);
  };
  const entities = {
    startup: await entity(CODES.startup, ROLES.BENEFICIARY, CATEGORY.STARTUP, holder!.address, holder2!.address),
    company: await entity(CODES.company, ROLES.BENEFICIARY, CATEGORY.OTHER, otherHolder!.address),
    supplier: await entity(CODES.supplier, ROLES.SUPPLIER, 0, supplier!.address),
    otherSupplier: await entity(CODES.otherSupplier, ROLES.SUPPLIER, 0, otherSupplier!.address),
  };
  await (await r.accredit(entities.supplier, programme, t, t + 3n * YEAR, 0b11)).wait();
  return {
    ...deployment,
    ethers,
    admin: admin,
    governor: governor!,
    guardian: guardian!,
    issuer: issuer!,
    auditor: auditor!,
    holder: holder!,
    holder2: holder2!,
    otherHolder: otherHolder!,
    supplier: supplier!,
    otherSupplier: otherSupplier!,
    stranger: stranger!,
    relayer: relayer!,
    finance: finance!,
    entities,
    programme: BigInt(programme),
    year,
  };
}

/** A bytes32 application reference from a readable string. */
export function appRef(text: string): string {
  return encodeBytes32String(text);
}

/** Issues a voucher under the fixture's programme and returns its id. */
export async function issueVoucher(
  f: SchemeFixture,
  ref: string,
  faceValue: bigint = 1_000_000n * CNY,
  holder: string = f.holder.address,
  expiresAt: bigint = 0n,
  programme: bigint = f.programme,
  issuer: Signer = f.issuer,
): Promise<bigint> {
  await (await f.ledger.connect(issuer).issue(programme, { holder, applicationRef: appRef(ref), faceValue, expiresAt })).wait();
  return f.ledger.voucherId(programme, appRef(ref));
}

/** An invoice number (a fully digital invoice's 20 digits) made from a small number. */
export function invoiceNumber(n: number): string {
  return `2633${String(n).padStart(16, "0")}`;
}

/** The ledger's EIP-712 domain, read from the contract itself (ERC-5267). */
export async function consentDomain(f: SchemeFixture): Promise<TypedDataDomain> {
  const d = await f.ledger.eip712Domain();
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/**
 * A consent for `amount` of voucher `id` to the fixture's supplier, on a domestic-compute invoice of `amount / 30%`
 * served over the last ten days, with evidence, valid for a day.
 */
export async function makeConsent(
  f: SchemeFixture,
  id: bigint,
  amount: bigint,
  invoice: number,
  overrides: Partial<Consent> = {},
): Promise<Consent> {
  const t = await now(f.ethers);
  const today = dayOfInstant(t);
  return {
    voucherId: id,
    supplier: f.supplier.address,
    invoiceNumberHash: invoiceNumberHash(invoiceNumber(invoice)),
    amount,
    invoiceTotal: (amount * 10_000n + 2_999n) / 3_000n,
    computeClass: CLASS.DOMESTIC,
    serviceFromDay: today - 10,
    serviceToDay: today - 1,
    gpuCentihours: 72_000n,
    contractDay: today - 30,
    evidence: {
      contractCommitment: keccakText(`contract:${invoice}`),
      invoiceCommitment: keccakText(`invoice-document:${invoice}`),
      paymentCommitment: keccakText(`payment:${invoice}`),
      electricityKwh: 0n,
      assessmentCommitment: ZeroHash,
    },
    unrelated: true,
    epoch: 0,
    deadline: t + DAY,
    ...overrides,
  };
}

/** The holder's signature over `consent` (or another signer's, or for another domain, to test refusals). */
export async function signConsent(
  f: SchemeFixture,
  consent: Consent,
  signer: Signer = f.holder,
  domain?: TypedDataDomain,
): Promise<string> {
  return signer.signTypedData(domain ?? (await consentDomain(f)), CONSENT_TYPES, consent);
}

/** A consent and the holder's signature. */
export async function signedConsent(
  f: SchemeFixture,
  id: bigint,
  amount: bigint,
  invoice: number,
  overrides: Partial<Consent> = {},
  signer: Signer = f.holder,
): Promise<{ consent: Consent; signature: string }> {
  const consent = await makeConsent(f, id, amount, invoice, overrides);
  return { consent, signature: await signConsent(f, consent, signer) };
}

/**
 * A consent and the holder's signature for `bps` of an invoice of `invoiceTotal` (the amount rounded down to the fen),
 * otherwise as {@link makeConsent} makes it.
 */
export async function signedConsentForShare(
  f: SchemeFixture,
  id: bigint,
  invoiceTotal: bigint,
  bps: number,
  invoice: number,
  overrides: Partial<Consent> = {},
  signer: Signer = f.holder,
): Promise<{ consent: Consent; signature: string }> {
  return signedConsent(f, id, (invoiceTotal * BigInt(bps)) / 10_000n, invoice, { invoiceTotal, ...overrides }, signer);
}

// ------------------------------------------------------------------------------------------------------------------
// More programmes and companies, for tests that need them
// ------------------------------------------------------------------------------------------------------------------

/** A valid unified social credit code (GB 32100-2015 check character) made from a small number, for more companies. */
export function creditCode(n: number): string {
  const first17 = `91330100MB${String(n).padStart(7, "0")}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/** Registers a company with the governor, adds its addresses, and returns its number. */
export async function addEntity(
  f: SchemeFixture,
  code: string,
  roles: number,
  category: number,
  addresses: string[] = [],
): Promise<bigint> {
  const r = f.registry.connect(f.governor);
  await (await r.registerEntity(creditCodeHash(code), roles, category)).wait();
  const id = await f.registry.entityCount();
  for (const a of addresses) await (await r.addAddress(id, a, encodeBytes32String("registered"))).wait();
  return BigInt(id);
}

export interface AddProgrammeOptions {
  ratios?: RatioInput[];
  /** The budget of each of its fiscal years (CNY 250m by default). */
  budget?: bigint;
  /** The classes (bit c - 1 for class c) the fixture's supplier is accredited for, from now for three years; 0: none. */
  supplierClasses?: number;
  /** Whether the fixture's issuer is bound to it (yes by default). */
  bindIssuer?: boolean;
}

/**
 * Registers another programme: the fixture's rules ({@link programmeRules}, from now) with `overrides`, a budget for
 * each of its years, the fixture's issuer bound and its supplier accredited for both classes, unless `options` says
 * otherwise. Returns its id.
 */
export async function addProgramme(
  f: SchemeFixture,
  overrides: Partial<ProgrammeInput> = {},
  options: AddProgrammeOptions = {},
): Promise<bigint> {
  const r = f.registry.connect(f.governor);
  const t = await now(f.ethers);
  const rules = programmeRules(t, f.year, overrides);
  await (await r.registerProgramme(rules, options.ratios ?? FIXTURE_RATIOS)).wait();
  const programme = await f.registry.programmeCount();
  const first = Number(rules.firstYear);
  for (let y = first; y < first + Number(rules.yearCount); y++) {
    const budget = options.budget ?? 250_000_000n * CNY;
    await (await f.ledger.connect(f.governor).setBudget(programme, y, budget, encodeBytes32String(`P${programme}-${y}`))).wait();
  }
  if (options.bindIssuer ?? true) await (await r.bindIssuer(f.issuer.address, programme)).wait();
  const classes = options.supplierClasses ?? 0b11;
  if (classes !== 0) await (await r.accredit(f.entities.supplier, programme, t, t + 3n * YEAR, classes)).wait();
  return BigInt(programme);
}

/** A programme's rules as the registry holds them, in the form `registerProgramme` and `updateProgramme` take. */
export async function programmeOf(f: SchemeFixture, programme: bigint): Promise<ProgrammeInput> {
  const [rules] = await f.registry.getProgramme(programme);
  return (rules as unknown as Result).toObject() as ProgrammeInput;
}

/** Changes some of a programme's rules (the governor's `updateProgramme`), keeping the others. */
export async function updateProgramme(f: SchemeFixture, programme: bigint, changes: Partial<ProgrammeInput>): Promise<void> {
  const rules = { ...(await programmeOf(f, programme)), ...changes };
  await (await f.registry.connect(f.governor).updateProgramme(programme, rules)).wait();
}

/** A programme that reimburses buyers (payees 2: they claim, an issuer reviews within 7 days), as {@link addProgramme}. */
export function addBuyerProgramme(
  f: SchemeFixture,
  overrides: Partial<ProgrammeInput> = {},
  options: AddProgrammeOptions = {},
): Promise<bigint> {
  return addProgramme(f, { name: "北京市算力补贴", region: 110000, payees: 2, reviewWindow: Number(7n * DAY), ...overrides }, options);
}

// ------------------------------------------------------------------------------------------------------------------
// Buyers' claims
// ------------------------------------------------------------------------------------------------------------------

/** Overrides of a claim: of the request, and of the supplier's attestation it carries. */
export interface ClaimOverrides {
  claim?: Partial<Omit<ClaimRequest, "attestation">>;
  attestation?: Partial<Attestation>;
}

/**
 * A claim by the holder for `amount` of voucher `id`, with the fixture's supplier's attestation of a domestic-compute
 * invoice of `amount / 30%`, served over the ten days before yesterday's end and paid in full by the holder.
 */
export async function makeClaim(
  f: SchemeFixture,
  id: bigint,
  amount: bigint,
  invoice: number,
  overrides: ClaimOverrides = {},
  holder: string = f.holder.address,
): Promise<ClaimRequest> {
  const today = dayOfInstant(await now(f.ethers));
  const invoiceTotal = overrides.attestation?.invoiceTotal ?? (amount * 10_000n + 2_999n) / 3_000n;
  const attestation: Attestation = {
    supplier: f.supplier.address,
    invoiceNumberHash: invoiceNumberHash(invoiceNumber(invoice)),
    invoiceTotal,
    computeClass: CLASS.DOMESTIC,
    serviceFromDay: today - 10,
    serviceToDay: today - 1,
    gpuCentihours: 72_000n,
    amountPaid: invoiceTotal,
    buyer: holder,
    ...overrides.attestation,
  };
  return {
    voucherId: id,
    amount,
    contractDay: today - 30,
    unrelated: true,
    evidence: {
      contractCommitment: keccakText(`contract:${invoice}`),
      invoiceCommitment: keccakText(`invoice-document:${invoice}`),
      paymentCommitment: keccakText(`payment:${invoice}`),
      electricityKwh: 0n,
      assessmentCommitment: ZeroHash,
    },
    ...overrides.claim,
    attestation,
  };
}

/** The supplier's signature over an attestation (or another signer's, or for another domain, to test refusals). */
export async function signAttestation(
  f: SchemeFixture,
  attestation: Attestation,
  signer: Signer = f.supplier,
  domain?: TypedDataDomain,
): Promise<string> {
  return signer.signTypedData(domain ?? (await consentDomain(f)), ATTESTATION_TYPES, attestation);
}

/** A claim as {@link makeClaim} makes it, and its supplier's signature of the attestation. */
export async function signedClaim(
  f: SchemeFixture,
  id: bigint,
  amount: bigint,
  invoice: number,
  overrides: ClaimOverrides = {},
  signer: Signer = f.supplier,
  holder: string = f.holder.address,
): Promise<{ claim: ClaimRequest; signature: string }> {
  const claim = await makeClaim(f, id, amount, invoice, overrides, holder);
  return { claim, signature: await signAttestation(f, claim.attestation, signer) };
}

/** Submits a claim as the holder and returns its id (from ClaimSubmitted). */
export async function submitClaim(f: SchemeFixture, claim: ClaimRequest, signature: string, holder: Signer = f.holder): Promise<bigint> {
  const receipt = await (await f.ledger.connect(holder).submitClaim(claim, signature)).wait();
  for (const log of receipt!.logs) {
    const parsed = f.ledger.interface.parseLog(log);
    if (parsed?.name === "ClaimSubmitted") return parsed.args.claimId as bigint;
  }
  throw new Error("no ClaimSubmitted event");
}
