import { safeAdditionalInfo, safeSigners } from "../chain/safe.js";
import type { FoldEvent } from "./fold.js";

/**
 * Who acted in ledger v2, folded from the chain's logs alone, apart from the mirror's projection
 * (service/store/projection-governance.ts): the AccessManager's operations by id and nonce, the Safe's transactions
 * by transaction and log, and how many events each operation's execution and each Safe transaction emitted. This
 * fold reads each transaction's logs as a whole: the events of an execution are those after its OperationExecuted
 * up to the next one (or the end of the Safe transaction it ran in), a Safe transaction's those between its
 * SafeMultiSigTransaction and its ExecutionSuccess.
 */
export interface GovernanceState {
  operations: Map<string, { caller: string; target: string; status: string; executableFrom: string; closedBlock: number | null; events: number }>;
  safeTransactions: Map<string, { nonce: string; target: string; success: boolean | null; signers: string | null; events: number }>;
}

export function emptyGovernanceState(): GovernanceState {
  return { operations: new Map(), safeTransactions: new Map() };
}

/** Folds every event (in chain order) into the state. */
export function foldGovernance(s: GovernanceState, events: readonly FoldEvent[]): void {
  const byTransaction = new Map<string, FoldEvent[]>();
  for (const e of events) {
    const list = byTransaction.get(`${e.blockHash}|${e.transactionHash}`);
    if (list === undefined) byTransaction.set(`${e.blockHash}|${e.transactionHash}`, [e]);
    else list.push(e);
  }
  for (const logs of byTransaction.values()) foldTransaction(s, logs);
}

const opKey = (e: FoldEvent) => `${String(e.args.operationId)}|${String(e.args.nonce)}`;

function foldTransaction(s: GovernanceState, logs: FoldEvent[]): void {
  // Safe transactions: [start, end) log positions.
  const safes: { start: number; end: number; key: string }[] = [];
  logs.forEach((e, i) => {
    if (e.contract !== "safe" || e.eventName !== "SafeMultiSigTransaction") return;
    const end = logs.findIndex((x, j) => j > i && x.contract === "safe" && (x.eventName === "ExecutionSuccess" || x.eventName === "ExecutionFailure"));
    const key = `${e.transactionHash}|${e.logIndex}`;
    const info = safeAdditionalInfo(String(e.args.additionalInfo));
    const closing = end === -1 ? undefined : logs[end]!;
    const signers = closing === undefined ? null : safeSigners(String(closing.args.txHash), String(e.args.signatures), info.threshold).map((x) => x.owner).join(",");
    s.safeTransactions.set(key, {
      nonce: info.nonce, target: String(e.args.to), success: closing === undefined ? null : closing.eventName === "ExecutionSuccess", signers,
      events: end === -1 ? 0 : logs.slice(i + 1, end).filter((x) => x.contract !== "safe").length,
    });
    safes.push({ start: i, end: end === -1 ? logs.length : end, key });
  });
  logs.forEach((e, i) => {
    if (e.contract !== "accessManager") return;
    if (e.eventName === "OperationScheduled") {
      s.operations.set(opKey(e), {
        caller: String(e.args.caller), target: String(e.args.target), status: "Scheduled", executableFrom: String(e.args.schedule), closedBlock: null, events: 0,
      });
      return;
    }
    if (e.eventName !== "OperationExecuted" && e.eventName !== "OperationCanceled") return;
    const op = s.operations.get(opKey(e));
    if (op === undefined) throw new Error(`${e.eventName} in block ${e.blockNumber} names an operation never scheduled`);
    op.status = e.eventName === "OperationExecuted" ? "Executed" : "Cancelled";
    op.closedBlock = e.blockNumber;
    if (e.eventName === "OperationCanceled") return;
    const inside = safes.find((x) => x.start < i && i < x.end);
    // Up to the next execution or the next Safe transaction, whichever comes first.
    let end = logs.findIndex(
      (x, j) => j > i && ((x.contract === "accessManager" && x.eventName === "OperationExecuted") || (x.contract === "safe" && x.eventName === "SafeMultiSigTransaction")),
    );
    if (end === -1) end = logs.length;
    if (inside !== undefined) end = Math.min(end, inside.end);
    op.events = logs.slice(i + 1, end).filter((x) => x.contract !== "safe" && !(x.contract === "accessManager" && x.eventName.startsWith("Operation"))).length;
  });
}
