import { id } from "ethers";

/**
 * The state-changing functions of ledger v2's contracts and of their AccessManager, by signature: what the mirror's
 * API names a governance operation's or a Safe transaction's call with (its target and selector are all the chain
 * records). test/service/domain/abi-v2.test.ts checks them against the compiled contracts, so that they cannot drift.
 */
export const GOVERNED_FUNCTIONS = {
  ledger: [
    "issue(uint32,(address,bytes32,uint64,uint64))",
    "issueBatch(uint32,(address,bytes32,uint64,uint64)[])",
    "redeem((uint256,address,bytes32,uint64,uint64,uint8,uint32,uint32,uint64,uint32,(bytes32,bytes32,bytes32,uint64,bytes32),bool,uint32,uint64),bytes)",
    "redeemBatch((uint256,address,bytes32,uint64,uint64,uint8,uint32,uint32,uint64,uint32,(bytes32,bytes32,bytes32,uint64,bytes32),bool,uint32,uint64)[],bytes[])",
    "setAuthority(address)",
    "approveReissue(uint256)",
    "cancelConsents()",
    "cancelReissue(uint256,bytes32)",
    "configureAccount(address,uint32,uint8,uint8,bool)",
    "configureAccreditation(address,uint32,uint32,uint40,uint40,uint32,bool)",
    "configureClaims(uint32,(uint32,uint16,bool))",
    "configureIssuer(address,uint32,bool)",
    "configureProgramme(uint32,(uint16,uint8,uint8,uint32,uint32,uint32,uint40,uint64),uint32)",
    "configureRedemption(uint32,uint8,(uint40,uint40,uint16,uint16,uint16,uint8,uint112))",
    "configureRelation(uint32,uint32,bool)",
    "executeReissue(uint256)",
    "expire(uint256)",
    "expireBatch(uint256[])",
    "freeze(uint256,bytes32)",
    "pause()",
    "requestReissue(uint256,address,bytes32)",
    "revoke(uint256,bytes32)",
    "revokeByGovernor(uint256,bytes32)",
    "setBaseURI(string)",
    "setBudget(uint32,uint16,uint64,bytes32)",
    "unfreeze(uint256,bytes32)",
    "unpause()",
    "approveClaim(uint256)",
    "clawBackClaim(uint256,uint64,bytes32)",
    "clawBackRedemption(uint256,uint32,bytes32,uint64,bytes32)",
    "rejectClaim(uint256,bytes32)",
    "settleClaim(uint256)",
    "submitClaim((uint256,uint64,uint32,bool,(bytes32,bytes32,bytes32,uint64,bytes32),(address,bytes32,uint64,uint8,uint32,uint32,uint64,uint64,address)),bytes)",
  ],
  registry: [
    "accredit(uint32,uint32,uint40,uint40,uint32)",
    "addAddress(uint32,address,bytes32)",
    "bindIssuer(address,uint32)",
    "clearRelation(uint32,uint32,bytes32)",
    "defineCategory(uint8,string)",
    "defineClass(uint8,string)",
    "pauseProgramme(uint32,bytes32)",
    "recordRelation(uint32,uint32,bytes32)",
    "registerEntity(bytes32,uint8,uint8)",
    "registerProgramme((uint8,uint32,uint8,string,uint16,uint8,uint40,uint40,uint16,uint32,uint32,uint64,bool,uint32,bool,uint16,uint16,bool,bool,uint32,uint8,uint16,uint32,bool),(uint8,uint8,uint16)[])",
    "reinstate(uint32,uint32,bytes32)",
    "removeAddress(address,bytes32)",
    "resumeProgramme(uint32,bytes32)",
    "setAuthority(address)",
    "setEntityCategory(uint32,uint8,bytes32)",
    "setLedger(address)",
    "setRatios(uint32,(uint8,uint8,uint16)[])",
    "suspend(uint32,uint32,bytes32)",
    "unbindIssuer(address,uint32)",
    "updateProgramme(uint32,(uint8,uint32,uint8,string,uint16,uint8,uint40,uint40,uint16,uint32,uint32,uint64,bool,uint32,bool,uint16,uint16,bool,bool,uint32,uint8,uint16,uint32,bool))",
  ],
  payments: [
    "correctEntry(uint256,bytes32)",
    "recordPayment(uint32,uint32,uint16,uint64,bytes32)",
    "recordRepayment(uint32,uint32,uint16,uint64,bytes32)",
    "setAuthority(address)",
  ],
  accessManager: [
    "cancel(address,address,bytes)",
    "consumeScheduledOp(address,bytes)",
    "execute(address,bytes)",
    "grantRole(uint64,address,uint32)",
    "labelRole(uint64,string)",
    "multicall(bytes[])",
    "renounceRole(uint64,address)",
    "revokeRole(uint64,address)",
    "schedule(address,bytes,uint48)",
    "setGrantDelay(uint64,uint32)",
    "setRoleAdmin(uint64,uint64)",
    "setRoleGuardian(uint64,uint64)",
    "setTargetAdminDelay(address,uint32)",
    "setTargetClosed(address,bool)",
    "setTargetFunctionRole(address,bytes4[],uint64)",
    "updateAuthority(address,address)",
  ],
} as const;

export type GovernedContract = keyof typeof GOVERNED_FUNCTIONS;

/** Selector (0x and 8 hex digits) → function name, per contract. */
const BY_SELECTOR = new Map<GovernedContract, Map<string, string>>(
  (Object.entries(GOVERNED_FUNCTIONS) as [GovernedContract, readonly string[]][]).map(([contract, signatures]) => [
    contract,
    new Map(signatures.map((s) => [id(s).slice(0, 10), s.slice(0, s.indexOf("("))])),
  ]),
);

/** The name of the function `selector` calls on `contract`, or null when that contract has no such function. */
export function functionName(contract: GovernedContract, selector: string): string | null {
  return BY_SELECTOR.get(contract)?.get(selector.toLowerCase()) ?? null;
}
