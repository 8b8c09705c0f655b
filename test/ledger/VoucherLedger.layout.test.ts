import { readFile } from "node:fs/promises";

import { expect } from "chai";
import hre from "hardhat";

/** A storage entry of solc's `storageLayout` output. */
interface StorageEntry {
  label: string;
  slot: string;
  offset: number;
  type: string;
}

interface StorageType {
  encoding: string;
  label: string;
  numberOfBytes: string;
  base?: string;
  key?: string;
  value?: string;
  members?: StorageEntry[];
}

interface StorageLayout {
  storage: StorageEntry[];
  types: Record<string, StorageType> | null;
}

/** A contract's storage layout, from the build info its artifact names (hardhat.config.ts asks solc for it). */
async function layoutOf(contractName: string): Promise<StorageLayout> {
  const artifact = await hre.artifacts.readArtifact(contractName);
  const id = await hre.artifacts.getBuildInfoId(contractName);
  expect(id, `${contractName} has a build info`).to.be.a("string");
  const path = await hre.artifacts.getBuildInfoOutputPath(id!);
  const output = JSON.parse(await readFile(path!, "utf8")) as {
    output: { contracts: Record<string, Record<string, { storageLayout?: StorageLayout }>> };
  };
  const layout = output.output.contracts[artifact.inputSourceName ?? artifact.sourceName]?.[contractName]?.storageLayout;
  expect(layout, `the build info of ${contractName} holds its storage layout`).to.not.equal(undefined);
  return layout!;
}

/**
 * A type as a description that does not depend on the compilation (type ids carry AST ids): its label, encoding and
 * size, and the same of its members, keys, values and base, recursively.
 */
function describeType(layout: StorageLayout, id: string): unknown {
  const t = layout.types?.[id];
  if (t === undefined) throw new Error(`type ${id} is not in the layout`);
  return {
    label: t.label,
    encoding: t.encoding,
    numberOfBytes: t.numberOfBytes,
    ...(t.base === undefined ? {} : { base: describeType(layout, t.base) }),
    ...(t.key === undefined ? {} : { key: describeType(layout, t.key) }),
    ...(t.value === undefined ? {} : { value: describeType(layout, t.value) }),
    ...(t.members === undefined ? {} : { members: t.members.map((m) => describeEntry(layout, m)) }),
  };
}

function describeEntry(layout: StorageLayout, e: StorageEntry): unknown {
  return { label: e.label, slot: e.slot, offset: e.offset, type: describeType(layout, e.type) };
}

describe("VoucherLedger: storage layout", function () {
  it("gives the extension the core's layout: every variable of the extension at the core's slot, offset and type", async function () {
    const core = await layoutOf("VoucherLedger");
    const extension = await layoutOf("VoucherLedgerExtension");
    expect(extension.storage.length).to.be.greaterThan(0);
    expect(extension.storage.length).to.be.at.most(core.storage.length);
    for (const [i, e] of extension.storage.entries()) {
      const c = core.storage[i]!;
      expect([e.label, e.slot, e.offset], `variable ${i} of the extension`).to.deep.equal([c.label, c.slot, c.offset]);
      expect(describeType(extension, e.type), `the type of ${e.label}`).to.deep.equal(describeType(core, c.type));
    }
  });

  it("gives the claims module the core's whole layout, EIP-712's fallbacks included", async function () {
    const core = await layoutOf("VoucherLedger");
    const claims = await layoutOf("VoucherLedgerClaims");
    expect(claims.storage.length).to.equal(core.storage.length);
    for (const [i, e] of claims.storage.entries()) {
      const c = core.storage[i]!;
      expect([e.label, e.slot, e.offset], `variable ${i} of the claims module`).to.deep.equal([c.label, c.slot, c.offset]);
      expect(describeType(claims, e.type), `the type of ${e.label}`).to.deep.equal(describeType(core, c.type));
    }
  });

  it("keeps what only the core declares after the last slot the extension uses", async function () {
    const core = await layoutOf("VoucherLedger");
    const extension = await layoutOf("VoucherLedgerExtension");
    const lastSlot = extension.storage.reduce((max, e) => (BigInt(e.slot) > max ? BigInt(e.slot) : max), 0n);
    const extra = core.storage.slice(extension.storage.length);
    for (const e of extra) expect(BigInt(e.slot), e.label).to.be.greaterThan(lastSlot);
    // EIP-712's name and version fallbacks, which only the core (which signs) inherits
    expect(extra.map((e) => e.label)).to.deep.equal(["_nameFallback", "_versionFallback"]);
  });

  it("starts with VoucherLedgerStorage, then AccessManaged's and Pausable's words in one slot", async function () {
    const core = await layoutOf("VoucherLedger");
    const storage = await layoutOf("VoucherLedgerStorage");
    const n = storage.storage.length;
    expect(core.storage.slice(0, n).map((e) => e.label)).to.deep.equal(storage.storage.map((e) => e.label));
    const [authority, consuming, paused] = core.storage.slice(n, n + 3);
    expect([authority!.label, consuming!.label, paused!.label]).to.deep.equal(["_authority", "_consumingSchedule", "_paused"]);
    expect(new Set([authority!.slot, consuming!.slot, paused!.slot]).size).to.equal(1);
  });
});
