// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IPaymentLedger
 * @notice The finance bureau's book: payments of what the voucher ledger's programmes owe their payees (suppliers for
 * their redemptions, buyers for their approved claims), after write-off.
 * @dev Per programme and payee, `earned` (the ledger's {IVoucherLedgerExtension-earned}: redemptions and approved
 * claims, less clawbacks) `= paid + payable - receivable`, where `paid` is what payments net of repayments and
 * corrections came to: a payment never exceeds what is payable, a clawback after payment makes an amount receivable,
 * and a repayment settles it. Nothing is edited: a payment recorded in error is reversed by a correction with a
 * reason, and both stay on record.
 */
interface IPaymentLedger {
    /// @notice What an entry records.
    enum EntryKind {
        None,
        Payment, // public money paid to the payee
        Repayment // money the payee paid back (a clawback after payment)
    }

    /// @notice A payment or repayment.
    struct Entry {
        EntryKind kind;
        uint32 programme;
        uint32 payee; // the payee's company in the scheme registry
        uint16 year; // the fiscal year it belongs to
        uint64 amount;
        uint40 recordedAt;
        bool corrected; // reversed by a correction
        bytes32 referenceCommitment; // salted commitment to the bank transfer record
    }

    /**
     * @notice A payment was recorded.
     * @param entryId The entry.
     * @param programme The programme that pays.
     * @param payee The payee's company.
     * @param year The fiscal year.
     * @param amount The amount, in minor units.
     * @param referenceCommitment Salted commitment to the bank transfer record.
     * @param actor The finance officer.
     */
    event PaymentRecorded(
        uint256 indexed entryId,
        uint32 indexed programme,
        uint32 indexed payee,
        uint16 year,
        uint64 amount,
        bytes32 referenceCommitment,
        address actor
    );

    /**
     * @notice A repayment by a payee was recorded (it settles what a clawback after payment made receivable).
     * @param entryId The entry.
     * @param programme The programme paid back.
     * @param payee The payee's company.
     * @param year The fiscal year.
     * @param amount The amount, in minor units.
     * @param referenceCommitment Salted commitment to the bank transfer record.
     * @param actor The finance officer.
     */
    event RepaymentRecorded(
        uint256 indexed entryId,
        uint32 indexed programme,
        uint32 indexed payee,
        uint16 year,
        uint64 amount,
        bytes32 referenceCommitment,
        address actor
    );

    /**
     * @notice An entry was reversed by a correction; it stays on record, marked corrected.
     * @param entryId The entry.
     * @param programme Its programme.
     * @param payee Its payee.
     * @param kind What it recorded.
     * @param amount Its amount.
     * @param reason Reason code.
     * @param actor The finance officer.
     */
    event EntryCorrected(
        uint256 indexed entryId,
        uint32 indexed programme,
        uint32 indexed payee,
        EntryKind kind,
        uint64 amount,
        bytes32 reason,
        address actor
    );

    /// @notice A payment above what is payable to the payee under the programme.
    error PaymentLedgerExceedsPayable(uint32 programme, uint32 payee, uint64 amount, uint64 available);
    /// @notice A repayment above what is receivable from the payee under the programme.
    error PaymentLedgerExceedsReceivable(uint32 programme, uint32 payee, uint64 amount, uint64 receivable);
    /// @notice A zero amount.
    error PaymentLedgerInvalidAmount();
    /// @notice The year is not one of the programme's fiscal years.
    error PaymentLedgerInvalidYear(uint32 programme, uint16 year);
    /// @notice No entry has this id.
    error PaymentLedgerUnknownEntry(uint256 entryId);
    /// @notice The entry was corrected already.
    error PaymentLedgerAlreadyCorrected(uint256 entryId);
    /// @notice Correcting this repayment would make the payments exceed what the payee earned before clawbacks plus
    /// what it repaid.
    error PaymentLedgerCorrectionExceeds(uint256 entryId, uint64 amount, uint64 allowed);

    /**
     * @notice Records a payment to a payee under a programme (the finance bureau's); emits {PaymentRecorded}; returns
     * the entry's id.
     * @dev Requirements: a positive amount, at most what is payable; a year of the programme.
     */
    function recordPayment(
        uint32 programme,
        uint32 payee,
        uint16 year,
        uint64 amount,
        bytes32 referenceCommitment
    ) external returns (uint256 entryId);

    /**
     * @notice Records a repayment by a payee (the finance bureau's); emits {RepaymentRecorded}.
     * @dev Requirements: a positive amount, at most what is receivable; a year of the programme.
     */
    function recordRepayment(
        uint32 programme,
        uint32 payee,
        uint16 year,
        uint64 amount,
        bytes32 referenceCommitment
    ) external returns (uint256 entryId);

    /**
     * @notice Reverses an entry recorded in error (the finance bureau's); emits {EntryCorrected}.
     * @dev A corrected payment is owed again; a corrected repayment is receivable again, within what clawbacks made
     * receivable (the payments must stay within what was earned before clawbacks plus what was repaid).
     */
    function correctEntry(uint256 entryId, bytes32 reason) external;

    /// @notice The voucher ledger whose earnings the book pays.
    function ledger() external view returns (address);

    /// @notice What is payable to a payee under a programme now.
    function payableTo(uint32 programme, uint32 payee) external view returns (uint64);

    /// @notice What is receivable from a payee under a programme now.
    function receivable(uint32 programme, uint32 payee) external view returns (uint64);

    /// @notice What payments net of repayments (corrections excluded) came to for a payee under a programme.
    function netPaid(uint32 programme, uint32 payee) external view returns (uint64 paid, uint64 repaid);

    /// @notice An entry (reverts for an unknown id).
    function getEntry(uint256 entryId) external view returns (Entry memory);

    /// @notice How many entries there are; their ids are 1 to this.
    function entryCount() external view returns (uint256);
}
