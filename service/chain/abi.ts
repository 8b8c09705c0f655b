import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { type EventFragment, Interface, type ParamType, type Result } from "ethers";

import { DecodeError } from "../internal/errors.js";
import type { RawLog } from "./rpc.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where `npx hardhat build` writes the ABIs the service decodes with. */
export const ARTIFACTS = {
  ledger: join(ROOT, "artifacts/contracts/ComputeVoucher.sol/ComputeVoucher.json"),
  accessManager: join(ROOT, "artifacts/@openzeppelin/contracts/access/manager/AccessManager.sol/AccessManager.json"),
};

export type ContractKind = "ledger" | "accessManager";

export interface Abis {
  ledger: Interface;
  accessManager: Interface;
}

/** JSON-safe decoded arguments: integers as decimal strings, addresses checksummed, bytes as 0x hex. */
export type DecodedArgs = Record<string, unknown>;

export interface DecodedLog {
  contract: ContractKind;
  eventName: string;
  args: DecodedArgs;
}

/** Reads the ABIs from Hardhat's artifacts; a clear error when the build has not run. */
export async function loadAbis(): Promise<Abis> {
  async function read(path: string): Promise<Interface> {
    try {
      const artifact = JSON.parse(await readFile(path, "utf8")) as { abi: unknown[] };
      return new Interface(artifact.abi as never);
    } catch (error) {
      throw new DecodeError(`cannot read the ABI in ${path} (run \`npx hardhat build\`): ${(error as Error).message}`);
    }
  }
  return { ledger: await read(ARTIFACTS.ledger), accessManager: await read(ARTIFACTS.accessManager) };
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

export interface Decoder {
  /** Decodes a log of one of the two contracts; unknown events are a {@link DecodeError}. */
  decode(log: RawLog): DecodedLog;
}

/** A decoder for the ledger's and the AccessManager's logs, told apart by address. */
export function createDecoder(abis: Abis, addresses: { ledger: string; accessManager: string }): Decoder {
  // topic0 -> event, computed once: ethers' own lookup hashes every event signature on every call.
  const index = (iface: Interface) => {
    const events = new Map<string, EventFragment>();
    iface.forEachEvent((fragment) => events.set(fragment.topicHash, fragment));
    return events;
  };
  const byAddress = new Map<string, { kind: ContractKind; iface: Interface; events: Map<string, EventFragment> }>([
    [addresses.ledger.toLowerCase(), { kind: "ledger", iface: abis.ledger, events: index(abis.ledger) }],
    [addresses.accessManager.toLowerCase(), { kind: "accessManager", iface: abis.accessManager, events: index(abis.accessManager) }],
  ]);
  return {
    decode(log) {
      const target = byAddress.get(log.address.toLowerCase());
      if (target === undefined) throw new DecodeError(`log from unexpected address ${log.address}`);
      const fragment = log.topics[0] === undefined ? undefined : target.events.get(log.topics[0]);
      if (fragment === undefined) {
        throw new DecodeError(`unknown event ${log.topics[0]} in log ${log.logIndex} of block ${log.blockHash}`);
      }
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
