// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";

import {IPaymentLedger} from "./IPaymentLedger.sol";
import {IVoucherLedger} from "./IVoucherLedger.sol";

/**
 * @title PaymentLedger
 * @notice The finance bureau's book of payments. See {IPaymentLedger}.
 * @dev `restricted` by the ledger's AccessManager (FINANCE). It reads what each payee earned from the voucher ledger,
 * fixed at deployment, and keeps what was paid and repaid.
 */
contract PaymentLedger is IPaymentLedger, AccessManaged {
    struct Totals {
        uint64 paid;
        uint64 repaid;
    }

    IVoucherLedger private immutable _LEDGER;
    uint256 private _entryCount;
    mapping(uint256 entryId => Entry) private _entries;
    mapping(uint32 programme => mapping(uint32 payee => Totals)) private _totals;

    /**
     * @param initialAuthority The AccessManager that governs the ledger.
     * @param ledger_ The voucher ledger.
     */
    constructor(address initialAuthority, address ledger_) AccessManaged(initialAuthority) {
        _LEDGER = IVoucherLedger(ledger_);
    }

    /// @inheritdoc IPaymentLedger
    function recordPayment(
        uint32 programme,
        uint32 payee,
        uint16 year,
        uint64 amount,
        bytes32 referenceCommitment
    ) external restricted returns (uint256 entryId) {
        _checkEntry(programme, year, amount);
        uint64 due = payableTo(programme, payee);
        if (amount > due) revert PaymentLedgerExceedsPayable(programme, payee, amount, due);
        _totals[programme][payee].paid += amount;
        entryId = _record(EntryKind.Payment, programme, payee, year, amount, referenceCommitment);
        emit PaymentRecorded(entryId, programme, payee, year, amount, referenceCommitment, msg.sender);
    }

    /// @inheritdoc IPaymentLedger
    function recordRepayment(
        uint32 programme,
        uint32 payee,
        uint16 year,
        uint64 amount,
        bytes32 referenceCommitment
    ) external restricted returns (uint256 entryId) {
        _checkEntry(programme, year, amount);
        uint64 due = receivable(programme, payee);
        if (amount > due) revert PaymentLedgerExceedsReceivable(programme, payee, amount, due);
        _totals[programme][payee].repaid += amount;
        entryId = _record(EntryKind.Repayment, programme, payee, year, amount, referenceCommitment);
        emit RepaymentRecorded(entryId, programme, payee, year, amount, referenceCommitment, msg.sender);
    }

    /// @inheritdoc IPaymentLedger
    function correctEntry(uint256 entryId, bytes32 reason) external restricted {
        Entry storage e = _entries[entryId];
        if (e.kind == EntryKind.None) revert PaymentLedgerUnknownEntry(entryId);
        if (e.corrected) revert PaymentLedgerAlreadyCorrected(entryId);
        e.corrected = true;
        Totals storage t = _totals[e.programme][e.payee];
        if (e.kind == EntryKind.Payment) {
            t.paid -= e.amount;
        } else {
            // Undoing a repayment makes it receivable again. A receivable arises from clawbacks alone: payments net of
            // repayments stay within what was earned before clawbacks.
            uint32 programme = e.programme;
            uint256 earned = uint256(_LEDGER.earned(programme, e.payee)) + _LEDGER.clawedBackFrom(programme, e.payee);
            uint256 allowed = earned + t.repaid - e.amount;
            if (t.paid > allowed) revert PaymentLedgerCorrectionExceeds(entryId, e.amount, uint64(allowed));
            t.repaid -= e.amount;
        }
        emit EntryCorrected(entryId, e.programme, e.payee, e.kind, e.amount, reason, msg.sender);
    }

    /// @inheritdoc IPaymentLedger
    function ledger() external view returns (address) {
        return address(_LEDGER);
    }

    /// @inheritdoc IPaymentLedger
    function payableTo(uint32 programme, uint32 payee) public view returns (uint64) {
        int256 balance = _balance(programme, payee);
        return balance > 0 ? uint64(uint256(balance)) : 0;
    }

    /// @inheritdoc IPaymentLedger
    function receivable(uint32 programme, uint32 payee) public view returns (uint64) {
        int256 balance = _balance(programme, payee);
        return balance < 0 ? uint64(uint256(-balance)) : 0;
    }

    /// @inheritdoc IPaymentLedger
    function netPaid(uint32 programme, uint32 payee) external view returns (uint64 paid, uint64 repaid) {
        Totals storage t = _totals[programme][payee];
        return (t.paid, t.repaid);
    }

    /// @inheritdoc IPaymentLedger
    function getEntry(uint256 entryId) external view returns (Entry memory e) {
        e = _entries[entryId];
        if (e.kind == EntryKind.None) revert PaymentLedgerUnknownEntry(entryId);
    }

    /// @inheritdoc IPaymentLedger
    function entryCount() external view returns (uint256) {
        return _entryCount;
    }

    /// @dev earned - paid + repaid: positive is payable, negative receivable.
    function _balance(uint32 programme, uint32 payee) private view returns (int256) {
        Totals storage t = _totals[programme][payee];
        return int256(uint256(_LEDGER.earned(programme, payee))) - int256(uint256(t.paid)) + int256(uint256(t.repaid));
    }

    function _checkEntry(uint32 programme, uint16 year, uint64 amount) private view {
        if (amount == 0) revert PaymentLedgerInvalidAmount();
        (IVoucherLedger.IssueTerms memory terms, ) = _LEDGER.getIssueTerms(programme);
        if (year < terms.firstYear || year - terms.firstYear >= terms.yearCount) {
            revert PaymentLedgerInvalidYear(programme, year);
        }
    }

    function _record(
        EntryKind kind,
        uint32 programme,
        uint32 payee,
        uint16 year,
        uint64 amount,
        bytes32 referenceCommitment
    ) private returns (uint256 entryId) {
        entryId = ++_entryCount;
        _entries[entryId] = Entry({
            kind: kind,
            programme: programme,
            payee: payee,
            year: year,
            amount: amount,
            recordedAt: uint40(block.timestamp),
            corrected: false,
            referenceCommitment: referenceCommitment
        });
    }
}
