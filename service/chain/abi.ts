import { readFile } from "node:fs/promises";

import { type EventFragment, getAddress, Interface, type ParamType, type Result } from "ethers";

import { ledgerV2Interface, paymentLedgerInterface, registryInterface, safeInterface } from "../domain/abi-v2.js";
import { DecodeError } from "../internal/errors.js";
import { fromRoot } from "../internal/paths.js";
import type { RawLog } from "./rpc.js";

/** Where `npx hardhat build` writes the ABIs the service decodes with. */
export const ARTIFACTS = {
  ledger: fromRoot("artifacts/contracts/ComputeVoucher.sol/ComputeVoucher.json"),
  accessManager: fromRoot("artifacts/@openzeppelin/contracts/access/manager/AccessManager.sol/AccessManager.json"),
};

/**
 * Which contract a log is of: the ledger and its AccessManager; for ledger v2 also its registry and payment ledger,
 * and the Safe that holds ADMIN.
 */
export type ContractKind = "ledger" | "accessManager" | "registry" | "payments" | "safe";

export interface Abis {
  ledger: Interface;
  accessManager: Interface;
  /** Ledger v2's scheme registry and payment ledger. */
  registry?: Interface;
  payments?: Interface;
  /** The Safe (SafeL2) that holds ledger v2's ADMIN. */
  safe?: Interface;
}

/** JSON-safe decoded arguments: integers as decimal strings, addresses checksummed, bytes as 0x hex. */
export type DecodedArgs = Record<string, unknown>;

export interface DecodedLog {
  contract: ContractKind;
  eventName: string;
  args: DecodedArgs;
}

async function readAbi(path: string): Promise<Interface> {
  try {
    const artifact = JSON.parse(await readFile(path, "utf8")) as { abi: unknown[] };
    return new Interface(artifact.abi as never);
  } catch (error) {
    throw new DecodeError(`cannot read the ABI in ${path} (run \`npx hardhat build\`): ${(error as Error).message}`);
  }
}

/** Reads the ABIs from Hardhat's artifacts; a clear error when the build has not run. */
export async function loadAbis(): Promise<Abis> {
  return { ledger: await readAbi(ARTIFACTS.ledger), accessManager: await readAbi(ARTIFACTS.accessManager) };
}

/**
 * Ledger v2's ABIs: the ledger's, the registry's and the payment ledger's events from service/domain/abi-v2.ts, and
 * the AccessManager's from its artifact (OpenZeppelin's, as v1's).
 */
export async function loadAbisV2(): Promise<Required<Abis>> {
  return {
    ledger: ledgerV2Interface,
    registry: registryInterface,
    payments: paymentLedgerInterface,
    safe: safeInterface,
    accessManager: await readAbi(ARTIFACTS.accessManager),
  };
}

