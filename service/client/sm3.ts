import {
  AbiCoder,
  concat,
  getBytes,
  keccak256,
  type SigningKey,
  toUtf8Bytes,
  type TypedDataDomain,
  TypedDataEncoder,
  type TypedDataField,
} from "ethers";
import { sm3 } from "sm-crypto-v2";

import { type Consent, CONSENT_TYPES, LEDGER_DOMAIN } from "../domain/consent.js";

/**
 * EIP-712 digests as a national-cryptography (国密) FISCO BCOS chain computes them (README, "Chains: SM mode"). There,
 * the EVM's KECCAK256 opcode computes SM3, so every hash the contract computes while it runs is SM3; the type hashes
 * are constants the compiler computed with keccak256 and put in the bytecode (test/chains/sm3-digest.test.ts checks
 * that they are there), so they stay keccak256. A wallet's `signTypedData` computes keccak256 throughout, so on such
 * a chain the client computes the digest here and signs it as it is (`signDigest`): secp256k1, which the chain's
 * `ecrecover` keeps.
 */

/** A 32-byte digest of some bytes, 0x-hex. */
export type Hash = (data: Uint8Array) => string;

/** SM3 (GB/T 32905-2016), from sm-crypto-v2. */
export const sm3Hash: Hash = (data) => `0x${sm3(data)}`;

/** keccak256, as on every other EVM chain. */
export const keccakHash: Hash = (data) => keccak256(data);

const DOMAIN_FIELDS: TypedDataField[] = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
  { name: "salt", type: "bytes32" },
];

const coder = AbiCoder.defaultAbiCoder();

/** EIP-712 `hashStruct` with `hash` for the data and keccak256 for the type hash (a compile-time constant). */
function structHasher(types: Record<string, TypedDataField[]>, hash: Hash) {
  const encoder = TypedDataEncoder.from(types);
  const encodeValue = (type: string, value: unknown): string => {
    if (types[type] !== undefined) return hashStruct(type, value as Record<string, unknown>);
    const array = /^(.*)\[(\d*)\]$/.exec(type);
    if (array !== null) {
      const items = value as unknown[];
      if (array[2] !== "" && items.length !== Number(array[2])) throw new Error(`${type}: ${items.length} items`);
      return hash(getBytes(concat(items.map((item) => encodeValue(array[1]!, item)))));
    }
    if (type === "string") return hash(toUtf8Bytes(String(value)));
    if (type === "bytes") return hash(getBytes(value as string));
    return coder.encode([type], [value]);
  };
  const hashStruct = (name: string, value: Record<string, unknown>): string => {
    const fields = types[name];
    if (fields === undefined) throw new Error(`unknown EIP-712 type ${name}`);
    const typeHash = keccak256(toUtf8Bytes(encoder.encodeType(name)));
    return hash(getBytes(concat([typeHash, ...fields.map((field) => encodeValue(field.type, value[field.name]))])));
  };
  return hashStruct;
}

/** The EIP-712 domain separator, with `hash` for the data (the name and version hashes included). */
export function hashDomainWith(domain: TypedDataDomain, hash: Hash): string {
  const fields = DOMAIN_FIELDS.filter((field) => {
    const value = domain[field.name as keyof TypedDataDomain];
    return value !== undefined && value !== null;
  });
  return structHasher({ EIP712Domain: fields }, hash)("EIP712Domain", domain as Record<string, unknown>);
}

/**
 * EIP-712's `hashTypedData(domain, types, value)` with `hash` in place of keccak256 wherever the contract computes it
 * at run time. With {@link keccakHash} it is exactly ethers' `TypedDataEncoder.hash`.
 */
export function hashTypedDataWith(
  hash: Hash,
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  value: Record<string, unknown>,
): string {
  const primary = TypedDataEncoder.from(types).primaryType;
  const structHash = structHasher(types, hash)(primary, value);
  return hash(getBytes(concat(["0x1901", hashDomainWith(domain, hash), structHash])));
}

/** The ledger's (v2) EIP-712 domain at `verifyingContract` on chain `chainId`. */
export function ledgerDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { ...LEDGER_DOMAIN, chainId, verifyingContract };
}

/** The digest of a holder's consent (ledger v2) as a national-cryptography chain's `consentDigest` computes it. */
export function consentDigestSm3(domain: TypedDataDomain, consent: Consent): string {
  return hashTypedDataWith(sm3Hash, domain, CONSENT_TYPES, consent as unknown as Record<string, unknown>);
}

/** Signs a digest as it is (no EIP-191 or EIP-712 prefix added): the 65-byte r ‖ s ‖ v signature the ledger takes. */
export function signDigest(key: SigningKey, digest: string): string {
  return key.sign(digest).serialized;
}
