import { emptyTask, task } from "hardhat/config";
import type { NewTaskActionFunction, TaskDefinition } from "hardhat/types/tasks";

/**
 * The ledger v2 admin tasks, each a thin action over scripts/lib/ledger/: `npx hardhat <group> <task> --help`. Each
 * signs as the role it needs (LEDGER_<ROLE>_KEY from the keystore or the environment; on a local node its default
 * account, see README "Tasks"), or as `--as <address>`, an unlocked account of the node.
 */

type Loader = () => Promise<Record<string, unknown>>;
type Option = [name: string, description: string];

const registry: Loader = () => import("./actions/v2-registry.js");
const vouchers: Loader = () => import("./actions/v2-vouchers.js");
const finance: Loader = () => import("./actions/v2-finance.js");
const identity: Loader = () => import("./actions/v2-identity.js");

function define(id: string[], description: string, loader: Loader, name: string, options: Option[] = [], flags: Option[] = []): TaskDefinition {
  let builder = task(id, description)
    .addOption({ name: "ledger", description: "Ledger v2 address (default: the v2 deployment file of --network)", defaultValue: "" })
    .addOption({ name: "payments", description: "Payment ledger address (default: found through the AccessManager)", defaultValue: "" })
    .addOption({ name: "as", description: "Act as this unlocked account of the node instead of the role's key", defaultValue: "" })
    .addOption({
      name: "via",
      description: "How a write reaches the chain: direct, schedule (a delayed role), safe, safe-schedule, safe-execute (README, Governance)",
      defaultValue: "direct",
    })
    .addOption({ name: "safe", description: "With --via safe…: the Safe that holds ADMIN", defaultValue: "" })
    .addOption({ name: "out", description: "With --via safe…: the proposal file to write for the owners to sign", defaultValue: "" });
  for (const [option, text] of options) builder = builder.addOption({ name: option, description: text, defaultValue: "" });
  for (const [flag, text] of flags) builder = builder.addFlag({ name: flag, description: text });
  return builder.setAction(() => loader().then((m) => ({ default: m[name] as NewTaskActionFunction }))).build();
}

const PROGRAMME: Option = ["programme", "Programme id (npx hardhat programme list)"];
const COMPANY: Option = ["company", "The company: its unified social credit code (checked), or its number in the registry"];
const REASON: Option = ["reason", "Reason code, a short word (registered, lost-key, audit, fraud, …)"];
const VOUCHER: Option[] = [
  ["id", "Voucher id"],
  PROGRAMME,
  ["ref", "Application reference (with --programme, instead of --id)"],
];
const INVOICE: Option[] = [
  ["invoice", "Invoice number: 20 digits, or CODE-NUMBER (10 or 12 digits, 8 digits)"],
  ["total", "Invoice total, decimal amount"],
  ["class", "Compute class: id, on-chain name or vocabulary name (domestic-compute)"],
  ["serviceFrom", "First day of service, ISO date"],
  ["serviceTo", "Last day of service (inclusive), ISO date"],
  ["gpuHours", "Metered GPU-hours (720 or 720.5)"],
  ["paid", "What the buyer paid of it, decimal amount (default: the total)"],
];

