import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { dataSlice, encodeBytes32String, getAddress, id as keccakText, type Result } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { type V2Deployment, v2DeploymentPath, writeV2Deployment } from "../../../service/domain/deployment.js";
import { invoiceNumberHash } from "../../../service/domain/identity.js";
import { CLAIM_STATUS, ENTRY_KIND, INVOICE_FLAG, invoiceKey, VOUCHER_FLAG, VOUCHER_STATUS_V2 } from "../../../service/domain/ledger-v2.js";
import type { Queryable } from "../../../service/store/database.js";
import {
  addBuyerProgramme,
  addEntity,
  CATEGORY,
  CLASS,
  CNY,
  creditCode,
  FIXTURE_RATIOS,
  invoiceNumber,
  issueVoucher,
  ROLES,
  type SchemeFixture,
  deploySchemeFixture,
  signedClaim,
  signedConsent,
  submitClaim,
  YEAR,
} from "../../helpers/scheme-fixture.js";
import { mirrorTestEnv, type TestDatabase } from "./mirror.js";
import { rpcCall } from "./node.js";

export interface TestLedgerV2 {
  connection: NetworkConnection;
  f: SchemeFixture;
  deployment: V2Deployment;
  /** The deployment record, written where the mirror reads it (DEPLOYMENT_FILE). */
  deploymentFile: string;
  /** The buyers' programme (claims), beside the fixture's suppliers' programme. */
  buyerProgramme: bigint;
  counter: number;
}

/**
 * Deploys ledger v2 to a node (the contract tests' fixture: classes, categories, a suppliers' programme, companies,
 * an accredited supplier), adds a buyers' programme, and records the deployment as `ledger deploy --v2` does, in a
 * temporary folder.
 */
export async function deployTestLedgerV2(url: string): Promise<TestLedgerV2> {
  const connection = await network.create({ network: "localhost", override: { url } });
  const { ethers } = connection;
  const first = (await ethers.provider.getBlockNumber()) + 1;
  const f = await deploySchemeFixture(ethers);
  const buyerProgramme = await addBuyerProgramme(f);
  const block = (await ethers.provider.getBlock(first))!;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const deployment: V2Deployment = {
    chainId,
    ledger: await f.ledger.getAddress(),
    registry: await f.registry.getAddress(),
    payments: await f.payments.getAddress(),
    accessManager: await f.manager.getAddress(),
    forwarder: await f.forwarder.getAddress(),
    deploymentBlock: block.number,
    deploymentBlockHash: block.hash!,
    deployedAt: new Date(block.timestamp * 1000).toISOString(),
  };
  const deploymentFile = v2DeploymentPath(chainId, await mkdtemp(join(tmpdir(), "cvl-v2-deployment-")));
  await writeV2Deployment(deployment, deploymentFile);
  return { connection, f, deployment, deploymentFile, buyerProgramme, counter: 0 };
}

/** The mirror's environment for a v2 deployment (small log ranges, so that projection runs batch by batch). */
export function mirrorEnvV2(url: string, t: TestLedgerV2, db: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return { ...mirrorTestEnv(url, db), FINALITY_DEPTH: "64", LEDGER_VERSION: "2", DEPLOYMENT_FILE: t.deploymentFile, ...extra };
}

const reason = (text: string) => encodeBytes32String(text);
const wait = async (tx: Promise<{ wait: () => Promise<unknown> }>) => {
  await (await tx).wait();
};

/**
 * One round of everything ledger v2 records: issue, two supplier redemptions, a buyer's claim approved and another
 * rejected, payments to the supplier and the buyer, a correction, clawbacks of a redemption and of a claim (with the
 * repayment it makes receivable), a revocation, freeze and unfreeze, a re-issue to another address of the company,
 * and the registry's changes (a company with an address added and removed, its category, a relation recorded and
 * cleared, a suspension and reinstatement, a pause and resume, a new ratio table). Each round uses new references.
 */
