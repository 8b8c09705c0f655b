// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {LedgerFlags} from "./LedgerFlags.sol";
import {VoucherLedgerStorage} from "./VoucherLedgerStorage.sol";

/**
 * @title VoucherLedgerRules
 * @notice The checks that a supplier's redemption ({VoucherLedger}) and a buyer's claim ({VoucherLedgerClaims})
 * share. Each contract compiles its own copy, so that the redemption path keeps single call sites the optimizer
 * inlines.
 */
abstract contract VoucherLedgerRules is VoucherLedgerStorage {
    uint16 internal constant _MAX_BPS = 10_000;

    /// @dev The voucher, if it is active, not frozen, not moving, not expired and has `amount` (not zero) left.
    function _redeemableVoucher(
        Voucher storage stored,
        uint256 id,
        uint64 amount
    ) internal view returns (Voucher memory v) {
        v = stored;
        if (v.status != VoucherStatus.Active) {
            if (v.status == VoucherStatus.None) revert VoucherLedgerUnknownVoucher(id);
            revert VoucherLedgerInactive(id, v.status);
        }
        if (v.flags & LedgerFlags.VOUCHER_FROZEN != 0) revert VoucherLedgerFrozen(id);
        if (v.flags & LedgerFlags.VOUCHER_REISSUE_PENDING != 0) revert VoucherLedgerReissuePending(id);
        if (block.timestamp >= v.expiresAt) revert VoucherLedgerExpired(id, v.expiresAt);
        if (amount == 0) revert VoucherLedgerInvalidAmount(0, v.remaining);
        if (amount > v.remaining) revert VoucherLedgerInsufficientValue(id, amount, v.remaining);
    }

    /// @dev The caller's company, if its accreditation for the programme is in force and covers the class.
    function _accreditedSupplier(
        address caller,
        uint32 programme,
        uint8 computeClass
    ) internal view returns (uint32, Accreditation storage stored) {
        stored = _accreditations[caller][programme];
        Accreditation memory a = stored;
        if (a.suspended || block.timestamp < a.validFrom || block.timestamp >= a.validUntil) {
            revert VoucherLedgerNotAccredited(caller, programme);
        }
        if (computeClass == 0 || computeClass > LedgerFlags.MAX_CLASS || (a.classes >> (computeClass - 1)) & 1 == 0) {
            revert VoucherLedgerClassNotAccredited(caller, programme, computeClass);
        }
        return (a.entity, stored);
    }

    /**
     * @dev Reverts for terms that refuse a redemption or claim: the programme's table lacks the class, the programme is
     * paused, or it does not pay `payee`. The registry writes a payee into the terms of every class of a programme's
     * table, so terms with none are no terms at all.
     */
    function _refuseTerms(uint32 programme, uint8 computeClass, uint256 flags, uint8 payee) internal pure {
        if (flags & (LedgerFlags.REDEEM_PAYS_SUPPLIER | LedgerFlags.REDEEM_PAYS_BUYER) == 0) {
            revert VoucherLedgerIneligible(programme, computeClass, 0);
        }
        if (flags & LedgerFlags.REDEEM_PAUSED != 0) revert VoucherLedgerProgrammePaused(programme);
        revert VoucherLedgerPayeeNotAllowed(programme, payee == LedgerFlags.REDEEM_PAYS_SUPPLIER ? 1 : 2);
    }

    function _checkEvidence(
        uint32 programme,
        uint256 flags,
        uint64 gpuCentihours,
        uint64 electricityKwh,
        bytes32 assessmentCommitment
    ) internal pure {
        if (flags & LedgerFlags.REDEEM_NEEDS_GPU_HOURS != 0 && gpuCentihours == 0) {
            revert VoucherLedgerEvidenceMissing(programme, 1);
        }
        if (flags & LedgerFlags.REDEEM_NEEDS_ELECTRICITY != 0 && electricityKwh == 0) {
            revert VoucherLedgerEvidenceMissing(programme, 2);
        }
        if (flags & LedgerFlags.REDEEM_NEEDS_ASSESSMENT != 0 && assessmentCommitment == bytes32(0)) {
            revert VoucherLedgerEvidenceMissing(programme, 3);
        }
    }

    /// @dev The amount is within the programme's ratio of the invoice total for the class and the category.
    function _checkRatio(
        uint32 programme,
        uint8 computeClass,
        uint8 category,
        uint112 ratios,
        uint64 amount,
        uint64 invoiceTotal
    ) internal pure {
        uint16 ratioBps = LedgerFlags.ratioIn(ratios, category);
        if (ratioBps == 0) revert VoucherLedgerIneligible(programme, computeClass, category);
        if (uint256(amount) * _MAX_BPS > uint256(invoiceTotal) * ratioBps) {
            revert VoucherLedgerOverRatio(amount, invoiceTotal, ratioBps);
        }
    }

    /// @dev The service ends within the programme's window from the company's first voucher in it.
    function _checkEntityWindow(
        uint32 programme,
        RedemptionTerms memory t,
        uint32 entity,
        uint32 serviceToDay
    ) internal view {
        bytes32 key = _tallyKey(
            entity,
            programme,
            t.flags & LedgerFlags.REDEEM_EXCLUSIVE != 0,
            _issueTerms[programme].capGroup
        );
        uint32 lastDay = _tallies[key].firstDay + t.entityWindowDays - 1;
        if (serviceToDay > lastDay) revert VoucherLedgerOutsideEntityWindow(programme, entity, serviceToDay, lastDay);
    }
}
