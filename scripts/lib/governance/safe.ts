import { createRequire } from "node:module";

import {
  Contract,
  ContractFactory,
  type ContractTransactionResponse,
  type ContractRunner,
  type InterfaceAbi,
  type Signer,
  type TypedDataDomain,
  TypedDataEncoder,
  ZeroAddress,
  concat,
  getAddress,
  recoverAddress,
  toBeHex,
  zeroPadValue,
} from "ethers";

/**
 * The Safe (formerly Gnosis Safe) contracts as @safe-global/safe-smart-account ships them, compiled and audited: this
 * project deploys their bytecode as it is, never recompiles it. SafeL2 is the variant whose `SafeMultiSigTransaction`
 * event carries the signatures (so the signers can be named from the chain alone).
 */
export const SAFE_PACKAGE = "@safe-global/safe-smart-account";
export const SAFE_VERSION = "1.5.0";

const require = createRequire(import.meta.url);
const installed = (require(`${SAFE_PACKAGE}/package.json`) as { version: string }).version;
if (installed !== SAFE_VERSION) {
  throw new Error(`${SAFE_PACKAGE} ${installed} is installed but scripts/lib/governance/safe.ts expects ${SAFE_VERSION}: run npm ci`);
}

/** A Hardhat artifact (hh-sol-artifact-1), the shape Ignition and ethers both take. */
export interface SafeArtifact {
  _format: string;
  contractName: string;
  sourceName: string;
  abi: InterfaceAbi & readonly unknown[];
  bytecode: string;
  deployedBytecode: string;
  linkReferences: Record<string, never>;
  deployedLinkReferences: Record<string, never>;
}

function artifact(path: string): SafeArtifact {
  return require(`${SAFE_PACKAGE}/build/artifacts/contracts/${path}`) as SafeArtifact;
}

export const SAFE_ARTIFACTS = {
  SafeL2: artifact("SafeL2.sol/SafeL2.json"),
  SafeProxyFactory: artifact("proxies/SafeProxyFactory.sol/SafeProxyFactory.json"),
  CompatibilityFallbackHandler: artifact("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"),
} as const;

/** The Safe at `address` (SafeL2's ABI; a proxy of the singleton). */
export function safeAt(address: string, runner: ContractRunner | null): Contract {
  return new Contract(address, SAFE_ARTIFACTS.SafeL2.abi, runner);
}

/** Safe.setup's call data: owners, threshold, no module setup, the fallback handler, no payment. */
export function safeSetupData(owners: readonly string[], threshold: number, fallbackHandler: string): string {
  return safeAt(ZeroAddress, null).interface.encodeFunctionData("setup", [
    owners,
    threshold,
    ZeroAddress,
    "0x",
    fallbackHandler,
    ZeroAddress,
    0,
    ZeroAddress,
  ]);
}

/**
 * Deploys the Safe contracts as shipped (the SafeL2 singleton, the proxy factory, the compatibility fallback handler)
 * and a Safe of `owners` with `threshold`, as the Ignition module does: for tests and fixtures.
 */
export async function deploySafe(
  deployer: Signer,
  setup: { owners: readonly string[]; threshold: number; saltNonce?: bigint },
): Promise<Contract> {
  const deployed: Record<keyof typeof SAFE_ARTIFACTS, string> = { SafeL2: "", SafeProxyFactory: "", CompatibilityFallbackHandler: "" };
  for (const name of Object.keys(SAFE_ARTIFACTS) as (keyof typeof SAFE_ARTIFACTS)[]) {
    const { abi, bytecode } = SAFE_ARTIFACTS[name];
    const contract = await new ContractFactory(abi, bytecode, deployer).deploy();
    await contract.waitForDeployment();
    deployed[name] = await contract.getAddress();
  }
  const factory = new Contract(deployed.SafeProxyFactory, SAFE_ARTIFACTS.SafeProxyFactory.abi, deployer);
  const initializer = safeSetupData(setup.owners, setup.threshold, deployed.CompatibilityFallbackHandler);
  const sent = (await factory.getFunction("createProxyWithNonce")(
    deployed.SafeL2,
    initializer,
    setup.saltNonce ?? 0n,
  )) as ContractTransactionResponse;
  const receipt = await sent.wait();
  for (const log of receipt?.logs ?? []) {
    const parsed = factory.interface.parseLog(log);
    if (parsed?.name === "ProxyCreation") return safeAt(String(parsed.args.getValue("proxy")), deployer);
  }
  throw new Error("the Safe proxy factory did not report the proxy it created");
}

