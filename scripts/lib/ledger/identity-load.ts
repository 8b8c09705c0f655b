import { readFile } from "node:fs/promises";

import { SiweMessage } from "siwe";

import { UserError } from "../admin/format.js";
import { type MessageKey, t } from "../i18n/index.js";
import type { LedgerContext } from "./context.js";
import { type Problem, decodeBatchFile, describeProblems } from "./csv.js";
import { parseIdentityFile } from "./identity-file.js";

/**
 * `npx hardhat identity load`: reads an identity file (companies' names and credit codes, invoice numbers, or document
 * salts), checks every row first (nothing is sent from a file with a bad row), signs in to the audit service as the
 * task's signer (an issuer) and uploads it to `POST /v2/registry`, where the mirror's writer checks each record against
 * the chain and writes all of them or none. The records the service refuses are reported on their lines.
 */

export interface LoadIdentityOptions {
  file: string;
  /** The audit service's URL (its PUBLIC_URL). */
  service: string;
  dryRun?: boolean;
}

/** What the service's refusal of one field means, in the reader's language (its own words are English). */
const REFUSALS: Record<string, MessageKey> = {
  creditCode: "identity.noCompany",
  supplierCreditCode: "identity.noCompany",
  invoiceNumber: "identity.noInvoice",
  salt: "identity.saltWrong",
  commitment: "identity.noCommitment",
};

async function post(url: URL, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new UserError(t("identity.unreachable", { service: url.origin, detail: (error as Error).message }));
  }
  return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

function refused(status: number, json: Record<string, unknown>): UserError {
  return new UserError(t("identity.serviceRefused", { status, code: String(json.code ?? ""), detail: String(json.detail ?? json.title ?? "") }));
}

/** Signs in with Sign-In with Ethereum as the context's signer; returns the bearer token. */
async function signIn(ctx: LedgerContext, service: string): Promise<string> {
  const nonce = await post(new URL("/v1/auth/nonce", service), {});
  if (nonce.status !== 200 && nonce.status !== 201) throw refused(nonce.status, nonce.json);
  const info = nonce.json as { nonce: string; domain: string; uri: string; chainId: number };
  const issuedAt = new Date();
  const message = new SiweMessage({
    domain: info.domain, address: ctx.signerAddress, statement: "Load the identity registry.", uri: info.uri, version: "1",
    chainId: info.chainId, nonce: info.nonce, issuedAt: issuedAt.toISOString(),
    expirationTime: new Date(issuedAt.getTime() + 5 * 60_000).toISOString(),
  }).prepareMessage();
  const login = await post(new URL("/v1/auth/login", service), { message, signature: await ctx.signer.signMessage(message) });
  if (login.status !== 200) throw refused(login.status, login.json);
  return String(login.json.token);
}

export async function loadIdentityFile(ctx: LedgerContext, options: LoadIdentityOptions): Promise<{ written: number }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.file);
  } catch (error) {
    throw new UserError(t("batch.unreadable", { file: options.file, detail: (error as Error).message }));
  }
  const decoded = decodeBatchFile(bytes);
  const parsed = "problem" in decoded ? undefined : await parseIdentityFile(decoded.text);
  const problems = "problem" in decoded ? [decoded.problem] : parsed!.problems;
  if (problems.length > 0 || parsed === undefined) {
    throw new UserError(t("identity.problems", { file: options.file, count: problems.length, problems: describeProblems(problems) }));
  }
  const count = parsed.lines.length;
  if (options.dryRun === true) {
    ctx.log(t("identity.checked", { file: options.file, count, kind: t(`identity.kind.${parsed.kind}`) }));
    return { written: 0 };
  }
  let service: URL;
  try {
    service = new URL(options.service);
  } catch {
    throw new UserError(t("identity.serviceUrl", { service: options.service }));
  }
  const token = await signIn(ctx, service.href);
  const answer = await post(new URL("/v2/registry", service), parsed.records, token);
  if (answer.status === 422 && answer.json.code === "REGISTRY_MISMATCH") {
    const rows: Problem[] = (answer.json.errors as { path: string; message: string }[]).map((e) => {
      const [, , index, field] = e.path.split(".");
      const key = REFUSALS[field ?? ""];
      return { line: parsed.lines[Number(index)] ?? 0, message: key === undefined ? e.message : t(key) };
    });
    throw new UserError(t("identity.refused", { file: options.file, count: rows.length, problems: describeProblems(rows) }));
  }
  if (answer.status !== 200) throw refused(answer.status, answer.json);
  const written = Number(answer.json[parsed.kind] ?? 0);
  ctx.log(t("identity.loaded", { file: options.file, count: written, kind: t(`identity.kind.${parsed.kind}`), service: service.origin }));
  return { written };
}
