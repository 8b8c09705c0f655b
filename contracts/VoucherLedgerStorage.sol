// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {IVoucherLedgerTypes} from "./IVoucherLedgerTypes.sol";
import {LedgerFlags} from "./LedgerFlags.sol";

/**
 * @title VoucherLedgerStorage
 * @notice Every state variable of the voucher ledger, and the lookups both its contracts use. The core
 * ({VoucherLedger}) and its extension ({VoucherLedgerExtension}) inherit it first and declare no state of their own,
 * so that the extension, run by delegatecall, sees the core's storage as its own
 * (test/ledger/VoucherLedger.layout.test.ts compares the two layouts).
 */
// This contract is where all of the ledger's state is declared, on purpose.
// solhint-disable-next-line max-states-count
abstract contract VoucherLedgerStorage is IVoucherLedgerTypes {
    /// @dev What a programme's claims hold (pending) and what they were approved for, ever.
    struct ClaimTotals {
        uint64 held;
        uint64 approved;
    }

    struct PendingReissue {
        address to;
        uint40 executableAt;
        bytes32 reason;
    }

    address internal _registry;
    uint8 internal _decimals;
    string internal _currency;
    string internal _baseURI;

    mapping(uint256 id => Voucher) internal _vouchers;
    mapping(uint256 id => PendingReissue) internal _reissues;
    mapping(uint32 programme => IssueTerms) internal _issueTerms;
    mapping(uint32 programme => uint32 seconds_) internal _reissueDelays;
    mapping(uint32 programme => mapping(uint8 computeClass => RedemptionTerms)) internal _redemptionTerms;
    mapping(uint32 programme => mapping(uint16 year => Period)) internal _periods;
    mapping(address account => Account) internal _accounts;
    mapping(address supplier => mapping(uint32 programme => Accreditation)) internal _accreditations;
    mapping(uint32 programme => address[] suppliers) internal _suppliers;
    mapping(uint32 beneficiaryEntity => mapping(uint32 supplierEntity => bool)) internal _related;
    mapping(address issuer => mapping(uint32 programme => bool)) internal _issuers;
    mapping(bytes32 tallyKey => Tally) internal _tallies;
    mapping(bytes32 invoiceKey => Invoice) internal _invoices;
    mapping(bytes32 invoiceKey => mapping(uint32 programme => uint64 amount)) internal _invoiceShares;
    mapping(uint32 programme => ClaimTerms) internal _claimTerms;
    uint256 internal _claimCount;
    mapping(uint256 claimId => Claim) internal _claims;
    mapping(uint32 programme => ClaimTotals) internal _claimTotals;
    mapping(uint32 programme => mapping(uint32 beneficiaryEntity => uint64 amount)) internal _claimed;
    mapping(uint32 programme => uint32[] beneficiaryEntities) internal _claimants;
    mapping(uint32 programme => mapping(uint32 payee => uint64 amount)) internal _clawedBack;
    mapping(bytes32 invoiceKey => mapping(uint32 programme => uint64 amount)) internal _invoiceClawbacks;

    function _checkIssuer(address issuer, uint32 programme) internal view {
        if (!_issuers[issuer][programme]) revert VoucherLedgerIssuerNotBound(issuer, programme);
    }

    function _invoiceKeyOf(uint32 supplierEntity, bytes32 invoiceNumberHash) internal pure returns (bytes32) {
        return keccak256(abi.encode(supplierEntity, invoiceNumberHash));
    }

    function _programmeOf(uint256 id) internal pure returns (uint32) {
        return uint32(id >> 224);
    }

    function _existingVoucher(uint256 id) internal view returns (Voucher storage v) {
        v = _vouchers[id];
        if (v.status == VoucherStatus.None) revert VoucherLedgerUnknownVoucher(id);
    }

    function _activeVoucher(uint256 id) internal view returns (Voucher storage v) {
        v = _existingVoucher(id);
        if (v.status != VoucherStatus.Active) revert VoucherLedgerInactive(id, v.status);
    }

    /// @dev The company's tally key for a programme: per programme, or per cap group when the group is exclusive.
    function _tallyKey(
        uint32 entity,
        uint32 programme,
        bool exclusive,
        uint32 capGroup
    ) internal pure returns (bytes32) {
        return
            exclusive
                ? keccak256(abi.encode(entity, capGroup, true))
                : keccak256(abi.encode(entity, programme, false));
    }

    function _tallyKeyOf(uint32 entity, uint32 programme, IssueTerms memory t) internal pure returns (bytes32) {
        return _tallyKey(entity, programme, t.flags & LedgerFlags.ISSUE_EXCLUSIVE != 0, t.capGroup);
    }

    /// @dev Takes `amount` off the company's tally, if the tally still counts the voucher's cap period.
    function _uncount(uint32 entity, uint32 programme, IssueTerms memory t, uint16 year, uint64 amount) internal {
        Tally storage tally = _tallies[_tallyKeyOf(entity, programme, t)];
        uint16 capYear = t.flags & LedgerFlags.ISSUE_CAP_LIFETIME != 0 ? 0 : year;
        if (tally.year != capYear) return;
        uint64 committed = tally.committed;
        tally.committed = committed > amount ? committed - amount : 0;
    }

    /// @dev What a programme paid of an invoice.
    function _paidBy(bytes32 key, uint32 programme, Invoice storage inv) internal view returns (uint64) {
        if (inv.count == 1 && inv.flags & LedgerFlags.INVOICE_BUYER == 0) {
            return inv.firstProgramme == programme ? uint64(inv.subsidised) : 0;
        }
        return _invoiceShares[key][programme];
    }

    /**
     * @dev Writes an invoice's word at once, packed as Solidity packs `Invoice` (from the low-order end: total at bit
     * 0, subsidised 40, beneficiaryEntity 80, firstProgramme 112, minShareBps 144, count 160, computeClass 168,
     * serviceFromDay 176, serviceToDay 192, gpuCentihours 208, flags 248): assigning the struct, the compiler writes
     * it member by member, ten writes more.
     */
    function _writeInvoice(Invoice storage stored, Invoice memory inv) internal {
        uint256 word = uint256(inv.total) |
            (uint256(inv.subsidised) << 40) |
            (uint256(inv.beneficiaryEntity) << 80) |
            (uint256(inv.firstProgramme) << 112) |
            (uint256(inv.minShareBps) << 144) |
            (uint256(inv.count) << 160) |
            (uint256(inv.computeClass) << 168) |
            (uint256(inv.serviceFromDay) << 176) |
            (uint256(inv.serviceToDay) << 192) |
            (uint256(inv.gpuCentihours) << 208) |
            (uint256(inv.flags) << 248);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(stored.slot, word)
        }
    }

    /// @dev What a fiscal year has committed out of its budget: issued - revoked - expired - clawed back.
    function _committed(Period storage p) internal view returns (uint64) {
        return uint64(p.issued) - p.revoked - p.expired - p.clawedBack;
    }
}