/** A Safe transaction, as Safe.execTransaction takes it (no refund: gas is paid by whoever executes). */
export interface SafeTx {
  to: string;
  value: string;
  data: string;
  operation: 0 | 1;
  safeTxGas: string;
  baseGas: string;
  gasPrice: string;
  gasToken: string;
  refundReceiver: string;
  nonce: string;
}

/** EIP-712 types of a Safe transaction (Safe 1.3 and later). */
export const SAFE_TX_TYPES = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

export function safeDomain(chainId: bigint | number, safe: string): TypedDataDomain {
  return { chainId, verifyingContract: safe };
}

/** The Safe transaction hash that owners sign (EIP-712), computed off chain. */
export function safeTxHash(chainId: bigint | number, safe: string, tx: SafeTx): string {
  return TypedDataEncoder.hash(safeDomain(chainId, safe), SAFE_TX_TYPES, tx);
}

/** A plain call from the Safe: no value, CALL, no gas refund. */
export function callTx(to: string, data: string, nonce: bigint): SafeTx {
  return {
    to: getAddress(to),
    value: "0",
    data,
    operation: 0,
    safeTxGas: "0",
    baseGas: "0",
    gasPrice: "0",
    gasToken: ZeroAddress,
    refundReceiver: ZeroAddress,
    nonce: nonce.toString(),
  };
}

/** The positional arguments of Safe.getTransactionHash / execTransaction (without signatures). */
export function txArgs(tx: SafeTx): unknown[] {
  return [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver];
}

/** Owners and threshold of the Safe at `address`, or undefined when it is not a Safe. */
export async function safeInfo(
  address: string,
  runner: ContractRunner,
): Promise<{ owners: string[]; threshold: number; nonce: bigint; version: string } | undefined> {
  const safe = safeAt(address, runner);
  try {
    const [owners, threshold, nonce, version] = await Promise.all([
      safe.getFunction("getOwners")() as Promise<string[]>,
      safe.getFunction("getThreshold")() as Promise<bigint>,
      safe.getFunction("nonce")() as Promise<bigint>,
      safe.getFunction("VERSION")() as Promise<string>,
    ]);
    return { owners: owners.map((o) => getAddress(o)), threshold: Number(threshold), nonce, version };
  } catch {
    return undefined;
  }
}

/** One owner's signature of a Safe transaction: an EIP-712 signature (65 bytes, v 27/28). */
export interface OwnerSignature {
  signer: string;
  signature: string;
}

/** Signs the Safe transaction with EIP-712 and checks the signature recovers to the signer. */
export async function signSafeTx(signer: Signer, chainId: bigint | number, safe: string, tx: SafeTx): Promise<OwnerSignature> {
  const address = getAddress(await signer.getAddress());
  const signature = await signer.signTypedData(safeDomain(chainId, safe), SAFE_TX_TYPES, tx);
  if (recoverAddress(safeTxHash(chainId, safe, tx), signature) !== address) {
    throw new Error(`the signature of ${address} does not recover to it`);
  }
  return { signer: address, signature };
}

/** The owner an EIP-712 signature of the transaction recovers to. */
export function signerOf(chainId: bigint | number, safe: string, tx: SafeTx, signature: string): string {
  return recoverAddress(safeTxHash(chainId, safe, tx), signature);
}

/**
 * Safe's signature bytes for `approvals`, sorted by owner as Safe.checkNSignatures requires: an EIP-712 signature
 * as is, or, for an owner who approved the hash on chain (or who executes), the "approved hash" form r = owner,
 * s = 0, v = 1.
 */
export function signatureBytes(approvals: readonly ({ signer: string; signature?: string })[]): string {
  const sorted = [...approvals].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
  return concat(
    sorted.map(({ signer, signature }) =>
      signature ?? concat([zeroPadValue(signer, 32), zeroPadValue("0x", 32), toBeHex(1, 1)]),
    ),
  );
}
