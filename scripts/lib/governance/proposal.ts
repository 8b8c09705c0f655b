import { readFile, writeFile } from "node:fs/promises";

import { type ContractTransactionResponse, getAddress, isHexString, type Provider, type Signer, ZeroHash } from "ethers";
import { z } from "zod";

import { UserError } from "../admin/format.js";
import { callTx, type OwnerSignature, type SafeTx, safeAt, safeInfo, safeTxHash, signatureBytes, signSafeTx, signerOf, txArgs } from "./safe.js";

/**
 * A Safe transaction proposed by one owner and signed by others, kept in a JSON file that travels between them (there
 * is no Safe transaction service here). Owners may also approve its hash on chain (Safe.approveHash) instead.
 */
export interface SafeProposal {
  kind: "safe-transaction";
  chainId: string;
  safe: string;
  /** What it does, for people ("grant GOVERNOR to 0x…"). */
  label: string;
  tx: SafeTx;
  /** The EIP-712 hash the owners sign; checked against the Safe's own getTransactionHash when proposed. */
  safeTxHash: string;
  signatures: OwnerSignature[];
}

const address = z.string().refine((v) => isHexString(v, 20), "an address (0x and 40 hexadecimal digits)");
const hex = z.string().refine((v) => isHexString(v), "hexadecimal data (0x…)");
const uint = z.string().regex(/^\d+$/, "a whole number");
const proposalSchema = z.object({
  kind: z.literal("safe-transaction"),
  chainId: uint,
  safe: address,
  label: z.string(),
  tx: z.object({
    to: address,
    value: uint,
    data: hex,
    operation: z.union([z.literal(0), z.literal(1)]),
    safeTxGas: uint,
    baseGas: uint,
    gasPrice: uint,
    gasToken: address,
    refundReceiver: address,
    nonce: uint,
  }),
  safeTxHash: hex,
  signatures: z.array(z.object({ signer: address, signature: hex })),
});

/** Proposes a call from the Safe: the transaction at the Safe's next nonce (or `nonce`), and its hash. */
export async function proposeSafeTx(
  provider: Provider,
  call: { safe: string; to: string; data: string; label: string; nonce?: bigint },
): Promise<SafeProposal> {
  const safeAddress = getAddress(call.safe);
  const info = await safeInfo(safeAddress, provider);
  if (info === undefined) throw new UserError(`${safeAddress} is not a Safe on this chain`);
  const nonce = call.nonce ?? info.nonce;
  if (nonce < info.nonce) throw new UserError(`nonce ${nonce} is used already: the Safe is at nonce ${info.nonce}`);
  const chainId = (await provider.getNetwork()).chainId;
  const tx = callTx(call.to, call.data, nonce);
  const hash = safeTxHash(chainId, safeAddress, tx);
  const onChain = String(await safeAt(safeAddress, provider).getFunction("getTransactionHash")(...txArgs(tx), tx.nonce));
  if (onChain !== hash) throw new Error(`the Safe computes the hash ${onChain}, this tool ${hash}: a different Safe version?`);
  return { kind: "safe-transaction", chainId: chainId.toString(), safe: safeAddress, label: call.label, tx, safeTxHash: hash, signatures: [] };
}

export async function writeProposal(path: string, proposal: SafeProposal): Promise<void> {
  await writeFile(path, `${JSON.stringify(proposal, null, 2)}\n`);
}

/** Reads a proposal file, refusing one whose content does not hash to its safeTxHash or whose signatures are not its owners'. */
export async function readProposal(path: string): Promise<SafeProposal> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UserError(`cannot read the proposal ${path}: ${(error as Error).message}`);
  }
  const parsed = proposalSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${path} is not a Safe proposal: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim());
  }
  const proposal = parsed.data as SafeProposal;
  const hash = safeTxHash(BigInt(proposal.chainId), proposal.safe, proposal.tx);
  if (hash !== proposal.safeTxHash) throw new UserError(`${path}: its transaction hashes to ${hash}, not to the safeTxHash it records`);
  for (const { signer, signature } of proposal.signatures) {
    let recovered: string;
    try {
      recovered = signerOf(BigInt(proposal.chainId), proposal.safe, proposal.tx, signature);
    } catch {
      throw new UserError(`${path}: the signature recorded for ${signer} is malformed`);
    }
    if (recovered !== getAddress(signer)) throw new UserError(`${path}: the signature recorded for ${signer} is ${recovered}'s`);
  }
  return proposal;
}

async function checkChain(proposal: SafeProposal, provider: Provider): Promise<void> {
  const chainId = (await provider.getNetwork()).chainId;
  if (chainId.toString() !== proposal.chainId) {
    throw new UserError(`the proposal is for chain ${proposal.chainId}, but this network is chain ${chainId}`);
  }
}

