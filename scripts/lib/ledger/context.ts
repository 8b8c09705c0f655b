import type { Provider, Signer } from "ethers";

import { ROLE } from "../../../service/domain/roles.js";
import {
  AccessManager__factory,
  IVoucherLedger__factory,
  PaymentLedger__factory,
  SchemeRegistry__factory,
  type AccessManager,
  type IVoucherLedger,
  type PaymentLedger,
  type SchemeRegistry,
} from "../../../types/ethers-contracts/index.js";
import { UserError, parseAddress } from "../admin/format.js";
import type { Via } from "../governance/route.js";

/** Where a command writes what it has to say (the console, or a test's buffer). */
export type Log = (line: string) => void;

/**
 * What every ledger v2 command works with: the ledger (core, extension and claims at one address), its scheme
 * registry, the payment ledger, their AccessManager, the signer that acts, and where the deployment's history starts.
 */
export interface LedgerContext {
  ledger: IVoucherLedger;
  registry: SchemeRegistry;
  /** The payment ledger; undefined when none is wired to this ledger's AccessManager. */
  payments: PaymentLedger | undefined;
  manager: AccessManager;
  signer: Signer;
  signerAddress: string;
  provider: Provider;
  currency: string;
  decimals: number;
  /** First block to search for events (the deployment block, or 0 when unknown). */
  fromBlock: number;
  log: Log;
  /** How writes reach the chain; sent at once when absent (scripts/lib/governance/route.ts). */
  route?: WriteRoute;
}

/** A write scheduled in the AccessManager or proposed to the Safe instead of sent: `--via`, `--safe`, `--out`. */
export interface WriteRoute {
  via: Via;
  safe?: string;
  proposalFile?: string;
}

export interface OpenOptions {
  signer: Signer;
  ledger: string;
  /** The payment ledger; found through the AccessManager when not given. */
  payments?: string;
  fromBlock?: number;
  log?: Log;
}

/**
 * Connects to ledger v2 at `ledger` as `signer`: checks that it is one (it names its registry, and the registry names
 * it back), and finds its payment ledger among the AccessManager's targets whose functions FINANCE may call.
 */
export async function openLedgerV2(options: OpenOptions): Promise<LedgerContext> {
  const { signer } = options;
  const provider = signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  const address = parseAddress(options.ledger, true);
  if ((await provider.getCode(address)) === "0x") {
    throw new UserError(`there is no contract at ${address} on this network: is it the chain that was deployed to?`);
  }
  const ledger = IVoucherLedger__factory.connect(address, signer);
  let registryAddress: string;
  try {
    registryAddress = await ledger.registry();
  } catch {
    throw new UserError(`the contract at ${address} is not a ledger v2 (it names no scheme registry)`);
  }
  const registry = SchemeRegistry__factory.connect(registryAddress, signer);
  if ((await registry.ledger()) !== address) {
    throw new UserError(`the registry ${registryAddress} is not connected to the ledger ${address}`);
  }
  const manager = AccessManager__factory.connect(await registry.authority(), signer);
  const fromBlock = options.fromBlock ?? 0;
  const payments =
    options.payments !== undefined
      ? PaymentLedger__factory.connect(parseAddress(options.payments, true), signer)
      : await findPayments(manager, address, fromBlock, signer);
  return {
    ledger,
    registry,
    payments,
    manager,
    signer,
    signerAddress: await signer.getAddress(),
    provider,
    currency: await ledger.currency(),
    decimals: Number(await ledger.decimals()),
    fromBlock,
    log: options.log ?? ((line) => console.log(line)),
  };
}

/** The payment ledger of `ledger`: a target of the AccessManager with a FINANCE function, whose `ledger()` it is. */
async function findPayments(
  manager: AccessManager,
  ledger: string,
  fromBlock: number,
  signer: Signer,
): Promise<PaymentLedger | undefined> {
  const events = await manager.queryFilter(manager.filters.TargetFunctionRoleUpdated(undefined, undefined, ROLE.FINANCE), fromBlock);
  for (const target of new Set(events.map((e) => e.args.target))) {
    const candidate = PaymentLedger__factory.connect(target, signer);
    try {
      if ((await candidate.ledger()) === ledger) return candidate;
    } catch {
      // not a payment ledger
    }
  }
  return undefined;
}

/** The payment ledger, or a refusal saying there is none. */
export function paymentsOf(ctx: LedgerContext): PaymentLedger {
  if (ctx.payments === undefined) {
    throw new UserError("this ledger has no payment ledger wired to its AccessManager (pass --payments <address>)");
  }
  return ctx.payments;
}

/** A copy of the context acting as another signer. */
export async function actingAs(ctx: LedgerContext, signer: Signer): Promise<LedgerContext> {
  return {
    ...ctx,
    signer,
    signerAddress: await signer.getAddress(),
    ledger: ctx.ledger.connect(signer),
    registry: ctx.registry.connect(signer),
    payments: ctx.payments?.connect(signer),
    manager: ctx.manager.connect(signer),
  };
}

/** The chain's time now (the latest block's), unix seconds. */
export async function chainNow(ctx: LedgerContext): Promise<bigint> {
  const block = await ctx.provider.getBlock("latest");
  return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
}
