// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IVoucherLedger
 * @notice The money side of the compute-voucher schemes: non-transferable ERC-1155 vouchers issued under a programme
 * to an address of a registered company (the beneficiary), out of the programme's budget for the fiscal year and
 * within the company's cap, and redeemed by an accredited supplier (a data center) against one of its invoices, with
 * the holder's EIP-712 consent.
 *
 * @dev Amounts are in the currency's minor unit (fen for CNY). A voucher's id is
 * `(uint256(programme) << 224) | uint224(uint256(keccak256(abi.encode(programme, applicationRef))))`: the programme
 * is in the id's top 32 bits, and issuing the same application twice reverts. The holder's ERC-1155 balance of the id
 * is the voucher's remaining value.
 *
 * The rules (programmes, companies and their addresses, relations, accreditations, issuers) are governed in the
 * {ISchemeRegistry}, which writes the words that issue and redemption read into this contract through the
 * `configure…` functions; only that registry, fixed at deployment, may call them. This contract keeps everything that
 * moves money: vouchers, budgets and counters per programme and fiscal year, each company's tally against its cap,
 * invoices, and what each supplier has redeemed per programme.
 *
 * Per programme: `issued == redeemed + revoked + expired + outstanding` (redeemed is the sum of its suppliers'
 * {Accreditation-redeemed}; outstanding the sum of its vouchers' balances), and per fiscal year
 * `committed = issued - revoked - expired <= budget`. Per company and cap period, `committed <= cap`.
 *
 * Dates (service periods, contract dates) are day numbers: days since 1970-01-01 in China Standard Time (UTC+8);
 * instants are unix seconds. China's fiscal year is the calendar year in UTC+8.
 */
interface IVoucherLedger {
    /// @notice The life-cycle state of a voucher.
    enum VoucherStatus {
        None, // never issued
        Active, // issued, value left, may be redeemed until it expires
        Redeemed, // nothing left: all of it was redeemed
        Revoked, // revoked by an issuer of its programme or the governor; what was left went back to the budget
        Expired // expired; what was left went back to the budget
    }

    /// @notice A voucher, in one storage word.
    struct Voucher {
        address holder;
        uint40 remaining; // the holder's balance of the voucher
        uint32 expiresAt; // unix seconds
        uint8 period; // fiscal year of issue, as an offset from the programme's first year
        VoucherStatus status;
        uint8 flags; // VOUCHER_FROZEN, VOUCHER_REISSUE_PENDING
    }

    /**
     * @notice What issue and redemption read of a programme, in one word. Written by the registry.
     * @dev `flags`: PROGRAMME_PAUSED, PROGRAMME_CAP_LIFETIME (the cap counts over the programme's whole life, not per
     * fiscal year), PROGRAMME_EXCLUSIVE (a company taking this programme may take no other programme of `capGroup`),
     * PROGRAMME_NEEDS_GPU_HOURS, PROGRAMME_NEEDS_ELECTRICITY, PROGRAMME_NEEDS_ASSESSMENT.
     */
    struct ProgrammeTerms {
        uint40 redeemFrom; // redemptions count from this instant…
        uint40 redeemUntil; // …until this one (exclusive); no voucher outlives it
        uint16 firstYear; // the programme's first fiscal year (2026)
        uint8 yearCount; // how many fiscal years it runs, each with its own budget
        uint16 earliestContractDay; // the earliest eligible contract date (day number); 0 = any
        uint16 maxCombinedBps; // an invoice's subsidy from every programme together, at most; 0 = not stackable
        uint16 entityWindowDays; // service counts only within this many days of the company's first voucher; 0 = any
        uint32 capGroup; // programmes that share the exclusivity rule; 0 = none
        uint8 flags;
        uint32 defaultValidity; // seconds from issue to expiry when an issue names none
        uint32 maxValidity; // the longest validity an issue may give
    }

    /// @notice What only issue and re-issue read of a programme. Written by the registry.
    struct ProgrammeLimits {
        uint64 capPerCompany; // committed value per company and cap period; 0 = no cap
        uint32 reissueDelay; // seconds an issuer's re-issue waits unless the governor approves it
    }

    /// @notice A fiscal year of a programme: its budget and counters.
    struct Period {
        uint64 budget;
        uint64 issued;
        uint64 revoked;
        uint64 expired;
    }

    /// @notice What the ledger knows of an address. Written by the registry, but for `consentEpoch`.
    struct Account {
        uint32 entity; // the company it acts for; 0 = none. An address never moves to another company
        uint8 category; // the company's beneficiary category (start-up, other company, …)
        uint8 roles; // ROLE_BENEFICIARY, ROLE_SUPPLIER; 0 once the address was removed from its company
        bool related; // the company has a recorded relation with some supplier
        uint32 consentEpoch; // consents signed for another epoch are void; see {cancelConsents}
    }

    /// @notice A supplier's accreditation for one programme, with what it has redeemed under it.
    struct Accreditation {
        uint40 validFrom;
        uint40 validUntil; // in force while validFrom <= now < validUntil and not suspended
        uint32 classes; // bit (c - 1) set: the supplier may invoice compute class c
        bool suspended;
        uint64 redeemed; // what the supplier has redeemed under the programme, ever (payable to it)
    }

    /// @notice A company's tally against a programme's cap, in the current cap period.
    struct Tally {
        uint32 programme; // the programme the tally is for (for an exclusive group: the one the company took)
        uint16 year; // the fiscal year counted; 0 for a lifetime cap
        uint64 committed; // issued - revoked - expired to the company in that period
        uint32 firstDay; // day number of the company's first voucher here
    }

    /// @notice An invoice, as its first redemption recorded it, with what programmes have paid of it.
    struct Invoice {
        uint56 total;
        uint56 subsidised; // sum of every programme's redemptions
        uint32 firstProgramme;
        uint16 minShareBps; // smallest combined share allowed by the programmes that paid; 0 = exclusive
        uint8 count; // programmes that paid
        uint8 computeClass;
        uint16 serviceFromDay;
        uint16 serviceToDay;
        uint40 gpuCentihours;
        uint8 flags; // reserved
    }

    /// @notice What an issuer asks for when issuing one voucher.
    struct IssueRequest {
        address holder; // an active beneficiary address of a registered company
        bytes32 applicationRef; // the programme's reference of the approved application; with it, the voucher id
        uint64 faceValue;
        uint64 expiresAt; // unix seconds; 0 = the programme's default validity from now
    }

    /// @notice The evidence behind a redemption: salted commitments to private documents, and metered usage.
    struct Evidence {
        bytes32 contractCommitment; // the signed contract
        bytes32 invoiceCommitment; // the invoice document (发票)
        bytes32 paymentCommitment; // the proof of payment
        uint64 electricityKwh; // metered electricity, where the programme requires it
        bytes32 assessmentCommitment; // a third party's assessment, where the programme requires it
    }

    /**
     * @notice The holder's consent to one redemption, signed as EIP-712 typed data `Consent` (with `Evidence`).
     * @dev `invoiceNumberHash` identifies the invoice by its number (README: "Invoices"); with the supplier's
     * company it is the invoice's key, so only the invoice's own supplier can use its number.
     */
    struct Consent {
        uint256 voucherId;
        address supplier; // the address that redeems, an address of an accredited supplier
        bytes32 invoiceNumberHash;
        uint64 amount; // what the voucher pays
        uint64 invoiceTotal;
        uint8 computeClass;
        uint32 serviceFromDay;
        uint32 serviceToDay; // inclusive
        uint64 gpuCentihours; // metered GPU-hours, in hundredths
        uint32 contractDay; // the day the contract was signed
        Evidence evidence;
        bool unrelated; // the holder declares that buyer and supplier are not related parties
        uint32 epoch; // the holder's consent epoch
        uint64 deadline; // unix seconds after which the consent is void; at most 90 days ahead
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice The ledger was deployed.
     * @param registry The scheme registry that governs its rules.
     * @param forwarder The trusted ERC-2771 forwarder.
     * @param currency ISO 4217 code of the currency.
     * @param decimals Digits of the currency's minor unit.
     * @param baseURI The metadata base URI.
     */
    event LedgerInitialized(address registry, address forwarder, string currency, uint8 decimals, string baseURI);

    /**
     * @notice A programme's budget for a fiscal year was set.
     * @param programme The programme.
     * @param year The fiscal year.
     * @param budget The budget, in minor units.
     * @param appropriation Reference to the budget act that appropriated it.
     * @param actor The account that set it.
     */
    event BudgetSet(
        uint32 indexed programme,
        uint16 indexed year,
        uint64 budget,
        bytes32 appropriation,
        address indexed actor
    );

    /**
     * @notice A voucher was issued.
     * @param id The voucher id.
     * @param programme The programme it was issued under.
     * @param holder The address it was issued to.
     * @param entity The company that address acts for.
     * @param applicationRef The programme's application reference.
     * @param faceValue The value issued, in minor units.
     * @param expiresAt When it expires (unix seconds).
     * @param year The fiscal year whose budget it counts against.
     * @param issuer The issuer.
     */
    event VoucherIssued(
        uint256 indexed id,
        uint32 indexed programme,
        address indexed holder,
        uint32 entity,
        bytes32 applicationRef,
        uint64 faceValue,
        uint32 expiresAt,
        uint16 year,
        address issuer
    );

    /**
     * @notice A supplier redeemed voucher value against one of its invoices, with the consent exactly as the holder
     * signed it (its digest beside it, so that anyone can check the signature's subject).
     * @param id The voucher.
     * @param programme The voucher's programme.
     * @param supplierEntity The supplier's company; with `consent.invoiceNumberHash`, the invoice key.
     * @param holder The voucher's holder, who consented.
     * @param beneficiaryEntity The holder's company.
     * @param consentDigest The EIP-712 digest the holder signed.
     * @param remaining What is left on the voucher.
     * @param consent The consent: supplier address, invoice, amount, total, class, service period, GPU-hours,
     * contract date, evidence, the declaration, epoch and deadline.
     */
    event VoucherRedeemed(
        uint256 indexed id,
        uint32 indexed programme,
        uint32 indexed supplierEntity,
        address holder,
        uint32 beneficiaryEntity,
        bytes32 consentDigest,
        uint64 remaining,
        Consent consent
    );

    /**
     * @notice A voucher was revoked: what was left was burnt and returned to its programme's budget.
     * @param id The voucher.
     * @param programme Its programme.
     * @param holder Its holder.
     * @param amount What was left.
     * @param reason Reason code.
     * @param actor The issuer or governor.
     */
    event VoucherRevoked(
        uint256 indexed id,
        uint32 indexed programme,
        address indexed holder,
        uint64 amount,
        bytes32 reason,
        address actor
    );

    /**
     * @notice A voucher expired: what was left was burnt and returned to its programme's budget.
     * @param id The voucher.
     * @param programme Its programme.
     * @param holder Its holder.
     * @param amount What was left.
     * @param actor Who closed it.
     */
    event VoucherExpired(uint256 indexed id, uint32 indexed programme, address indexed holder, uint64 amount, address actor);

    /**
     * @notice An issuer asked to move a voucher to another address of the same company (a lost key).
     * @param id The voucher.
     * @param from Its holder now.
     * @param to The address it is to move to.
     * @param executableAt When the issuer may carry it out without the governor's approval.
     * @param reason Reason code.
     * @param actor The issuer.
     */
    event ReissueRequested(
        uint256 indexed id,
        address indexed from,
        address indexed to,
        uint40 executableAt,
        bytes32 reason,
        address actor
    );

    /**
     * @notice A pending re-issue was cancelled.
     * @param id The voucher.
     * @param reason Reason code.
     * @param actor Who cancelled it.
     */
    event ReissueCancelled(uint256 indexed id, bytes32 reason, address actor);

    /**
     * @notice A voucher moved to another address of the same company.
     * @param id The voucher.
     * @param from The old holder.
     * @param to The new holder.
     * @param amount The value that moved.
     * @param approvedBy The governor who approved it, or 0 when it waited for its delay.
     * @param actor Who carried it out.
     */
    event VoucherReissued(
        uint256 indexed id,
        address indexed from,
        address indexed to,
        uint64 amount,
        address approvedBy,
        address actor
    );

    /**
     * @notice A voucher was frozen: nothing can be redeemed from or moved off it until it is unfrozen.
     * @param id The voucher.
     * @param reason Reason code.
     * @param actor The guardian.
     */
    event VoucherFrozen(uint256 indexed id, bytes32 reason, address actor);

    /**
     * @notice A voucher was unfrozen.
     * @param id The voucher.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event VoucherUnfrozen(uint256 indexed id, bytes32 reason, address actor);

    /**
     * @notice A holder voided every consent it had signed and that was not used yet.
     * @param holder The holder.
     * @param epoch The new consent epoch; only consents for it count from now on.
     */
    event ConsentsCancelled(address indexed holder, uint32 epoch);

    /**
     * @notice ERC-6268: the voucher is non-transferable, from its issue on.
     * @param id The voucher.
     */
    event Locked(uint256 id);

    /**
     * @notice The metadata base URI changed.
     * @param baseURI The new base.
     * @param actor The governor.
     */
    event BaseURISet(string baseURI, address actor);

    // ----------------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice The caller of a `configure…` function is not the scheme registry.
    error VoucherLedgerNotRegistry(address caller);
    /// @notice No voucher has this id.
    error VoucherLedgerUnknownVoucher(uint256 id);
    /// @notice A voucher with this id exists already (the same application, issued twice).
    error VoucherLedgerVoucherExists(uint256 id);
    /// @notice The voucher is not active.
    error VoucherLedgerInactive(uint256 id, VoucherStatus status);
    /// @notice The voucher is frozen.
    error VoucherLedgerFrozen(uint256 id);
    /// @notice The voucher is not frozen.
    error VoucherLedgerNotFrozen(uint256 id);
    /// @notice The voucher has a re-issue pending.
    error VoucherLedgerReissuePending(uint256 id);
    /// @notice The voucher has no re-issue pending.
    error VoucherLedgerNoReissuePending(uint256 id);
    /// @notice The pending re-issue's delay has not passed.
    error VoucherLedgerReissueNotReady(uint256 id, uint40 executableAt);
    /// @notice The voucher has expired.
    error VoucherLedgerExpired(uint256 id, uint32 expiresAt);
    /// @notice The voucher has not expired yet.
    error VoucherLedgerNotExpired(uint256 id, uint32 expiresAt);
    /// @notice More is asked than the voucher has left.
    error VoucherLedgerInsufficientValue(uint256 id, uint64 requested, uint64 remaining);
    /// @notice A zero amount, or a face value above the largest a voucher holds.
    error VoucherLedgerInvalidAmount(uint64 amount, uint64 max);
    /// @notice The address is not an active beneficiary address of a registered company.
    error VoucherLedgerNotBeneficiary(address account);
    /// @notice The new holder is not another active address of the voucher's company.
    error VoucherLedgerNotSameCompany(address from, address to);
    /// @notice The application reference is zero.
    error VoucherLedgerInvalidReference();
    /// @notice The expiry is not in the future, past the programme's longest validity, or after its redemption window.
    error VoucherLedgerInvalidExpiry(uint64 expiresAt, uint64 earliest, uint64 latest);
    /// @notice The programme is not configured.
    error VoucherLedgerUnknownProgramme(uint32 programme);
    /// @notice The programme is paused.
    error VoucherLedgerProgrammePaused(uint32 programme);
    /// @notice The fiscal year is not one of the programme's.
    error VoucherLedgerOutsidePeriods(uint32 programme, uint256 year);
    /// @notice The issue exceeds what is left of the year's budget.
    error VoucherLedgerBudgetExceeded(uint32 programme, uint16 year, uint64 requested, uint64 available);
    /// @notice A budget below what the year has committed.
    error VoucherLedgerBudgetBelowCommitted(uint32 programme, uint16 year, uint64 budget, uint64 committed);
    /// @notice The issue exceeds what is left of the company's cap for the period.
    error VoucherLedgerCapExceeded(uint32 programme, uint32 entity, uint64 requested, uint64 available);
    /// @notice The company took another programme of the same exclusive group.
    error VoucherLedgerExclusiveProgramme(uint32 entity, uint32 capGroup, uint32 boundProgramme);
    /// @notice The issuer is not bound to the programme.
    error VoucherLedgerIssuerNotBound(address issuer, uint32 programme);
    /// @notice The caller is not the consent's supplier.
    error VoucherLedgerWrongSupplier(address consentSupplier, address caller);
    /// @notice The caller is not an active supplier address.
    error VoucherLedgerNotSupplier(address account);
    /// @notice The supplier's accreditation for the programme is not in force now.
    error VoucherLedgerNotAccredited(uint32 supplierEntity, uint32 programme);
    /// @notice The supplier is not accredited for this compute class in the programme.
    error VoucherLedgerClassNotAccredited(uint32 supplierEntity, uint32 programme, uint8 computeClass);
    /// @notice Now is outside the programme's redemption window.
    error VoucherLedgerOutsideWindow(uint32 programme, uint40 redeemFrom, uint40 redeemUntil);
    /// @notice The contract was signed before the programme's earliest eligible date.
    error VoucherLedgerContractTooEarly(uint32 programme, uint32 contractDay, uint16 earliestDay);
    /// @notice The service period is empty, inverted, or out of range.
    error VoucherLedgerInvalidServicePeriod(uint32 fromDay, uint32 toDay);
    /// @notice Evidence the programme requires is missing (`what`: 1 GPU-hours, 2 electricity, 3 assessment).
    error VoucherLedgerEvidenceMissing(uint32 programme, uint8 what);
    /// @notice A relation between buyer and supplier is on record.
    error VoucherLedgerRelatedParties(uint32 beneficiaryEntity, uint32 supplierEntity);
    /// @notice The consent does not declare buyer and supplier unrelated.
    error VoucherLedgerUndeclaredRelation();
    /// @notice The programme pays nothing for this compute class and beneficiary category.
    error VoucherLedgerIneligible(uint32 programme, uint8 computeClass, uint8 category);
    /// @notice More than the programme's ratio of the invoice total.
    error VoucherLedgerOverRatio(uint64 amount, uint64 invoiceTotal, uint16 ratioBps);
    /// @notice The invoice number hash is zero.
    error VoucherLedgerInvalidInvoice();
    /// @notice This programme has already paid this invoice.
    error VoucherLedgerInvoiceUsed(bytes32 invoiceKey, uint32 programme);
    /// @notice The invoice cannot be paid by more than one programme (one of them is not stackable).
    error VoucherLedgerInvoiceNotStackable(bytes32 invoiceKey, uint32 programme);
    /// @notice The consent's invoice terms differ from those the invoice was first redeemed with.
    error VoucherLedgerInvoiceMismatch(bytes32 invoiceKey);
    /// @notice The invoice's subsidy from every programme would exceed the smallest combined share.
    error VoucherLedgerOverCombinedShare(bytes32 invoiceKey, uint64 subsidised, uint64 amount, uint16 maxShareBps);
    /// @notice The service ends after the programme's window from the company's first voucher.
    error VoucherLedgerOutsideEntityWindow(uint32 programme, uint32 entity, uint32 serviceToDay, uint32 lastDay);
    /// @notice The consent's deadline has passed.
    error VoucherLedgerConsentExpired(uint64 deadline, uint256 now_);
    /// @notice The consent's deadline is further ahead than consents may run.
    error VoucherLedgerConsentTooLong(uint64 deadline, uint256 latest);
    /// @notice The consent was signed for another epoch: the holder cancelled it.
    error VoucherLedgerConsentCancelled(address holder, uint32 epoch, uint32 current);
    /// @notice The signature is not the holder's consent.
    error VoucherLedgerInvalidConsent(uint256 id, address holder);
    /// @notice A batch is empty, too long, or its arrays differ in length.
    error VoucherLedgerBatchLength(uint256 length, uint256 other);
    /// @notice Vouchers cannot be transferred.
    error VoucherLedgerNonTransferable(address from, address to, uint256 id);
    /// @notice Vouchers cannot be approved to an operator.
    error VoucherLedgerApprovalDisabled(address owner, address operator);

    // ----------------------------------------------------------------------------------------------------------------
    // Configuration (the registry only)
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice Writes a programme's terms and limits (the registry only).
    function configureProgramme(uint32 programme, ProgrammeTerms calldata terms, ProgrammeLimits calldata limits) external;

    /// @notice Writes a programme's ratios for one compute class: 16-bit basis points per category (the registry only).
    function configureRatios(uint32 programme, uint8 computeClass, uint256 row) external;

    /// @notice Writes what the ledger knows of an address; its consent epoch is kept (the registry only).
    function configureAccount(address account, uint32 entity, uint8 category, uint8 roles, bool related) external;

    /// @notice Writes a supplier's accreditation for a programme; what it redeemed is kept (the registry only).
    function configureAccreditation(
        uint32 supplierEntity,
        uint32 programme,
        uint40 validFrom,
        uint40 validUntil,
        uint32 classes,
        bool suspended
    ) external;

    /// @notice Records or clears a relation between a beneficiary and a supplier (the registry only).
    function configureRelation(uint32 beneficiaryEntity, uint32 supplierEntity, bool related) external;

    /// @notice Binds or unbinds an issuer to a programme (the registry only).
    function configureIssuer(address issuer, uint32 programme, bool bound) external;

    // ----------------------------------------------------------------------------------------------------------------
    // Governor and guardian
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Sets a programme's budget for one of its fiscal years; emits {BudgetSet}.
     * @dev Requirements: the programme is configured and `year` is one of its years; `budget` is at least what the
     * year has committed.
     */
    function setBudget(uint32 programme, uint16 year, uint64 budget, bytes32 appropriation) external;

    /// @notice Sets the metadata base URI; emits {BaseURISet}.
    function setBaseURI(string calldata baseURI) external;

    /// @notice Stops every issue, redemption, revocation by an issuer, re-issue and expiry (guardian, no delay).
    function pause() external;

    /// @notice Lifts the pause (governor).
    function unpause() external;

    /**
     * @notice Freezes a voucher: no redemption or re-issue until it is unfrozen (guardian); emits {VoucherFrozen}.
     * @dev Requirements: the voucher is active and not frozen.
     */
    function freeze(uint256 id, bytes32 reason) external;

    /// @notice Unfreezes a voucher (governor); emits {VoucherUnfrozen}.
    function unfreeze(uint256 id, bytes32 reason) external;

    /// @notice Revokes a voucher in any programme, also while paused (governor); emits {VoucherRevoked}.
    function revokeByGovernor(uint256 id, bytes32 reason) external;

    /// @notice Approves a pending re-issue at once, as a second person to the issuer (governor).
    function approveReissue(uint256 id) external;

    // ----------------------------------------------------------------------------------------------------------------
    // Issuers
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Issues one voucher; emits {VoucherIssued}, {Locked} and `TransferSingle`; returns its id.
     * @dev Requirements: the caller is bound to the programme, which is not paused, and now is in one of its fiscal
     * years; the holder is an active beneficiary address; the reference is not zero and not issued before; the face
     * value is positive and at most 2^40 - 1; the expiry is in the future, within the programme's longest validity
     * and its redemption window; the year's budget and the company's cap have room; in an exclusive group, the
     * company has taken no other programme of the group.
     */
    function issue(uint32 programme, IssueRequest calldata request) external returns (uint256 id);

    /// @notice Issues many vouchers, all or none, as {issue}.
    function issueBatch(uint32 programme, IssueRequest[] calldata requests) external returns (uint256[] memory ids);

    /**
     * @notice Revokes an active voucher of a programme the caller is bound to; emits {VoucherRevoked}.
     * @dev What was left returns to the budget of the voucher's year and to the company's tally.
     */
    function revoke(uint256 id, bytes32 reason) external;

    /**
     * @notice Asks to move a voucher to another active address of the same company (a lost key); emits
     * {ReissueRequested}. Until it is carried out, the voucher cannot be redeemed.
     * @dev Requirements: the caller is bound to the voucher's programme; the voucher is active, not expired, not
     * frozen, and has no re-issue pending; `to` is another active beneficiary address of the holder's company.
     */
    function requestReissue(uint256 id, address to, bytes32 reason) external;

    /// @notice Carries out a pending re-issue once its delay has passed (an issuer of the programme).
    function executeReissue(uint256 id) external;

    /// @notice Cancels a pending re-issue (an issuer of the programme); emits {ReissueCancelled}.
    function cancelReissue(uint256 id, bytes32 reason) external;

    // ----------------------------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice Closes a voucher past its expiry: what is left returns to its budget; emits {VoucherExpired}.
    function expire(uint256 id) external;

    /// @notice Closes every voucher of `ids` that is active and past its expiry, skipping the others; returns how many.
    function expireBatch(uint256[] calldata ids) external returns (uint256 expired);

    /// @notice Voids every consent the caller signed that has not been used; emits {ConsentsCancelled}.
    function cancelConsents() external;

    // ----------------------------------------------------------------------------------------------------------------
    // Suppliers
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Redeems voucher value against an invoice of the caller's company, with the holder's consent; emits
     * {VoucherRedeemed} and `TransferSingle`.
     * @dev Requirements, checked in this order: the voucher is active, not frozen, has no re-issue pending, has not
     * expired and has the amount left; the caller is the consent's supplier, an active supplier address whose
     * accreditation for the programme is in force and covers the compute class; the programme is not paused, now is
     * in its redemption window, the contract date is not before its earliest and the evidence it requires is there;
     * the service period is valid; the holder is an active beneficiary address, the consent is for its current epoch
     * and declares the parties unrelated, and no relation between the two companies is on record; the programme pays
     * for the class and the holder's category, and the amount is within its ratio of the invoice total; the invoice
     * number is not zero; this programme has not paid the invoice, and if another has, both are stackable, the terms
     * match, and the subsidy of every programme together stays within the smallest combined share; the service ends
     * within the programme's window from the company's first voucher, where it has one; the consent's deadline has
     * not passed and is at most 90 days ahead; the signature is the holder's (ECDSA, or ERC-1271 for a contract).
     */
    function redeem(Consent calldata consent, bytes calldata signature) external;

    /// @notice Redeems several, all or none, as {redeem}.
    function redeemBatch(Consent[] calldata consents, bytes[] calldata signatures) external;

    // ----------------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice The scheme registry.
    function registry() external view returns (address);

    /// @notice ISO 4217 code of the currency.
    function currency() external view returns (string memory);

    /// @notice Digits of the currency's minor unit.
    function decimals() external view returns (uint8);

    /// @notice The id of a programme's application.
    function voucherId(uint32 programme, bytes32 applicationRef) external pure returns (uint256);

    /// @notice The key of an invoice: `keccak256(abi.encode(supplierEntity, invoiceNumberHash))`.
    function invoiceKey(uint32 supplierEntity, bytes32 invoiceNumberHash) external pure returns (bytes32);

    /// @notice A voucher (reverts for an unknown id).
    function getVoucher(uint256 id) external view returns (Voucher memory);

    /// @notice A pending re-issue: the new holder, when it may be carried out, and the reason.
    function pendingReissue(uint256 id) external view returns (address to, uint40 executableAt, bytes32 reason);

    /// @notice A programme's terms and limits.
    function getProgramme(uint32 programme) external view returns (ProgrammeTerms memory, ProgrammeLimits memory);

    /// @notice A programme's ratio in basis points for a compute class and a beneficiary category.
    function ratioOf(uint32 programme, uint8 computeClass, uint8 category) external view returns (uint16);

    /// @notice A programme's fiscal year.
    function getPeriod(uint32 programme, uint16 year) external view returns (Period memory);

    /// @notice What the ledger knows of an address.
    function getAccount(address account) external view returns (Account memory);

    /// @notice A supplier's accreditation for a programme.
    function getAccreditation(uint32 supplierEntity, uint32 programme) external view returns (Accreditation memory);

    /// @notice Whether a supplier's accreditation for a programme is in force now.
    function isAccredited(uint32 supplierEntity, uint32 programme) external view returns (bool);

    /// @notice The suppliers ever accredited for a programme.
    function suppliersOf(uint32 programme) external view returns (uint32[] memory);

    /// @notice Whether a relation between the two companies is on record.
    function isRelated(uint32 beneficiaryEntity, uint32 supplierEntity) external view returns (bool);

    /// @notice Whether an issuer is bound to a programme.
    function isIssuer(address issuer, uint32 programme) external view returns (bool);

    /// @notice A company's tally for a programme (or, in an exclusive group, for the group).
    function getTally(uint32 entity, uint32 programme) external view returns (Tally memory);

    /// @notice An invoice as recorded; `count` is 0 for an invoice never redeemed.
    function getInvoice(bytes32 invoiceKey_) external view returns (Invoice memory);

    /// @notice What a programme paid of an invoice.
    function invoicePaidBy(bytes32 invoiceKey_, uint32 programme) external view returns (uint64);

    /**
     * @notice A programme's counters over all its years: issued, redeemed (its suppliers' redemptions), revoked,
     * expired and outstanding.
     */
    function programmeCounters(
        uint32 programme
    ) external view returns (uint64 issued, uint64 redeemed, uint64 revoked, uint64 expired, uint64 outstanding);

    /// @notice The EIP-712 digest of a consent.
    function consentDigest(Consent calldata consent) external view returns (bytes32);
}