async function ownersOf(proposal: SafeProposal, provider: Provider) {
  const info = await safeInfo(proposal.safe, provider);
  if (info === undefined) throw new UserError(`${proposal.safe} is not a Safe on this chain`);
  return info;
}

/** Adds `signer`'s EIP-712 signature to the proposal; refuses a signer who is not an owner or has signed already. */
export async function signProposal(proposal: SafeProposal, signer: Signer): Promise<SafeProposal> {
  const provider = signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  await checkChain(proposal, provider);
  const info = await ownersOf(proposal, provider);
  const who = getAddress(await signer.getAddress());
  if (!info.owners.includes(who)) throw new UserError(`${who} is not an owner of the Safe ${proposal.safe}`);
  if (proposal.signatures.some((s) => getAddress(s.signer) === who)) throw new UserError(`${who} has signed this proposal already`);
  const signature = await signSafeTx(signer, BigInt(proposal.chainId), proposal.safe, proposal.tx);
  return { ...proposal, signatures: [...proposal.signatures, signature] };
}

/** Approves the proposal's hash on chain from `signer` (an owner): Safe.approveHash, instead of a signature in the file. */
export async function approveOnChain(proposal: SafeProposal, signer: Signer): Promise<string> {
  const provider = signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  await checkChain(proposal, provider);
  const info = await ownersOf(proposal, provider);
  const who = getAddress(await signer.getAddress());
  if (!info.owners.includes(who)) throw new UserError(`${who} is not an owner of the Safe ${proposal.safe}`);
  const sent = (await safeAt(proposal.safe, signer).getFunction("approveHash")(proposal.safeTxHash)) as ContractTransactionResponse;
  await sent.wait();
  return sent.hash;
}

/** Who has approved the proposal: owners' signatures in the file and owners' approvals on chain. */
export async function approvalsOf(
  proposal: SafeProposal,
  provider: Provider,
): Promise<{ owners: string[]; threshold: number; nonce: bigint; approvals: { signer: string; signature?: string; how: "signature" | "on chain" }[] }> {
  const info = await ownersOf(proposal, provider);
  const safe = safeAt(proposal.safe, provider);
  const approvals: { signer: string; signature?: string; how: "signature" | "on chain" }[] = [];
  for (const owner of info.owners) {
    const signed = proposal.signatures.find((s) => getAddress(s.signer) === owner);
    if (signed !== undefined) approvals.push({ signer: owner, signature: signed.signature, how: "signature" });
    else if (((await safe.getFunction("approvedHashes")(owner, proposal.safeTxHash)) as bigint) !== 0n) {
      approvals.push({ signer: owner, how: "on chain" });
    }
  }
  return { owners: info.owners, threshold: info.threshold, nonce: info.nonce, approvals };
}

/**
 * Executes the proposal once its threshold of owners has approved it (an executing owner counts as approving):
 * Safe.execTransaction with the signatures sorted by owner. Refuses, before sending, a proposal short of its
 * threshold or whose nonce is not the Safe's next; a call that reverts inside the Safe reverts the whole transaction.
 */
export async function executeProposal(
  proposal: SafeProposal,
  signer: Signer,
): Promise<{ hash: string; signers: string[]; blockNumber: number }> {
  const provider = signer.provider;
  if (provider === null) throw new Error("the signer has no provider");
  await checkChain(proposal, provider);
  const { threshold, nonce, approvals, owners } = await approvalsOf(proposal, provider);
  if (BigInt(proposal.tx.nonce) !== nonce) {
    throw new UserError(
      BigInt(proposal.tx.nonce) < nonce
        ? `the proposal's nonce ${proposal.tx.nonce} is used already (the Safe is at ${nonce}): it was executed or replaced`
        : `the proposal's nonce is ${proposal.tx.nonce} but the Safe is at ${nonce}: execute the earlier proposals first`,
    );
  }
  const executor = getAddress(await signer.getAddress());
  const counted = [...approvals];
  if (owners.includes(executor) && !counted.some((a) => a.signer === executor)) counted.push({ signer: executor, how: "on chain" });
  if (counted.length < threshold) {
    throw new UserError(
      `the proposal has ${counted.length} of the ${threshold} owners' approvals it needs` +
        (counted.length === 0 ? "" : ` (${counted.map((a) => a.signer).join(", ")})`),
    );
  }
  const chosen = counted.slice(0, threshold);
  const sent = (await safeAt(proposal.safe, signer).getFunction("execTransaction")(
    ...txArgs(proposal.tx),
    signatureBytes(chosen),
  )) as ContractTransactionResponse;
  const receipt = await sent.wait();
  return { hash: sent.hash, signers: chosen.map((a) => a.signer), blockNumber: receipt?.blockNumber ?? 0 };
}

/** True when `hash` is a Safe transaction hash (32 bytes, not zero). */
export function isSafeTxHash(hash: string): boolean {
  return isHexString(hash, 32) && hash !== ZeroHash;
}
