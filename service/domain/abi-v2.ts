import { Interface } from "ethers";

/**
 * Ledger v2's events as human-readable ABI, contract by contract: what the mirror decodes and the verifier folds, so
 * that the service stands on its own (no Hardhat artifacts for v2). They must be exactly the events of the compiled
 * contracts (contracts/IVoucherLedgerTypes.sol, ISchemeRegistry.sol, IPaymentLedger.sol and what they inherit);
 * test/service/domain/abi-v2.test.ts checks them against the artifacts, so that they cannot drift.
 */

/** Every event at the ledger's address: its core (VoucherLedger), the extension and the claims module, which run by
 * delegatecall and so log from the ledger's address (IVoucherLedgerTypes, ERC-1155, ERC-6268, Pausable, AccessManaged). */
export const LEDGER_V2_EVENTS = [
  "event ApprovalForAll(address indexed account, address indexed operator, bool approved)",
  "event AuthorityUpdated(address authority)",
  "event BaseURISet(string baseURI, address actor)",
  "event BudgetSet(uint32 indexed programme, uint16 indexed year, uint64 budget, bytes32 appropriation, address indexed actor)",
  "event ClaimApproved(uint256 indexed claimId, uint32 indexed programme, uint32 indexed beneficiaryEntity, uint64 amount, bool byRule, address actor)",
  "event ClaimClawedBack(uint256 indexed claimId, uint32 indexed programme, uint32 indexed beneficiaryEntity, uint64 amount, uint16 year, bytes32 reason, address actor)",
  "event ClaimRejected(uint256 indexed claimId, uint32 indexed programme, uint64 amount, bool lapsed, bytes32 reason, address actor)",
  "event ClaimSubmitted(uint256 indexed claimId, uint256 indexed id, uint32 indexed programme, address holder, uint32 beneficiaryEntity, uint32 supplierEntity, uint40 reviewUntil, bytes32 attestationDigest, (uint256 voucherId, uint64 amount, uint32 contractDay, bool unrelated, (bytes32 contractCommitment, bytes32 invoiceCommitment, bytes32 paymentCommitment, uint64 electricityKwh, bytes32 assessmentCommitment) evidence, (address supplier, bytes32 invoiceNumberHash, uint64 invoiceTotal, uint8 computeClass, uint32 serviceFromDay, uint32 serviceToDay, uint64 gpuCentihours, uint64 amountPaid, address buyer) attestation) claim)",
  "event ConsentsCancelled(address indexed holder, uint32 epoch)",
  "event EIP712DomainChanged()",
  "event LedgerInitialized(address registry, address extension, address claims, address forwarder, string currency, uint8 decimals, string baseURI)",
  "event Locked(uint256 id)",
  "event Paused(address account)",
  "event RedemptionClawedBack(uint256 indexed id, uint32 indexed programme, uint32 indexed supplierEntity, bytes32 invoiceKey, uint64 amount, uint16 year, bytes32 reason, address actor)",
  "event ReissueCancelled(uint256 indexed id, bytes32 reason, address actor)",
  "event ReissueRequested(uint256 indexed id, address indexed from, address indexed to, uint40 executableAt, bytes32 reason, address actor)",
  "event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values)",
  "event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value)",
  "event URI(string value, uint256 indexed id)",
  "event Unpaused(address account)",
  "event VoucherExpired(uint256 indexed id, uint32 indexed programme, address indexed holder, uint64 amount, address actor)",
  "event VoucherFrozen(uint256 indexed id, bytes32 reason, address actor)",
  "event VoucherIssued(uint256 indexed id, uint32 indexed programme, address indexed holder, uint32 entity, bytes32 applicationRef, uint64 faceValue, uint32 expiresAt, uint16 year, address issuer)",
  "event VoucherRedeemed(uint256 indexed id, uint32 indexed programme, uint32 indexed supplierEntity, address holder, uint32 beneficiaryEntity, bytes32 consentDigest, uint64 remaining, address supplier, bytes32 invoiceNumberHash, uint64 amount, uint64 invoiceTotal, uint8 computeClass, uint32 serviceFromDay, uint32 serviceToDay, uint64 gpuCentihours, uint32 contractDay, (bytes32 contractCommitment, bytes32 invoiceCommitment, bytes32 paymentCommitment, uint64 electricityKwh, bytes32 assessmentCommitment) evidence)",
  "event VoucherReissued(uint256 indexed id, address indexed from, address indexed to, uint64 amount, address approvedBy, address actor)",
  "event VoucherRevoked(uint256 indexed id, uint32 indexed programme, address indexed holder, uint64 amount, bytes32 reason, address actor)",
  "event VoucherUnfrozen(uint256 indexed id, bytes32 reason, address actor)",
] as const;

