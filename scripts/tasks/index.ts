import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { NewTaskActionFunction, NewTaskDefinitionBuilder, TaskDefinition } from "hardhat/types/tasks";

import { ledgerTasks } from "./ledger-tasks.js";

/**
 * The admin tasks: `npx hardhat <group> <task> --help` for each. The ledger v2 tasks are in ./ledger-tasks.ts; here
 * are the local chain, the deployment (v1 by default, `--v2` for ledger v2), scheme files, and v1's batch issue that
 * the batch benchmark still runs (until the service follows v2). Tasks sign with LEDGER_<ROLE>_KEY (Hardhat
 * keystore or environment); on the local node the default accounts serve.
 */
type Builder = NewTaskDefinitionBuilder<Record<string, unknown>>;

const v1Batch = () => import("./actions/v1-batch.js");
const deploy = () => import("./actions/deploy.js");
const scheme = () => import("./actions/scheme.js");
const chain = () => import("./actions/chain.js");

/** Options every ledger task takes: where the ledger is, and which unlocked account acts. */
function common(builder: Builder): Builder {
  return builder
    .addOption({
      name: "ledger",
      description: "Ledger address (default: the deployment file of --network)",
      defaultValue: "",
    })
    .addOption({
      name: "as",
      description: "Act as this unlocked account of the node instead of the role's key",
      defaultValue: "",
    });
}

function opt(builder: Builder, name: string, description: string, defaultValue = ""): Builder {
  return builder.addOption({ name, description, defaultValue });
}

function define(
  id: string[],
  description: string,
  options: [string, string, string?][],
  load: () => Promise<{ default: NewTaskActionFunction }>,
  flags: [string, string][] = [],
): TaskDefinition {
  let builder = common(task(id, description));
  for (const [name, text, fallback] of options) builder = opt(builder, name, text, fallback);
  for (const [name, text] of flags) builder = builder.addFlag({ name, description: text });
  return builder.setAction(load as never).build();
}

/** A lazy action: the named export of an actions module, loaded only when the task runs. */
const pick =
  <M>(loader: () => Promise<M>, name: keyof M) =>
  (): Promise<{ default: NewTaskActionFunction }> =>
    loader().then((module) => ({ default: module[name] as NewTaskActionFunction }));

export const adminTasks: TaskDefinition[] = [
  task("chain", "Start Hardhat's node with the ledger deployed to it (npm run chain); Ctrl-C stops it")
    .addOption({ name: "hostname", description: "Address to listen on", defaultValue: "127.0.0.1" })
    .addOption({ name: "port", description: "Port to listen on", type: ArgumentType.INT, defaultValue: 8545 })
    .addOption({
      name: "governorDelay",
      description: "GOVERNOR execution delay, seconds",
      type: ArgumentType.INT,
      defaultValue: 0,
    })
    .addOption({ name: "deploymentId", description: "Ignition deployment id (default: chain-31337)", defaultValue: "" })
    .addOption({ name: "deploymentsDir", description: "Folder of the deployment file (default: scripts/deployments)", defaultValue: "" })
    .setAction(pick(deploy, "chain"))
    .build(),

  // The operator's checklist of a node (README, "Chains"): a subtask of `chain`, which itself starts a local node.
  task(["chain", "check"], "Read a node (--network, or --url) and print what it supports and lacks for the ledger")
    .addOption({ name: "url", description: "JSON-RPC URL of the node (default: the node of --network)", defaultValue: "" })
    .setAction(pick(chain, "chainCheck"))
    .build(),

  emptyTask("ledger", "Deploy, pause and inspect the ledger").build(),
  task(["ledger", "deploy"], "Deploy the ledger (v1; --v2: ledger v2) with Ignition and record it (running it again changes nothing)")
    .addOption({
      name: "governor",
      description: "Account to make GOVERNOR (default: deployer; local: account #1)",
      defaultValue: "",
    })
    .addOption({
      name: "governorDelay",
      description: "GOVERNOR execution delay, seconds",
      type: ArgumentType.INT,
      defaultValue: 0,
    })
    .addOption({ name: "currency", description: "ISO 4217 currency code", defaultValue: "CNY" })
    .addOption({
      name: "decimals",
      description: "Digits of the currency's minor unit",
      type: ArgumentType.INT,
      defaultValue: 2,
    })
    .addOption({ name: "baseUri", description: "Metadata base URI", defaultValue: "" })
    .addOption({ name: "deploymentId", description: "Ignition deployment id", defaultValue: "" })
    .addOption({ name: "guardian", description: "With --v2: account to make GUARDIAN (default: deployer; local: account #4)", defaultValue: "" })
    .addOption({ name: "safe", description: "With --v2: an existing Safe to hold ADMIN (instead of --safe-owners)", defaultValue: "" })
    .addOption({ name: "safeOwners", description: "With --v2: owners of a new Safe to hold ADMIN, comma-separated (local: #5,#6,#7)", defaultValue: "" })
    .addOption({ name: "safeThreshold", description: "With --v2: signatures the new Safe needs (at least 2)", type: ArgumentType.INT, defaultValue: 2 })
    .addFlag({ name: "reset", description: "Delete Ignition's journal of this deployment first (its chain is gone)" })
    .addFlag({ name: "v2", description: "Deploy ledger v2 (registry, ledger, payment ledger) and record it in ledger-v2-chain-<id>.json" })
    .setAction(pick(deploy, "ledgerDeploy"))
    .build(),
  emptyTask("scheme", "Apply scheme files (scripts/schemes/*.json) to the registry and the ledger (GOVERNOR)").build(),
  define(
    ["scheme", "apply"],
    "Make the chain hold what a scheme file says, sending only what differs (safe to re-run)",
    [
      ["file", "Scheme file (scripts/schemes/hangzhou.json), or a folder: every scheme file in it"],
      ["registry", "Scheme registry address (default: the ledger's; if given, it must be the ledger's)"],
      ["vocabulary", "Vocabulary file (default: vocabulary.json beside each scheme file)"],
    ],
    pick(scheme, "schemeApply"),
    [["dryRun", "Read the chain and list what would be sent; send nothing (no key needed)"]],
  ),

  emptyTask("v1", "Ledger v1 (ComputeVoucher) tasks still in use until the service follows v2").build(),
  define(
    ["v1", "batch-issue"],
    "Issue v1 vouchers from a CSV file in a city: checked whole first, resumable, with a report (the batch benchmark runs it)",
    [
      ["city", "City code, GB/T 2260 (310000 = Shanghai)"],
      ["file", "CSV: application_ref,holder,face_value[,expires_on]"],
      ["chunkSize", "Vouchers per transaction", "50"],
      ["report", "Report file (default: <file>.report.json)"],
    ],
    pick(v1Batch, "voucherBatchIssue"),
    [["dryRun", "Check everything and estimate gas; send nothing"]],
  ),
  ...ledgerTasks,
];

