import { type Interface, type TypedDataDomain, ZeroHash, isHexString } from "ethers";

import { ATTESTATION_TYPES, type Attestation, type ClaimRequest } from "../../../service/domain/consent.js";
import { invoiceNumberHash } from "../../../service/domain/identity.js";
import { UserError, parseAddress, parseAmount, reasonCode } from "../admin/format.js";
import type { LedgerContext } from "./context.js";
import { eventOf } from "./entities.js";
import { money, parseDay, parseGpuHours, parseWhole, shanghaiTime } from "./format.js";
import { resolveClass } from "./names.js";
import { submitCall } from "./submit.js";
import { resolveVoucher } from "./vouchers.js";

/**
 * The buyer's claim: the supplier attests the invoice (an EIP-712 signature), the holder submits the claim with it,
 * an issuer of the programme approves or rejects it, and once the review window passed anyone settles it.
 */

const CLAIM_STATUS = ["none", "pending", "approved", "rejected", "lapsed"] as const;

/** The ledger's EIP-712 domain, read from the contract (ERC-5267). */
export async function ledgerDomain(ctx: LedgerContext): Promise<TypedDataDomain> {
  const d = await ctx.ledger.eip712Domain();
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/** The invoice as a supplier attests it; every field as typed on the command line. */
export interface InvoiceInput {
  invoice: string;
  total: string;
  computeClass: string;
  serviceFrom: string;
  serviceTo: string;
  gpuHours: string;
  /** What the buyer paid of it; the whole total when empty. */
  paid?: string;
  buyer: string;
}

function identity<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UserError(`${what}: ${(error as Error).message}`);
  }
}

/** The attestation of an invoice by `supplier` (an address of its supplier). */
export async function attestationOf(ctx: LedgerContext, supplier: string, input: InvoiceInput): Promise<Attestation> {
  const invoiceTotal = parseAmount(input.total, ctx.decimals);
  return {
    supplier,
    invoiceNumberHash: identity("--invoice", () => invoiceNumberHash(input.invoice)),
    invoiceTotal,
    computeClass: await resolveClass(ctx, input.computeClass),
    serviceFromDay: parseDay(input.serviceFrom, "--service-from"),
    serviceToDay: parseDay(input.serviceTo, "--service-to"),
    gpuCentihours: parseGpuHours(input.gpuHours),
    amountPaid: input.paid === undefined || input.paid === "" ? invoiceTotal : parseAmount(input.paid, ctx.decimals),
    buyer: parseAddress(input.buyer),
  };
}

/** The supplier (the signer) attests an invoice its buyer paid; prints and returns the signature the claim carries. */
export async function attestInvoice(ctx: LedgerContext, input: InvoiceInput): Promise<string> {
  const attestation = await attestationOf(ctx, ctx.signerAddress, input);
  const signature = await ctx.signer.signTypedData(await ledgerDomain(ctx), ATTESTATION_TYPES, attestation);
  ctx.log(`Attestation by ${ctx.signerAddress} of invoice ${input.invoice} to buyer ${attestation.buyer}:`);
  ctx.log(signature);
  return signature;
}

function commitment(text: string | undefined, what: string, required = false): string {
  if (text === undefined || text === "") {
    if (required) throw new UserError(`${what} is required: a salted commitment (0x and 64 hexadecimal digits)`);
    return ZeroHash;
  }
  if (!isHexString(text.trim(), 32)) throw new UserError(`${what} "${text}" is not a commitment (0x and 64 hexadecimal digits)`);
  return text.trim();
}

export interface SubmitInput extends Omit<InvoiceInput, "buyer"> {
  id?: string;
  programme?: string;
  ref?: string;
  amount: string;
  supplier: string;
  contractDate: string;
  attestation: string;
  paymentCommitment: string;
  contractCommitment?: string;
  invoiceCommitment?: string;
  electricityKwh?: string;
  assessmentCommitment?: string;
  /** The holder's declaration that buyer and supplier are not related parties. */
  unrelated?: boolean;
}

