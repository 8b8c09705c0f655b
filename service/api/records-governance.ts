import { getAddress } from "ethers";
import { z } from "zod";

import { SAFE_SIGNATURE_KINDS } from "../chain/safe.js";
import { functionName, type GovernedContract } from "../domain/governed-functions.js";
import type { RequestContext } from "./context.js";
import { addressSchema, hashSchema, timeSchema } from "./format.js";

/**
 * Who acted in ledger v2 (the tables of service/store/migrations-governance.ts) on the wire: the AccessManager's
 * scheduled operations, the Safe's transactions with the owners who signed them, and the `authorisation` of an event
 * whose sender is the AccessManager (a delayed call executed) or the Safe (an ADMIN action).
 */

type Row = Record<string, unknown>;
const int = z.number().int();
const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

const CONTRACTS = ["ledger", "registry", "payments", "accessManager"] as const;

/** Which of ledger v2's contracts an address is, if any. */
function contractAt(ctx: RequestContext, address: string): GovernedContract | null {
  const a = getAddress(address);
  if (a === ctx.target.ledger) return "ledger";
  if (a === ctx.target.accessManager) return "accessManager";
  if (a === ctx.target.v2?.registry) return "registry";
  if (a === ctx.target.v2?.payments) return "payments";
  return null;
}

const callShape = {
  target: addressSchema,
  contract: z.enum(CONTRACTS).nullable().meta({ description: "Which of the ledger's contracts the target is (null: another)" }),
  selector: z.string().regex(/^0x[0-9a-f]{0,8}$/).meta({ description: "The call's first four bytes (0x alone for none)" }),
  function: z.string().nullable().meta({ description: "The function called, when the target is one of the ledger's contracts" }),
  data: z.string().regex(/^0x[0-9a-f]*$/),
};

function call(ctx: RequestContext, target: unknown, selector: unknown, data: unknown) {
  const contract = contractAt(ctx, String(target));
  return {
    target: ctx.format.address(target), contract, selector: String(selector),
    function: contract === null ? null : functionName(contract, String(selector)), data: String(data),
  };
}

export const safeSignerSchema = z
  .strictObject({
    owner: addressSchema,
    kind: z.enum([...SAFE_SIGNATURE_KINDS, "executor"]).meta({
      description:
        "How the owner approved: an ECDSA signature of the Safe transaction hash, eth_sign, a contract's signature, the hash approved on chain (approveHash), or as the account that executed it",
    }),
  })
  .meta({ id: "SafeSigner" });

/** A Safe transaction as it authorised something: the Safe, its hash and nonce, who signed and who sent it. */
export const safeApprovalSchema = z
  .strictObject({
    safe: addressSchema,
    safeTxHash: hashSchema,
    nonce: z.string().regex(/^[0-9]+$/),
    signers: z.array(safeSignerSchema).meta({ description: "The owners whose approvals it carried (the Safe's threshold of them)" }),
    sender: addressSchema.meta({ description: "The account that sent the Safe transaction (execTransaction's caller)" }),
    transactionHash: hashSchema,
    blockNumber: int,
  })
  .meta({ id: "SafeApproval" });

/** SQL: a Safe transaction row `s` as the JSON {@link safeApprovalFrom} reads. */
const SAFE_JSON = `json_build_object('safe', s.safe, 'safeTxHash', s.safe_tx_hash, 'nonce', s.safe_nonce::text, 'signers', s.signers,
  'kinds', s.signer_kinds, 'sender', s.sender, 'transactionHash', s.transaction_hash, 'blockNumber', s.block_number)`;

/** SQL: the Safe transaction the event at (blockHash, logIndex) was emitted inside, as JSON, or null. */
export function safeAround(blockHash: string, logIndex: string): string {
  return `(SELECT ${SAFE_JSON} FROM v2_acts a JOIN v2_safe_transactions s ON s.block_hash = a.block_hash AND s.log_index = a.safe_log_index
     WHERE a.block_hash = ${blockHash} AND a.log_index = ${logIndex} AND s.safe_tx_hash IS NOT NULL)`;
}

