/**
 * `npm run client -- …`: the redemption CLI of start-ups and data centers, over the client library. Keys come from
 * the environment (a private key, or an encrypted JSON keystore and its password), never from flags. Amounts are
 * decimals in the ledger's currency ("1000.00" CNY), as the admin tasks take them. `--help` prints the usage.
 * Exit codes: 0 done, 1 refused or failed, 2 usage.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";

import { getAddress, isAddress, keccak256 } from "ethers";
import { z } from "zod";

import { formatAmount, voucherIdOf } from "./amount.js";
import { amount, here, integer, keyFrom, need, stringify, UsageError, type Values } from "./cli-args.js";
import { runV2, V2_OPTIONS, V2_USAGE } from "./cli-v2.js";
import { createRedemptionClient, RedemptionProblem } from "./client.js";
import { signConsent, signRedemption } from "./sign.js";
import { domainOf } from "../domain/signing-v1.js";
import { address, bytes32, hexBytes, type RequestView, uint } from "../domain/redemption-wire.js";

const USAGE = `Usage: npm run client -- COMMAND OPTIONS

  consent sign    the start-up signs its consent to one redemption against one invoice
      --service URL              the service (http://127.0.0.1:8080 with npm start)
      --voucher ID               the voucher, by id; or by city and application reference:
      --city CODE --ref REF        (--city 310000 --ref SH-2026-0001)
      --data-center ADDRESS      the data center that will redeem it
      --amount 1000.00           what the voucher pays, in the currency (CNY), at most the city's ratio of the total
      --invoice-total 1250.00    the invoice's total, in the currency
      --invoice-file PATH        the invoice, hashed with keccak256 (or --invoice-hash 0x… with 32 bytes)
      --valid-days 7             how long the consent holds, 1 to 366 days (default 7)
      --out consent.json         where the signed consent is written
    key: HOLDER_PRIVATE_KEY, or HOLDER_KEYSTORE and HOLDER_KEYSTORE_PASSWORD

  redeem          the data center sends a signed consent through the service's relay
      --consent consent.json     the start-up's signed consent
      --service URL              the service (default: the one the consent was signed with)
      --out request.json         also write the accepted request (its id) there, for "status --request"
      --wait                     wait until the redemption is confirmed or has failed
      --gas N                    gas for the forwarded call (default 250000)
    key: DATA_CENTER_PRIVATE_KEY, or DATA_CENTER_KEYSTORE and DATA_CENTER_KEYSTORE_PASSWORD

  status          the data center reads one of its requests
      --service URL              the service
      --request request.json     the request, as "redeem --out" wrote it (or its id as the last argument)
      --wait                     wait until it is confirmed or has failed
    key: as for redeem

  Add --json to print the service's answers as JSON. --help prints this text.
  Exit codes: 0 done, 1 refused or failed, 2 usage.
${V2_USAGE}`;

const consentFileSchema = z.object({
  consent: z.object({
    voucherId: uint, dataCenter: address, amount: uint, invoiceHash: bytes32, invoiceTotal: uint, deadline: uint,
  }),
  signature: hexBytes,
  service: z.string().optional(),
});

const requestFileSchema = z.object({ id: z.string().min(1), service: z.string().optional() });

/** The voucher of `consent sign`: --voucher ID, or --city CODE with --ref REFERENCE. */
function voucherOf(values: Values): bigint {
  const byId = values.voucher !== undefined;
  const byRef = values.city !== undefined || values.ref !== undefined;
  if (byId === byRef) throw new UsageError("name the voucher with --voucher ID, or with --city CODE and --ref REFERENCE");
  if (byId) return integer(values, "voucher");
  const city = need(values, "city");
  if (!/^[1-9][0-9]{5}$/.test(city)) throw new UsageError(`--city must be a six-digit GB/T 2260 code like 310000, not ${JSON.stringify(city)}`);
  const ref = need(values, "ref").trim();
  if (Buffer.byteLength(ref, "utf8") > 31) throw new UsageError(`--ref "${ref}" is longer than 31 bytes`);
  return voucherIdOf(Number(city), ref);
}


