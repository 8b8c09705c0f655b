import type { Provider, Signer } from "ethers";

import {
  AccessManager__factory,
  ComputeVoucher__factory,
  type AccessManager,
  type ComputeVoucher,
} from "../../../types/ethers-contracts/index.js";
import { UserError } from "./format.js";

/** Where an admin command writes what it has to say (the console, or a test's buffer). */
export type Log = (line: string) => void;

/**
 * What every admin command works with: the ledger and its AccessManager connected to the signer that acts, the
 * currency's decimals, and where the deployment's history starts.
 */
export interface AdminContext {
  ledger: ComputeVoucher;
  manager: AccessManager;
  signer: Signer;
  signerAddress: string;
  provider: Provider;
  currency: string;
  decimals: number;
  /** First block to search for the ledger's events (the deployment block, or 0 when unknown). */
  fromBlock: number;
  log: Log;
}

export interface OpenLedgerOptions {
  signer: Signer;
  ledgerAddress: string;
  fromBlock?: number;
  log?: Log;
}

/** Connects to the ledger at `ledgerAddress` as `signer` and reads what every command needs. */
export async function openLedger(options: OpenLedgerOptions): Promise<AdminContext> {
  const { signer } = options;
  const provider = signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  if ((await provider.getCode(options.ledgerAddress)) === "0x") {
    throw new UserError(
      `there is no contract at ${options.ledgerAddress} on this network: is the chain the one that was deployed to?`,
    );
  }
  const ledger = ComputeVoucher__factory.connect(options.ledgerAddress, signer);
  const manager = AccessManager__factory.connect(await ledger.authority(), signer);
  return {
    ledger,
    manager,
    signer,
    signerAddress: await signer.getAddress(),
    provider,
    currency: await ledger.currency(),
    decimals: Number(await ledger.decimals()),
    fromBlock: options.fromBlock ?? 0,
    log: options.log ?? ((line) => console.log(line)),
  };
}

/** Returns a copy of the context acting as another signer. */
export async function actingAs(ctx: AdminContext, signer: Signer): Promise<AdminContext> {
  return {
    ...ctx,
    signer,
    signerAddress: await signer.getAddress(),
    ledger: ctx.ledger.connect(signer),
    manager: ctx.manager.connect(signer),
  };
}
