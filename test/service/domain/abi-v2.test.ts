import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import { type EventFragment, type FunctionFragment, Interface } from "ethers";

import {
  LEDGER_V2_EVENTS,
  LEDGER_V2_VIEWS,
  PAYMENT_LEDGER_EVENTS,
  PAYMENT_LEDGER_VIEWS,
  REGISTRY_EVENTS,
  REGISTRY_VIEWS,
  SAFE_EVENTS,
} from "../../../service/domain/abi-v2.js";
import { functionName, GOVERNED_FUNCTIONS } from "../../../service/domain/governed-functions.js";
import { CLAIM_STATUS, ENTRY_KIND, FUNDING_LEVEL, PROGRAMME_KIND, VOUCHER_STATUS_V2 } from "../../../service/domain/ledger-v2.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");

/** The compiled contract's interface (Hardhat's artifact). */
async function compiled(name: string): Promise<Interface> {
  const artifact = JSON.parse(await readFile(join(ROOT, "artifacts", "contracts", `${name}.sol`, `${name}.json`), "utf8")) as { abi: unknown[] };
  return new Interface(artifact.abi as never);
}

/** Every event of some interfaces, in their full signature (names, `indexed`, tuple members). */
function events(...interfaces: Interface[]): string[] {
  const out = new Set<string>();
  for (const iface of interfaces) iface.forEachEvent((e: EventFragment) => out.add(e.format("full")));
  return [...out].sort();
}

/** A view's full signature in a compiled interface, or undefined when it has none of that name. */
function view(iface: Interface, name: string): string | undefined {
  const fragment: FunctionFragment | null = iface.getFunction(name);
  return fragment?.format("full");
}

describe("domain: ledger v2's ABI", function () {
  it("holds exactly the events at the ledger's address: its core, extension and claims module together", async function () {
    const contracts = await Promise.all(["VoucherLedger", "VoucherLedgerExtension", "VoucherLedgerClaims"].map(compiled));
    expect(events(new Interface([...LEDGER_V2_EVENTS]))).to.deep.equal(events(...contracts));
  });

  it("holds exactly the events of the scheme registry and of the payment ledger", async function () {
    expect(events(new Interface([...REGISTRY_EVENTS]))).to.deep.equal(events(await compiled("SchemeRegistry")));
    expect(events(new Interface([...PAYMENT_LEDGER_EVENTS]))).to.deep.equal(events(await compiled("PaymentLedger")));
  });

  it("holds exactly the events of the Safe that holds ADMIN (SafeL2 as @safe-global/safe-smart-account ships it)", async function () {
    const path = join(ROOT, "node_modules", "@safe-global", "safe-smart-account", "build", "artifacts", "contracts", "SafeL2.sol", "SafeL2.json");
    const artifact = JSON.parse(await readFile(path, "utf8")) as { abi: unknown[] };
    expect(events(new Interface([...SAFE_EVENTS]))).to.deep.equal(events(new Interface(artifact.abi as never)));
  });

  it("names every state-changing function of the ledger, the registry, the payment ledger and the AccessManager by its selector", async function () {
    const manager = join(ROOT, "artifacts", "@openzeppelin", "contracts", "access", "manager", "AccessManager.sol", "AccessManager.json");
    const compiledFunctions = {
      ledger: await Promise.all(["VoucherLedger", "VoucherLedgerExtension", "VoucherLedgerClaims"].map(compiled)),
      registry: [await compiled("SchemeRegistry")],
      payments: [await compiled("PaymentLedger")],
      accessManager: [new Interface((JSON.parse(await readFile(manager, "utf8")) as { abi: unknown[] }).abi as never)],
    };
    for (const [contract, interfaces] of Object.entries(compiledFunctions) as [keyof typeof GOVERNED_FUNCTIONS, Interface[]][]) {
      const writes = new Set<string>();
      for (const iface of interfaces) {
        iface.forEachFunction((f) => {
          if (f.stateMutability !== "view" && f.stateMutability !== "pure") writes.add(f.format("sighash"));
        });
      }
      expect([...GOVERNED_FUNCTIONS[contract]].sort(), contract).to.deep.equal([...writes].sort());
      for (const iface of interfaces) iface.forEachFunction((f) => {
        if (writes.has(f.format("sighash"))) expect(functionName(contract, f.selector), f.format()).to.equal(f.name);
      });
    }
    expect(functionName("ledger", "0x00000000")).to.equal(null);
  });

  it("names every view the verifier reads with the compiled contracts' signature and outputs", async function () {
    const ledger = await compiled("VoucherLedgerExtension");
    const registry = await compiled("SchemeRegistry");
    const payments = await compiled("PaymentLedger");
    for (const [abi, iface] of [[LEDGER_V2_VIEWS, ledger], [REGISTRY_VIEWS, registry], [PAYMENT_LEDGER_VIEWS, payments]] as const) {
      const ours = new Interface([...abi]);
      ours.forEachFunction((f) => expect(f.format("full"), f.name).to.equal(view(iface, f.name)));
    }
  });

  it("names every value of the contracts' enumerations, in the order the Solidity declares them", async function () {
    /** The members of `enum <name> { … }` in a contract's source, comments dropped. */
    const members = async (file: string, name: string) => {
      const source = await readFile(join(ROOT, "contracts", file), "utf8");
      const body = new RegExp(`enum ${name}\\s*\\{([^}]*)\\}`).exec(source)?.[1];
      if (body === undefined) throw new Error(`no enum ${name} in ${file}`);
      return body.replace(/\/\/.*$/gm, "").split(",").map((m) => m.trim()).filter((m) => m !== "");
    };
    expect([...VOUCHER_STATUS_V2]).to.deep.equal(await members("IVoucherLedgerTypes.sol", "VoucherStatus"));
    expect([...CLAIM_STATUS]).to.deep.equal(await members("IVoucherLedgerTypes.sol", "ClaimStatus"));
    expect([...ENTRY_KIND]).to.deep.equal(await members("IPaymentLedger.sol", "EntryKind"));
    expect([...FUNDING_LEVEL]).to.deep.equal(await members("ISchemeRegistry.sol", "FundingLevel"));
    expect([...PROGRAMME_KIND]).to.deep.equal(await members("ISchemeRegistry.sol", "ProgrammeKind"));
  });
});
