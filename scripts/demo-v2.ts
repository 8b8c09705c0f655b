/**
 * The ledger v2 demo `npm start` sets up on the local node, through the code the admin tasks run
 * (scripts/lib/schemes, scripts/lib/ledger): the published schemes of Shanghai (city and Xuhui district), Hangzhou
 * and Qingyang applied as `npx hardhat scheme apply` applies them (moved in time where their fiscal years do not
 * include the chain's: scripts/lib/demo/plan-v2.ts, demoSchemeFile); companies registered by their credit codes with
 * their addresses; data centers accredited for classes; vouchers issued under each programme; suppliers' redemptions
 * with the holders' consents and their evidence (GPU-hours, and electricity where Qingyang asks for it); a buyer's
 * claims with the supplier's attestation and the issuer's review; payments, a correction and a clawback. What it
 * does is the data of scripts/lib/demo/plan-v2.ts. Every account is a well-known development account: local chains
 * only.
 *
 * Run on its own: `npx tsx scripts/demo-v2.ts [rpcUrl]` (after `npx hardhat ledger deploy --v2 --network localhost`).
 * Safe to run again: it does nothing on a chain whose registry holds programmes already.
 */
import { join } from "node:path";

import { JsonRpcProvider, NonceManager, ZeroHash, id as keccakText } from "ethers";
import type { Signer } from "ethers";

import { CONSENT_TYPES, type Consent } from "../service/domain/consent.js";
import { type V2Deployment, readV2Deployment, v2DeploymentPath } from "../service/domain/deployment.js";
import { dateOfDay, dayOfInstant, invoiceNumberHash } from "../service/domain/identity.js";
import { PROJECT_ROOT } from "../service/internal/paths.js";
import { devAccount } from "./demo.js";
import { parseAmount, reasonCode } from "./lib/admin/format.js";
import {
  DEMO_CLAIMS,
  DEMO_COMPANIES,
  DEMO_PAYMENTS,
  DEMO_REDEMPTIONS,
  DEMO_RELATION,
  DEMO_V2_SCHEMES,
  DEMO_VOUCHERS,
  demoSchemeFile,
  fiscalYearOf,
  PROGRAMMES,
  type ProgrammeName,
  SERVICE_DAYS,
  V2_ACCOUNTS,
} from "./lib/demo/plan-v2.js";
import { grantAccreditation } from "./lib/ledger/accreditation.js";
import { bindIssuer } from "./lib/ledger/admin.js";
import { approveClaim, attestInvoice, ledgerDomain, rejectClaim, submitClaim } from "./lib/ledger/claims.js";
import { actingAs, chainNow, type LedgerContext, openLedgerV2 } from "./lib/ledger/context.js";
import { addAddress, registerEntity } from "./lib/ledger/entities.js";
import { resolveClass } from "./lib/ledger/names.js";
import { correctEntry, recordPayment } from "./lib/ledger/payments.js";
import { recordRelation } from "./lib/ledger/relations.js";
import { submitCall } from "./lib/ledger/submit.js";
import { issueVoucher, revokeVoucher } from "./lib/ledger/vouchers.js";
import { applyScheme, openSchemeChain } from "./lib/schemes/apply.js";
import { loadSchemeFile, loadVocabulary, schemeFromValue, vocabularyPathFor } from "./lib/schemes/load.js";

const SCHEMES_DIR = join(PROJECT_ROOT, "scripts", "schemes");
const DAY = 86_400n;

export interface DemoV2Summary {
  created: boolean;
  programmes: number;
  companies: number;
  vouchers: number;
  redemptions: number;
  claims: number;
  payments: number;
}