function safeApprovalFrom(value: unknown, ctx: RequestContext): z.input<typeof safeApprovalSchema> | null {
  const s = json(value) as Row | null;
  if (s === null || s === undefined) return null;
  const kinds = (s.kinds as string[] | null) ?? [];
  return {
    safe: ctx.format.address(s.safe), safeTxHash: String(s.safeTxHash), nonce: String(s.nonce),
    signers: ((s.signers as string[] | null) ?? []).map((owner, i) => ({ owner: ctx.format.address(owner), kind: kinds[i] as never })),
    sender: ctx.format.address(s.sender), transactionHash: String(s.transactionHash), blockNumber: Number(s.blockNumber),
  };
}

// ------------------------------------------------------------------------------------------------------------------

export const OPERATION_STATUS = ["Scheduled", "Executed", "Cancelled"] as const;

/** OpenZeppelin's AccessManager: a scheduled operation may be executed for a week from its time, then it expires. */
const EXPIRATION_SECONDS = 7 * 86_400;

export const operationSchema = z
  .strictObject({
    operationId: hashSchema,
    nonce: int.meta({ description: "The operation id's scheduling count: an id scheduled again has the next nonce" }),
    status: z.enum(OPERATION_STATUS),
    ...callShape,
    scheduledBy: addressSchema.meta({ description: "The role holder who scheduled it (the only account that may execute it)" }),
    scheduledThrough: safeApprovalSchema.nullable().meta({ description: "When the Safe scheduled it: its transaction and the owners who signed" }),
    scheduledAt: timeSchema,
    scheduledBlock: int,
    scheduledTx: hashSchema,
    executableFrom: timeSchema.meta({ description: "The earliest execution (the operation's schedule)" }),
    expiresAt: timeSchema.meta({ description: "Not executable after this (the AccessManager's expiration of a week)" }),
    executedBy: addressSchema.nullable().meta({ description: "Who executed it: its scheduler, as the AccessManager requires" }),
    closedAt: timeSchema.nullable().meta({ description: "When it was executed or cancelled" }),
    closedBlock: int.nullable(),
    closedTx: hashSchema.nullable(),
    closedThrough: safeApprovalSchema.nullable().meta({ description: "When the Safe executed or cancelled it: its transaction and the owners who signed" }),
    events: z.array(z.strictObject({ contract: z.string(), event: z.string(), blockNumber: int, logIndex: int })).meta({
      description: "The events its execution emitted (the ledger's name the AccessManager as their sender)",
    }),
  })
  .meta({ id: "GovernanceOperation" });

/** SQL: the events an act row set `a` holds, as a JSON array in chain order. */
const EVENTS_JSON = `coalesce(json_agg(json_build_object('contract', a.contract, 'event', a.event_name, 'blockNumber', a.block_number,
  'logIndex', a.log_index) ORDER BY a.block_number, a.log_index), '[]')`;

export const OPERATION_COLUMNS = `o.operation_id, o.nonce::text, o.status, o.caller, o.target, o.selector, o.data, o.executable_from::text,
  o.scheduled_at::text, o.scheduled_block::text, o.scheduled_log_index, o.scheduled_tx, o.closed_at::text, o.closed_block::text, o.closed_tx,
  ${safeAround("o.scheduled_block_hash", "o.scheduled_log_index")} AS scheduled_through,
  CASE WHEN o.closed_block_hash IS NULL THEN NULL ELSE ${safeAround("o.closed_block_hash", "o.closed_log_index")} END AS closed_through,
  (SELECT ${EVENTS_JSON} FROM v2_acts a WHERE a.operation_id = o.operation_id AND a.operation_nonce = o.nonce
     AND a.event_name NOT IN ('OperationExecuted', 'OperationCanceled')) AS events`;

