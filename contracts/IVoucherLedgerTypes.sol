// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IVoucherLedgerTypes
 * @notice The voucher ledger's types, events and errors, shared by its core ({IVoucherLedgerCore}) and its extension
 * ({IVoucherLedgerExtension}). {IVoucherLedger} is the whole surface at the ledger's address.
 *
 * @dev Amounts are in the currency's minor unit (fen for CNY). Dates (service periods, contract dates) are day
 * numbers: days since 1970-01-01 in China Standard Time (UTC+8). Instants are unix seconds. China's fiscal year is the
 * calendar year in UTC+8.
 */
interface IVoucherLedgerTypes {
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
        uint8 flags; // LedgerFlags.VOUCHER_FROZEN, VOUCHER_REISSUE_PENDING
    }

    /**
     * @notice What an issue reads of a programme, in one word. Written by the registry.
     * @dev `flags`: LedgerFlags.ISSUE_PAUSED, ISSUE_CAP_LIFETIME (the cap counts over the programme's whole life),
     * ISSUE_EXCLUSIVE (a company taking this programme may take no other of `capGroup`).
     */
    struct IssueTerms {
        uint16 firstYear; // the programme's first fiscal year (2026)
        uint8 yearCount; // how many fiscal years it runs, each with its own budget; 0 = not configured
        uint8 flags;
        uint32 capGroup; // programmes that share the exclusivity rule; 0 = none
        uint32 defaultValidity; // seconds from issue to expiry when an issue names none
        uint32 maxValidity; // the longest validity an issue may give
        uint40 redeemUntil; // no voucher outlives the redemption window
        uint64 capPerCompany; // what one company may have committed per cap period; 0 = no cap
    }

    /**
     * @notice What a redemption reads of a programme for one compute class, in one word. Written by the registry.
     * @dev `flags`: LedgerFlags.REDEEM_PAUSED, REDEEM_NEEDS_GPU_HOURS, REDEEM_NEEDS_ELECTRICITY,
     * REDEEM_NEEDS_ASSESSMENT, REDEEM_EXCLUSIVE (the company's tally is its cap group's). `ratios` holds seven 16-bit
     * ratios in basis points, category 1 in the lowest bits; a zero ratio means the programme does not pay that
     * category for that class.
     */
    struct RedemptionTerms {
        uint40 redeemFrom; // redemptions count from this instant…
        uint40 redeemUntil; // …until this one (exclusive)
        uint16 earliestContractDay; // the earliest eligible contract date (day number); 0 = any
        uint16 maxCombinedBps; // an invoice's subsidy from every programme together, at most; 0 = not stackable
        uint16 entityWindowDays; // service counts only within this many days of the company's first voucher; 0 = any
        uint8 flags;
        uint112 ratios;
    }

    /// @notice A fiscal year of a programme: its budget and counters. What it has committed of the budget is
    /// `issued - revoked - expired - clawedBack`.
    struct Period {
        uint48 budget;
        uint48 issued;
        uint48 revoked;
        uint48 expired;
        uint48 clawedBack; // subsidies of vouchers of this year reversed by a clawback: back in the budget
    }

    /// @notice What the ledger knows of an address. Written by the registry, but for `consentEpoch`.
    struct Account {
        uint32 entity; // the company it acts for; 0 = none. An address never moves to another company
        uint8 category; // the company's beneficiary category (start-up, other company, …)
        uint8 roles; // LedgerFlags.ROLE_BENEFICIARY, ROLE_SUPPLIER; 0 once the address was removed from its company
        bool related; // the company has a recorded relation with some supplier
        uint32 consentEpoch; // consents signed for another epoch are void; see {cancelConsents}
    }

    /// @notice A supplier address's accreditation for one programme (its company's), with what it has redeemed.
    struct Accreditation {
        uint32 entity; // the supplier's company
        uint40 validFrom;
        uint40 validUntil; // in force while validFrom <= now < validUntil and not suspended
        uint32 classes; // bit (c - 1) set: the supplier may invoice compute class c
        bool suspended;
        uint64 redeemed; // what this address has redeemed under the programme, ever
    }

    /// @notice A company's tally against a programme's cap, in the current cap period.
    struct Tally {
        uint32 programme; // the programme counted (for an exclusive group: the one the company took)
        uint16 year; // the fiscal year counted; 0 for a lifetime cap
        uint64 committed; // issued - revoked - expired to the company in that period
        uint32 firstDay; // day number of the company's first voucher here
    }

    /// @notice An invoice, as its first redemption recorded it, with what programmes have paid of it.
    struct Invoice {
        uint40 total;
        uint40 subsidised; // every programme's redemptions together
        uint32 beneficiaryEntity; // the buyer: only its vouchers may pay the invoice
        uint32 firstProgramme;
        uint16 minShareBps; // smallest combined share allowed by the programmes that paid; 0 = exclusive
        uint8 count; // programmes that paid
        uint8 computeClass;
        uint16 serviceFromDay;
        uint16 serviceToDay;
        uint40 gpuCentihours;
        uint8 flags; // LedgerFlags.INVOICE_BUYER (claims pay it to the buyer), INVOICE_PENDING (a claim awaits review)
    }

    /**
     * @notice A programme's totals over all its years: `issued == redeemedBySuppliers + claimedByBuyers + held +
     * revoked + expired + outstanding`; `clawedBack` is the part of the redeemed and claimed value that clawbacks
     * reversed.
     */
    struct ProgrammeTotals {
        uint64 issued;
        uint64 redeemedBySuppliers;
        uint64 claimedByBuyers; // approved claims
        uint64 held; // pending claims
        uint64 revoked;
        uint64 expired;
        uint64 clawedBack;
        uint64 outstanding; // the sum of the vouchers' balances
    }

    /// @notice The life-cycle state of a buyer's claim.
    enum ClaimStatus {
        None,
        Pending, // submitted; its value is held off the voucher until it is decided
        Approved, // approved by an issuer (or by the programme's rule, once the review window passed): payable
        Rejected, // rejected by an issuer; its value went back to the voucher
        Lapsed // its review window passed and the programme's rule lets it lapse; its value went back to the voucher
    }

    /// @notice What a buyer's claim reads of a programme. Written by the registry.
    struct ClaimTerms {
        uint32 reviewWindow; // seconds an issuer has to approve or reject a claim
        uint16 supplierFirstDays; // a buyer may claim only this many days after the service ended (suppliers first)
        bool lapseApproves; // when the review window passes, the claim is approved (true) or lapses (false)
    }

    /// @notice A buyer's claim, in three words.
    struct Claim {
        uint256 voucherId;
        bytes32 invoiceKey;
        uint32 programme;
        uint32 beneficiaryEntity;
        uint32 supplierEntity;
        uint64 amount;
        uint40 submittedAt;
        ClaimStatus status;
        uint48 clawedBack; // of an approved claim, what a clawback reversed
    }

    /**
     * @notice A supplier's EIP-712 attestation of an invoice it issued to a buyer and was paid for (type
     * `Attestation`), which the buyer's claim carries.
     */
    struct Attestation {
        address supplier; // the supplier address that signs, an address of an accredited supplier
        bytes32 invoiceNumberHash;
        uint64 invoiceTotal;
        uint8 computeClass;
        uint32 serviceFromDay;
        uint32 serviceToDay; // inclusive
        uint64 gpuCentihours;
        uint64 amountPaid; // what the buyer paid of the invoice
        address buyer; // the buyer's address it attests to: the voucher's holder
    }

    /// @notice A buyer's claim on its voucher, sent by the holder (directly or through the forwarder).
    struct ClaimRequest {
        uint256 voucherId;
        uint64 amount; // what the voucher is to pay the buyer
        uint32 contractDay;
        bool unrelated; // the holder declares that buyer and supplier are not related parties
        Evidence evidence; // the commitments: contract, invoice document, proof of payment, and the metered values
        Attestation attestation;
    }

    /// @notice What an issuer asks for when issuing one voucher.
    struct IssueRequest {
        address holder; // an active beneficiary address of a registered company
        bytes32 applicationRef; // the programme's reference of the approved application; with it, the voucher id
        uint64 faceValue;
        uint64 expiresAt; // unix seconds; 0 = the programme's default validity from now
    }

    /// @notice The evidence behind a redemption: salted commitments to private documents, and metered electricity.
    struct Evidence {
        bytes32 contractCommitment; // the signed contract
        bytes32 invoiceCommitment; // the invoice document (发票)
        bytes32 paymentCommitment; // the proof of payment
        uint64 electricityKwh; // metered electricity, where the programme requires it
        bytes32 assessmentCommitment; // a third party's assessment, where the programme requires it
    }

    /**
     * @notice The holder's consent to one redemption, signed as EIP-712 typed data `Consent` (with `Evidence`).
     * @dev `invoiceNumberHash` identifies the invoice by its number (README: "Invoices"); with the supplier's company
     * it is the invoice's key, so only the invoice's own supplier can use its number.
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
     * @param extension The contract that holds the ledger's administration and views (run by delegatecall).
     * @param claims The contract that holds the buyers' claims and the clawbacks (run by delegatecall).
     * @param forwarder The trusted ERC-2771 forwarder.
     * @param currency ISO 4217 code of the currency.
     * @param decimals Digits of the currency's minor unit.
     * @param baseURI The metadata base URI.
     */
    event LedgerInitialized(
        address registry,
        address extension,
        address claims,
        address forwarder,
        string currency,
        uint8 decimals,
        string baseURI
    );

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
     * @notice ERC-6268: the voucher is non-transferable, from its issue on.
     * @param id The voucher.
     */
    event Locked(uint256 id);

    /**
     * @notice A supplier redeemed voucher value against one of its invoices. Beside the ledger's own values, the event
     * carries every member of the holder's consent but the voucher id (the first topic), the declaration (always true
     * here), the epoch and the deadline; with those four, which the transaction's input holds, the members give
     * `consentDigest`.
     * @param id The voucher.
     * @param programme The voucher's programme.
     * @param supplierEntity The supplier's company; with `invoiceNumberHash`, the invoice key.
     * @param holder The voucher's holder, who consented.
     * @param beneficiaryEntity The holder's company.
     * @param consentDigest The EIP-712 digest the holder signed.
     * @param remaining What is left on the voucher.
     * @param supplier The supplier's address that redeemed.
     * @param invoiceNumberHash The invoice's number hash.
     * @param amount The value redeemed.
     * @param invoiceTotal The invoice's total.
     * @param computeClass The invoice's compute class.
     * @param serviceFromDay First day of service (day number).
     * @param serviceToDay Last day of service (day number).
     * @param gpuCentihours Metered GPU-hours, in hundredths.
     * @param contractDay The day the contract was signed.
     * @param evidence The commitments to the contract, the invoice document, the proof of payment and the assessment,
     * and the metered electricity.
     */
    event VoucherRedeemed(
        uint256 indexed id,
        uint32 indexed programme,
        uint32 indexed supplierEntity,
        address holder,
        uint32 beneficiaryEntity,
        bytes32 consentDigest,
        uint64 remaining,
        address supplier,
        bytes32 invoiceNumberHash,
        uint64 amount,
        uint64 invoiceTotal,
        uint8 computeClass,
        uint32 serviceFromDay,
        uint32 serviceToDay,
        uint64 gpuCentihours,
        uint32 contractDay,
        Evidence evidence
    );

    /**
     * @notice A buyer claimed voucher value against an invoice it paid; the value is held off the voucher until an
     * issuer of the programme decides.
     * @param claimId The claim.
     * @param id The voucher.
     * @param programme The voucher's programme.
     * @param holder The holder, who sent the claim.
     * @param beneficiaryEntity The holder's company.
     * @param supplierEntity The supplier's company; with the attestation's invoice number hash, the invoice key.
     * @param reviewUntil Until when an issuer may decide it; then the programme's rule settles it.
     * @param attestationDigest The EIP-712 digest the supplier signed.
     * @param claim The claim as sent: amount, contract date, declaration, evidence and the supplier's attestation.
     */
    event ClaimSubmitted(
        uint256 indexed claimId,
        uint256 indexed id,
        uint32 indexed programme,
        address holder,
        uint32 beneficiaryEntity,
        uint32 supplierEntity,
        uint40 reviewUntil,
        bytes32 attestationDigest,
        ClaimRequest claim
    );

    /**
     * @notice A claim was approved: its held value is burnt and payable to the buyer.
     * @param claimId The claim.
     * @param programme Its programme.
     * @param beneficiaryEntity The buyer's company, the payee.
     * @param amount The value approved.
     * @param byRule True when the review window passed and the programme's rule approved it.
     * @param actor The issuer, or who settled it.
     */
    event ClaimApproved(
        uint256 indexed claimId,
        uint32 indexed programme,
        uint32 indexed beneficiaryEntity,
        uint64 amount,
        bool byRule,
        address actor
    );

    /**
     * @notice A claim was rejected, or lapsed when its review window passed: its value went back to the voucher.
     * @param claimId The claim.
     * @param programme Its programme.
     * @param amount The value released.
     * @param lapsed True when it lapsed by the programme's rule, false when an issuer rejected it.
     * @param reason Reason code (`lapsed` for a lapse).
     * @param actor The issuer, or who settled it.
     */
    event ClaimRejected(
        uint256 indexed claimId,
        uint32 indexed programme,
        uint64 amount,
        bool lapsed,
        bytes32 reason,
        address actor
    );

    /**
     * @notice A supplier's redemption was reversed (a red-letter invoice, a related party found, fraud): the amount
     * is no longer owed to the supplier (or, if paid, is owed back) and returns to the budget of the voucher's year.
     * @param id The voucher that paid it.
     * @param programme The programme.
     * @param supplierEntity The supplier's company, the payee.
     * @param invoiceKey The invoice.
     * @param amount The amount reversed.
     * @param year The fiscal year whose budget it returns to.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event RedemptionClawedBack(
        uint256 indexed id,
        uint32 indexed programme,
        uint32 indexed supplierEntity,
        bytes32 invoiceKey,
        uint64 amount,
        uint16 year,
        bytes32 reason,
        address actor
    );

    /**
     * @notice An approved claim was reversed, as {RedemptionClawedBack} for a buyer.
     * @param claimId The claim.
     * @param programme The programme.
     * @param beneficiaryEntity The buyer's company, the payee.
     * @param amount The amount reversed.
     * @param year The fiscal year whose budget it returns to.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event ClaimClawedBack(
        uint256 indexed claimId,
        uint32 indexed programme,
        uint32 indexed beneficiaryEntity,
        uint64 amount,
        uint16 year,
        bytes32 reason,
        address actor
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
    event VoucherExpired(
        uint256 indexed id,
        uint32 indexed programme,
        address indexed holder,
        uint64 amount,
        address actor
    );

    /**
     * @notice An issuer asked to move a voucher to another address of the same company (a lost key).
     * @param id The voucher.
     * @param from Its holder now.
     * @param to The address it is to move to.
     * @param executableAt When an issuer may carry it out without the governor's approval.
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
    /// @notice The extension was called directly, not through the ledger.
    error VoucherLedgerNotDelegated();
    /// @notice The extension was built for another forwarder than the ledger's.
    error VoucherLedgerExtensionMismatch(address extension);
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
    /// @notice The caller's accreditation for the programme is not in force now (or it has none).
    error VoucherLedgerNotAccredited(address supplier, uint32 programme);
    /// @notice The supplier is not accredited for this compute class in the programme.
    error VoucherLedgerClassNotAccredited(address supplier, uint32 programme, uint8 computeClass);
    /// @notice Now is outside the programme's redemption window.
    error VoucherLedgerOutsideWindow(uint32 programme, uint40 redeemFrom, uint40 redeemUntil);
    /// @notice The contract was signed before the programme's earliest eligible date.
    error VoucherLedgerContractTooEarly(uint32 programme, uint32 contractDay, uint16 earliestDay);
    /// @notice The service period is inverted or out of range.
    error VoucherLedgerInvalidServicePeriod(uint32 fromDay, uint32 toDay);
    /// @notice Evidence the programme requires is missing (`what`: 1 GPU-hours, 2 electricity, 3 assessment).
    error VoucherLedgerEvidenceMissing(uint32 programme, uint8 what);
    /// @notice A relation between buyer and supplier is on record, or they are one company.
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
    /// @notice The consent's invoice terms differ from those the invoice was first redeemed with, or do not fit.
    error VoucherLedgerInvoiceMismatch(bytes32 invoiceKey);
    /// @notice The invoice was paid for another buyer: only that company's vouchers may pay it.
    error VoucherLedgerInvoiceOtherBuyer(bytes32 invoiceKey, uint32 recordedBuyer, uint32 buyer);
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
    /// @notice The programme does not pay this side (`payee`: 1 the supplier, 2 the buyer).
    error VoucherLedgerPayeeNotAllowed(uint32 programme, uint8 payee);
    /// @notice The invoice is the buyer's (claimed, or a claim on it awaits review): its supplier cannot redeem it.
    error VoucherLedgerInvoiceClaimed(bytes32 invoiceKey);
    /// @notice The invoice was redeemed by its supplier: the buyer cannot claim it.
    error VoucherLedgerInvoiceRedeemed(bytes32 invoiceKey);
    /// @notice A claim on the invoice awaits review.
    error VoucherLedgerClaimPending(bytes32 invoiceKey);
    /// @notice The programme lets suppliers apply first: the buyer may claim from this instant.
    error VoucherLedgerSuppliersFirst(uint32 programme, uint256 claimableFrom);
    /// @notice Only the voucher's holder may claim on it.
    error VoucherLedgerNotHolder(address caller, address holder);
    /// @notice The attestation names another buyer than the voucher's holder.
    error VoucherLedgerWrongBuyer(address attested, address holder);
    /// @notice The attestation is not signed by the supplier address it names.
    error VoucherLedgerInvalidAttestation(address supplier);
    /// @notice The buyer paid less than the invoice total.
    error VoucherLedgerNotPaid(uint64 amountPaid, uint64 invoiceTotal);
    /// @notice No claim has this id.
    error VoucherLedgerUnknownClaim(uint256 claimId);
    /// @notice The claim is not pending, or not approved.
    error VoucherLedgerClaimStatus(uint256 claimId, ClaimStatus status);
    /// @notice The claim's review window has passed: the programme's rule settles it ({settleClaim}).
    error VoucherLedgerReviewClosed(uint256 claimId, uint256 reviewUntil);
    /// @notice The claim's review window has not passed yet.
    error VoucherLedgerReviewOpen(uint256 claimId, uint256 reviewUntil);
    /// @notice A clawback of more than is left to reverse.
    error VoucherLedgerClawbackTooLarge(uint64 amount, uint64 available);
    /// @notice A batch is empty, or its arrays differ in length.
    error VoucherLedgerBatchLength(uint256 length, uint256 other);
    /// @notice Vouchers cannot be transferred.
    error VoucherLedgerNonTransferable(address from, address to, uint256 id);
    /// @notice Vouchers cannot be approved to an operator.
    error VoucherLedgerApprovalDisabled(address owner, address operator);
}
