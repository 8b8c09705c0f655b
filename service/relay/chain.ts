import { concat, getAddress, type Interface, type Result, type TypedDataDomain } from "ethers";

import { atSteadyHead, type ChainProfile, type Fees, feesFor } from "../chain/profile.js";
import type { BlockTag, Rpc } from "../chain/rpc.js";
import { decodeRevert, type DecodedRevert, forwarderInterface, ledgerInterface } from "../domain/abi-v1.js";
import { ENTITY_ROLE, invoiceKey } from "../domain/ledger-v2.js";
import { decodeRevertV2, ledgerV2RedemptionInterface, programmeOfVoucher } from "../domain/redemption-v2.js";
import { consentV2Schema } from "../domain/redemption-wire-v2.js";
import { RpcError } from "../internal/errors.js";
import type { LedgerVersion } from "./ledger.js";
import type { RequestRow } from "./queue.js";

export type { Fees } from "../chain/profile.js";

/** What the relay reads from the chain: the contracts, their EIP-712 domains, and a few calls. */
export interface RelayChain {
  /** The service's JSON-RPC client (service/chain/rpc.ts), for what the submitter and the tracker send and follow. */
  rpc: Rpc;
  /** The ledger's version: 1 (ComputeVoucher) or 2 (VoucherLedger). */
  version: LedgerVersion;
  chainId: bigint;
  ledger: string;
  forwarder: string;
  consentDomain: TypedDataDomain;
  forwarderDomain: TypedDataDomain;
  /** The ledger's currency and the digits of its minor unit. */
  currency: string;
  decimals: number;
  /**
   * Runs the ledger's call as the forwarder would, with the data center appended (ERC-2771), so that a refusal
   * comes back as the ledger's own custom error rather than the forwarder's FailedCall().
   */
  simulate(dataCenter: string, data: string, block?: BlockTag): Promise<DecodedRevert | undefined>;
  forwarderNonce(dataCenter: string, block?: BlockTag): Promise<bigint>;
  /**
   * Ledger v2: the company a supplier address's accreditation for a programme names (0 if none), as the ledger keys the
   * invoices it pays. An address never moves to another company, so a company once read is kept.
   */
  supplierEntity(supplier: string, programme: number, block?: BlockTag): Promise<number>;
  /**
   * Ledger v2: a holder address's consent epoch (consents of another epoch are void) and whether it acts for a
   * beneficiary company now, read at `block`.
   */
  holderAccount(holder: string, block?: BlockTag): Promise<{ consentEpoch: number; beneficiary: boolean }>;
  /**
   * Whether the invoice of a stored request was redeemed by another transaction: v1's `invoiceUsed`; v2's
   * `invoicePaidBy(invoiceKey(supplier's company, number hash), voucher's programme)`, above zero.
   */
  invoiceUsed(row: Pick<RequestRow, "invoiceHash" | "body">): Promise<boolean>;
  /** The latest block's number and timestamp. */
  latest(): Promise<{ number: number; timestamp: bigint }>;
  /**
   * Runs `read` against one block's state, the latest, and returns it with that block: pinned by its number where the
   * node reads past state (the chain profile), else at the head, read before and after and the same block both times.
   */
  readAtHead<T>(read: (block: BlockTag) => Promise<T>): Promise<{ latest: { number: number; timestamp: bigint }; value: T }>;
  /** The fees of a new transaction: EIP-1559 where the node has fee history (the chain profile), else a legacy gas price. */
  fees(): Promise<Fees>;
}

/**
 * Calls a view function of a contract at `block` and decodes its answer. A revert, or an answer that does not decode
 * (no contract there yet, on a node that is behind), is an {@link RpcError}: the relay tries again.
 */
async function view(rpc: Rpc, contract: { address: string; abi: Interface }, fn: string, args: unknown[] = [], block: BlockTag = "latest"): Promise<Result> {
  const answer = await rpc.ethCall({ to: contract.address, data: contract.abi.encodeFunctionData(fn, args) }, block);
  if (!answer.ok) throw new RpcError(`${fn}() of ${contract.address} reverted: ${answer.message}`);
  try {
    return contract.abi.decodeFunctionResult(fn, answer.data);
  } catch (error) {
    throw new RpcError(`${fn}() of ${contract.address} answered ${answer.data.slice(0, 66)}, which does not decode`, { cause: error });
  }
}

