import { expect } from "chai";
import { AbiCoder, Interface } from "ethers";

import { decodeRevert, FORWARDER_ABI, LEDGER_ABI } from "../../../service/domain/abi-v1.js";
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
