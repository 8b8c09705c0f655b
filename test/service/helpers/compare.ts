import { expect } from "chai";

import type { Queryable } from "../../../service/store/database.js";
import type { TestLedger } from "./ledger.js";
import { rpcCall } from "./node.js";

/** Every table the mirror's content lives in, with the order that makes a dump comparable. */
const CONTENT: [table: string, order: string][] = [
  ["events", "block_number, log_index"],
  ["cities", "city"],
  ["vouchers", "id"],
  ["redemptions", "block_number, log_index"],
  ["accreditations", "data_center, city"],
  ["accreditation_history", "block_number, log_index"],
  ["issuers", "issuer"],
  ["role_members", "role_id, account"],
  // Every version of every derived row, with its block range (what rollbacks and atBlock read).
  ["derived_versions", "table_name, key::text, valid_from"],
];

/** The mirror's content as text, table by table (and its checkpoint), to compare two mirrors. */
export async function dump(db: Queryable): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, order] of CONTENT) {
    const rows = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${table} t ORDER BY ${order}`);
    out[table] = rows.map((r) => r.row);
  }
  const checkpoint = await db.query<{ row: string }>(
    "SELECT json_build_object('number', block_number, 'hash', block_hash)::text AS row FROM sync_checkpoint",
  );
  out.checkpoint = checkpoint.map((r) => r.row);
  return out;
}

const STATUS = ["None", "Active", "Redeemed", "Revoked", "Expired", "Reissued"];

/**
 * Asserts the mirror equals the chain: the raw log holds exactly the logs the node returns for the two contracts,
 * every voucher's record and every city's parameters and counters match what the contract says, and the role
 * members are members on chain. Returns the number of events compared.
 */
export async function expectMirrorEqualsChain(db: Queryable, t: TestLedger, url: string): Promise<number> {
  const head = Number(await rpcCall<string>(url, "eth_blockNumber"));
  const addresses = [await t.ledger.getAddress(), await t.manager.getAddress()];
  const logs = await rpcCall<{ blockHash: string; logIndex: string; transactionHash: string; blockNumber: string }[]>(
    url, "eth_getLogs", [{ address: addresses, fromBlock: `0x${t.deploymentBlock.toString(16)}`, toBlock: `0x${head.toString(16)}` }],
  );
  const fromNode = logs
    .map((l) => `${Number(l.blockNumber)}:${Number(l.logIndex)}:${l.blockHash}:${l.transactionHash}`)
    .sort();
  const mirrored = (
    await db.query<{ k: string }>(
      "SELECT block_number::text || ':' || log_index::text || ':' || block_hash || ':' || transaction_hash AS k FROM events",
    )
  ).map((r) => r.k).sort();
  expect(mirrored).to.deep.equal(fromNode);
  const checkpoint = await db.query<{ n: string }>("SELECT block_number::text AS n FROM sync_checkpoint");
  expect(Number(checkpoint[0]?.n)).to.equal(head);

  const vouchers = await db.query<Record<string, string | null>>(
    `SELECT id::text, city::text, holder, face_value::text, remaining::text, status, issued_at::text, expires_at::text,
            reissued_from::text, reissued_to::text FROM vouchers`,
  );
  const issuedOnChain = logs.length === 0 ? 0 : (await db.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM events WHERE event_name IN ('VoucherIssued', 'VoucherReissued')",
  ))[0]!.n;
  expect(vouchers.length).to.equal(Number(issuedOnChain));
  for (const v of vouchers) {
    const r = await t.ledger.getVoucher(BigInt(v.id!));
    expect({
      city: v.city, holder: v.holder, faceValue: v.face_value, remaining: v.remaining, status: v.status,
      issuedAt: v.issued_at, expiresAt: v.expires_at, from: v.reissued_from ?? "0", to: v.reissued_to ?? "0",
    }, `voucher ${v.id}`).to.deep.equal({
      city: r.city.toString(), holder: r.holder, faceValue: r.faceValue.toString(), remaining: r.remaining.toString(),
      status: STATUS[Number(r.status)], issuedAt: r.issuedAt.toString(), expiresAt: r.expiresAt.toString(),
      from: r.reissuedFrom.toString(), to: r.reissuedTo.toString(),
    });
  }

  const codes = (await t.ledger.cityCodes()).map(Number).sort();
  const cities = await db.query<Record<string, string>>(
    `SELECT city::text, name, budget::text, ratio_bps::text, issued::text, redeemed::text, revoked::text, expired::text,
            outstanding::text FROM cities ORDER BY city`,
  );
  expect(cities.map((c) => Number(c.city))).to.deep.equal(codes);
  for (const c of cities) {
    const counters = await t.ledger.getCityCounters(Number(c.city));
    const params = await t.ledger.getCity(Number(c.city));
    expect(c, `city ${c.city}`).to.deep.equal({
      city: c.city, name: params.name, budget: params.budget.toString(), ratio_bps: params.ratioBps.toString(),
      issued: counters.issued.toString(), redeemed: counters.redeemed.toString(), revoked: counters.revoked.toString(),
      expired: counters.expired.toString(), outstanding: counters.outstanding.toString(),
    });
  }

  const members = await db.query<{ role_id: string; account: string }>("SELECT role_id::text, account FROM role_members");
  for (const m of members) {
    const [isMember] = await t.manager.hasRole(BigInt(m.role_id), m.account);
    expect(isMember, `role ${m.role_id} of ${m.account}`).to.equal(true);
  }
  expect(members.length).to.be.greaterThan(3);
  return logs.length;
}