/** Every event of the scheme registry (ISchemeRegistry, AccessManaged). */
export const REGISTRY_EVENTS = [
  "event AddressAdded(uint32 indexed entity, address indexed account, bytes32 reason, address actor)",
  "event AddressRemoved(uint32 indexed entity, address indexed account, bytes32 reason, address actor)",
  "event AuthorityUpdated(address authority)",
  "event CategoryDefined(uint8 indexed id, string name, address actor)",
  "event ClassDefined(uint8 indexed id, string name, address actor)",
  "event EntityCategorySet(uint32 indexed id, uint8 category, bytes32 reason, address actor)",
  "event EntityRegistered(uint32 indexed id, bytes32 indexed creditCodeHash, uint8 roles, uint8 category, address actor)",
  "event IssuerBound(address indexed issuer, uint32 indexed programme, address actor)",
  "event IssuerUnbound(address indexed issuer, uint32 indexed programme, address actor)",
  "event LedgerConnected(address ledger, address actor)",
  "event ProgrammePaused(uint32 indexed id, bytes32 reason, address actor)",
  "event ProgrammeRegistered(uint32 indexed id, (uint8 level, uint32 region, uint8 kind, string name, uint16 firstYear, uint8 yearCount, uint40 redeemFrom, uint40 redeemUntil, uint16 earliestContractDay, uint32 defaultValidity, uint32 maxValidity, uint64 capPerCompany, bool capLifetime, uint32 capGroup, bool exclusive, uint16 maxCombinedBps, uint16 entityWindowDays, bool needsElectricity, bool needsAssessment, uint32 reissueDelay, uint8 payees, uint16 supplierFirstDays, uint32 reviewWindow, bool lapseApproves) programme, address actor)",
  "event ProgrammeResumed(uint32 indexed id, bytes32 reason, address actor)",
  "event ProgrammeUpdated(uint32 indexed id, (uint8 level, uint32 region, uint8 kind, string name, uint16 firstYear, uint8 yearCount, uint40 redeemFrom, uint40 redeemUntil, uint16 earliestContractDay, uint32 defaultValidity, uint32 maxValidity, uint64 capPerCompany, bool capLifetime, uint32 capGroup, bool exclusive, uint16 maxCombinedBps, uint16 entityWindowDays, bool needsElectricity, bool needsAssessment, uint32 reissueDelay, uint8 payees, uint16 supplierFirstDays, uint32 reviewWindow, bool lapseApproves) programme, address actor)",
  "event RatiosSet(uint32 indexed id, (uint8 computeClass, uint8 category, uint16 bps)[] ratios, address actor)",
  "event RelationCleared(uint32 indexed beneficiary, uint32 indexed supplier, bytes32 reason, address actor)",
  "event RelationRecorded(uint32 indexed beneficiary, uint32 indexed supplier, bytes32 reason, address actor)",
  "event SupplierAccredited(uint32 indexed supplier, uint32 indexed programme, uint40 validFrom, uint40 validUntil, uint32 classes, address actor)",
  "event SupplierReinstated(uint32 indexed supplier, uint32 indexed programme, bytes32 reason, address actor)",
  "event SupplierSuspended(uint32 indexed supplier, uint32 indexed programme, bytes32 reason, address actor)",
] as const;

/** Every event of the payment ledger (IPaymentLedger, AccessManaged). */
export const PAYMENT_LEDGER_EVENTS = [
  "event AuthorityUpdated(address authority)",
  "event EntryCorrected(uint256 indexed entryId, uint32 indexed programme, uint32 indexed payee, uint8 kind, uint64 amount, bytes32 reason, address actor)",
  "event PaymentRecorded(uint256 indexed entryId, uint32 indexed programme, uint32 indexed payee, uint16 year, uint64 amount, bytes32 referenceCommitment, address actor)",
  "event RepaymentRecorded(uint256 indexed entryId, uint32 indexed programme, uint32 indexed payee, uint16 year, uint64 amount, bytes32 referenceCommitment, address actor)",
] as const;