function toJson(value: unknown, type: ParamType): unknown {
  if (type.isArray()) {
    const child = type.arrayChildren;
    return (value as unknown[]).map((v) => toJson(v, child));
  }
  if (type.isTuple()) {
    const out: Record<string, unknown> = {};
    type.components.forEach((component, i) => {
      out[component.name || String(i)] = toJson((value as Result)[i], component);
    });
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

function argsOf(fragment: EventFragment, values: Result): DecodedArgs {
  const out: DecodedArgs = {};
  fragment.inputs.forEach((input, i) => {
    out[input.name || String(i)] = toJson(values[i], input);
  });
  return out;
}

/** Checksummed addresses by the text given: checksumming hashes, and a ledger names few accounts, often. */
const checksummed = new Map<string, string>();
/** `getAddress`, cached: the same answer, or the same error (an invalid text is never cached). */
export function checksum(address: string): string {
  let out = checksummed.get(address);
  if (out === undefined) {
    out = getAddress(address);
    if (checksummed.size >= 100_000) checksummed.clear();
    checksummed.set(address, out);
  }
  return out;
}

type WordReader = (word: string) => unknown;

/** Reads one 32-byte word (64 lower-case hex digits) as a static ABI type, or undefined when the word is invalid. */
function wordReader(type: string): WordReader | undefined {
  if (type === "address") {
    return (word) => (word.startsWith("000000000000000000000000") ? checksum(`0x${word.slice(24)}`) : undefined);
  }
  if (type === "bool") {
    return (word) => (/^0{63}[01]$/.test(word) ? word.endsWith("1") : undefined);
  }
  const uint = /^uint(\d+)$/.exec(type);
  if (uint !== null) {
    const zeros = 64 - Number(uint[1]) / 4;
    return (word) => (/^0*$/.test(word.slice(0, zeros)) ? BigInt(`0x${word}`).toString() : undefined);
  }
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes !== null) {
    const digits = Number(bytes[1]) * 2;
    return (word) => (/^0*$/.test(word.slice(digits)) ? `0x${word.slice(0, digits)}` : undefined);
  }
  return undefined;
}

const HEX = /^0x[0-9a-fA-F]*$/;

/**
 * A decoder for an event whose inputs are all one-word static types (every event of the ledger but those with a
 * string): indexed values are the topics, the others the data's words in order. It gives what ethers gives for a
 * well-formed log and `undefined` for anything else, which then goes to ethers (and its errors).
 */
function fastDecoder(fragment: EventFragment): ((log: RawLog) => DecodedArgs | undefined) | undefined {
  const readers = fragment.inputs.map((input) => wordReader(input.type));
  if (readers.some((r) => r === undefined) || fragment.anonymous) return undefined;
  const plan = fragment.inputs.map((input, i) => ({ name: input.name || String(i), indexed: input.indexed === true, read: readers[i]! }));
  const dataWords = plan.filter((p) => !p.indexed).length;
  const topicCount = 1 + plan.filter((p) => p.indexed).length;
  return (log) => {
    if (log.topics.length !== topicCount || log.data.length !== 2 + 64 * dataWords || !HEX.test(log.data)) return undefined;
    const data = log.data.toLowerCase();
    const out: DecodedArgs = {};
    let topic = 1;
    let word = 0;
    for (const p of plan) {
      let hex: string;
      if (p.indexed) {
        const t = log.topics[topic++]!.toLowerCase();
        if (t.length !== 66 || !HEX.test(t)) return undefined;
        hex = t.slice(2);
      } else {
        hex = data.slice(2 + 64 * word, 2 + 64 * (word + 1));
        word++;
      }
      const value = p.read(hex);
      if (value === undefined) return undefined;
      out[p.name] = value;
    }
    return out;
  };
}

export interface Decoder {
  /** Decodes a log of one of the contracts followed; unknown events are a {@link DecodeError}. */
  decode(log: RawLog): DecodedLog;
}

/**
 * A decoder for the ledger's and the AccessManager's logs, told apart by address. Events of one-word static inputs
 * take a direct path (see {@link fastDecoder}); `fast: false` sends every log through ethers (the tests' reference).
 */
export function createDecoder(
  abis: Abis,
  addresses: { ledger: string; accessManager: string; registry?: string; payments?: string; safe?: string },
  options: { fast?: boolean } = {},
): Decoder {
  const useFast = options.fast ?? true;
  // topic0 -> event, computed once: ethers' own lookup hashes every event signature on every call.
  const index = (iface: Interface) => {
    const events = new Map<string, { fragment: EventFragment; fast: ReturnType<typeof fastDecoder> }>();
    iface.forEachEvent((fragment) => events.set(fragment.topicHash, { fragment, fast: useFast ? fastDecoder(fragment) : undefined }));
    return events;
  };
  const byAddress = new Map<string, { kind: ContractKind; iface: Interface; events: ReturnType<typeof index> }>([
    [addresses.ledger.toLowerCase(), { kind: "ledger", iface: abis.ledger, events: index(abis.ledger) }],
    [addresses.accessManager.toLowerCase(), { kind: "accessManager", iface: abis.accessManager, events: index(abis.accessManager) }],
  ]);
  for (const kind of ["registry", "payments", "safe"] as const) {
    const address = addresses[kind];
    const iface = abis[kind];
    if (address === undefined) continue;
    if (iface === undefined) throw new DecodeError(`no ABI for the ${kind} at ${address}`);
    byAddress.set(address.toLowerCase(), { kind, iface, events: index(iface) });
  }
  return {
    decode(log) {
      const target = byAddress.get(log.address.toLowerCase());
      if (target === undefined) throw new DecodeError(`log from unexpected address ${log.address}`);
      const event = log.topics[0] === undefined ? undefined : target.events.get(log.topics[0].toLowerCase());
      if (event === undefined) {
        throw new DecodeError(`unknown event ${log.topics[0]} in log ${log.logIndex} of block ${log.blockHash}`);
      }
      const { fragment, fast } = event;
      const args = fast?.(log);
      if (args !== undefined) return { contract: target.kind, eventName: fragment.name, args };
      try {
        const values = target.iface.decodeEventLog(fragment, log.data, log.topics);
        return { contract: target.kind, eventName: fragment.name, args: argsOf(fragment, values) };
      } catch (error) {
        throw new DecodeError(
          `cannot decode log ${log.logIndex} of block ${log.blockHash}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
  };
}
