import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import { AbiCoder, Interface } from "ethers";

import { decodeRevert, FORWARDER_ABI, LEDGER_ABI } from "../../../service/domain/abi-v1.js";
import { decodeRevertV2, LEDGER_V2_REDEMPTION_ABI } from "../../../service/domain/redemption-v2.js";
import { isProblemCode, Problem, type ProblemCode, PROBLEMS } from "../../../service/internal/problems.js";
import { RelayProblem } from "../../../service/relay/errors.js";

/** A zero value of an ABI type, enough to encode any of the contracts' errors. */
function zero(type: string): unknown {
  if (type === "address") return "0x0000000000000000000000000000000000000000";
  if (type.startsWith("bytes")) return `0x${"00".repeat(Number(type.slice(5)) || 0)}`;
  return 0n;
}

describe("problem catalogue", function () {
  it("holds the code decodeRevert gives each error of the ledger and the forwarder, answered with its catalogue status", function () {
    const codes = new Set<string>();
    for (const abi of [LEDGER_ABI, FORWARDER_ABI]) {
      const iface = new Interface(abi);
      iface.forEachError((fragment) => {
        const data = iface.encodeErrorResult(fragment, fragment.inputs.map((input) => zero(input.type)));
        const { code } = decodeRevert(data);
        expect(isProblemCode(code), `${fragment.name} → ${code}`).to.equal(true);
        codes.add(code);
        const problem = new RelayProblem("LEDGER_REFUSED", "refused", {}, code);
        expect(problem.code).to.equal(code);
        expect(problem.status).to.equal(PROBLEMS[code as keyof typeof PROBLEMS].status);
      });
    }
    expect(decodeRevert("0x").code).to.equal("REVERTED");
    expect(decodeRevert(`0xdeadbeef${AbiCoder.defaultAbiCoder().encode(["uint256"], [1]).slice(2)}`).code).to.equal("REVERTED");
    // The ledger's own refusals are 422.
    for (const code of ["UNKNOWN_VOUCHER", "WRONG_DATA_CENTER", "NOT_ACCREDITED", "CONSENT_EXPIRED", "VOUCHER_INACTIVE", "VOUCHER_EXPIRED",
      "INVOICE_USED", "INVALID_AMOUNT", "OVER_RATIO", "INSUFFICIENT_VALUE", "INVALID_CONSENT", "PAUSED"]) {
      expect(codes.has(code), code).to.equal(true);
      expect(PROBLEMS[code as keyof typeof PROBLEMS].status, code).to.equal(422);
    }
  });

  it("gives every 503 a Retry-After and no other status one", function () {
    for (const [code, entry] of Object.entries(PROBLEMS)) {
      const problem = new Problem(code as ProblemCode, "x");
      expect(problem.headers["retry-after"] !== undefined, code).to.equal(problem.status === 503);
      expect("retryAfterSeconds" in entry, code).to.equal(entry.status === 503);
    }
  });
});

describe("problem catalogue: ledger v2", function () {
  const ROOT = join(import.meta.dirname, "..", "..", "..");
  const compiled = async (name: string) =>
    new Interface((JSON.parse(await readFile(join(ROOT, "artifacts", "contracts", `${name}.sol`, `${name}.json`), "utf8")) as { abi: never[] }).abi);

  it("names the ledger's functions and errors as the compiled contracts declare them", async function () {
    const contracts = await Promise.all(["VoucherLedger", "VoucherLedgerExtension"].map(compiled));
    const ours = new Interface(LEDGER_V2_REDEMPTION_ABI);
    ours.forEachFunction((f) => {
      const theirs = contracts.map((c) => c.getFunction(f.name)?.format("full")).find((x) => x !== undefined);
      expect(f.format("full"), f.name).to.equal(theirs);
    });
    ours.forEachError((e) => {
      const theirs = contracts.map((c) => c.getError(e.name)?.format("full")).find((x) => x !== undefined);
      expect(e.format("full"), e.name).to.equal(theirs);
    });
  });

  it("decodes every error the core can revert with, but issue's, to a code of the catalogue", async function () {
    // The errors the core's sources revert with (the core and the libraries it compiles with).
    const reverted = new Set<string>();
    for (const file of ["VoucherLedger", "VoucherLedgerRules", "VoucherLedgerStorage"]) {
      const source = await readFile(join(ROOT, "contracts", `${file}.sol`), "utf8");
      for (const m of source.matchAll(/revert (VoucherLedger\w+)\(/g)) reverted.add(m[1]!);
    }
    expect(reverted.size).to.be.greaterThan(30);
    // Errors of issue, budgets and the extension's wiring: no redemption reverts with them.
    const notRedemption = new Set([
      "VoucherLedgerBudgetExceeded", "VoucherLedgerCapExceeded", "VoucherLedgerExclusiveProgramme", "VoucherLedgerExtensionMismatch",
      "VoucherLedgerInvalidExpiry", "VoucherLedgerInvalidReference", "VoucherLedgerIssuerNotBound", "VoucherLedgerOutsidePeriods",
      "VoucherLedgerVoucherExists",
    ]);
    const ours = new Interface(LEDGER_V2_REDEMPTION_ABI);
    for (const name of reverted) if (!notRedemption.has(name)) expect(ours.getError(name), name).to.not.equal(null);
    for (const iface of [ours, new Interface(FORWARDER_ABI)]) {
      iface.forEachError((fragment) => {
        const { code, message } = decodeRevertV2(iface.encodeErrorResult(fragment, fragment.inputs.map((input) => zero(input.type))));
        expect(isProblemCode(code), `${fragment.name} → ${code}`).to.equal(true);
        expect(code, fragment.name).to.not.equal("REVERTED");
        // The ledger's refusals are 422 (the forwarder's keep their own: INVALID_SIGNATURE is 401).
        if (iface === ours) expect(PROBLEMS[code as ProblemCode].status, fragment.name).to.equal(422);
        expect(message, fragment.name).to.not.equal(fragment.name);
      });
    }
    expect(decodeRevertV2("0x").code).to.equal("REVERTED");
  });
});