export function operationRecord(row: Row, ctx: RequestContext): z.input<typeof operationSchema> {
  const f = ctx.format;
  const closed = row.closed_at !== null;
  const events = json(row.events) as Row[];
  return {
    operationId: String(row.operation_id), nonce: Number(row.nonce), status: String(row.status) as never,
    ...call(ctx, row.target, row.selector, row.data),
    scheduledBy: f.address(row.caller), scheduledThrough: safeApprovalFrom(row.scheduled_through, ctx),
    scheduledAt: f.time(row.scheduled_at), scheduledBlock: Number(row.scheduled_block), scheduledTx: String(row.scheduled_tx),
    executableFrom: f.time(row.executable_from), expiresAt: f.time(Number(row.executable_from) + EXPIRATION_SECONDS),
    executedBy: row.status === "Executed" ? f.address(row.caller) : null,
    closedAt: closed ? f.time(row.closed_at) : null, closedBlock: closed ? Number(row.closed_block) : null,
    closedTx: closed ? String(row.closed_tx) : null, closedThrough: safeApprovalFrom(row.closed_through, ctx),
    events: events.map((e) => ({ contract: String(e.contract), event: String(e.event), blockNumber: Number(e.blockNumber), logIndex: Number(e.logIndex) })),
  };
}

// ------------------------------------------------------------------------------------------------------------------

export const safeTransactionSchema = z
  .strictObject({
    safe: addressSchema,
    nonce: z.string().regex(/^[0-9]+$/),
    safeTxHash: hashSchema.nullable().meta({ description: "The hash the owners signed (null only while its transaction is incomplete in the mirror)" }),
    ...callShape,
    operation: z.enum(["call", "delegatecall"]),
    value: z.string().regex(/^[0-9]+$/).meta({ description: "Wei sent with the call" }),
    success: z.boolean().nullable(),
    threshold: int,
    signers: z.array(safeSignerSchema),
    sender: addressSchema.meta({ description: "The account that sent it (execTransaction's caller)" }),
    timestamp: timeSchema,
    blockNumber: int,
    transactionHash: hashSchema,
    events: z.array(z.strictObject({ contract: z.string(), event: z.string(), blockNumber: int, logIndex: int })).meta({
      description: "The events the call emitted (the ledger's AccessManager and contracts)",
    }),
  })
  .meta({ id: "SafeTransaction" });

export const SAFE_TRANSACTION_COLUMNS = `s.block_hash, s.log_index, s.block_number::text, s.block_timestamp::text, s.transaction_hash, s.safe,
  s.safe_nonce::text, s.sender, s.threshold, s.target, s.value::text, s.operation, s.selector, s.data, s.safe_tx_hash, s.signers,
  s.signer_kinds, s.success,
  (SELECT ${EVENTS_JSON} FROM v2_acts a WHERE a.block_hash = s.block_hash AND a.safe_log_index = s.log_index) AS events`;

export function safeTransactionRecord(row: Row, ctx: RequestContext): z.input<typeof safeTransactionSchema> {
  const f = ctx.format;
  const kinds = (row.signer_kinds as string[] | null) ?? [];
  const events = json(row.events) as Row[];
  return {
    safe: f.address(row.safe), nonce: String(row.safe_nonce), safeTxHash: row.safe_tx_hash === null ? null : String(row.safe_tx_hash),
    ...call(ctx, row.target, row.selector, row.data),
    operation: Number(row.operation) === 1 ? "delegatecall" : "call", value: String(row.value),
    success: row.success === null ? null : row.success === true, threshold: Number(row.threshold),
    signers: ((row.signers as string[] | null) ?? []).map((owner, i) => ({ owner: f.address(owner), kind: kinds[i] as never })),
    sender: f.address(row.sender), timestamp: f.time(row.block_timestamp), blockNumber: Number(row.block_number),
    transactionHash: String(row.transaction_hash),
    events: events.map((e) => ({ contract: String(e.contract), event: String(e.event), blockNumber: Number(e.blockNumber), logIndex: Number(e.logIndex) })),
  };
}