/**
 * Governance of ledger v2 (scripts/tasks/actions/governance.ts): the deploy check, Safe proposals that travel between
 * owners as files, and calls delayed by the AccessManager. They act as `--as <unlocked account>` or with the key in
 * `--key-var` (GOVERNANCE_KEY by default; Hardhat keystore or environment).
 */
const governance = () => import("./actions/governance.js");
const WHERE: [string, string, string?][] = [
  ["ledger", "Ledger v2 address (its AccessManager and registry are read from it)"],
  ["payments", "Payment ledger address"],
  ["deploymentId", "Ignition deployment id whose addresses to use (instead of --ledger)"],
  ["fromBlock", "First block of the deployment's events", "0"],
  ["as", "Act as this unlocked account of the node"],
  ["keyVar", "Configuration variable holding the acting key (else GOVERNANCE_KEY)"],
];
const CALL: [string, string, string?][] = [
  ["contract", "manager, ledger, registry or payments"],
  ["function", "Function name (with --contract)"],
  ["args", "Arguments as a JSON array (with --contract)", "[]"],
  ["to", "Target address (instead of --contract)"],
  ["data", "Call data, 0x… (with --to)"],
  ["label", "What the call does, in words (else: the decoded call)"],
];
function governanceTask(
  id: string[],
  description: string,
  options: [string, string, string?][],
  name: string,
  flags: [string, string][] = [],
): TaskDefinition {
  let builder = task(id, description);
  for (const [option, text, fallback] of [...WHERE, ...options]) builder = opt(builder, option, text, fallback);
  for (const [flag, text] of flags) builder = builder.addFlag({ name: flag, description: text });
  return builder.setAction(pick(governance, name as never)).build();
}
adminTasks.push(
  emptyTask("governance", "Ledger v2's governance: who holds which role, with which delays").build(),
  governanceTask(["governance", "status"], "Role members, the Safe, every delay, and the deploy check's verdict", [], "governanceStatus", [
    ["strict", "Exit with code 1 unless the deploy check passes"],
  ]),
  emptyTask("safe", "Safe transactions proposed, signed and executed through a file that travels between owners").build(),
  governanceTask(
    ["safe", "propose"],
    "Propose a call from the Safe holding ADMIN; writes the transaction and its hash to --out (signed by the proposer if an owner)",
    [...CALL, ["safe", "Safe address (default: the Safe holding ADMIN)"], ["out", "Proposal file to write"]],
    "safePropose",
    [
      ["schedule", "Propose scheduling the call in the AccessManager (it has a delay)"],
      ["executeScheduled", "Propose executing the call the Safe scheduled"],
      ["noSign", "Do not sign as the proposer"],
    ],
  ),
  governanceTask(["safe", "sign"], "Add the acting owner's signature to a proposal file, or approve its hash on chain", [["file", "Proposal file"]], "safeSign", [
    ["onchain", "Approve the hash on chain (Safe.approveHash) instead of signing the file"],
  ]),
  governanceTask(["safe", "show"], "Show a proposal and who has approved it", [["file", "Proposal file"]], "safeShow"),
  governanceTask(["safe", "execute"], "Execute a proposal once its threshold of owners approved it", [["file", "Proposal file"]], "safeExecute"),
  emptyTask("delayed", "Calls delayed by the AccessManager: schedule, list, execute, cancel").build(),
  governanceTask(["delayed", "schedule"], "Schedule a call of the acting account's role for its earliest time", CALL, "delayedSchedule"),
  governanceTask(["delayed", "pending"], "List the scheduled operations with their earliest execution time", [], "delayedPending"),
  governanceTask(["delayed", "execute"], "Execute a scheduled operation (by its scheduler, once its time has come)", [["id", "Operation id (or its first 10+ characters)"]], "delayedExecute"),
  governanceTask(["delayed", "cancel"], "Cancel a scheduled operation", [["id", "Operation id (or its first 10+ characters)"]], "delayedCancel"),
);
