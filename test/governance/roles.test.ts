import { expect } from "chai";

import { EXECUTION_DELAYS, INSTANT_ROLES } from "../../scripts/lib/governance/policy.js";
import { LEDGER_FUNCTION_ROLES, REGISTRY_FUNCTION_ROLES } from "../../service/domain/roles.js";

/** Each guardian action and the function that undoes it. */
const UNDO = { pause: "unpause", freeze: "unfreeze", suspend: "reinstate", pauseProgramme: "resumeProgramme" } as const;

function roleOf(fn: string): string | undefined {
  for (const table of [LEDGER_FUNCTION_ROLES, REGISTRY_FUNCTION_ROLES]) {
    for (const [role, names] of Object.entries(table)) if (names?.includes(fn)) return role;
  }
  return undefined;
}

describe("governance: delays belong to roles", function () {
  it("gives each guardian action to a role without delay and its undoing to a role with one", function () {
    for (const [action, undo] of Object.entries(UNDO)) {
      const actor = roleOf(action);
      const undoer = roleOf(undo);
      expect(actor, action).to.equal("GUARDIAN");
      expect(INSTANT_ROLES, action).to.include(actor);
      expect(undoer, undo).to.not.equal(actor);
      expect(Object.keys(EXECUTION_DELAYS), undo).to.include(undoer);
    }
  });

  it("gives every budget, ratio, accreditation and programme change to a role with an execution delay", function () {
    for (const fn of ["setBudget", "setRatios", "accredit", "reinstate", "registerProgramme", "updateProgramme", "resumeProgramme"]) {
      expect(Object.keys(EXECUTION_DELAYS), fn).to.include(roleOf(fn));
    }
  });
});
