/**
 * The redemption CLI, over the client library. Keys come from the environment (a private key, or an encrypted
 * JSON keystore and its password), never from flags.
 *
 *   consent sign --service URL --voucher ID --data-center ADDR --amount N --invoice-total N
 *                (--invoice-file PATH | --invoice-hash 0x…) [--valid-days 7] --out consent.json
 *       the start-up (HOLDER_PRIVATE_KEY, or HOLDER_KEYSTORE + HOLDER_KEYSTORE_PASSWORD) signs its consent
 *   redeem --service URL --consent consent.json [--wait] [--gas N]
 *       the data center (DATA_CENTER_PRIVATE_KEY, or DATA_CENTER_KEYSTORE + DATA_CENTER_KEYSTORE_PASSWORD) signs a
 *       forward request for it with signing-info's nextNonce and submits it; exits 1 if it failed
 *   status --service URL ID [--wait]
 *       the data center reads its request
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";

import { getAddress, isAddress, keccak256, Wallet } from "ethers";
import { z } from "zod";

import { createRedemptionClient, RedemptionProblem } from "./client.js";
import { domainOf, signConsent, signRedemption } from "./sign.js";
import { address, bytes32, hexBytes, uint } from "./wire.js";

class UsageError extends Error {}

const consentFileSchema = z.object({
  consent: z.object({
    voucherId: uint, dataCenter: address, amount: uint, invoiceHash: bytes32, invoiceTotal: uint, deadline: uint,
  }),
  signature: hexBytes,
  service: z.string().optional(),
});

async function keyFrom(prefix: "HOLDER" | "DATA_CENTER"): Promise<Wallet> {
  const key = process.env[`${prefix}_PRIVATE_KEY`];
  if (key !== undefined && key !== "") {
    try {
      return new Wallet(key);
    } catch {
      throw new UsageError(`${prefix}_PRIVATE_KEY is not a private key`);
    }
  }
  const keystore = process.env[`${prefix}_KEYSTORE`];
  if (keystore !== undefined && keystore !== "") {
    const password = process.env[`${prefix}_KEYSTORE_PASSWORD`];
    if (password === undefined) throw new UsageError(`${prefix}_KEYSTORE_PASSWORD is required with ${prefix}_KEYSTORE`);
    const wallet = await Wallet.fromEncryptedJson(await readFile(keystore, "utf8"), password);
    return wallet as unknown as Wallet;
  }
  throw new UsageError(`set ${prefix}_PRIVATE_KEY, or ${prefix}_KEYSTORE and ${prefix}_KEYSTORE_PASSWORD`);
}

function need(values: Record<string, unknown>, flag: string): string {
  const value = values[flag];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}

function integer(values: Record<string, unknown>, flag: string): bigint {
  const value = need(values, flag);
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new UsageError(`--${flag} must be a non-negative integer (minor units), not ${JSON.stringify(value)}`);
  return BigInt(value);
}

const stringify = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);

async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  const rest = argv.slice(command === "consent" ? 2 : 1);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      service: { type: "string" }, voucher: { type: "string" }, "data-center": { type: "string" }, amount: { type: "string" },
      "invoice-total": { type: "string" }, "invoice-file": { type: "string" }, "invoice-hash": { type: "string" },
      "valid-days": { type: "string", default: "7" }, out: { type: "string" }, consent: { type: "string" },
      wait: { type: "boolean", default: false }, gas: { type: "string" },
    },
  });
  const client = () => createRedemptionClient({ baseUrl: need(values, "service") });

  if (command === "consent" && sub === "sign") {
    const holder = await keyFrom("HOLDER");
    const dc = need(values, "data-center");
    if (!isAddress(dc)) throw new UsageError(`--data-center is not an address: ${dc}`);
    let invoiceHash: string;
    if (values["invoice-file"] !== undefined) invoiceHash = keccak256(await readFile(values["invoice-file"]));
    else if (values["invoice-hash"] !== undefined && /^0x[0-9a-fA-F]{64}$/.test(values["invoice-hash"])) invoiceHash = values["invoice-hash"].toLowerCase();
    else throw new UsageError("give --invoice-file PATH (hashed with keccak256) or --invoice-hash 0x<32 bytes>");
    const days = Number(values["valid-days"]);
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError("--valid-days must be 1 to 366");
    const info = await client().signingInfo();
    const consent = {
      voucherId: integer(values, "voucher"), dataCenter: getAddress(dc), amount: integer(values, "amount"), invoiceHash,
      invoiceTotal: integer(values, "invoice-total"), deadline: BigInt(Math.floor(Date.now() / 1000) + days * 86_400),
    };
    const signed = await signConsent(holder, domainOf(info.consentDomain), consent);
    const out = need(values, "out");
    await writeFile(out, `${stringify({ ...signed, service: values.service })}\n`);
    process.stdout.write(`consent of ${holder.address} for invoice ${invoiceHash} written to ${out}\n`);
    return 0;
  }
  if (command === "redeem") {
    const dc = await keyFrom("DATA_CENTER");
    const path = need(values, "consent");
    const parsed = consentFileSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
    if (!parsed.success) throw new UsageError(`${path}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
    const { consent, signature } = parsed.data;
    if (consent.dataCenter !== dc.address) throw new UsageError(`${path} names data center ${consent.dataCenter}, but the key is ${dc.address}`);
    const c = client();
    const info = await c.signingInfo(dc.address);
    // Each run signs a new request (its deadline a day from now at most): a run after a failed one is a new try,
    // not the failed request sent again (which the service answers with its stored failure).
    const inADay = BigInt(Math.floor(Date.now() / 1000) + 86_400);
    const body = await signRedemption(dc, { consent, signature }, {
      ledger: info.ledger, forwarderDomain: domainOf(info.forwarderDomain), nonce: BigInt(info.nextNonce ?? "0"),
      deadline: consent.deadline < inADay ? consent.deadline : inADay, ...(values.gas === undefined ? {} : { gas: integer(values, "gas") }),
    });
    const accepted = await c.submit(body);
    process.stdout.write(`${stringify(accepted)}\n`);
    const outcome = values.wait ? await c.wait(accepted.id, dc) : accepted;
    if (values.wait) process.stdout.write(`${stringify(outcome)}\n`);
    if (outcome.status === "failed") {
      process.stderr.write(`failed: ${outcome.code ?? "FAILED"}: ${outcome.reason ?? "no reason recorded"}\n`);
      return 1;
    }
    return 0;
  }
  if (command === "status") {
    const id = positionals[0];
    if (id === undefined) throw new UsageError("status needs the request id");
    const dc = await keyFrom("DATA_CENTER");
    const c = client();
    const view = values.wait ? await c.wait(id, dc) : await c.status(id, dc);
    process.stdout.write(`${stringify(view)}\n`);
    return view.status === "failed" ? 1 : 0;
  }
  throw new UsageError("commands: consent sign …, redeem --consent FILE …, status ID (see the header of service/client/cli.ts)");
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof RedemptionProblem) {
    process.stderr.write(`refused: ${error.code} (${error.status}): ${error.problem.detail ?? error.problem.title}\n`);
    process.exitCode = 1;
  } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