/** Sets the v2 demo up on the chain of `deployment` unless its registry holds programmes already. */
export async function setUpDemoV2(
  provider: JsonRpcProvider,
  deployment: V2Deployment,
  log: (line: string) => void = console.log,
): Promise<DemoV2Summary> {
  // One nonce manager per account for the whole run (see scripts/demo.ts).
  const signers = new Map<number, Signer>();
  const account = (index: number): Signer => {
    let signer = signers.get(index);
    if (signer === undefined) {
      signer = new NonceManager(devAccount(index, provider));
      signers.set(index, signer);
    }
    return signer;
  };
  const address = (index: number) => devAccount(index).address;
  // The tasks' own messages are for a person at the command line: the demo says in a line what each step did.
  const quiet = () => {};
  const governor = await openLedgerV2({
    signer: account(V2_ACCOUNTS.governor), ledger: deployment.ledger, payments: deployment.payments, fromBlock: deployment.deploymentBlock, log: quiet,
  });
  const as = (index: number): Promise<LedgerContext> => actingAs(governor, account(index));
  if ((await governor.registry.programmeCount()) > 0n) {
    log("demo: the v2 demo is set up already");
    return { created: false, programmes: 0, companies: 0, vouchers: 0, redemptions: 0, claims: 0, payments: 0 };
  }

  // The schemes, as `npx hardhat scheme apply --file scripts/schemes/<file>` applies them; a programme whose fiscal
  // years do not include the chain's is moved in time so that they do (demoSchemeFile): the demo works on any date.
  const now = await chainNow(governor);
  const chain = await openSchemeChain({ runner: account(V2_ACCOUNTS.governor), ledger: deployment.ledger, fromBlock: deployment.deploymentBlock });
  const programmeIds = new Map<string, bigint>();
  for (const file of DEMO_V2_SCHEMES) {
    const path = join(SCHEMES_DIR, file);
    const published = await loadSchemeFile(path, await loadVocabulary(vocabularyPathFor(path)));
    const moved = demoSchemeFile(published.file, now);
    const result = await applyScheme(chain, schemeFromValue(moved.file, published.vocabulary, path));
    for (const [index, state] of result.programmes.entries()) {
      if (state.id === undefined) throw new Error(`scheme ${file}: programme ${index} was not registered`);
      programmeIds.set(`${file}#${index}`, state.id);
    }
    const shifts = moved.shiftedYears.filter((y) => y !== 0);
    const note = shifts.length === 0 ? "" : `; ${shifts.length} programme(s) moved by ${shifts.join(", ")} year(s) to cover fiscal ${fiscalYearOf(now)}`;
    log(`demo: applied scheme ${file} (${result.transactions.length} transactions${note})`);
  }
  const programme = (name: ProgrammeName): string => {
    const ref = PROGRAMMES[name];
    const id = programmeIds.get(`${ref.file}#${ref.index}`);
    if (id === undefined) throw new Error(`the demo's programme ${name} is not in ${ref.file}`);
    return id.toString();
  };
  const usedProgrammes = [...new Set(Object.keys(PROGRAMMES) as ProgrammeName[])];
  for (const name of usedProgrammes) {
    await bindIssuer(governor, { issuer: address(V2_ACCOUNTS.issuer), programme: programme(name) }, true);
  }

  // Companies, their addresses, accreditations and a relation.
  const companyIds = new Map<string, number>();
  for (const c of DEMO_COMPANIES) {
    const id = await registerEntity(governor, { creditCode: c.creditCode, role: c.role, category: c.category });
    companyIds.set(c.key, id);
    for (const a of c.accounts) await addAddress(governor, { company: String(id), address: address(a), reason: "registered" });
    for (const a of c.accredited ?? []) {
      await grantAccreditation(governor, {
        supplier: String(id), programme: programme(a.programme), classes: a.classes,
        from: dateOfDay(dayOfInstant(now) - 180), until: dateOfDay(dayOfInstant(now) + 730),
      });
    }
  }
  const companyOf = (key: string) => {
    const c = DEMO_COMPANIES.find((x) => x.key === key);
    if (c === undefined) throw new Error(`the demo has no company ${key}`);
    return { ...c, id: companyIds.get(key)!, account: c.accounts[0]! };
  };
  await recordRelation(governor, {
    beneficiary: String(companyOf(DEMO_RELATION.beneficiary).id), supplier: String(companyOf(DEMO_RELATION.supplier).id), reason: DEMO_RELATION.reason,
  });
  log(`demo: ${DEMO_COMPANIES.length} companies registered (start-ups, companies, data centers), with addresses and accreditations`);

  // Vouchers, by the programmes' issuer.
  const issuer = await as(V2_ACCOUNTS.issuer);
  const vouchers = new Map<string, { id: bigint; holder: number; programme: ProgrammeName }>();
  for (const v of DEMO_VOUCHERS) {
    const holder = companyOf(v.company).account;
    const id = await issueVoucher(issuer, { programme: programme(v.programme), ref: v.ref, holder: address(holder), amount: v.amount });
    vouchers.set(v.ref, { id, holder, programme: v.programme });
  }
  for (const v of DEMO_VOUCHERS.filter((x) => x.revoked !== undefined)) {
    await revokeVoucher(issuer, { id: vouchers.get(v.ref)!.id.toString(), reason: v.revoked! });
  }
  log(`demo: ${DEMO_VOUCHERS.length} vouchers issued under ${usedProgrammes.length} programmes`);

  // Suppliers' redemptions, each with the holder's consent (EIP-712) and its evidence.
  const today = dayOfInstant(now);
  const domain = await ledgerDomain(governor);
  const evidence = (invoice: string, kwh = 0) => ({
    contractCommitment: keccakText(`demo:contract:${invoice}`),
    invoiceCommitment: keccakText(`demo:invoice:${invoice}`),
    paymentCommitment: keccakText(`demo:payment:${invoice}`),
    electricityKwh: BigInt(kwh),
    assessmentCommitment: kwh === 0 ? ZeroHash : keccakText(`demo:assessment:${invoice}`),
  });
  for (const r of DEMO_REDEMPTIONS) {
    const voucher = vouchers.get(r.voucher)!;
    const supplier = await as(companyOf(r.supplier).account);
    const consent: Consent = {
      voucherId: voucher.id,
      supplier: supplier.signerAddress,
      invoiceNumberHash: invoiceNumberHash(r.invoice),
      amount: parseAmount(r.amount, governor.decimals),
      invoiceTotal: parseAmount(r.invoiceTotal, governor.decimals),
      computeClass: await resolveClass(governor, r.computeClass),
      serviceFromDay: today - SERVICE_DAYS.redemption.from,
      serviceToDay: today - SERVICE_DAYS.redemption.to,
      gpuCentihours: parseAmount(r.gpuHours, 2),
      contractDay: today - SERVICE_DAYS.redemption.contract,
      evidence: evidence(r.invoice, r.electricityKwh),
      unrelated: true,
      epoch: Number((await governor.ledger.getAccount(address(voucher.holder))).consentEpoch),
      deadline: now + DAY,
    };
    const signature = await devAccount(voucher.holder).signTypedData(domain, CONSENT_TYPES, consent);
    await submitCall(supplier, {
      target: deployment.ledger,
      data: supplier.ledger.interface.encodeFunctionData("redeem", [consent, signature]),
      label: `redeem ${r.amount} CNY of voucher ${r.voucher} for invoice ${r.invoice}`,
    });
    if (r.clawBack !== undefined) {
      await submitCall(governor, {
        target: deployment.ledger,
        data: governor.ledger.interface.encodeFunctionData("clawBackRedemption", [
          voucher.id, companyOf(r.supplier).id, invoiceNumberHash(r.invoice), parseAmount(r.clawBack.amount, governor.decimals), reasonCode(r.clawBack.reason),
        ]),
        label: `claw back ${r.clawBack.amount} CNY of the redemption of ${r.voucher}`,
      });
    }
  }
  log(`demo: ${DEMO_REDEMPTIONS.length} redemptions by the data centers with the holders' consents (one clawed back in part)`);

  // Buyers' claims: the supplier attests the invoice, the holder claims, the issuer reviews.
  for (const c of DEMO_CLAIMS) {
    const voucher = vouchers.get(c.voucher)!;
    const supplierAccount = companyOf(c.supplier).account;
    const kwh = 10_000;
    const invoice = {
      invoice: c.invoice, total: c.invoiceTotal, computeClass: "domestic-compute", gpuHours: c.gpuHours,
      serviceFrom: dateOfDay(today - SERVICE_DAYS.claim.from), serviceTo: dateOfDay(today - SERVICE_DAYS.claim.to),
    };
    const attestation = await attestInvoice(await as(supplierAccount), { ...invoice, buyer: address(voucher.holder) });
    const e = evidence(c.invoice, kwh);
    const claimId = await submitClaim(await as(voucher.holder), {
      ...invoice, id: voucher.id.toString(), amount: c.amount, supplier: address(supplierAccount),
      contractDate: dateOfDay(today - SERVICE_DAYS.claim.contract), attestation, unrelated: true,
      paymentCommitment: e.paymentCommitment, contractCommitment: e.contractCommitment, invoiceCommitment: e.invoiceCommitment,
      electricityKwh: String(kwh), assessmentCommitment: e.assessmentCommitment,
    });
    if (c.review === "approve") await approveClaim(issuer, { claim: claimId.toString() });
    else if (c.review !== "pending") await rejectClaim(issuer, { claim: claimId.toString(), reason: c.review.reject });
  }
  log(`demo: ${DEMO_CLAIMS.length} buyer's claims under Qingyang's programme (approved, rejected, pending review)`);

  // The finance bureau's book.
  const finance = await as(V2_ACCOUNTS.finance);
  const year = String(fiscalYearOf(now));
  for (const p of DEMO_PAYMENTS) {
    const entry = await recordPayment(finance, {
      programme: programme(p.programme), payee: String(companyOf(p.payee).id), year, amount: p.amount, reference: p.reference,
      salt: keccakText(`demo:salt:${p.reference}`),
    });
    if (p.corrected !== undefined) await correctEntry(finance, { entry: entry.toString(), reason: p.corrected });
  }
  log(`demo: ${DEMO_PAYMENTS.length} payments recorded by the finance bureau (one corrected)`);
  return {
    created: true,
    programmes: programmeIds.size,
    companies: DEMO_COMPANIES.length,
    vouchers: DEMO_VOUCHERS.length,
    redemptions: DEMO_REDEMPTIONS.length,
    claims: DEMO_CLAIMS.length,
    payments: DEMO_PAYMENTS.length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const provider = new JsonRpcProvider(process.argv[2] ?? "http://127.0.0.1:8545");
  const chainId = (await provider.getNetwork()).chainId;
  await setUpDemoV2(provider, await readV2Deployment(v2DeploymentPath(chainId)));
  provider.destroy();
}