/** One request's status in words. */
function describe(view: RequestView, currency: string, decimals: number): string {
  const what = `request ${view.id}: ${view.status}, ${formatAmount(BigInt(view.amount), decimals)} ${currency} from voucher ${view.voucherId} ` +
    `for data center ${view.dataCenter}, invoice ${view.invoiceHash}`;
  if (view.status === "confirmed") {
    return `${what}\n  in block ${view.blockNumber} (${view.final === true ? "final" : "not final yet"}), transaction ${view.transactionHash}`;
  }
  if (view.status === "submitted") return `${what}\n  sent in transaction ${view.transactionHash}`;
  if (view.status === "failed") return `${what}\n  ${view.code}: ${view.reason}`;
  return what;
}

const OPTIONS = {
  service: { type: "string" }, voucher: { type: "string" }, city: { type: "string" }, ref: { type: "string" },
  "data-center": { type: "string" }, amount: { type: "string" }, "invoice-total": { type: "string" },
  "invoice-file": { type: "string" }, "invoice-hash": { type: "string" }, "valid-days": { type: "string", default: "7" },
  out: { type: "string" }, consent: { type: "string" }, request: { type: "string" }, wait: { type: "boolean", default: false },
  gas: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
  ...V2_OPTIONS,
} as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [command, sub, ...rest] = positionals;
  const write = (line: string) => process.stdout.write(`${line}\n`);
  if (command === "v2") return runV2(values, positionals.slice(1), write);
  const client = (service = need(values, "service")) => createRedemptionClient({ baseUrl: service });

  if (command === "consent" && sub === "sign" && rest.length === 0) {
    const voucherId = voucherOf(values);
    const dc = need(values, "data-center");
    if (!isAddress(dc)) throw new UsageError(`--data-center is not an address: ${dc}`);
    let invoiceHash: string;
    if (values["invoice-file"] !== undefined) {
      const file = values["invoice-file"];
      invoiceHash = keccak256(await readFile(here(file)).catch((error: unknown) => {
        throw new UsageError(`--invoice-file: cannot read ${file} (${(error as Error).message})`);
      }));
    }
    else if (values["invoice-hash"] !== undefined && /^0x[0-9a-fA-F]{64}$/.test(values["invoice-hash"])) invoiceHash = values["invoice-hash"].toLowerCase();
    else throw new UsageError("give --invoice-file PATH (hashed with keccak256) or --invoice-hash 0x<32 bytes>");
    const days = Number(values["valid-days"]);
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError("--valid-days must be 1 to 366");
    const out = need(values, "out");
    // The amounts' form is checked before the service is asked, their decimals against the currency after.
    for (const flag of ["amount", "invoice-total"]) amount(values, flag);
    const holder = await keyFrom("HOLDER");
    const info = await client().signingInfo();
    const consent = {
      voucherId, dataCenter: getAddress(dc), amount: amount(values, "amount", info.decimals), invoiceHash,
      invoiceTotal: amount(values, "invoice-total", info.decimals), deadline: BigInt(Math.floor(Date.now() / 1000) + days * 86_400),
    };
    const signed = await signConsent(holder, domainOf(info.consentDomain), consent);
    await writeFile(here(out), `${stringify({ ...signed, service: values.service })}\n`);
    write(`consent of ${holder.address} to ${formatAmount(consent.amount, info.decimals)} ${info.currency} from voucher ${voucherId} ` +
      `for invoice ${invoiceHash}, written to ${out}`);
    return 0;
  }
  if (command === "redeem" && sub === undefined) {
    const path = need(values, "consent");
    let file: unknown;
    try {
      file = JSON.parse(await readFile(here(path), "utf8"));
    } catch (error) {
      throw new UsageError(`${path}: ${(error as Error).message}`);
    }
    const parsed = consentFileSchema.safeParse(file);
    if (!parsed.success) throw new UsageError(`${path}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
    const { consent, signature } = parsed.data;
    const service = values.service ?? parsed.data.service;
    if (service === undefined) throw new UsageError(`--service is required (${path} names none)`);
    const dc = await keyFrom("DATA_CENTER");
    if (consent.dataCenter !== dc.address) throw new UsageError(`${path} names data center ${consent.dataCenter}, but the key is ${dc.address}`);
    const c = client(service);
    const info = await c.signingInfo(dc.address);
    // Each run signs a new request (its deadline a day from now at most): a run after a failed one is a new try,
    // not the failed request sent again (which the service answers with its stored failure).
    const inADay = BigInt(Math.floor(Date.now() / 1000) + 86_400);
    const body = await signRedemption(dc, { consent, signature }, {
      ledger: info.ledger, forwarderDomain: domainOf(info.forwarderDomain), nonce: BigInt(info.nextNonce ?? "0"),
      deadline: consent.deadline < inADay ? consent.deadline : inADay, ...(values.gas === undefined ? {} : { gas: integer(values, "gas") }),
    });
    const accepted = await c.submit(body);
    if (values.out !== undefined) await writeFile(here(values.out), `${stringify({ ...accepted, service })}\n`);
    if (values.json) write(stringify(accepted));
    else {
      write(`${accepted.existing ? "already known" : "accepted"}: request ${accepted.id} (${accepted.status}) for invoice ${accepted.invoiceHash}` +
        (values.out === undefined ? "" : `, written to ${values.out}`));
    }
    if (!values.wait) return 0;
    const outcome = await c.wait(accepted.id, dc);
    write(values.json ? stringify(outcome) : describe(outcome, info.currency, info.decimals));
    if (outcome.status !== "failed") return 0;
    process.stderr.write(`failed: ${outcome.code ?? "FAILED"}: ${outcome.reason ?? "no reason recorded"}\n`);
    return 1;
  }
  if (command === "status" && rest.length === 0) {
    let id = sub;
    let service = values.service;
    if (values.request !== undefined) {
      if (id !== undefined) throw new UsageError("give the request as --request FILE or as its id, not both");
      let parsed;
      try {
        parsed = requestFileSchema.safeParse(JSON.parse(await readFile(here(values.request), "utf8")));
      } catch (error) {
        throw new UsageError(`${values.request}: ${(error as Error).message}`);
      }
      if (!parsed.success) throw new UsageError(`${values.request}: not a request written by "redeem --out"`);
      id = parsed.data.id;
      service ??= parsed.data.service;
    }
    if (id === undefined) throw new UsageError("status needs --request request.json, or the request's id");
    if (service === undefined) throw new UsageError("--service is required");
    const dc = await keyFrom("DATA_CENTER");
    const c = client(service);
    const view = values.wait ? await c.wait(id, dc) : await c.status(id, dc);
    if (values.json) write(stringify(view));
    else {
      const info = await c.signingInfo();
      write(describe(view, info.currency, info.decimals));
    }
    return view.status === "failed" ? 1 : 0;
  }
  throw new UsageError(
    command === undefined
      ? `no command given\n\n${USAGE}`
      : `unknown command "${positionals.join(" ")}": the commands are "consent sign", "redeem" and "status" (npm run client -- --help)`,
  );
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof RedemptionProblem) {
    process.stderr.write(`refused: ${error.code} (${error.status}): ${error.problem.detail ?? error.problem.title}\n`);
    process.exitCode = 1;
  } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`${(error as Error).message.trimEnd()}\n`);
    process.exitCode = 2;
  } else if (error instanceof TypeError && error.message === "fetch failed") {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    process.stderr.write(`cannot reach the service (${cause?.code ?? cause?.message ?? "no answer"}): is it running, and is --service right?\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