/** The EIP-712 domain of a contract's ERC-5267 `eip712Domain()`. */
async function domainOf(rpc: Rpc, contract: { address: string; abi: Interface }): Promise<TypedDataDomain> {
  const d = (await view(rpc, contract, "eip712Domain")).toObject() as { name: string; version: string; chainId: bigint; verifyingContract: string };
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/** Connects to the ledger (and the forwarder it trusts) through `rpc`, reading as the chain's profile allows. */
export async function createRelayChain(deps: { rpc: Rpc; ledger: string; chainId: number; profile: ChainProfile; version?: LedgerVersion }): Promise<RelayChain> {
  const { rpc } = deps;
  const version = deps.version ?? 1;
  const ledger = { address: getAddress(deps.ledger), abi: version === 1 ? ledgerInterface : ledgerV2RedemptionInterface };
  const decode = version === 1 ? decodeRevert : decodeRevertV2;
  const forwarderAddress = getAddress(String((await view(rpc, ledger, "trustedForwarder"))[0]));
  const forwarder = { address: forwarderAddress, abi: forwarderInterface };
  const consentDomain = await domainOf(rpc, ledger);
  const forwarderDomain = await domainOf(rpc, forwarder);
  const currency = String((await view(rpc, ledger, "currency"))[0]);
  const decimals = Number((await view(rpc, ledger, "decimals"))[0]);
  async function latest(): Promise<{ number: number; hash: string; timestamp: bigint }> {
    const block = await rpc.latestBlock();
    return { number: block.number, hash: block.hash, timestamp: BigInt(block.timestamp) };
  }
  const entities = new Map<string, number>();
  async function supplierEntity(supplier: string, programme: number, block: BlockTag = "latest"): Promise<number> {
    const at = `${supplier.toLowerCase()}:${programme}`;
    const known = entities.get(at);
    if (known !== undefined) return known;
    const entity = Number(((await view(rpc, ledger, "getAccreditation", [supplier, programme], block))[0] as { entity: bigint }).entity);
    if (entity !== 0) entities.set(at, entity);
    return entity;
  }
  async function invoiceUsedV2(row: Pick<RequestRow, "body">): Promise<boolean> {
    const consent = consentV2Schema.parse(row.body.consent);
    const programme = programmeOfVoucher(consent.voucherId);
    const key = invoiceKey(await supplierEntity(consent.supplier, programme), consent.invoiceNumberHash);
    return BigInt((await view(rpc, ledger, "invoicePaidBy", [key, programme]))[0] as bigint) > 0n;
  }
  return {
    rpc,
    version,
    chainId: BigInt(deps.chainId),
    ledger: ledger.address,
    forwarder: forwarderAddress,
    consentDomain,
    forwarderDomain,
    currency,
    decimals,
    async simulate(dataCenter, data, block = "latest") {
      const answer = await rpc.ethCall({ from: forwarderAddress, to: ledger.address, data: concat([data, dataCenter]) }, block);
      return answer.ok ? undefined : decode(answer.revert);
    },
    forwarderNonce: async (dc, block = "latest") => BigInt((await view(rpc, forwarder, "nonces", [dc], block))[0] as bigint),
    supplierEntity,
    async holderAccount(holder, block = "latest") {
      const account = (await view(rpc, ledger, "getAccount", [holder], block))[0] as { roles: bigint; consentEpoch: bigint };
      return { consentEpoch: Number(account.consentEpoch), beneficiary: (Number(account.roles) & ENTITY_ROLE.BENEFICIARY) !== 0 };
    },
    invoiceUsed: async (row) => (version === 1 ? Boolean((await view(rpc, ledger, "invoiceUsed", [row.invoiceHash]))[0]) : invoiceUsedV2(row)),
    latest,
    async readAtHead(read) {
      if (deps.profile.historicalCalls) {
        const at = await latest();
        return { latest: at, value: await read(at.number) };
      }
      const { head, value } = await atSteadyHead(latest, () => read("latest"));
      return { latest: { number: head.number, timestamp: head.timestamp }, value };
    },
    fees: () => feesFor(rpc, deps.profile),
  };
}
