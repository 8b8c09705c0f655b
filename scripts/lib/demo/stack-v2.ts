import { randomInt } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { V2Deployment } from "../../../service/domain/deployment.js";
import { dateOfDay } from "../../../service/domain/identity.js";
import { PROJECT_ROOT } from "../../../service/internal/paths.js";
import { devAccount } from "../../demo.js";
import { LOCAL_SAFE_OWNERS } from "../ledger/deployment.js";
import { loadSchemeFile } from "../schemes/load.js";
import { DEMO_COMPANIES, DEMO_RELAYED, DEMO_V2_SCHEMES, demoRegistry, PROGRAMMES, type ProgrammeName, V2_ACCOUNTS } from "./plan-v2.js";

/**
 * What `npm start` does around the ledger v2 demo once the service runs: it loads the demo's names into the identity
 * registry, writes the documents the banner's client commands commit to, and prints the banner.
 */

/**
 * The number the registry gives the demo's programme `name`: the demo applies its scheme files, in order, to an empty
 * registry, which numbers programmes from 1 in the order they are registered.
 */
export async function demoProgrammeNumber(name: ProgrammeName): Promise<number> {
  const ref = PROGRAMMES[name];
  let before = 0;
  for (const file of DEMO_V2_SCHEMES) {
    if (file === ref.file) return before + ref.index + 1;
    before += (await loadSchemeFile(join(PROJECT_ROOT, "scripts", "schemes", file))).programmes.length;
  }
  throw new Error(`the demo's programme ${name} is in none of its scheme files`);
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Loads the demo's companies (names, credit codes) and invoice numbers into the identity registry through the
 * service (`POST /v2/registry`, as `npx hardhat identity load` does), signed in as the programmes' issuer with
 * `issuerToken`, once the mirror has indexed `block` (the demo's last): the service checks every record against the
 * mirror. A record loaded again replaces the one before, so a restart loads them again without duplicating anything.
 */
export async function loadDemoRegistry(serviceUrl: string, issuerToken: string, block: number, timeoutMs = 120_000): Promise<{ companies: number; invoices: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await getJson(`${serviceUrl}/status`).catch(() => undefined);
    if (typeof status?.indexed === "number" && status.indexed >= block) break;
    if (Date.now() > deadline) throw new Error(`the mirror did not index the demo (block ${block}) within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const response = await fetch(`${serviceUrl}/v2/registry`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${issuerToken}` },
    body: JSON.stringify(demoRegistry()),
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 200) {
    throw new Error(`the service refused the demo's identity registry (HTTP ${response.status} ${String(answer.code ?? "")}: ${String(answer.detail ?? answer.title ?? "")})`);
  }
  return { companies: Number(answer.companies), invoices: Number(answer.invoices) };
}

/** The documents the banner's consent commits to (contract, invoice, proof of payment), in the data folder. */
export async function writeDemoDocuments(dataDir: string): Promise<{ contract: string; invoice: string; payment: string }> {
  const files = { contract: join(dataDir, "demo-contract.txt"), invoice: join(dataDir, "demo-invoice.txt"), payment: join(dataDir, "demo-payment.txt") };
  await writeFile(files.contract, "Demo contract: GPU rental, Hangzhou data center to Hangzhou start-up\n");
  await writeFile(files.invoice, "Demo invoice: GPU rental, CNY 1,000.00\n");
  await writeFile(files.payment, "Demo proof of payment: CNY 1,000.00 paid\n");
  return files;
}

/** A fresh fully digital invoice number (20 digits), so that the banner's commands can be run once per start. */
function freshInvoiceNumber(): string {
  return `26332${Array.from({ length: 15 }, () => randomInt(10)).join("")}`;
}

export interface BannerV2Options {
  deployment: V2Deployment;
  chainDir: string;
  chainUrl: string;
  apiUrl: string;
  token: string;
  ttlSeconds: number;
  logFile: string;
  /** The chain's day (day number) when the stack started: the banner's service period ends the day before. */
  today: number;
  /** The Hangzhou programme's number, and the documents to commit to, as the path a person types. */
  relayProgramme: number;
  documents: { contract: string; invoice: string; payment: string; consent: string; request: string };
}

/** The dashboard's one-click sign-in: the token in the URL fragment (never sent to a server, removed by the page). */
export function dashboardLink(serviceUrl: string, token: string): string {
  return `${serviceUrl}/#token=${encodeURIComponent(token)}`;
}

/** The banner of a stack with ledger v2: its contracts, the demo's accounts and companies, the /v2 API, the relay. */
export function bannerV2(options: BannerV2Options): string {
  const { deployment, token, apiUrl, documents: d } = options;
  const address = (index: number) => devAccount(index).address;
  const companies = DEMO_COMPANIES.map((c) => `  ${c.name} (${c.label})\n      ${c.creditCode}  ${c.accounts.map(address).join(", ")}`).join("\n");
  const holder = DEMO_COMPANIES.find((c) => c.key === DEMO_RELAYED.holder)!.accounts[0]!;
  const supplier = DEMO_COMPANIES.find((c) => c.key === DEMO_RELAYED.supplier)!.accounts[0]!;
  return `
The compute-voucher ledger is running (ledger v2).

  chain        ${options.chainUrl} (anvil, chain ${deployment.chainId}, saved in ${options.chainDir})
  ledger v2    ${deployment.ledger} (registry ${deployment.registry}, payments ${deployment.payments})
  dashboard    ${apiUrl}/
  audit API    ${apiUrl}/v2/programmes  ${apiUrl}/v2/companies  ${apiUrl}/v2/vouchers  ${apiUrl}/v2/redemptions  ${apiUrl}/v2/claims  ${apiUrl}/v2/payments
               docs ${apiUrl}/docs     OpenAPI ${apiUrl}/openapi.json
  operations   ${apiUrl}/status  ${apiUrl}/metrics
  service log  ${options.logFile}
  relay        POST ${apiUrl}/v2/redemptions (the client's v2 commands)

Demo accounts (Hardhat's well-known development keys; local use only):
  governor          ${address(V2_ACCOUNTS.governor)}
  issuer            ${address(V2_ACCOUNTS.issuer)} (every programme)
  auditor           ${address(V2_ACCOUNTS.auditor)}
  guardian          ${address(V2_ACCOUNTS.guardian)}
  finance           ${address(V2_ACCOUNTS.finance)}
  Safe owners       ${LOCAL_SAFE_OWNERS.map(address).join(", ")} (2 of 3 hold ADMIN)
Demo companies (name, credit code, addresses; the names are in the identity registry):
${companies}

A ready auditor sign-in (valid ${Math.round(options.ttlSeconds / 60)} minutes; "npm start -- --token" prints a fresh one):
  curl -H "Authorization: Bearer ${token}" ${apiUrl}/v2/companies

The dashboard, signed in as the auditor in one click:
  ${dashboardLink(apiUrl, token)}

A redemption through the relay: the Hangzhou start-up consents to CNY ${DEMO_RELAYED.amount} from its voucher ${DEMO_RELAYED.voucher} for a new invoice of CNY ${DEMO_RELAYED.invoiceTotal}, the Hangzhou data center redeems it:
  HOLDER_PRIVATE_KEY=${devAccount(holder).privateKey} npm run client -- v2 consent sign --service ${apiUrl} --programme ${options.relayProgramme} --ref ${DEMO_RELAYED.voucher} --supplier ${address(supplier)} --amount ${DEMO_RELAYED.amount} --invoice-total ${DEMO_RELAYED.invoiceTotal} --class ${DEMO_RELAYED.computeClass} --invoice ${freshInvoiceNumber()} --service-from ${dateOfDay(options.today - 10)} --service-to ${dateOfDay(options.today - 1)} --gpu-hours ${DEMO_RELAYED.gpuHours} --contract-date ${dateOfDay(options.today - 30)} --contract-file ${d.contract} --invoice-file ${d.invoice} --payment-file ${d.payment} --declare-unrelated --out ${d.consent}
  SUPPLIER_PRIVATE_KEY=${devAccount(supplier).privateKey} npm run client -- v2 redeem --consent ${d.consent} --out ${d.request} --wait

The mirror checked against the chain: npm run verify
Admin tasks work against this chain with --network localhost, e.g. npx hardhat programme list --network localhost.
Ledger v1's demo: npm start -- --ledger=v1 (another DATA_DIR, or --reset).
Ctrl-C stops everything.`;
}
