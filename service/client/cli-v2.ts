/**
 * The client CLI's ledger v2 commands (`npm run client -- v2 …`): the start-up signs its v2 consent, the supplier
 * sends it through the relay's `/v2/redemptions` and follows it. Keys from the environment, as v1's commands take them.
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

import { concat, hexlify, isAddress, keccak256, ZeroHash } from "ethers";
import { z } from "zod";

import { formatAmount, parseAmount, voucherIdV2Of } from "./amount.js";
import { amount, here, integer, keyFrom, need, stringify, UsageError, type Values } from "./cli-args.js";
import { createRedemptionClientV2 } from "./client-v2.js";
import { signConsentV2, signRedemptionV2 } from "./sign.js";
import type { Consent } from "../domain/consent.js";
import { dayNumber, IdentityError, invoiceNumberHash } from "../domain/identity.js";
import { consentV2Schema, type RequestViewV2 } from "../domain/redemption-wire-v2.js";
import { domainOf } from "../domain/signing-v1.js";

export const V2_USAGE = `
Ledger v2 (a service whose ledger is v2: LEDGER_VERSION=2):

  v2 consent sign   the start-up signs its consent (ledger v2) to one redemption against one invoice
      --service URL              the service
      --voucher ID               the voucher, by id; or by programme and application reference:
      --programme N --ref REF      (--programme 1 --ref HZ-2026-0001)
      --supplier ADDRESS         the supplier's address that will redeem it
      --amount 300.00            what the voucher pays, in the currency, at most the programme's ratio of the total
      --invoice-total 1000.00    the invoice's total, in the currency
      --class N                  the invoice's compute class (the governor's list: 1 domestic, 2 other, …)
      --invoice NUMBER           the invoice's number: 20 digits, or CODE-NUMBER (hashed as the README's "Identities on chain" says)
      --service-from DATE        the service period, YYYY-MM-DD to YYYY-MM-DD (inclusive)
      --service-to DATE
      --gpu-hours 720.00         metered GPU-hours (two decimals)
      --contract-date DATE       the day the contract was signed
      --contract-file PATH       the contract, the invoice document and the proof of payment: each committed to
      --invoice-file PATH          with a fresh salt (keccak256(salt || file)); the salts are written to --out
      --payment-file PATH
      --electricity-kwh N        metered electricity, where the programme requires it (default 0)
      --assessment-file PATH     a third party's assessment, where the programme requires it
      --epoch N                  the holder's consent epoch (default: its current one, from the service's signing-info)
      --declare-unrelated        the holder declares that it and the supplier are not related parties (required)
      --valid-days 7             how long the consent holds, 1 to 90 days (default 7)
      --out consent.json         where the signed consent (and the salts) are written
    key: HOLDER_PRIVATE_KEY, or HOLDER_KEYSTORE and HOLDER_KEYSTORE_PASSWORD

  v2 redeem         the supplier sends a signed v2 consent through the service's relay
      --consent consent.json, --service URL, --out request.json, --wait, --gas N   as for redeem
    key: SUPPLIER_PRIVATE_KEY, or SUPPLIER_KEYSTORE and SUPPLIER_KEYSTORE_PASSWORD

  v2 status         the supplier reads one of its v2 requests (--request request.json or the id, --wait)
    key: as for v2 redeem
`;

export const V2_OPTIONS = {
  programme: { type: "string" }, supplier: { type: "string" }, class: { type: "string" }, invoice: { type: "string" },
  "service-from": { type: "string" }, "service-to": { type: "string" }, "gpu-hours": { type: "string" },
  "contract-date": { type: "string" }, "contract-file": { type: "string" }, "payment-file": { type: "string" },
  "assessment-file": { type: "string" }, "electricity-kwh": { type: "string" }, epoch: { type: "string" },
  "declare-unrelated": { type: "boolean", default: false },
} as const;

const requestFileSchema = z.object({ id: z.string().min(1), service: z.string().optional() });

/** The v2 voucher: --voucher ID, or --programme N with --ref REFERENCE. */
function voucherOf(values: Values): bigint {
  const byId = values.voucher !== undefined;
  const byRef = values.programme !== undefined || values.ref !== undefined;
  if (byId === byRef) throw new UsageError("name the voucher with --voucher ID, or with --programme N and --ref REFERENCE");
  if (byId) return integer(values, "voucher");
  const programme = Number(integer(values, "programme"));
  try {
    return voucherIdV2Of(programme, need(values, "ref").trim());
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--programme/--ref: ${error.message}`);
    throw error;
  }
}

function day(values: Values, flag: string): number {
  try {
    return dayNumber(need(values, flag));
  } catch (error) {
    if (error instanceof IdentityError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

function small(values: Values, flag: string, max: number, fallback?: number): number {
  if (values[flag] === undefined && fallback !== undefined) return fallback;
  const n = integer(values, flag);
  if (n > BigInt(max)) throw new UsageError(`--${flag} must be at most ${max}`);
  return Number(n);
}

/** A salted commitment to a file: keccak256(salt ‖ bytes), with its fresh salt. */
async function commit(values: Values, flag: string): Promise<{ commitment: string; salt: string }> {
  const path = need(values, flag);
  const bytes = await readFile(here(path)).catch((error: unknown) => {
    throw new UsageError(`--${flag}: cannot read ${path} (${(error as Error).message})`);
  });
  const salt = hexlify(randomBytes(32));
  return { commitment: keccak256(concat([salt, bytes])), salt };
}

function describe(view: RequestViewV2, currency: string, decimals: number): string {
  const what = `request ${view.id}: ${view.status}, ${formatAmount(BigInt(view.amount), decimals)} ${currency} from voucher ${view.voucherId} ` +
    `(programme ${view.programme}) for supplier ${view.supplier}, invoice ${view.invoiceNumberHash}`;
  if (view.status === "confirmed") {
    return `${what}\n  in block ${view.blockNumber} (${view.final === true ? "final" : "not final yet"}), transaction ${view.transactionHash}`;
  }
  if (view.status === "submitted") return `${what}\n  sent in transaction ${view.transactionHash}`;
  if (view.status === "failed") return `${what}\n  ${view.code}: ${view.reason}`;
  return what;
}

async function signCommand(values: Values, write: (line: string) => void): Promise<number> {
  const voucherId = voucherOf(values);
  const supplier = need(values, "supplier");
  if (!isAddress(supplier)) throw new UsageError(`--supplier is not an address: ${supplier}`);
  let invoice: string;
  try {
    invoice = invoiceNumberHash(need(values, "invoice"));
  } catch (error) {
    if (error instanceof IdentityError) throw new UsageError(`--invoice: ${error.message}`);
    throw error;
  }
  if (!values["declare-unrelated"]) throw new UsageError("the holder must declare that it and the supplier are not related parties: --declare-unrelated");
  const days = Number(values["valid-days"]);
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError("--valid-days must be 1 to 90 (the ledger's longest consent)");
  const out = need(values, "out");
  for (const flag of ["amount", "invoice-total"]) amount(values, flag);
  const gpu = need(values, "gpu-hours");
  let gpuCentihours: bigint;
  try {
    gpuCentihours = /^0+(\.0+)?$/.test(gpu) ? 0n : parseAmount(gpu, 2);
  } catch (error) {
    throw new UsageError(`--gpu-hours: ${(error as Error).message}`);
  }
  const [contract, invoiceDoc, payment] = [await commit(values, "contract-file"), await commit(values, "invoice-file"), await commit(values, "payment-file")];
  const assessment = values["assessment-file"] === undefined ? undefined : await commit(values, "assessment-file");
  const holder = await keyFrom("HOLDER");
  const info = await createRedemptionClientV2({ baseUrl: need(values, "service") }).signingInfo(undefined, holder.address);
  if (info.holder?.beneficiary === false) {
    process.stderr.write(`warning: ${holder.address} does not act for a beneficiary company now: the ledger will refuse its consent\n`);
  }
  // The deadline counts from the chain's time, which the ledger compares it with (a node's clock may differ from ours).
  const chainTime = BigInt(info.chainTime);
  const consent: Consent = {
    voucherId,
    supplier,
    invoiceNumberHash: invoice,
    amount: amount(values, "amount", info.decimals),
    invoiceTotal: amount(values, "invoice-total", info.decimals),
    computeClass: small(values, "class", 255),
    serviceFromDay: day(values, "service-from"),
    serviceToDay: day(values, "service-to"),
    gpuCentihours,
    contractDay: day(values, "contract-date"),
    evidence: {
      contractCommitment: contract.commitment,
      invoiceCommitment: invoiceDoc.commitment,
      paymentCommitment: payment.commitment,
      electricityKwh: values["electricity-kwh"] === undefined ? 0n : integer(values, "electricity-kwh"),
      assessmentCommitment: assessment?.commitment ?? ZeroHash,
    },
    unrelated: true,
    epoch: small(values, "epoch", 0xffffffff, info.holder?.consentEpoch),
    deadline: chainTime + BigInt(days * 86_400),
  };
  const signed = await signConsentV2(holder, domainOf(info.consentDomain), consent);
  const salts = { contract: contract.salt, invoice: invoiceDoc.salt, payment: payment.salt, ...(assessment === undefined ? {} : { assessment: assessment.salt }) };
  await writeFile(here(out), `${stringify({ ledger: 2, ...signed, salts, service: values.service })}\n`);
  write(`consent (ledger v2) of ${holder.address} to ${formatAmount(consent.amount, info.decimals)} ${info.currency} from voucher ${voucherId} ` +
    `for supplier ${consent.supplier}, invoice ${invoice}, written to ${out} (keep its salts: they open the commitments)`);
  return 0;
}

async function redeemCommand(values: Values, write: (line: string) => void): Promise<number> {
  const path = need(values, "consent");
  let file: { consent?: unknown; signature?: unknown; service?: unknown };
  try {
    file = JSON.parse(await readFile(here(path), "utf8")) as typeof file;
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  const parsed = consentV2Schema.safeParse({ ...(file.consent as object), signature: file.signature });
  if (!parsed.success) throw new UsageError(`${path}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message} (not a consent of "v2 consent sign")`);
  const { signature, ...consent } = parsed.data;
  const service = typeof values.service === "string" ? values.service : typeof file.service === "string" ? file.service : undefined;
  if (service === undefined) throw new UsageError(`--service is required (${path} names none)`);
  const supplier = await keyFrom("SUPPLIER");
  if (consent.supplier !== supplier.address) throw new UsageError(`${path} names supplier ${consent.supplier}, but the key is ${supplier.address}`);
  const c = createRedemptionClientV2({ baseUrl: service });
  const info = await c.signingInfo(supplier.address);
  // A new request each run (its deadline a day from the chain's time at most), as v1's redeem signs it.
  const inADay = BigInt(info.chainTime) + 86_400n;
  const body = await signRedemptionV2(supplier, { consent, signature }, {
    ledger: info.ledger, forwarderDomain: domainOf(info.forwarderDomain), nonce: BigInt(info.nextNonce ?? "0"),
    deadline: consent.deadline < inADay ? consent.deadline : inADay, ...(values.gas === undefined ? {} : { gas: integer(values, "gas") }),
  });
  const accepted = await c.submit(body);
  if (typeof values.out === "string") await writeFile(here(values.out), `${stringify({ ...accepted, service })}\n`);
  if (values.json) write(stringify(accepted));
  else {
    write(`${accepted.existing ? "already known" : "accepted"}: request ${accepted.id} (${accepted.status}) for invoice ${accepted.invoiceNumberHash}` +
      (typeof values.out === "string" ? `, written to ${values.out}` : ""));
  }
  if (!values.wait) return 0;
  const outcome = await c.wait(accepted.id, supplier);
  write(values.json ? stringify(outcome) : describe(outcome, info.currency, info.decimals));
  if (outcome.status !== "failed") return 0;
  process.stderr.write(`failed: ${outcome.code ?? "FAILED"}: ${outcome.reason ?? "no reason recorded"}\n`);
  return 1;
}

async function statusCommand(values: Values, idArg: string | undefined, write: (line: string) => void): Promise<number> {
  let id = idArg;
  let service = typeof values.service === "string" ? values.service : undefined;
  if (typeof values.request === "string") {
    if (id !== undefined) throw new UsageError("give the request as --request FILE or as its id, not both");
    let parsed;
    try {
      parsed = requestFileSchema.safeParse(JSON.parse(await readFile(here(values.request), "utf8")));
    } catch (error) {
      throw new UsageError(`${values.request}: ${(error as Error).message}`);
    }
    if (!parsed.success) throw new UsageError(`${values.request}: not a request written by "v2 redeem --out"`);
    id = parsed.data.id;
    service ??= parsed.data.service;
  }
  if (id === undefined) throw new UsageError("v2 status needs --request request.json, or the request's id");
  if (service === undefined) throw new UsageError("--service is required");
  const supplier = await keyFrom("SUPPLIER");
  const c = createRedemptionClientV2({ baseUrl: service });
  const view = values.wait ? await c.wait(id, supplier) : await c.status(id, supplier);
  if (values.json) write(stringify(view));
  else {
    const info = await c.signingInfo();
    write(describe(view, info.currency, info.decimals));
  }
  return view.status === "failed" ? 1 : 0;
}

/** Runs `v2 <command>`; `positionals` are what follows `v2`. */
export async function runV2(values: Values, positionals: string[], write: (line: string) => void): Promise<number> {
  const [command, sub, ...rest] = positionals;
  if (command === "consent" && sub === "sign" && rest.length === 0) return signCommand(values, write);
  if (command === "redeem" && sub === undefined) return redeemCommand(values, write);
  if (command === "status" && rest.length === 0) return statusCommand(values, sub, write);
  throw new UsageError(
    `unknown command "v2 ${positionals.join(" ")}": the v2 commands are "v2 consent sign", "v2 redeem" and "v2 status" (npm run client -- --help)`,
  );
}
