// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IVoucherLedgerTypes} from "./IVoucherLedgerTypes.sol";

/**
 * @title IVoucherLedgerExtension
 * @notice The ledger's less frequent functions: what the registry writes, budgets, pause, freezing, revocation,
 * expiry, re-issue, consent cancellation, the ERC-1155 views and every other view. They are called at the ledger's
 * address, which runs them by delegatecall in its own storage; the extension refuses to be called directly.
 */
interface IVoucherLedgerExtension is IVoucherLedgerTypes {
    // ----------------------------------------------------------------------------------------------------------------
    // Configuration (the registry only)
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice Writes what an issue reads of a programme, and its re-issue delay (the registry only).
    function configureProgramme(uint32 programme, IssueTerms calldata terms, uint32 reissueDelay) external;

    /// @notice Writes what a redemption of one compute class reads of a programme (the registry only).
    function configureRedemption(uint32 programme, uint8 computeClass, RedemptionTerms calldata terms) external;

    /// @notice Writes what the ledger knows of an address; its consent epoch is kept (the registry only).
    function configureAccount(address account, uint32 entity, uint8 category, uint8 roles, bool related) external;

    /// @notice Writes a supplier address's accreditation for a programme; what it redeemed is kept (the registry only).
    function configureAccreditation(
        address supplier,
        uint32 programme,
        uint32 entity,
        uint40 validFrom,
        uint40 validUntil,
        uint32 classes,
        bool suspended
    ) external;

    /// @notice Records or clears a relation between a beneficiary and a supplier (the registry only).
    function configureRelation(uint32 beneficiaryEntity, uint32 supplierEntity, bool related) external;

    /// @notice Binds or unbinds an issuer to a programme (the registry only).
    function configureIssuer(address issuer, uint32 programme, bool bound) external;

    /// @notice Writes what a buyer's claim reads of a programme (the registry only).
    function configureClaims(uint32 programme, ClaimTerms calldata terms) external;

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

    /// @notice Stops every issue, redemption, revocation by an issuer, re-issue and expiry (the guardian's, no delay).
    function pause() external;

    /// @notice Lifts the pause (the governor's).
    function unpause() external;

    /**
     * @notice Freezes a voucher: no redemption or re-issue until it is unfrozen (the guardian's); emits
     * {VoucherFrozen}.
     * @dev Requirements: the voucher is active and not frozen.
     */
    function freeze(uint256 id, bytes32 reason) external;

    /// @notice Unfreezes a voucher (the governor's); emits {VoucherUnfrozen}.
    function unfreeze(uint256 id, bytes32 reason) external;

    /// @notice Revokes a voucher of any programme, also while paused (the governor's); emits {VoucherRevoked}.
    function revokeByGovernor(uint256 id, bytes32 reason) external;

    /// @notice Carries out a pending re-issue at once, as a second person to the issuer (the governor's).
    function approveReissue(uint256 id) external;



    // ----------------------------------------------------------------------------------------------------------------
    // Issuers
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Revokes an active voucher of a programme the caller is bound to; emits {VoucherRevoked}.
     * @dev What was left returns to the budget of the voucher's year and to the company's tally.
     */
    function revoke(uint256 id, bytes32 reason) external;