// ------------------------------------------------------------------------------------------------------------------

export const authorisationSchema = z
  .strictObject({
    operation: z
      .strictObject({
        operationId: hashSchema,
        nonce: int,
        scheduledBy: addressSchema,
        scheduledThrough: safeApprovalSchema.nullable(),
        scheduledAt: timeSchema,
        executableFrom: timeSchema,
        executedBy: addressSchema,
        executedThrough: safeApprovalSchema.nullable(),
        executedAt: timeSchema,
      })
      .nullable()
      .meta({ description: "The scheduled operation whose execution emitted it: the role holder who scheduled it, and when" }),
    safeTransaction: safeApprovalSchema.nullable().meta({ description: "The Safe transaction it was emitted inside, with the owners who signed" }),
  })
  .nullable()
  .meta({
    id: "Authorisation",
    description:
      "Who acted behind the sender the event names: null when the sender acted directly. A delayed call's events name the AccessManager; an ADMIN action's, the Safe.",
  });

/** SQL: the authorisation of the event at (blockHash, logIndex), as JSON, or null (read by {@link authorisationFrom}). */
export function authorisationSql(blockHash: string, logIndex: string): string {
  return `(SELECT json_build_object(
      'operation', (SELECT json_build_object('operationId', o.operation_id, 'nonce', o.nonce, 'caller', o.caller,
          'scheduledAt', o.scheduled_at, 'executableFrom', o.executable_from, 'closedAt', o.closed_at,
          'scheduledThrough', ${safeAround("o.scheduled_block_hash", "o.scheduled_log_index")},
          'closedThrough', ${safeAround("o.closed_block_hash", "o.closed_log_index")})
        FROM v2_operations o WHERE o.operation_id = a.operation_id AND o.nonce = a.operation_nonce),
      'safe', (SELECT ${SAFE_JSON} FROM v2_safe_transactions s WHERE s.block_hash = a.block_hash AND s.log_index = a.safe_log_index
        AND s.safe_tx_hash IS NOT NULL))
    FROM v2_acts a WHERE a.block_hash = ${blockHash} AND a.log_index = ${logIndex})`;
}

/**
 * SQL: the authorisation of the event named `events` (one of them) in block `block` whose raw-log column `column`
 * (`claim_id`, `entry_id`: the mirror's migration 12) is `value` (a record that keeps its block but not its log's
 * position).
 */
export function authorisationOfEvent(events: readonly string[], block: string, column: "claim_id" | "entry_id", value: string): string {
  return `(SELECT ${authorisationSql("e.block_hash", "e.log_index")} FROM events e
     WHERE e.block_number = ${block} AND e.event_name IN (${events.map((n) => `'${n}'`).join(", ")}) AND e.${column} = ${value}
     ORDER BY e.log_index LIMIT 1)`;
}

export function authorisationFrom(value: unknown, ctx: RequestContext): z.input<typeof authorisationSchema> {
  const a = json(value) as Row | null;
  if (a === null || a === undefined) return null;
  const o = a.operation as Row | null;
  const f = ctx.format;
  return {
    operation: o === null ? null : {
      operationId: String(o.operationId), nonce: Number(o.nonce), scheduledBy: f.address(o.caller),
      scheduledThrough: safeApprovalFrom(o.scheduledThrough, ctx), scheduledAt: f.time(o.scheduledAt), executableFrom: f.time(o.executableFrom),
      executedBy: f.address(o.caller), executedThrough: safeApprovalFrom(o.closedThrough, ctx), executedAt: f.time(o.closedAt),
    },
    safeTransaction: safeApprovalFrom(a.safe, ctx),
  };
}
