// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155MetadataURI} from "@openzeppelin/contracts/token/ERC1155/extensions/IERC1155MetadataURI.sol";
import {ERC1155Utils} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Utils.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IERC6268} from "./IERC6268.sol";
import {IVoucherLedgerExtension} from "./IVoucherLedgerExtension.sol";
import {LedgerFlags} from "./LedgerFlags.sol";
import {VoucherLedgerStorage} from "./VoucherLedgerStorage.sol";

/**
 * @title VoucherLedgerExtension
 * @notice The voucher ledger's less frequent functions, run by the ledger ({VoucherLedger}) by delegatecall in its
 * own storage. See {IVoucherLedgerExtension}. Called directly, every function reverts.
 * @dev It inherits the same storage base, then the same OpenZeppelin contracts in the same order as the core, and
 * declares no state, so both see one layout. `restricted` checks the ledger's AccessManager against the ledger's
 * address and the selector called, as if the function were the core's own.
 */
contract VoucherLedgerExtension is
    IVoucherLedgerExtension,
    IERC1155MetadataURI,
    IERC6268,
    VoucherLedgerStorage,
    AccessManaged,
    Pausable,
    ERC2771Context
{
    using Strings for uint256;

    address private immutable _SELF = address(this);

    /// @dev Only through the ledger: the extension's own storage is never used.
    modifier onlyDelegated() {
        if (address(this) == _SELF) revert VoucherLedgerNotDelegated();
        _;
    }

    /// @dev The `configure…` functions are the registry's alone.
    modifier onlyRegistry() {
        if (address(this) == _SELF) revert VoucherLedgerNotDelegated();
        if (msg.sender != _registry) revert VoucherLedgerNotRegistry(msg.sender);
        _;
    }

    /**
     * @param trustedForwarder The ledger's ERC-2771 forwarder (the ledger refuses an extension built for another).
     */
    constructor(address trustedForwarder) AccessManaged(address(1)) ERC2771Context(trustedForwarder) {}

    // ----------------------------------------------------------------------------------------------------------------
    // Configuration (the registry only)
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerExtension
    function configureProgramme(
        uint32 programme,
        IssueTerms calldata terms,
        uint32 reissueDelay
    ) external onlyRegistry {
        _issueTerms[programme] = terms;
        _reissueDelays[programme] = reissueDelay;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function configureRedemption(
        uint32 programme,
        uint8 computeClass,
        RedemptionTerms calldata terms
    ) external onlyRegistry {
        _redemptionTerms[programme][computeClass] = terms;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function configureAccount(
        address account,
        uint32 entity,
        uint8 category,
        uint8 roles,
        bool related
    ) external onlyRegistry {
        Account storage a = _accounts[account];
        a.entity = entity;
        a.category = category;
        a.roles = roles;
        a.related = related;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function configureAccreditation(
        address supplier,
        uint32 programme,
        uint32 entity,
        uint40 validFrom,
        uint40 validUntil,
        uint32 classes,
        bool suspended
    ) external onlyRegistry {
        Accreditation storage a = _accreditations[supplier][programme];
        if (a.entity == 0) _suppliers[programme].push(supplier);
        a.entity = entity;
        a.validFrom = validFrom;
        a.validUntil = validUntil;
        a.classes = classes;
        a.suspended = suspended;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function configureRelation(uint32 beneficiaryEntity, uint32 supplierEntity, bool related) external onlyRegistry {
        _related[beneficiaryEntity][supplierEntity] = related;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function configureIssuer(address issuer, uint32 programme, bool bound) external onlyRegistry {
        _issuers[issuer][programme] = bound;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function configureClaims(uint32 programme, ClaimTerms calldata terms) external onlyRegistry {
        _claimTerms[programme] = terms;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Governor and guardian
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerExtension
    function setBudget(
        uint32 programme,
        uint16 year,
        uint64 budget,
        bytes32 appropriation
    ) external onlyDelegated restricted {
        IssueTerms storage t = _issueTerms[programme];
        if (t.yearCount == 0) revert VoucherLedgerUnknownProgramme(programme);
        if (year < t.firstYear || year - t.firstYear >= t.yearCount) {
            revert VoucherLedgerOutsidePeriods(programme, year);
        }
        Period storage p = _periods[programme][year];
        uint64 committed = _committed(p);
        if (budget < committed) revert VoucherLedgerBudgetBelowCommitted(programme, year, budget, committed);
        if (budget > type(uint48).max) revert VoucherLedgerInvalidAmount(budget, type(uint48).max);
        p.budget = uint48(budget);
        emit BudgetSet(programme, year, budget, appropriation, _msgSender());
    }

    /// @inheritdoc IVoucherLedgerExtension
    function setBaseURI(string calldata baseURI) external onlyDelegated restricted {
        _baseURI = baseURI;
        emit BaseURISet(baseURI, _msgSender());
    }

    /// @inheritdoc IVoucherLedgerExtension
    function pause() external onlyDelegated restricted {
        _pause();
    }

    /// @inheritdoc IVoucherLedgerExtension
    function unpause() external onlyDelegated restricted {
        _unpause();
    }

    /// @inheritdoc IVoucherLedgerExtension
    function freeze(uint256 id, bytes32 reason) external onlyDelegated restricted {
        Voucher storage v = _activeVoucher(id);
        if (v.flags & LedgerFlags.VOUCHER_FROZEN != 0) revert VoucherLedgerFrozen(id);
        v.flags |= LedgerFlags.VOUCHER_FROZEN;
        emit VoucherFrozen(id, reason, _msgSender());
    }

    /// @inheritdoc IVoucherLedgerExtension
    function unfreeze(uint256 id, bytes32 reason) external onlyDelegated restricted {
        Voucher storage v = _existingVoucher(id);
        if (v.flags & LedgerFlags.VOUCHER_FROZEN == 0) revert VoucherLedgerNotFrozen(id);
        v.flags &= ~LedgerFlags.VOUCHER_FROZEN;
        emit VoucherUnfrozen(id, reason, _msgSender());
    }

    /// @inheritdoc IVoucherLedgerExtension
    function revokeByGovernor(uint256 id, bytes32 reason) external onlyDelegated restricted {
        _close(id, _activeVoucher(id), VoucherStatus.Revoked, reason, _msgSender());
    }

    /// @inheritdoc IVoucherLedgerExtension
    function approveReissue(uint256 id) external onlyDelegated restricted whenNotPaused {
        address governor = _msgSender();
        _reissue(id, governor, governor);
    }


    // ----------------------------------------------------------------------------------------------------------------
    // Issuers
    // ----------------------------------------------------------------------------------------------------------------


    /// @inheritdoc IVoucherLedgerExtension
    function revoke(uint256 id, bytes32 reason) external onlyDelegated restricted whenNotPaused {
        address issuer = _msgSender();
        _checkIssuer(issuer, _programmeOf(id));
        _close(id, _activeVoucher(id), VoucherStatus.Revoked, reason, issuer);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function requestReissue(uint256 id, address to, bytes32 reason) external onlyDelegated restricted whenNotPaused {
        address issuer = _msgSender();
        uint32 programme = _programmeOf(id);
        _checkIssuer(issuer, programme);
        Voucher storage v = _activeVoucher(id);
        if (v.flags & LedgerFlags.VOUCHER_FROZEN != 0) revert VoucherLedgerFrozen(id);
        if (v.flags & LedgerFlags.VOUCHER_REISSUE_PENDING != 0) revert VoucherLedgerReissuePending(id);
        if (block.timestamp >= v.expiresAt) revert VoucherLedgerExpired(id, v.expiresAt);
        _checkSameCompany(v.holder, to);
        uint40 executableAt = uint40(block.timestamp) + _reissueDelays[programme];
        _reissues[id] = PendingReissue({to: to, executableAt: executableAt, reason: reason});
        v.flags |= LedgerFlags.VOUCHER_REISSUE_PENDING;
        emit ReissueRequested(id, v.holder, to, executableAt, reason, issuer);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function executeReissue(uint256 id) external onlyDelegated restricted whenNotPaused {
        address issuer = _msgSender();
        _checkIssuer(issuer, _programmeOf(id));
        if (_existingVoucher(id).flags & LedgerFlags.VOUCHER_REISSUE_PENDING == 0) {
            revert VoucherLedgerNoReissuePending(id);
        }
        uint40 executableAt = _reissues[id].executableAt;
        if (block.timestamp < executableAt) revert VoucherLedgerReissueNotReady(id, executableAt);
        _reissue(id, address(0), issuer);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function cancelReissue(uint256 id, bytes32 reason) external onlyDelegated restricted {
        address issuer = _msgSender();
        _checkIssuer(issuer, _programmeOf(id));
        Voucher storage v = _existingVoucher(id);
        if (v.flags & LedgerFlags.VOUCHER_REISSUE_PENDING == 0) revert VoucherLedgerNoReissuePending(id);
        v.flags &= ~LedgerFlags.VOUCHER_REISSUE_PENDING;
        delete _reissues[id];
        emit ReissueCancelled(id, reason, issuer);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerExtension
    function expire(uint256 id) external onlyDelegated restricted whenNotPaused {
        Voucher storage v = _activeVoucher(id);
        if (block.timestamp < v.expiresAt) revert VoucherLedgerNotExpired(id, v.expiresAt);
        _close(id, v, VoucherStatus.Expired, bytes32(0), _msgSender());
    }

    /// @inheritdoc IVoucherLedgerExtension
    function expireBatch(
        uint256[] calldata ids
    ) external onlyDelegated restricted whenNotPaused returns (uint256 expired) {
        uint256 n = ids.length;
        if (n == 0) revert VoucherLedgerBatchLength(0, 1);
        address actor = _msgSender();
        for (uint256 i = 0; i < n; ++i) {
            Voucher storage v = _vouchers[ids[i]];
            if (v.status != VoucherStatus.Active || block.timestamp < v.expiresAt) continue;
            _close(ids[i], v, VoucherStatus.Expired, bytes32(0), actor);
            // Cannot overflow: at most `n` vouchers are counted.
            unchecked {
                ++expired;
            }
        }
    }

    /// @inheritdoc IVoucherLedgerExtension
    function cancelConsents() external onlyDelegated restricted {
        address holder = _msgSender();
        Account storage a = _accounts[holder];
        uint32 epoch = a.consentEpoch + 1;
        a.consentEpoch = epoch;
        emit ConsentsCancelled(holder, epoch);
    }


    // ----------------------------------------------------------------------------------------------------------------
    // ERC-1155 and ERC-6268
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice The voucher's remaining value if `account` holds it, else 0.
    function balanceOf(address account, uint256 id) public view onlyDelegated returns (uint256) {
        Voucher storage v = _vouchers[id];
        return v.holder == account ? v.remaining : 0;
    }

    /// @notice The balances of `accounts[i]` of `ids[i]`.
    function balanceOfBatch(
        address[] calldata accounts,
        uint256[] calldata ids
    ) external view onlyDelegated returns (uint256[] memory balances) {
        if (accounts.length != ids.length) revert VoucherLedgerBatchLength(accounts.length, ids.length);
        balances = new uint256[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            balances[i] = balanceOf(accounts[i], ids[i]);
        }
    }

    /// @notice Always false: vouchers have no operators.
    function isApprovedForAll(address, address) external pure returns (bool) {
        return false;
    }

    /// @notice Always reverts: vouchers cannot be approved to an operator.
    function setApprovalForAll(address operator, bool) external view {
        revert VoucherLedgerApprovalDisabled(_msgSender(), operator);
    }

    /// @notice Always reverts: vouchers cannot be transferred.
    function safeTransferFrom(address from, address to, uint256 id, uint256, bytes calldata) external pure {
        revert VoucherLedgerNonTransferable(from, to, id);
    }

    /// @notice Always reverts: vouchers cannot be transferred.
    function safeBatchTransferFrom(
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata,
        bytes calldata
    ) external pure {
        revert VoucherLedgerNonTransferable(from, to, ids.length == 0 ? 0 : ids[0]);
    }

    /// @notice The metadata URI of a voucher: the base URI followed by the id in decimal.
    function uri(uint256 id) external view onlyDelegated returns (string memory) {
        return string.concat(_baseURI, id.toString());
    }

    /// @inheritdoc IERC6268
    function locked(uint256 id) external view onlyDelegated returns (bool) {
        _existingVoucher(id);
        return true;
    }

    /// @notice ERC-165: ERC-1155, its metadata extension, ERC-6268 and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC1155).interfaceId ||
            interfaceId == type(IERC1155MetadataURI).interfaceId ||
            interfaceId == type(IERC6268).interfaceId ||
            interfaceId == type(IERC165).interfaceId;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerExtension
    function registry() external view onlyDelegated returns (address) {
        return _registry;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function currency() external view onlyDelegated returns (string memory) {
        return _currency;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function decimals() external view onlyDelegated returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getVoucher(uint256 id) external view onlyDelegated returns (Voucher memory) {
        return _existingVoucher(id);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function pendingReissue(
        uint256 id
    ) external view onlyDelegated returns (address to, uint40 executableAt, bytes32 reason) {
        PendingReissue storage r = _reissues[id];
        return (r.to, r.executableAt, r.reason);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getIssueTerms(
        uint32 programme
    ) external view onlyDelegated returns (IssueTerms memory, uint32 reissueDelay) {
        return (_issueTerms[programme], _reissueDelays[programme]);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getRedemptionTerms(
        uint32 programme,
        uint8 computeClass
    ) external view onlyDelegated returns (RedemptionTerms memory) {
        return _redemptionTerms[programme][computeClass];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function ratioOf(
        uint32 programme,
        uint8 computeClass,
        uint8 category
    ) external view onlyDelegated returns (uint16) {
        return LedgerFlags.ratioIn(_redemptionTerms[programme][computeClass].ratios, category);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getPeriod(uint32 programme, uint16 year) external view onlyDelegated returns (Period memory) {
        return _periods[programme][year];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getAccount(address account) external view onlyDelegated returns (Account memory) {
        return _accounts[account];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getAccreditation(
        address supplier,
        uint32 programme
    ) external view onlyDelegated returns (Accreditation memory) {
        return _accreditations[supplier][programme];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function isAccredited(address supplier, uint32 programme) external view onlyDelegated returns (bool) {
        Accreditation storage a = _accreditations[supplier][programme];
        return !a.suspended && a.validFrom <= block.timestamp && block.timestamp < a.validUntil;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function suppliersOf(uint32 programme) external view onlyDelegated returns (address[] memory) {
        return _suppliers[programme];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function isRelated(uint32 beneficiaryEntity, uint32 supplierEntity) external view onlyDelegated returns (bool) {
        return _related[beneficiaryEntity][supplierEntity];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function isIssuer(address issuer, uint32 programme) external view onlyDelegated returns (bool) {
        return _issuers[issuer][programme];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getTally(uint32 entity, uint32 programme) external view onlyDelegated returns (Tally memory) {
        return _tallies[_tallyKeyOf(entity, programme, _issueTerms[programme])];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getInvoice(bytes32 invoiceKey_) external view onlyDelegated returns (Invoice memory) {
        return _invoices[invoiceKey_];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function invoicePaidBy(bytes32 invoiceKey_, uint32 programme) external view onlyDelegated returns (uint64) {
        return _paidBy(invoiceKey_, programme, _invoices[invoiceKey_]);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getClaim(uint256 claimId) external view onlyDelegated returns (Claim memory c) {
        c = _claims[claimId];
        if (c.status == ClaimStatus.None) revert VoucherLedgerUnknownClaim(claimId);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function claimCount() external view onlyDelegated returns (uint256) {
        return _claimCount;
    }

    /// @inheritdoc IVoucherLedgerExtension
    function getClaimTerms(uint32 programme) external view onlyDelegated returns (ClaimTerms memory) {
        return _claimTerms[programme];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function claimedBy(uint32 programme, uint32 beneficiaryEntity) external view onlyDelegated returns (uint64) {
        return _claimed[programme][beneficiaryEntity];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function claimantsOf(uint32 programme) external view onlyDelegated returns (uint32[] memory) {
        return _claimants[programme];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function clawedBackFrom(uint32 programme, uint32 payee) external view onlyDelegated returns (uint64) {
        return _clawedBack[programme][payee];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function invoiceClawedBack(bytes32 invoiceKey_, uint32 programme) external view onlyDelegated returns (uint64) {
        return _invoiceClawbacks[invoiceKey_][programme];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function earned(uint32 programme, uint32 payee) external view onlyDelegated returns (uint64 amount) {
        address[] storage suppliers = _suppliers[programme];
        for (uint256 i = 0; i < suppliers.length; ++i) {
            Accreditation storage a = _accreditations[suppliers[i]][programme];
            if (a.entity == payee) amount += a.redeemed;
        }
        amount += _claimed[programme][payee];
        amount -= _clawedBack[programme][payee];
    }

    /// @inheritdoc IVoucherLedgerExtension
    function programmeTotals(uint32 programme) external view onlyDelegated returns (ProgrammeTotals memory) {
        return _totals(programme);
    }

    /// @inheritdoc IVoucherLedgerExtension
    function programmeCounters(
        uint32 programme
    )
        external
        view
        onlyDelegated
        returns (uint64 issued, uint64 redeemed, uint64 revoked, uint64 expired, uint64 outstanding)
    {
        ProgrammeTotals memory t = _totals(programme);
        return (t.issued, t.redeemedBySuppliers + t.claimedByBuyers, t.revoked, t.expired, t.outstanding + t.held);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------------------

    function _totals(uint32 programme) private view returns (ProgrammeTotals memory t) {
        IssueTerms storage terms = _issueTerms[programme];
        uint16 first = terms.firstYear;
        uint16 count = terms.yearCount;
        for (uint16 y = 0; y < count; ++y) {
            Period storage p = _periods[programme][first + y];
            t.issued += p.issued;
            t.revoked += p.revoked;
            t.expired += p.expired;
            t.clawedBack += p.clawedBack;
        }
        address[] storage suppliers = _suppliers[programme];
        for (uint256 i = 0; i < suppliers.length; ++i) {
            t.redeemedBySuppliers += _accreditations[suppliers[i]][programme].redeemed;
        }
        ClaimTotals storage claims = _claimTotals[programme];
        t.claimedByBuyers = claims.approved;
        t.held = claims.held;
        t.outstanding = t.issued - t.redeemedBySuppliers - t.claimedByBuyers - t.held - t.revoked - t.expired;
    }



    /**
     * @dev Closes an active voucher as revoked or expired: burns what is left, returns it to the budget of its year
     * and takes it off the company's tally.
     */
    function _close(uint256 id, Voucher storage v, VoucherStatus status, bytes32 reason, address actor) private {
        uint32 programme = _programmeOf(id);
        IssueTerms memory t = _issueTerms[programme];
        uint16 year = t.firstYear + v.period;
        uint64 amount = v.remaining;
        address holder = v.holder;
        v.remaining = 0;
        v.status = status;
        if (v.flags & LedgerFlags.VOUCHER_REISSUE_PENDING != 0) {
            v.flags &= ~LedgerFlags.VOUCHER_REISSUE_PENDING;
            delete _reissues[id];
        }
        Period storage p = _periods[programme][year];
        // Cannot overflow: revoked + expired <= issued, a uint48. Cannot truncate: amount <= 2^40 - 1.
        unchecked {
            if (status == VoucherStatus.Revoked) p.revoked += uint48(amount);
            else p.expired += uint48(amount);
        }
        _uncount(_accounts[holder].entity, programme, t, year, amount);
        if (status == VoucherStatus.Revoked) emit VoucherRevoked(id, programme, holder, amount, reason, actor);
        else emit VoucherExpired(id, programme, holder, amount, actor);
        emit IERC1155.TransferSingle(actor, holder, address(0), id, amount);
    }


    /// @dev Moves a voucher with a pending re-issue to its new holder.
    function _reissue(uint256 id, address approvedBy, address actor) private {
        Voucher storage v = _activeVoucher(id);
        if (v.flags & LedgerFlags.VOUCHER_REISSUE_PENDING == 0) revert VoucherLedgerNoReissuePending(id);
        if (v.flags & LedgerFlags.VOUCHER_FROZEN != 0) revert VoucherLedgerFrozen(id);
        if (block.timestamp >= v.expiresAt) revert VoucherLedgerExpired(id, v.expiresAt);
        address from = v.holder;
        address to = _reissues[id].to;
        _checkSameCompany(from, to);
        uint64 amount = v.remaining;
        v.holder = to;
        v.flags &= ~LedgerFlags.VOUCHER_REISSUE_PENDING;
        delete _reissues[id];
        emit VoucherReissued(id, from, to, amount, approvedBy, actor);
        emit IERC1155.TransferSingle(actor, from, address(0), id, amount);
        emit IERC1155.TransferSingle(actor, address(0), to, id, amount);
        ERC1155Utils.checkOnERC1155Received(actor, address(0), to, id, amount, "");
    }

    /// @dev `to` is another active beneficiary address of the company `from` acts (or acted) for.
    function _checkSameCompany(address from, address to) private view {
        Account memory a = _accounts[to];
        if (
            to == from ||
            a.roles & LedgerFlags.ROLE_BENEFICIARY == 0 ||
            a.entity == 0 ||
            a.entity != _accounts[from].entity
        ) revert VoucherLedgerNotSameCompany(from, to);
    }

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