export async function runV2Workload(t: TestLedgerV2): Promise<void> {
  const { f } = t;
  const n = ++t.counter;
  const r = f.registry.connect(f.governor);
  const supplier = Number(f.entities.supplier);
  const buyer = Number(f.entities.startup);
  const invoice = (k: number) => 1000 * n + k;

  const v1 = await issueVoucher(f, `HZ-${n}-1`, 1_000_000n * CNY);
  const first = await signedConsent(f, v1, 30_000n * CNY, invoice(1));
  await wait(f.ledger.connect(f.supplier).redeem(first.consent, first.signature));
  const second = await signedConsent(f, v1, 20_000n * CNY, invoice(2));
  await wait(f.ledger.connect(f.supplier).redeem(second.consent, second.signature));

  const v2 = await issueVoucher(f, `BJ-${n}-1`, 1_000_000n * CNY, f.holder.address, 0n, t.buyerProgramme);
  const approved = await signedClaim(f, v2, 300_000n * CNY, invoice(10));
  const approvedId = await submitClaim(f, approved.claim, approved.signature);
  await wait(f.ledger.connect(f.issuer).approveClaim(approvedId));
  const rejected = await signedClaim(f, v2, 100_000n * CNY, invoice(11));
  const rejectedId = await submitClaim(f, rejected.claim, rejected.signature);
  await wait(f.ledger.connect(f.issuer).rejectClaim(rejectedId, reason("no-proof")));
  // A third claim stays pending: its value is held off the voucher.
  const pending = await signedClaim(f, v2, 50_000n * CNY, invoice(12));
  await submitClaim(f, pending.claim, pending.signature);

  const pay = f.payments.connect(f.finance);
  const entries = Number(await f.payments.entryCount());
  await wait(pay.recordPayment(f.programme, supplier, f.year, 30_000n * CNY, keccakText(`transfer:${n}:1`)));
  await wait(pay.correctEntry(entries + 1, reason("wrong-account")));
  await wait(f.ledger.connect(f.governor).clawBackRedemption(v1, supplier, invoiceNumberHash(invoiceNumber(invoice(2))), 5_000n * CNY, reason("red-letter")));
  await wait(pay.recordPayment(f.programme, supplier, f.year, 45_000n * CNY, keccakText(`transfer:${n}:2`)));
  await wait(pay.recordPayment(t.buyerProgramme, buyer, f.year, 300_000n * CNY, keccakText(`transfer:${n}:3`)));
  await wait(f.ledger.connect(f.governor).clawBackClaim(approvedId, 100_000n * CNY, reason("related-party")));
  await wait(pay.recordRepayment(t.buyerProgramme, buyer, f.year, 100_000n * CNY, keccakText(`repay:${n}`)));

  const v3 = await issueVoucher(f, `HZ-${n}-3`, 10_000n * CNY);
  await wait(f.ledger.connect(f.issuer).revoke(v3, reason("withdrawn")));
  await wait(f.ledger.connect(f.guardian).freeze(v1, reason("inquiry")));
  await wait(f.ledger.connect(f.governor).unfreeze(v1, reason("cleared")));
  await wait(f.ledger.connect(f.issuer).requestReissue(v1, f.holder2.address, reason("lost-key")));
  await wait(f.ledger.connect(f.governor).approveReissue(v1));
  // A voucher left with a re-issue pending.
  const v4 = await issueVoucher(f, `HZ-${n}-4`, 5_000n * CNY, f.holder2.address);
  await wait(f.ledger.connect(f.issuer).requestReissue(v4, f.holder.address, reason("lost-key")));

  // An address of the round's new company (it never signs): an address acts for one company at most, for good.
  const newcomer = getAddress(dataSlice(keccakText(`newcomer:${n}`), 12));
  const company = await addEntity(f, creditCode(n), ROLES.BENEFICIARY, CATEGORY.OTHER, [newcomer]);
  await wait(r.setEntityCategory(company, CATEGORY.STARTUP, reason("re-assessed")));
  await wait(r.removeAddress(newcomer, reason("left")));
  await wait(r.recordRelation(company, supplier, reason("shareholder")));
  await wait(r.recordRelation(f.entities.company, supplier, reason("shareholder")));
  await wait(r.clearRelation(f.entities.company, supplier, reason("sold")));
  await wait(f.registry.connect(f.guardian).suspend(supplier, t.buyerProgramme, reason("audit")));
  await wait(r.reinstate(supplier, t.buyerProgramme, reason("audited")));
  await wait(f.registry.connect(f.guardian).suspend(supplier, t.buyerProgramme, reason("audit-2")));
  await wait(f.registry.connect(f.guardian).pauseProgramme(t.buyerProgramme, reason("review")));
  await wait(r.resumeProgramme(t.buyerProgramme, reason("reviewed")));
  // Other compute's ratios change; domestic compute's, which the redemptions use, stay.
  await wait(r.setRatios(f.programme, FIXTURE_RATIOS.map((x) => ({ ...x, bps: x.computeClass === CLASS.OTHER ? Number(x.bps) - n : x.bps }))));
  // Accrediting again lifts the suspension (SupplierAccredited, then SupplierReinstated).
  const now = BigInt((await f.ethers.provider.getBlock("latest"))!.timestamp);
  await wait(r.accredit(supplier, t.buyerProgramme, now, now + 3n * YEAR, 0b11));
}