/** The holder (the signer) submits a claim on its voucher with the supplier's attestation; returns the claim's id. */
export async function submitClaim(ctx: LedgerContext, input: SubmitInput): Promise<bigint> {
  if (input.unrelated !== true) {
    throw new UserError("a claim carries your declaration that buyer and supplier are not related parties: pass --unrelated");
  }
  const voucherId = await resolveVoucher(ctx, input);
  const attestation = await attestationOf(ctx, parseAddress(input.supplier), { ...input, buyer: ctx.signerAddress });
  if (!isHexString(input.attestation.trim())) throw new UserError("--attestation is not a signature (0x…)");
  const claim: ClaimRequest = {
    voucherId,
    amount: parseAmount(input.amount, ctx.decimals),
    contractDay: parseDay(input.contractDate, "--contract-date"),
    unrelated: true,
    evidence: {
      contractCommitment: commitment(input.contractCommitment, "--contract-commitment"),
      invoiceCommitment: commitment(input.invoiceCommitment, "--invoice-commitment"),
      paymentCommitment: commitment(input.paymentCommitment, "--payment-commitment", true),
      electricityKwh: input.electricityKwh ? BigInt(parseWhole(input.electricityKwh, "--electricity-kwh", 1)) : 0n,
      assessmentCommitment: commitment(input.assessmentCommitment, "--assessment-commitment"),
    },
    attestation,
  };
  const receipt = await submitCall(ctx, {
    target: await ctx.ledger.getAddress(),
    data: ctx.ledger.interface.encodeFunctionData("submitClaim", [claim, input.attestation.trim()]),
    label: `submit a claim of ${money(claim.amount, ctx.decimals, ctx.currency)} on voucher ${voucherId}`,
  });
  const e = eventOf(ctx.ledger, receipt, "ClaimSubmitted");
  ctx.log(
    `Claim ${e.claimId} submitted: ${money(claim.amount, ctx.decimals, ctx.currency)} of voucher ${voucherId} for invoice ` +
      `${input.invoice}, held until an issuer decides (review until ${shanghaiTime(e.reviewUntil as bigint)}).`,
  );
  return e.claimId as bigint;
}

function parseClaimId(text: string): bigint {
  return BigInt(parseWhole(text, "--claim", 1, Number.MAX_SAFE_INTEGER));
}

async function decide(ctx: LedgerContext, fn: "approveClaim" | "settleClaim", claim: string, label: string): Promise<bigint> {
  const id = parseClaimId(claim);
  await submitCall(ctx, {
    target: await ctx.ledger.getAddress(),
    data: (ctx.ledger.interface as Interface).encodeFunctionData(fn, [id]),
    label: `${label} claim ${id}`,
  });
  return id;
}

/** Approves a pending claim (ISSUER of the programme): the held value is spent, and payable to the buyer. */
export async function approveClaim(ctx: LedgerContext, input: { claim: string }): Promise<void> {
  const id = await decide(ctx, "approveClaim", input.claim, "approve");
  const c = await ctx.ledger.getClaim(id);
  ctx.log(`Approved claim ${id}: ${money(c.amount, ctx.decimals, ctx.currency)} payable to company ${c.beneficiaryEntity}.`);
}

/** Rejects a pending claim with a reason (ISSUER of the programme): the value goes back. */
export async function rejectClaim(ctx: LedgerContext, input: { claim: string; reason: string }): Promise<void> {
  const id = parseClaimId(input.claim);
  await submitCall(ctx, {
    target: await ctx.ledger.getAddress(),
    data: ctx.ledger.interface.encodeFunctionData("rejectClaim", [id, reasonCode(input.reason)]),
    label: `reject claim ${id}`,
  });
  ctx.log(`Rejected claim ${id} (${input.reason}); its value went back to the voucher (or the budget).`);
}

/** Settles a claim whose review window passed, by the programme's rule (anyone). */
export async function settleClaim(ctx: LedgerContext, input: { claim: string }): Promise<void> {
  const id = await decide(ctx, "settleClaim", input.claim, "settle");
  const c = await ctx.ledger.getClaim(id);
  ctx.log(`Settled claim ${id} by the programme's rule: ${CLAIM_STATUS[Number(c.status)]}.`);
}

/** Prints a claim. */
export async function showClaim(ctx: LedgerContext, input: { claim: string }): Promise<string> {
  const id = parseClaimId(input.claim);
  const c = await ctx.ledger.getClaim(id);
  if (Number(c.status) === 0) throw new UserError(`there is no claim ${id}`);
  const status = CLAIM_STATUS[Number(c.status)]!;
  ctx.log(`Claim ${id}: ${status}`);
  ctx.log(`  voucher       ${c.voucherId} (programme ${c.programme})`);
  ctx.log(`  buyer         company ${c.beneficiaryEntity}; supplier company ${c.supplierEntity}`);
  ctx.log(`  amount        ${money(c.amount, ctx.decimals, ctx.currency)}`);
  ctx.log(`  submitted     ${shanghaiTime(c.submittedAt)}`);
  ctx.log(`  invoice key   ${c.invoiceKey}`);
  if (c.clawedBack > 0n) ctx.log(`  clawed back   ${money(c.clawedBack, ctx.decimals, ctx.currency)}`);
  return status;
}
