// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IVoucherLedgerClaims} from "./IVoucherLedgerClaims.sol";
import {LedgerFlags} from "./LedgerFlags.sol";
import {VoucherLedgerRules} from "./VoucherLedgerRules.sol";

/**
 * @title VoucherLedgerClaims
 * @notice The buyers' claims and the clawbacks of the voucher ledger, run by the ledger ({VoucherLedger}) by
 * delegatecall in its own storage. See {IVoucherLedgerClaims}. Called directly, every function reverts.
 * @dev It inherits the same storage base and the same OpenZeppelin contracts in the same order as the core, and
 * declares no state, so all of them see one layout. Its EIP-712 domain is the ledger's: same name and version, and
 * `address(this)` is the ledger's address when it runs.
 */
contract VoucherLedgerClaims is
    IVoucherLedgerClaims,
    VoucherLedgerRules,
    AccessManaged,
    Pausable,
    ERC2771Context,
    EIP712
{
    /// @dev What a claim's checks found, for its effects and its event.
    struct ClaimCheck {
        uint32 programme;
        uint32 supplierEntity;
        uint32 beneficiaryEntity;
        address holder;
        uint64 remaining;
        bytes32 invoiceKey;
        bytes32 digest;
    }

    bytes32 private constant _ATTESTATION_TYPEHASH =
        keccak256(
            "Attestation(address supplier,bytes32 invoiceNumberHash,uint64 invoiceTotal,uint8 computeClass,"
            "uint32 serviceFromDay,uint32 serviceToDay,uint64 gpuCentihours,uint64 amountPaid,address buyer)"
        );

    address private immutable _SELF = address(this);

    /// @dev Only through the ledger: the module's own storage is never used.
    modifier onlyDelegated() {
        if (address(this) == _SELF) revert VoucherLedgerNotDelegated();
        _;
    }

    /// @param trustedForwarder The ledger's ERC-2771 forwarder (the ledger refuses a module built for another).
    constructor(
        address trustedForwarder
    ) AccessManaged(address(1)) ERC2771Context(trustedForwarder) EIP712("VoucherLedger", "2") {}

    // ----------------------------------------------------------------------------------------------------------------
    // Buyers
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerClaims
    function submitClaim(
        ClaimRequest calldata claim,
        bytes calldata attestationSignature
    ) external onlyDelegated restricted whenNotPaused returns (uint256 claimId) {
        Voucher storage stored = _vouchers[claim.voucherId];
        ClaimCheck memory k = _checkClaim(claim, attestationSignature, _msgSender(), stored);
        uint64 amount = claim.amount;
        // Cannot underflow: amount <= remaining (checked). Cannot overflow: a programme's claims hold at most what it
        // issued, and the claim count is far from 2^256.
        unchecked {
            stored.remaining = uint40(k.remaining - amount);
            _claimTotals[k.programme].held += amount;
            claimId = ++_claimCount;
        }
        _claims[claimId] = Claim({
            voucherId: claim.voucherId,
            invoiceKey: k.invoiceKey,
            programme: k.programme,
            beneficiaryEntity: k.beneficiaryEntity,
            supplierEntity: k.supplierEntity,
            amount: amount,
            submittedAt: uint40(block.timestamp),
            status: ClaimStatus.Pending,
            clawedBack: 0
        });
        _emitClaimSubmitted(claimId, k, claim);
    }

    /// @inheritdoc IVoucherLedgerClaims
    function attestationDigest(Attestation calldata attestation) public view onlyDelegated returns (bytes32) {
        bytes32 typehash = _ATTESTATION_TYPEHASH;
        bytes32 structHash;
        // The attestation is a static struct of nine one-word members: hashed where it sits in calldata.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            calldatacopy(add(m, 0x20), attestation, 0x120)
            structHash := keccak256(m, 0x140)
        }
        return _hashTypedDataV4(structHash);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Issuers, anyone and the governor
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerClaims
    function approveClaim(uint256 claimId) external onlyDelegated restricted whenNotPaused {
        Claim storage c = _reviewableClaim(claimId, true);
        _approveClaim(claimId, c, false);
    }

    /// @inheritdoc IVoucherLedgerClaims
    function rejectClaim(uint256 claimId, bytes32 reason) external onlyDelegated restricted whenNotPaused {
        Claim storage c = _reviewableClaim(claimId, true);
        _releaseClaim(claimId, c, false, reason);
    }

    /// @inheritdoc IVoucherLedgerClaims
    function settleClaim(uint256 claimId) external onlyDelegated restricted whenNotPaused {
        Claim storage c = _reviewableClaim(claimId, false);
        if (_claimTerms[c.programme].lapseApproves) _approveClaim(claimId, c, true);
        else _releaseClaim(claimId, c, true, "lapsed");
    }

    /// @inheritdoc IVoucherLedgerClaims
    function clawBackRedemption(
        uint256 voucherId,
        uint32 supplierEntity,
        bytes32 invoiceNumberHash,
        uint64 amount,
        bytes32 reason
    ) external onlyDelegated restricted {
        Voucher storage v = _existingVoucher(voucherId);
        uint32 programme = _programmeOf(voucherId);
        bytes32 key = keccak256(abi.encode(supplierEntity, invoiceNumberHash));
        Invoice storage inv = _invoices[key];
        uint64 available = inv.flags & LedgerFlags.INVOICE_BUYER != 0
            ? 0
            : _paidBy(key, programme, inv) - _invoiceClawbacks[key][programme];
        if (amount == 0 || amount > available) revert VoucherLedgerClawbackTooLarge(amount, available);
        // Cannot overflow: what is reversed is bounded by what was paid.
        unchecked {
            _invoiceClawbacks[key][programme] += amount;
            _clawedBack[programme][supplierEntity] += amount;
        }
        uint16 year = _returnToBudget(programme, v, amount);
        emit RedemptionClawedBack(voucherId, programme, supplierEntity, key, amount, year, reason, _msgSender());
    }

    /// @inheritdoc IVoucherLedgerClaims
    function clawBackClaim(uint256 claimId, uint64 amount, bytes32 reason) external onlyDelegated restricted {
        Claim storage c = _claims[claimId];
        if (c.status != ClaimStatus.Approved) {
            if (c.status == ClaimStatus.None) revert VoucherLedgerUnknownClaim(claimId);
            revert VoucherLedgerClaimStatus(claimId, c.status);
        }
        uint64 available = c.amount - c.clawedBack;
        if (amount == 0 || amount > available) revert VoucherLedgerClawbackTooLarge(amount, available);
        uint32 programme = c.programme;
        // Cannot overflow or truncate: what is reversed is bounded by the claim's amount, at most 2^40 - 1.
        unchecked {
            c.clawedBack += uint48(amount);
            _clawedBack[programme][c.beneficiaryEntity] += amount;
        }
        uint16 year = _returnToBudget(programme, _vouchers[c.voucherId], amount);
        emit ClaimClawedBack(claimId, programme, c.beneficiaryEntity, amount, year, reason, _msgSender());
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: submission
    // ----------------------------------------------------------------------------------------------------------------

    /// @dev Every check of a claim, in the order {IVoucherLedgerCore-submitClaim} gives; records the invoice.
    function _checkClaim(
        ClaimRequest calldata claim,
        bytes calldata signature,
        address caller,
        Voucher storage stored
    ) private returns (ClaimCheck memory k) {
        Voucher memory v = _redeemableVoucher(stored, claim.voucherId, claim.amount);
        if (caller != v.holder) revert VoucherLedgerNotHolder(caller, v.holder);
        k.holder = v.holder;
        k.remaining = v.remaining;
        k.programme = _programmeOf(claim.voucherId);
        Attestation calldata a = claim.attestation;
        if (a.buyer != v.holder) revert VoucherLedgerWrongBuyer(a.buyer, v.holder);
        uint8 computeClass = a.computeClass;
        (k.supplierEntity, ) = _accreditedSupplier(a.supplier, k.programme, computeClass);
        RedemptionTerms memory t = _checkClaimTerms(k.programme, computeClass, claim);
        uint8 category;
        (k.beneficiaryEntity, category) = _claimingBeneficiary(v.holder, claim.unrelated, k.supplierEntity);
        _checkClaimAmount(k.programme, category, t.ratios, claim);
        if (a.invoiceNumberHash == bytes32(0)) revert VoucherLedgerInvalidInvoice();
        k.invoiceKey = _invoiceKeyOf(k.supplierEntity, a.invoiceNumberHash);
        _recordClaimInvoice(k, t.maxCombinedBps, a, claim.amount);
        if (t.entityWindowDays != 0) _checkEntityWindow(k.programme, t, k.beneficiaryEntity, a.serviceToDay);
        k.digest = attestationDigest(a);
        _checkSignature(a.supplier, k.digest, signature);
    }

    /// @dev The buyer paid the whole invoice, and the amount is within the programme's ratio of it.
    function _checkClaimAmount(
        uint32 programme,
        uint8 category,
        uint112 ratios,
        ClaimRequest calldata claim
    ) private pure {
        Attestation calldata a = claim.attestation;
        uint64 total = a.invoiceTotal;
        if (a.amountPaid < total) revert VoucherLedgerNotPaid(a.amountPaid, total);
        _checkRatio(programme, a.computeClass, category, ratios, claim.amount, total);
    }

    /// @dev The programme's terms for the class, if a claim with this request counts under them now.
    function _checkClaimTerms(
        uint32 programme,
        uint8 computeClass,
        ClaimRequest calldata claim
    ) private view returns (RedemptionTerms memory t) {
        t = _redemptionTerms[programme][computeClass];
        uint256 flags = t.flags;
        if (flags & (LedgerFlags.REDEEM_PAUSED | LedgerFlags.REDEEM_PAYS_BUYER) != LedgerFlags.REDEEM_PAYS_BUYER) {
            _refuseTerms(programme, computeClass, flags, LedgerFlags.REDEEM_PAYS_BUYER);
        }
        if (block.timestamp < t.redeemFrom || block.timestamp >= t.redeemUntil) {
            revert VoucherLedgerOutsideWindow(programme, t.redeemFrom, t.redeemUntil);
        }
        if (claim.contractDay < t.earliestContractDay) {
            revert VoucherLedgerContractTooEarly(programme, claim.contractDay, t.earliestContractDay);
        }
        Attestation calldata a = claim.attestation;
        uint32 fromDay = a.serviceFromDay;
        uint32 toDay = a.serviceToDay;
        if (fromDay > toDay || toDay > type(uint16).max) revert VoucherLedgerInvalidServicePeriod(fromDay, toDay);
        // Suppliers apply first: the buyer may claim from 00:00 China Standard Time of the day after the window.
        uint256 claimableFrom = (uint256(toDay) + 1 + _claimTerms[programme].supplierFirstDays) * 1 days - 8 hours;
        if (block.timestamp < claimableFrom) revert VoucherLedgerSuppliersFirst(programme, claimableFrom);
        _checkEvidence(
            programme,
            flags,
            a.gpuCentihours,
            claim.evidence.electricityKwh,
            claim.evidence.assessmentCommitment
        );
    }

    /// @dev The holder's company and category, if it may claim: an active beneficiary, unrelated to the supplier.
    function _claimingBeneficiary(
        address holder,
        bool unrelated,
        uint32 supplierEntity
    ) private view returns (uint32 entity, uint8 category) {
        Account memory h = _accounts[holder];
        if (h.roles & LedgerFlags.ROLE_BENEFICIARY == 0) revert VoucherLedgerNotBeneficiary(holder);
        if (!unrelated) revert VoucherLedgerUndeclaredRelation();
        entity = h.entity;
        // A company registered in both roles is its own supplier's closest relation.
        if (entity == supplierEntity || (h.related && _related[entity][supplierEntity])) {
            revert VoucherLedgerRelatedParties(entity, supplierEntity);
        }
        category = h.category;
    }

    /**
     * @dev Records a claim on the invoice, which makes the invoice the buyer's: the first writes its terms; a later one
     * (another programme, stacking) must match them, find no claim pending, and keep the subsidy of all within the
     * smallest combined share. Every programme's share of a buyer's invoice is kept by programme, so that a rejected
     * claim can be taken off it again.
     */
    function _recordClaimInvoice(
        ClaimCheck memory k,
        uint16 maxCombinedBps,
        Attestation calldata a,
        uint64 amount
    ) private {
        bytes32 key = k.invoiceKey;
        uint32 programme = k.programme;
        if (a.invoiceTotal > type(uint40).max || a.gpuCentihours > type(uint40).max) {
            revert VoucherLedgerInvoiceMismatch(key);
        }
        Invoice storage stored = _invoices[key];
        if (stored.count == 0) {
            _writeInvoice(
                stored,
                Invoice({
                    total: uint40(a.invoiceTotal),
                    subsidised: uint40(amount),
                    beneficiaryEntity: k.beneficiaryEntity,
                    firstProgramme: programme,
                    minShareBps: maxCombinedBps,
                    count: 1,
                    computeClass: a.computeClass,
                    serviceFromDay: uint16(a.serviceFromDay),
                    serviceToDay: uint16(a.serviceToDay),
                    gpuCentihours: uint40(a.gpuCentihours),
                    flags: LedgerFlags.INVOICE_BUYER | LedgerFlags.INVOICE_PENDING
                })
            );
            _invoiceShares[key][programme] = amount;
            return;
        }
        Invoice memory inv = stored;
        uint16 share = _checkClaimStacking(k, maxCombinedBps, a, amount, inv);
        _invoiceShares[key][programme] = amount;
        // Cannot overflow: subsidised + amount <= total (the combined share), a uint40; count < 255 (checked).
        unchecked {
            inv.subsidised += uint40(amount);
            inv.count += 1;
        }
        inv.minShareBps = share;
        inv.flags |= LedgerFlags.INVOICE_PENDING;
        _writeInvoice(stored, inv);
    }

    /// @dev A claim may join the buyer's invoice (stacking); returns the combined share that then applies.
    function _checkClaimStacking(
        ClaimCheck memory k,
        uint16 maxCombinedBps,
        Attestation calldata a,
        uint64 amount,
        Invoice memory inv
    ) private view returns (uint16 share) {
        bytes32 key = k.invoiceKey;
        uint32 programme = k.programme;
        if (inv.flags & LedgerFlags.INVOICE_BUYER == 0) revert VoucherLedgerInvoiceRedeemed(key);
        if (inv.flags & LedgerFlags.INVOICE_PENDING != 0) revert VoucherLedgerClaimPending(key);
        if (_invoiceShares[key][programme] != 0) revert VoucherLedgerInvoiceUsed(key, programme);
        if (inv.beneficiaryEntity != k.beneficiaryEntity) {
            revert VoucherLedgerInvoiceOtherBuyer(key, inv.beneficiaryEntity, k.beneficiaryEntity);
        }
        if (inv.minShareBps == 0 || maxCombinedBps == 0 || inv.count == type(uint8).max) {
            revert VoucherLedgerInvoiceNotStackable(key, programme);
        }
        if (
            inv.total != a.invoiceTotal ||
            inv.computeClass != a.computeClass ||
            inv.serviceFromDay != a.serviceFromDay ||
            inv.serviceToDay != a.serviceToDay ||
            inv.gpuCentihours != a.gpuCentihours
        ) revert VoucherLedgerInvoiceMismatch(key);
        share = maxCombinedBps < inv.minShareBps ? maxCombinedBps : inv.minShareBps;
        if ((uint256(inv.subsidised) + amount) * _MAX_BPS > uint256(inv.total) * share) {
            revert VoucherLedgerOverCombinedShare(key, uint64(inv.subsidised), amount, share);
        }
    }

    /// @dev Emits {ClaimSubmitted} and the `TransferSingle` that takes the held value off the holder's balance.
    function _emitClaimSubmitted(uint256 claimId, ClaimCheck memory k, ClaimRequest calldata claim) private {
        uint40 reviewUntil = uint40(block.timestamp) + _claimTerms[k.programme].reviewWindow;
        emit ClaimSubmitted(
            claimId,
            claim.voucherId,
            k.programme,
            k.holder,
            k.beneficiaryEntity,
            k.supplierEntity,
            reviewUntil,
            k.digest,
            claim
        );
        emit IERC1155.TransferSingle(k.holder, k.holder, address(0), claim.voucherId, claim.amount);
    }

    /// @dev `signer`'s signature of `digest`: ECDSA first, then ERC-1271 for a contract.
    function _checkSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return;
        if (!SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature)) {
            revert VoucherLedgerInvalidAttestation(signer);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: review and clawback
    // ----------------------------------------------------------------------------------------------------------------

    /// @dev A pending claim, if an issuer of its programme may decide it now (`byIssuer`), or anyone may settle it.
    function _reviewableClaim(uint256 claimId, bool byIssuer) private view returns (Claim storage c) {
        c = _claims[claimId];
        if (c.status != ClaimStatus.Pending) {
            if (c.status == ClaimStatus.None) revert VoucherLedgerUnknownClaim(claimId);
            revert VoucherLedgerClaimStatus(claimId, c.status);
        }
        uint256 reviewUntil = uint256(c.submittedAt) + _claimTerms[c.programme].reviewWindow;
        if (byIssuer) {
            _checkIssuer(_msgSender(), c.programme);
            if (block.timestamp >= reviewUntil) revert VoucherLedgerReviewClosed(claimId, reviewUntil);
        } else if (block.timestamp < reviewUntil) {
            revert VoucherLedgerReviewOpen(claimId, reviewUntil);
        }
    }

    /// @dev Approves a pending claim: its held value is spent, and payable to the buyer.
    function _approveClaim(uint256 claimId, Claim storage c, bool byRule) private {
        c.status = ClaimStatus.Approved;
        uint32 programme = c.programme;
        uint32 entity = c.beneficiaryEntity;
        uint64 amount = c.amount;
        ClaimTotals storage totals = _claimTotals[programme];
        // Cannot underflow: the claim's amount is part of what is held. Cannot overflow: bounded by what was issued.
        unchecked {
            totals.held -= amount;
            totals.approved += amount;
            if (_claimed[programme][entity] == 0) _claimants[programme].push(entity);
            _claimed[programme][entity] += amount;
        }
        _invoices[c.invoiceKey].flags &= ~LedgerFlags.INVOICE_PENDING;
        // Nothing left and nothing to come back from this claim: redeemed, as a redemption of the rest would leave it.
        Voucher storage v = _vouchers[c.voucherId];
        if (v.remaining == 0 && v.status == VoucherStatus.Active) v.status = VoucherStatus.Redeemed;
        emit ClaimApproved(claimId, programme, entity, amount, byRule, _msgSender());
    }

    /**
     * @dev Releases a pending claim (rejected, or lapsed): its value goes back to the voucher, or to the budget if the
     * voucher was revoked or expired meanwhile, and its share of the invoice is taken off.
     */
    function _releaseClaim(uint256 claimId, Claim storage c, bool lapsed, bytes32 reason) private {
        c.status = lapsed ? ClaimStatus.Lapsed : ClaimStatus.Rejected;
        uint32 programme = c.programme;
        uint64 amount = c.amount;
        address actor = _msgSender();
        // Cannot underflow: the claim's amount is part of what is held.
        unchecked {
            _claimTotals[programme].held -= amount;
        }
        _unrecordClaim(c.invoiceKey, programme, amount);
        Voucher storage v = _vouchers[c.voucherId];
        if (v.status == VoucherStatus.Active || v.status == VoucherStatus.Redeemed) {
            // Cannot overflow: the voucher holds again at most its face value, below 2^40.
            unchecked {
                v.remaining += uint40(amount);
            }
            v.status = VoucherStatus.Active;
            emit IERC1155.TransferSingle(actor, address(0), v.holder, c.voucherId, amount);
        } else {
            IssueTerms memory t = _issueTerms[programme];
            uint16 year = t.firstYear + v.period;
            Period storage p = _periods[programme][year];
            // Cannot overflow or truncate: as in {_close}.
            unchecked {
                if (v.status == VoucherStatus.Revoked) p.revoked += uint48(amount);
                else p.expired += uint48(amount);
            }
            _uncount(_accounts[v.holder].entity, programme, t, year, amount);
        }
        emit ClaimRejected(claimId, programme, amount, lapsed, reason, actor);
    }

    /// @dev Takes a released claim's share off its invoice; an invoice no programme pays any more is free again.
    function _unrecordClaim(bytes32 key, uint32 programme, uint64 amount) private {
        _invoiceShares[key][programme] = 0;
        Invoice storage inv = _invoices[key];
        if (inv.count == 1) {
            delete _invoices[key];
            return;
        }
        // Cannot underflow: the claim's share is part of what the invoice's programmes paid, and it is counted.
        unchecked {
            inv.subsidised -= uint40(amount);
            inv.count -= 1;
        }
        inv.flags &= ~LedgerFlags.INVOICE_PENDING;
    }

    /**
     * @dev Returns a reversed subsidy to the budget of the voucher's fiscal year; returns that year. The year must have
     * committed at least the amount: a voucher of another year than the one that paid could otherwise take more back
     * than its year holds, and what the year has committed would underflow.
     */
    function _returnToBudget(uint32 programme, Voucher storage v, uint64 amount) private returns (uint16 year) {
        year = _issueTerms[programme].firstYear + v.period;
        Period storage p = _periods[programme][year];
        uint64 committed = _committed(p);
        if (amount > committed) revert VoucherLedgerClawbackTooLarge(amount, committed);
        // Cannot overflow or truncate: clawedBack + amount <= issued - revoked - expired, a uint48.
        unchecked {
            p.clawedBack += uint48(amount);
        }
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