    /**
     * @notice Asks to move a voucher to another active address of the same company (a lost key); emits
     * {ReissueRequested}. Until it is carried out or cancelled, the voucher cannot be redeemed.
     * @dev Requirements: the caller is bound to the voucher's programme; the voucher is active, not expired, not
     * frozen, and has no re-issue pending; `to` is another active beneficiary address of the holder's company. It is
     * carried out by the governor's {approveReissue}, or by an issuer's {executeReissue} after the programme's delay.
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
    // Views
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice The scheme registry, the only account that may call the `configure…` functions.
    function registry() external view returns (address);

    /// @notice ISO 4217 code of the currency.
    function currency() external view returns (string memory);

    /// @notice Digits of the currency's minor unit.
    function decimals() external view returns (uint8);

    /// @notice A voucher (reverts for an unknown id).
    function getVoucher(uint256 id) external view returns (Voucher memory);

    /// @notice A pending re-issue: the new holder, when an issuer may carry it out, and the reason.
    function pendingReissue(uint256 id) external view returns (address to, uint40 executableAt, bytes32 reason);

    /// @notice What an issue reads of a programme, and its re-issue delay.
    function getIssueTerms(uint32 programme) external view returns (IssueTerms memory, uint32 reissueDelay);

    /// @notice What a redemption of a compute class reads of a programme.
    function getRedemptionTerms(uint32 programme, uint8 computeClass) external view returns (RedemptionTerms memory);

    /// @notice A programme's ratio in basis points for a compute class and a beneficiary category (0 = not paid).
    function ratioOf(uint32 programme, uint8 computeClass, uint8 category) external view returns (uint16);

    /// @notice A programme's fiscal year.
    function getPeriod(uint32 programme, uint16 year) external view returns (Period memory);

    /// @notice What the ledger knows of an address.
    function getAccount(address account) external view returns (Account memory);

    /// @notice A supplier address's accreditation for a programme.
    function getAccreditation(address supplier, uint32 programme) external view returns (Accreditation memory);

    /// @notice Whether a supplier address's accreditation for a programme is in force now.
    function isAccredited(address supplier, uint32 programme) external view returns (bool);

    /// @notice Every supplier address ever accredited for a programme.
    function suppliersOf(uint32 programme) external view returns (address[] memory);

    /// @notice Whether a relation between the two companies is on record.
    function isRelated(uint32 beneficiaryEntity, uint32 supplierEntity) external view returns (bool);

    /// @notice Whether an issuer is bound to a programme.
    function isIssuer(address issuer, uint32 programme) external view returns (bool);

    /// @notice A company's tally for a programme (in an exclusive group, the group's).
    function getTally(uint32 entity, uint32 programme) external view returns (Tally memory);

    /// @notice An invoice as recorded; `count` is 0 for an invoice never redeemed.
    function getInvoice(bytes32 invoiceKey_) external view returns (Invoice memory);

    /// @notice What a programme paid of an invoice.
    function invoicePaidBy(bytes32 invoiceKey_, uint32 programme) external view returns (uint64);

    /// @notice A claim (reverts for an unknown id).
    function getClaim(uint256 claimId) external view returns (Claim memory);

    /// @notice How many claims were submitted; their ids are 1 to this.
    function claimCount() external view returns (uint256);

    /// @notice What a buyer's claim reads of a programme.
    function getClaimTerms(uint32 programme) external view returns (ClaimTerms memory);

    /// @notice A company's approved claims under a programme, ever (before clawbacks).
    function claimedBy(uint32 programme, uint32 beneficiaryEntity) external view returns (uint64);

    /// @notice The companies with an approved claim under a programme.
    function claimantsOf(uint32 programme) external view returns (uint32[] memory);

    /// @notice What clawbacks reversed of a payee's redemptions or claims under a programme.
    function clawedBackFrom(uint32 programme, uint32 payee) external view returns (uint64);

    /// @notice What clawbacks reversed of a programme's payment of an invoice.
    function invoiceClawedBack(bytes32 invoiceKey_, uint32 programme) external view returns (uint64);

    /**
     * @notice What a payee (a supplier or a buyer company) has earned under a programme: its redemptions and approved
     * claims, less what clawbacks reversed. The payment ledger pays against it.
     */
    function earned(uint32 programme, uint32 payee) external view returns (uint64);

    /// @notice A programme's totals over all its years.
    function programmeTotals(uint32 programme) external view returns (ProgrammeTotals memory);

    /**
     * @notice A programme's counters over all its years: issued, redeemed (by its suppliers, and approved claims of its
     * buyers), revoked, expired and outstanding (its vouchers' balances and what pending claims hold), so that
     * `issued == redeemed + revoked + expired + outstanding`.
     */
    function programmeCounters(
        uint32 programme
    ) external view returns (uint64 issued, uint64 redeemed, uint64 revoked, uint64 expired, uint64 outstanding);
}
