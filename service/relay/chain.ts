import { Contract, getAddress, JsonRpcProvider, type TypedDataDomain, concat } from "ethers";

import { atSteadyHead, type ChainProfile } from "../chain/profile.js";
import { decodeRevert, type DecodedRevert, FORWARDER_ABI, LEDGER_ABI } from "../domain/abi-v1.js";
import { RpcError } from "../internal/errors.js";

/** What the relay reads from the chain: the contracts, their EIP-712 domains, and a few calls. */
export interface RelayChain {
  provider: JsonRpcProvider;
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
  simulate(dataCenter: string, data: string, blockTag?: string): Promise<DecodedRevert | undefined>;
  forwarderNonce(dataCenter: string, blockTag?: string): Promise<bigint>;
  invoiceUsed(invoiceHash: string): Promise<boolean>;
  /** The latest block's number and timestamp. */
  latest(): Promise<{ number: number; timestamp: bigint }>;
  /**
   * Runs `read` against one block's state, the latest, and returns it with that block: pinned by its number where the
   * node reads past state (the chain profile), else at the head, read before and after and the same block both times.
   */
  readAtHead<T>(read: (blockTag: string) => Promise<T>): Promise<{ latest: { number: number; timestamp: bigint }; value: T }>;
  /** The fees of a new transaction: EIP-1559 where the node has fee history (the chain profile), else a legacy gas price. */
  fees(): Promise<Fees>;
}

export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

async function rpc<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new RpcError(`chain call failed: ${(error as Error).message}`, { cause: error });
  }
}

/** The fields of an ERC-5267 `eip712Domain()` answer that make the EIP-712 domain. */
interface DomainFields {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

function domain(d: DomainFields): TypedDataDomain {
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/** Connects to the ledger (and the forwarder it trusts) through `rpcUrl`, reading as the chain's profile allows. */
export async function createRelayChain(deps: { rpcUrl: string; ledger: string; chainId: number; profile: ChainProfile }): Promise<RelayChain> {
  const provider = new JsonRpcProvider(deps.rpcUrl, deps.chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
  const ledger = new Contract(deps.ledger, LEDGER_ABI, provider);
  const forwarderAddress = getAddress(await rpc(() => ledger.getFunction("trustedForwarder")() as Promise<string>));
  const forwarder = new Contract(forwarderAddress, FORWARDER_ABI, provider);
  const consentDomain = domain(await rpc(() => ledger.getFunction("eip712Domain")() as Promise<DomainFields>));
  const forwarderDomain = domain(await rpc(() => forwarder.getFunction("eip712Domain")() as Promise<DomainFields>));
  const currency = await rpc(() => ledger.getFunction("currency")() as Promise<string>);
  const decimals = Number(await rpc(() => ledger.getFunction("decimals")() as Promise<bigint>));
  async function latest(): Promise<{ number: number; hash: string; timestamp: bigint }> {
    const block = await rpc(() => provider.getBlock("latest"));
    if (block === null) throw new RpcError("the node has no latest block");
    return { number: block.number, hash: block.hash ?? "", timestamp: BigInt(block.timestamp) };
  }
  return {
    provider,
    chainId: BigInt(deps.chainId),
    ledger: getAddress(deps.ledger),
    forwarder: forwarderAddress,
    consentDomain,
    forwarderDomain,
    currency,
    decimals,
    async simulate(dataCenter, data, blockTag = "latest") {
      try {
        await provider.send("eth_call", [{ from: forwarderAddress, to: deps.ledger, data: concat([data, dataCenter]) }, blockTag]);
        return undefined;
      } catch (error) {
        const e = error as { code?: string; data?: string | null };
        if (e.code !== "CALL_EXCEPTION") throw new RpcError(`simulation failed: ${(error as Error).message}`, { cause: error });
        return decodeRevert(e.data);
      }
    },
    forwarderNonce: (dc, blockTag = "latest") => rpc(() => forwarder.getFunction("nonces")(dc, { blockTag }) as Promise<bigint>),
    invoiceUsed: (hash) => rpc(() => ledger.getFunction("invoiceUsed")(hash) as Promise<boolean>),
    latest,
    async readAtHead(read) {
      if (deps.profile.historicalCalls) {
        const at = await latest();
        return { latest: at, value: await read(`0x${at.number.toString(16)}`) };
      }
      const { head, value } = await atSteadyHead(latest, () => read("latest"));
      return { latest: { number: head.number, timestamp: head.timestamp }, value };
    },
    async fees() {
      if (deps.profile.fees === "legacy") return { gasPrice: BigInt(await rpc(() => provider.send("eth_gasPrice", []) as Promise<string>)) };
      const data = await rpc(() => provider.getFeeData());
      if (data.maxFeePerGas !== null && data.maxPriorityFeePerGas !== null) {
        return { maxFeePerGas: data.maxFeePerGas, maxPriorityFeePerGas: data.maxPriorityFeePerGas };
      }
      return { gasPrice: data.gasPrice ?? 0n };
    },
  };
}