/** The views of ledger v2 the verifier reads (its independent check against the contracts' own state). */
export const LEDGER_V2_VIEWS = [
  "function getVoucher(uint256 id) view returns ((address holder, uint40 remaining, uint32 expiresAt, uint8 period, uint8 status, uint8 flags))",
  "function getPeriod(uint32 programme, uint16 year) view returns ((uint48 budget, uint48 issued, uint48 revoked, uint48 expired, uint48 clawedBack))",
  "function programmeTotals(uint32 programme) view returns ((uint64 issued, uint64 redeemedBySuppliers, uint64 claimedByBuyers, uint64 held, uint64 revoked, uint64 expired, uint64 clawedBack, uint64 outstanding))",
  "function getClaim(uint256 claimId) view returns ((uint256 voucherId, bytes32 invoiceKey, uint32 programme, uint32 beneficiaryEntity, uint32 supplierEntity, uint64 amount, uint40 submittedAt, uint8 status, uint48 clawedBack) c)",
  "function getInvoice(bytes32 invoiceKey_) view returns ((uint40 total, uint40 subsidised, uint32 beneficiaryEntity, uint32 firstProgramme, uint16 minShareBps, uint8 count, uint8 computeClass, uint16 serviceFromDay, uint16 serviceToDay, uint40 gpuCentihours, uint8 flags))",
  "function earned(uint32 programme, uint32 payee) view returns (uint64 amount)",
] as const;

/** The views of the payment ledger the verifier reads. */
export const PAYMENT_LEDGER_VIEWS = [
  "function payableTo(uint32 programme, uint32 payee) view returns (uint64)",
  "function receivable(uint32 programme, uint32 payee) view returns (uint64)",
  "function netPaid(uint32 programme, uint32 payee) view returns (uint64 paid, uint64 repaid)",
  "function getEntry(uint256 entryId) view returns ((uint8 kind, uint32 programme, uint32 payee, uint16 year, uint64 amount, uint40 recordedAt, bool corrected, bytes32 referenceCommitment) e)",
  "function entryCount() view returns (uint256)",
] as const;

/** The views of the scheme registry the verifier reads. */
export const REGISTRY_VIEWS = [
  "function programmeCount() view returns (uint32)",
  "function entityCount() view returns (uint32)",
  "function getEntity(uint32 id) view returns ((bytes32 creditCodeHash, uint8 roles, uint8 category, uint32 relations))",
  "function entityOf(address account) view returns (uint32 entity, bool active)",
  "function relationOf(uint32 beneficiary, uint32 supplier) view returns (bytes32)",
  "function getAccreditation(uint32 supplier, uint32 programme) view returns ((uint40 validFrom, uint40 validUntil, uint32 classes, bool suspended, bytes32 reason))",
  "function isIssuer(address issuer, uint32 programme) view returns (bool)",
  "function className(uint8 id) view returns (string)",
  "function categoryName(uint8 id) view returns (string)",
] as const;

/**
 * Every event of the Safe that holds ADMIN: SafeL2 1.5.0 (@safe-global/safe-smart-account, as deployed), the variant
 * whose SafeMultiSigTransaction carries the signatures. test/service/domain/abi-v2.test.ts checks them against its
 * artifact.
 */
export const SAFE_EVENTS = [
  "event AddedOwner(address indexed owner)",
  "event ApproveHash(bytes32 indexed approvedHash, address indexed owner)",
  "event ChangedFallbackHandler(address indexed handler)",
  "event ChangedGuard(address indexed guard)",
  "event ChangedModuleGuard(address indexed moduleGuard)",
  "event ChangedThreshold(uint256 threshold)",
  "event DisabledModule(address indexed module)",
  "event EnabledModule(address indexed module)",
  "event ExecutionFailure(bytes32 indexed txHash, uint256 payment)",
  "event ExecutionFromModuleFailure(address indexed module)",
  "event ExecutionFromModuleSuccess(address indexed module)",
  "event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)",
  "event RemovedOwner(address indexed owner)",
  "event SafeModuleTransaction(address module, address to, uint256 value, bytes data, uint8 operation)",
  "event SafeMultiSigTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures, bytes additionalInfo)",
  "event SafeReceived(address indexed sender, uint256 value)",
  "event SafeSetup(address indexed initiator, address[] owners, uint256 threshold, address initializer, address fallbackHandler)",
  "event SignMsg(bytes32 indexed msgHash)",
] as const;

export const ledgerV2Interface = new Interface([...LEDGER_V2_EVENTS, ...LEDGER_V2_VIEWS]);
export const safeInterface = new Interface(SAFE_EVENTS);
export const registryInterface = new Interface([...REGISTRY_EVENTS, ...REGISTRY_VIEWS]);
export const paymentLedgerInterface = new Interface([...PAYMENT_LEDGER_EVENTS, ...PAYMENT_LEDGER_VIEWS]);