/** Every v2 table with the order that makes a dump comparable. */
const V2_CONTENT: [table: string, order: string][] = [
  ["events", "block_number, log_index"],
  ["role_members", "role_id, account"],
  ["v2_classes", "id"],
  ["v2_categories", "id"],
  ["v2_programmes", "id"],
  ["v2_periods", "programme, year"],
  ["v2_ratios", "programme, compute_class, category"],
  ["v2_entities", "id"],
  ["v2_entity_addresses", "account"],
  ["v2_relations", "beneficiary, supplier"],
  ["v2_accreditations", "supplier, programme"],
  ["v2_issuers", "issuer, programme"],
  ["v2_vouchers", "id"],
  ["v2_invoices", "invoice_key"],
  ["v2_redemptions", "block_number, log_index"],
  ["v2_claims", "claim_id"],
  ["v2_clawbacks", "block_number, log_index"],
  ["v2_payment_entries", "entry_id"],
  ["v2_corrections", "block_number, log_index"],
  ["v2_operations", "operation_id, nonce"],
  ["v2_safe_transactions", "block_number, log_index"],
  ["v2_acts", "block_number, log_index"],
  // Every version of every derived row, with its block range (what rollbacks and atBlock read).
  ["derived_versions", "table_name, key::text, valid_from"],
];