export const ledgerTasks: TaskDefinition[] = [
  define(["ledger", "pause"], "Pause ledger v2 (GUARDIAN)", registry, "ledgerPause"),
  define(["ledger", "unpause"], "Lift the pause (GOVERNOR)", registry, "ledgerUnpause"),
  define(["ledger", "status"], "Ledger v2's addresses, pause, role members and counts", registry, "ledgerStatus"),

  emptyTask("role", "Grant and revoke roles of ledger v2").build(),
  define(["role", "grant"], "Grant a role (GOVERNOR, GUARDIAN, FINANCE: by ADMIN; ISSUER, AUDITOR: by GOVERNOR)", registry, "roleGrant", [
    ["role", "GOVERNOR, GUARDIAN, FINANCE, ISSUER or AUDITOR"],
    ["account", "Account address"],
    ["delay", "Execution delay, seconds (default 0)"],
  ]),
  define(["role", "revoke"], "Revoke a role", registry, "roleRevoke", [
    ["role", "GOVERNOR, GUARDIAN, FINANCE, ISSUER or AUDITOR"],
    ["account", "Account address"],
  ]),

  emptyTask("issuer", "Bind issuers to programmes (GOVERNOR)").build(),
  define(["issuer", "bind"], "Let an issuer issue under a programme", registry, "issuerBind", [["issuer", "Issuer address"], PROGRAMME]),
  define(["issuer", "unbind"], "Stop an issuer issuing under a programme", registry, "issuerUnbind", [["issuer", "Issuer address"], PROGRAMME]),

  emptyTask("entity", "Companies (beneficiaries and suppliers) and the addresses that act for them").build(),
  define(["entity", "register"], "Register a company by its unified social credit code (GOVERNOR)", registry, "entityRegister", [
    ["creditCode", "Unified social credit code, 18 characters (its check character is verified)"],
    ["role", "beneficiary, supplier or both"],
    ["category", "A beneficiary's category: id, on-chain name or vocabulary name (start-up)"],
  ]),
  define(["entity", "add-address"], "Let an address act for a company (GOVERNOR)", registry, "entityAddAddress", [COMPANY, ["address", "Address"], REASON]),
  define(["entity", "remove-address"], "Stop an address acting for its company (GOVERNOR)", registry, "entityRemoveAddress", [["address", "Address"], REASON]),
  define(["entity", "show"], "Show a company", registry, "entityShow", [COMPANY, ["address", "Or: an address of the company"]]),

  emptyTask("relation", "Related parties: no subsidy between a beneficiary and a supplier on record").build(),
  define(["relation", "record"], "Record a relation (GOVERNOR)", registry, "relationRecord", [
    ["beneficiary", "The beneficiary: credit code or number"],
    ["supplier", "The supplier: credit code or number"],
    REASON,
  ]),
  define(["relation", "clear"], "Clear a relation (GOVERNOR)", registry, "relationClear", [
    ["beneficiary", "The beneficiary: credit code or number"],
    ["supplier", "The supplier: credit code or number"],
    REASON,
  ]),
  define(["relation", "show"], "Show whether a relation is recorded", registry, "relationShow", [
    ["beneficiary", "The beneficiary: credit code or number"],
    ["supplier", "The supplier: credit code or number"],
  ]),

  emptyTask("accreditation", "Suppliers' accreditation per programme").build(),
  define(["accreditation", "grant"], "Accredit a supplier for a programme over [from, until) (GOVERNOR)", registry, "accreditationGrant", [
    ["supplier", "The supplier: credit code or number"],
    PROGRAMME,
    ["from", "From, ISO date (00:00 Asia/Shanghai)"],
    ["until", "Until (exclusive), ISO date"],
    ["classes", "Compute classes it may invoice, comma-separated (domestic-compute,other-compute)"],
  ]),
  define(["accreditation", "suspend"], "Suspend an accreditation (GUARDIAN)", registry, "accreditationSuspend", [
    ["supplier", "The supplier: credit code or number"],
    PROGRAMME,
    REASON,
  ]),
  define(["accreditation", "reinstate"], "Lift a suspension (GOVERNOR)", registry, "accreditationReinstate", [
    ["supplier", "The supplier: credit code or number"],
    PROGRAMME,
    REASON,
  ]),
  define(["accreditation", "show"], "Show an accreditation", registry, "accreditationShow", [["supplier", "The supplier: credit code or number"], PROGRAMME]),

  emptyTask("programme", "Programmes as the chain holds them (changes: npx hardhat scheme apply)").build(),
  define(["programme", "list"], "One line per programme: budget and commitment", registry, "programmeList"),
  define(["programme", "show"], "A programme's rules, budget and commitment per fiscal year, and use", registry, "programmeShow", [PROGRAMME]),
  define(["programme", "pause"], "Pause a programme at once: no issue, no redemption (GUARDIAN)", registry, "programmePause", [PROGRAMME, REASON]),
  define(["programme", "resume"], "Resume a paused programme (GOVERNOR)", registry, "programmeResume", [PROGRAMME, REASON]),

  emptyTask("voucher", "Issue, show, revoke, expire, re-issue and freeze vouchers").build(),
  define(["voucher", "issue"], "Issue one voucher (ISSUER of the programme)", vouchers, "voucherIssue", [
    PROGRAMME,
    ["ref", "Application reference"],
    ["holder", "Holder: an address of a registered beneficiary"],
    ["amount", "Face value, decimal amount"],
    ["expires", "Expiry, ISO date (default: the programme's validity)"],
  ]),
  define(
    ["voucher", "batch-issue"],
    "Issue vouchers by company from a CSV file: checked whole first, resumable, with a report (ISSUER)",
    vouchers,
    "voucherBatchIssue",
    [
      PROGRAMME,
      ["file", "CSV: application_ref,credit_code,holder,face_value[,expires_on]"],
      ["chunkSize", "Vouchers per transaction (default 50)"],
      ["report", "Report file (default: <file>.report.json)"],
    ],
    [["dryRun", "Check everything; send nothing"]],
  ),
  define(["voucher", "show"], "Show a voucher", vouchers, "voucherShow", VOUCHER),
  define(["voucher", "revoke"], "Revoke a voucher (ISSUER, or GOVERNOR with --governor)", vouchers, "voucherRevoke", [...VOUCHER, REASON], [
    ["governor", "Act as GOVERNOR"],
  ]),
  define(["voucher", "expire"], "Close an expired voucher, a list (--ids), or --all of a programme (anyone)", vouchers, "voucherExpire", [
    ...VOUCHER,
    ["ids", "Voucher ids, comma-separated"],
  ], [["all", "Every voucher of --programme past its expiry"]]),
  define(["voucher", "reissue"], "Ask to move a voucher to another address of its company (ISSUER)", vouchers, "voucherReissue", [
    ...VOUCHER,
    ["to", "The company's other address"],
    REASON,
  ]),
  define(["voucher", "reissue-approve"], "Approve a pending re-issue at once (GOVERNOR)", vouchers, "voucherReissueApprove", VOUCHER),
  define(["voucher", "reissue-execute"], "Carry out a pending re-issue after the programme's delay (ISSUER)", vouchers, "voucherReissueExecute", VOUCHER),
  define(["voucher", "reissue-cancel"], "Withdraw a pending re-issue (ISSUER)", vouchers, "voucherReissueCancel", [...VOUCHER, REASON]),
  define(["voucher", "freeze"], "Freeze a voucher: no redemption, no move (GUARDIAN)", vouchers, "voucherFreeze", [...VOUCHER, REASON]),
  define(["voucher", "unfreeze"], "Unfreeze a voucher (GOVERNOR)", vouchers, "voucherUnfreeze", [...VOUCHER, REASON]),

  emptyTask("claim", "Buyers' claims: the supplier attests, the holder submits, an issuer decides").build(),
  define(["claim", "attest"], "Sign the supplier's attestation of an invoice its buyer paid (SUPPLIER, --as)", finance, "claimAttest", [
    ...INVOICE,
    ["buyer", "The buyer's address (the voucher's holder)"],
  ]),
  define(
    ["claim", "submit"],
    "Submit a claim on a voucher with the supplier's attestation (HOLDER, --as)",
    finance,
    "claimSubmit",
    [
      ...VOUCHER,
      ["amount", "What the voucher is to pay, decimal amount"],
      ["supplier", "The supplier's address that signed the attestation"],
      ...INVOICE,
      ["contractDate", "The day the contract was signed, ISO date"],
      ["attestation", "The supplier's signature (claim attest)"],
      ["paymentCommitment", "Salted commitment to the proof of payment (0x + 64 hex)"],
      ["contractCommitment", "Salted commitment to the contract (optional)"],
      ["invoiceCommitment", "Salted commitment to the invoice document (optional)"],
      ["electricityKwh", "Metered electricity, kWh (where the programme requires it)"],
      ["assessmentCommitment", "Commitment to a third party's assessment (where required)"],
    ],
    [["unrelated", "Declare that buyer and supplier are not related parties (required)"]],
  ),
  define(["claim", "approve"], "Approve a pending claim (ISSUER of its programme)", finance, "claimApprove", [["claim", "Claim id"]]),
  define(["claim", "reject"], "Reject a pending claim (ISSUER of its programme)", finance, "claimReject", [["claim", "Claim id"], REASON]),
  define(["claim", "settle"], "Settle a claim whose review window passed, by the programme's rule (anyone)", finance, "claimSettle", [["claim", "Claim id"]]),
  define(["claim", "show"], "Show a claim", finance, "claimShow", [["claim", "Claim id"]]),

  emptyTask("payment", "The finance bureau's book (FINANCE)").build(),
  define(
    ["payment", "record"],
    "Record a payment (or --repayment) to a payee under a programme",
    finance,
    "paymentRecord",
    [
      PROGRAMME,
      ["payee", "The payee: credit code or number"],
      ["year", "Fiscal year it belongs to"],
      ["amount", "Amount, decimal"],
      ["reference", "The bank transfer record's reference (committed with a salt, not published)"],
      ["salt", "The salt (0x + 64 hex; default: a fresh random one, printed)"],
    ],
    [["repayment", "Money the payee paid back after a clawback"]],
  ),
  define(["payment", "correct"], "Reverse an entry by a correction", finance, "paymentCorrect", [["entry", "Entry id"], REASON]),

  emptyTask("identity", "The identity registry off chain: names and credit codes, invoice numbers, document salts").build(),
  define(
    ["identity", "load"],
    "Load a CSV of names and credit codes, invoice numbers or document salts into the audit service, checked against the chain (ISSUER)",
    identity,
    "identityLoad",
    [
      ["file", "CSV: credit_code,name[,name_en] | supplier_credit_code,invoice_number | commitment,salt,document_hash"],
      ["service", "The audit service's URL (its PUBLIC_URL), which checks and writes the records"],
    ],
    [["dryRun", "Check every row; send nothing"]],
  ),

  define(["statement"], "A payee's statement for a fiscal year or month, rebuilt from the chain's events", finance, "statement", [
    ["payee", "The payee: credit code or number"],
    ["period", "Fiscal year (2026) or month (2026-03), Asia/Shanghai"],
    PROGRAMME,
  ]),
];