/** The v2 mirror's content as text, table by table, to compare two mirrors. */
export async function dumpV2(db: Queryable): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, order] of V2_CONTENT) {
    const rows = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${table} t ORDER BY ${order}`);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

type Rows = Record<string, string | boolean | null>[];

/**
 * Asserts that the v2 mirror equals the chain: the raw log holds exactly the node's logs of the four contracts, and
 * every typed table agrees with the contracts' own views (vouchers, programmes' periods and totals, ratios, companies
 * and their addresses, relations, accreditations, issuers, invoices, claims, payment entries, and per payee what was
 * earned against what is payable and receivable). Returns the number of events compared.
 */
export async function expectV2MirrorEqualsChain(db: Queryable, t: TestLedgerV2, url: string): Promise<number> {
  const { f, deployment: d } = t;
  const head = Number(await rpcCall<string>(url, "eth_blockNumber"));
  const logs = await rpcCall<{ blockHash: string; logIndex: string; blockNumber: string }[]>(url, "eth_getLogs", [
    { address: [d.ledger, d.registry, d.payments, d.accessManager], fromBlock: `0x${d.deploymentBlock.toString(16)}`, toBlock: `0x${head.toString(16)}` },
  ]);
  const fromNode = logs.map((l) => `${Number(l.blockNumber)}:${Number(l.logIndex)}:${l.blockHash}`).sort();
  const mirrored = (await db.query<{ k: string }>("SELECT block_number::text || ':' || log_index::text || ':' || block_hash AS k FROM events"))
    .map((r) => r.k).sort();
  expect(mirrored).to.deep.equal(fromNode);
  const q = (sql: string) => db.query(sql) as Promise<Rows>;

  // Vouchers.
  const vouchers = await q("SELECT id::text, holder, remaining::text, expires_at::text, status, frozen, reissue_to FROM v2_vouchers");
  expect(vouchers.length).to.be.greaterThan(0);
  for (const v of vouchers) {
    const c = await f.ledger.getVoucher(BigInt(v.id as string));
    const [to] = await f.ledger.pendingReissue(BigInt(v.id as string));
    expect(v, `voucher ${v.id}`).to.deep.equal({
      id: v.id, holder: c.holder, remaining: c.remaining.toString(), expires_at: c.expiresAt.toString(),
      status: VOUCHER_STATUS_V2[Number(c.status)], frozen: (Number(c.flags) & VOUCHER_FLAG.FROZEN) !== 0,
      reissue_to: (Number(c.flags) & VOUCHER_FLAG.REISSUE_PENDING) !== 0 ? to : null,
    });
  }

  // Programmes: rules, pause, ratios, totals and periods.
  const programmes = await q(
    `SELECT id::text, name, paused, issued::text, redeemed_by_suppliers::text, claimed_by_buyers::text, held::text,
            revoked::text, expired::text, clawed_back::text, outstanding::text FROM v2_programmes ORDER BY id`,
  );
  expect(programmes.length).to.equal(Number(await f.registry.programmeCount()));
  for (const p of programmes) {
    const id = BigInt(p.id as string);
    const [rules, paused, ratios] = await f.registry.getProgramme(id);
    const totals = await f.ledger.programmeTotals(id);
    expect(p, `programme ${p.id}`).to.deep.equal({
      id: p.id, name: rules.name, paused, issued: totals.issued.toString(), redeemed_by_suppliers: totals.redeemedBySuppliers.toString(),
      claimed_by_buyers: totals.claimedByBuyers.toString(), held: totals.held.toString(), revoked: totals.revoked.toString(),
      expired: totals.expired.toString(), clawed_back: totals.clawedBack.toString(), outstanding: totals.outstanding.toString(),
    });
    const mirroredRatios = await db.query<{ r: string }>(
      `SELECT compute_class || ':' || category || ':' || bps AS r FROM v2_ratios WHERE programme = ${id} ORDER BY 1`,
    );
    expect(mirroredRatios.map((x) => x.r), `ratios of programme ${id}`).to.deep.equal(
      (ratios as unknown as Result[]).map((x) => `${x[0]}:${x[1]}:${x[2]}`).sort(),
    );
  }
  const periods = await q("SELECT programme::text, year::text, budget::text, issued::text, revoked::text, expired::text, clawed_back::text FROM v2_periods");
  for (const p of periods) {
    const c = await f.ledger.getPeriod(BigInt(p.programme as string), Number(p.year));
    expect(p, `period ${p.programme}/${p.year}`).to.deep.equal({
      programme: p.programme, year: p.year, budget: c.budget.toString(), issued: c.issued.toString(), revoked: c.revoked.toString(),
      expired: c.expired.toString(), clawed_back: c.clawedBack.toString(),
    });
  }

  // Companies, their addresses, relations, accreditations, issuers.
  const entities = await q("SELECT id::text, credit_code_hash, roles::text, category::text, relations::text FROM v2_entities");
  expect(entities.length).to.equal(Number(await f.registry.entityCount()));
  for (const e of entities) {
    const c = await f.registry.getEntity(BigInt(e.id as string));
    expect(e, `company ${e.id}`).to.deep.equal({
      id: e.id, credit_code_hash: c.creditCodeHash, roles: c.roles.toString(), category: c.category.toString(), relations: c.relations.toString(),
    });
  }
  for (const a of await q("SELECT account, entity::text, active FROM v2_entity_addresses")) {
    const [entity, active] = await f.registry.entityOf(a.account as string);
    expect(a, `address ${a.account}`).to.deep.equal({ account: a.account, entity: entity.toString(), active });
  }
  const relations = await q("SELECT beneficiary::text, supplier::text, reason FROM v2_relations");
  for (const r of relations) expect(await f.registry.relationOf(BigInt(r.beneficiary as string), BigInt(r.supplier as string))).to.equal(r.reason);
  const related = await f.registry.getEntity(f.entities.company);
  expect(relations.filter((r) => r.beneficiary === String(f.entities.company)).length).to.equal(Number(related.relations));
  for (const a of await q("SELECT supplier::text, programme::text, valid_from::text, valid_until::text, classes_mask::text, suspended, reason FROM v2_accreditations")) {
    const c = await f.registry.getAccreditation(BigInt(a.supplier as string), BigInt(a.programme as string));
    expect(a, `accreditation ${a.supplier}/${a.programme}`).to.deep.equal({
      supplier: a.supplier, programme: a.programme, valid_from: c.validFrom.toString(), valid_until: c.validUntil.toString(),
      classes_mask: c.classes.toString(), suspended: c.suspended, reason: c.reason,
    });
  }
  for (const i of await q("SELECT issuer, programme::text FROM v2_issuers")) {
    expect(await f.registry.isIssuer(i.issuer as string, BigInt(i.programme as string)), `issuer ${i.issuer}`).to.equal(true);
  }

  // Invoices and claims.
  for (const i of await q(
    `SELECT invoice_key, supplier_entity::text, invoice_number_hash, total::text, subsidised::text, beneficiary_entity::text,
            programme_count::text, first_programme::text, compute_class::text, gpu_centihours::text, paid_to_buyer, pending FROM v2_invoices`,
  )) {
    const c = await f.ledger.getInvoice(i.invoice_key as string);
    expect(await f.ledger.invoiceKey(BigInt(i.supplier_entity as string), i.invoice_number_hash as string)).to.equal(i.invoice_key);
    expect(invoiceKey(i.supplier_entity as string, i.invoice_number_hash as string)).to.equal(i.invoice_key);
    expect(i, `invoice ${i.invoice_key}`).to.deep.equal({
      ...i, total: c.total.toString(), subsidised: c.subsidised.toString(), beneficiary_entity: c.beneficiaryEntity.toString(),
      programme_count: c.count.toString(), first_programme: c.firstProgramme.toString(), compute_class: c.computeClass.toString(),
      gpu_centihours: c.gpuCentihours.toString(), paid_to_buyer: (Number(c.flags) & INVOICE_FLAG.BUYER) !== 0,
      pending: (Number(c.flags) & INVOICE_FLAG.PENDING) !== 0,
    });
  }
  const claims = await q(
    `SELECT claim_id::text, voucher_id::text, invoice_key, programme::text, beneficiary_entity::text, supplier_entity::text,
            amount::text, submitted_at::text, status, clawed_back::text FROM v2_claims`,
  );
  expect(claims.length).to.equal(Number(await f.ledger.claimCount()));
  for (const c of claims) {
    const o = await f.ledger.getClaim(BigInt(c.claim_id as string));
    expect(c, `claim ${c.claim_id}`).to.deep.equal({
      claim_id: c.claim_id, voucher_id: o.voucherId.toString(), invoice_key: o.invoiceKey, programme: o.programme.toString(),
      beneficiary_entity: o.beneficiaryEntity.toString(), supplier_entity: o.supplierEntity.toString(), amount: o.amount.toString(),
      submitted_at: o.submittedAt.toString(), status: CLAIM_STATUS[Number(o.status)], clawed_back: o.clawedBack.toString(),
    });
  }

  // Payment entries, and per payee: earned (redemptions and approved claims, less clawbacks) against the book.
  const entries = await q("SELECT entry_id::text, kind, programme::text, payee::text, year::text, amount::text, recorded_at::text, corrected, reference_commitment FROM v2_payment_entries");
  expect(entries.length).to.equal(Number(await f.payments.entryCount()));
  for (const e of entries) {
    const o = await f.payments.getEntry(BigInt(e.entry_id as string));
    expect(e, `entry ${e.entry_id}`).to.deep.equal({
      entry_id: e.entry_id, kind: ENTRY_KIND[Number(o.kind)], programme: o.programme.toString(), payee: o.payee.toString(),
      year: o.year.toString(), amount: o.amount.toString(), recorded_at: o.recordedAt.toString(), corrected: o.corrected,
      reference_commitment: o.referenceCommitment,
    });
  }
  const payees = await q(`
    WITH earned AS (
      SELECT programme, supplier_entity AS payee, amount - clawed_back AS amount FROM v2_redemptions
      UNION ALL SELECT programme, beneficiary_entity, amount - clawed_back FROM v2_claims WHERE status = 'Approved'),
    book AS (
      SELECT programme, payee, CASE kind WHEN 'Payment' THEN amount ELSE -amount END AS amount
        FROM v2_payment_entries WHERE NOT corrected)
    SELECT p.programme::text, p.payee::text,
           (SELECT coalesce(sum(amount), 0) FROM earned e WHERE e.programme = p.programme AND e.payee = p.payee)::text AS earned,
           (SELECT coalesce(sum(amount), 0) FROM book b WHERE b.programme = p.programme AND b.payee = p.payee)::text AS paid
      FROM (SELECT programme, payee FROM earned UNION SELECT programme, payee FROM book) p`);
  expect(payees.length).to.be.greaterThan(1);
  for (const p of payees) {
    const [programme, payee] = [BigInt(p.programme as string), BigInt(p.payee as string)];
    const earned = await f.ledger.earned(programme, payee);
    const open = (await f.payments.payableTo(programme, payee)) - (await f.payments.receivable(programme, payee));
    expect({ earned: p.earned, open: (BigInt(p.earned as string) - BigInt(p.paid as string)).toString() }, `payee ${payee} of ${programme}`)
      .to.deep.equal({ earned: earned.toString(), open: open.toString() });
  }

  const members = await q("SELECT role_id::text, account, role_name FROM role_members");
  for (const m of members) expect((await f.manager.hasRole(BigInt(m.role_id as string), m.account as string))[0], `role ${m.role_name}`).to.equal(true);
  expect(members.map((m) => m.role_name)).to.include.members(["ADMIN", "GOVERNOR", "GUARDIAN", "ISSUER", "AUDITOR", "FINANCE"]);
  return logs.length;
}
