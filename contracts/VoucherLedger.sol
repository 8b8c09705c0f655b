// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {ERC1155Utils} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Utils.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

import {IVoucherLedgerClaims} from "./IVoucherLedgerClaims.sol";
import {IVoucherLedgerCore} from "./IVoucherLedgerCore.sol";
import {LedgerCalendar} from "./LedgerCalendar.sol";
import {LedgerFlags} from "./LedgerFlags.sol";
import {VoucherLedgerRules} from "./VoucherLedgerRules.sol";

/**
 * @title VoucherLedger
 * @notice The voucher ledger's core: issue and redemption. Every other function at this address is run by
 * delegatecall in the {VoucherLedgerExtension}. See {IVoucherLedger}.
 * @dev Governed by an OpenZeppelin `AccessManager`: every function that changes state, redemption and expiry included,
 * is `restricted`, so closing the ledger in the AccessManager stops everything. Relayable through an OpenZeppelin
 * `ERC2771Forwarder`. A voucher is one storage word that holds its remaining value: it is the ERC-1155 balance, and
 * mint and burn emit `TransferSingle` themselves; nothing can transfer it.
 *
 * `Pausable` comes right after `AccessManaged` in the inheritance list, so that its flag shares the storage word of the
 * authority's address, which every `restricted` call reads anyway.
 */
contract VoucherLedger is IVoucherLedgerCore, VoucherLedgerRules, AccessManaged, Pausable, ERC2771Context, EIP712 {
    /// @dev What a redemption's checks found, for its effects and its event.
    struct Redemption {
        uint32 programme;
        uint32 supplierEntity;
        uint32 beneficiaryEntity;
        address holder;
        uint64 remaining;
        bytes32 digest;
    }

        uint64 private constant _MAX_FACE_VALUE = type(uint40).max;
    uint256 private constant _MAX_CONSENT_LIFETIME = 90 days;

    bytes32 private constant _EVIDENCE_TYPEHASH =
        keccak256(
            "Evidence(bytes32 contractCommitment,bytes32 invoiceCommitment,bytes32 paymentCommitment,"
            "uint64 electricityKwh,bytes32 assessmentCommitment)"
        );
    bytes32 private constant _CONSENT_TYPEHASH =
        keccak256(
            "Consent(uint256 voucherId,address supplier,bytes32 invoiceNumberHash,uint64 amount,uint64 invoiceTotal,"
            "uint8 computeClass,uint32 serviceFromDay,uint32 serviceToDay,uint64 gpuCentihours,uint32 contractDay,"
            "Evidence evidence,bool unrelated,uint32 epoch,uint64 deadline)"
            "Evidence(bytes32 contractCommitment,bytes32 invoiceCommitment,bytes32 paymentCommitment,"
            "uint64 electricityKwh,bytes32 assessmentCommitment)"
        );

    address private immutable _EXTENSION;
    address private immutable _CLAIMS;

    /**
     * @param initialAuthority The AccessManager that governs this ledger.
     * @param registry_ The scheme registry, the only account that may write the ledger's rules.
     * @param extension_ The {VoucherLedgerExtension}, built for the same forwarder.
     * @param claims_ The {VoucherLedgerClaims}, built for the same forwarder.
     * @param trustedForwarder The ERC-2771 forwarder whose relayed calls are trusted.
     * @param currency_ ISO 4217 code of the currency ("CNY").
     * @param decimals_ Digits of the currency's minor unit (2 for CNY).
     * @param baseURI_ Metadata base URI.
     */
    constructor(
        address initialAuthority,
        address registry_,
        address extension_,
        address claims_,
        address trustedForwarder,
        string memory currency_,
        uint8 decimals_,
        string memory baseURI_
    ) AccessManaged(initialAuthority) ERC2771Context(trustedForwarder) EIP712("VoucherLedger", "2") {
        if (ERC2771Context(extension_).trustedForwarder() != trustedForwarder) {
            revert VoucherLedgerExtensionMismatch(extension_);
        }
        if (ERC2771Context(claims_).trustedForwarder() != trustedForwarder) {
            revert VoucherLedgerExtensionMismatch(claims_);
        }
        _EXTENSION = extension_;
        _CLAIMS = claims_;
        _registry = registry_;
        _currency = currency_;
        _decimals = decimals_;
        _baseURI = baseURI_;
        emit LedgerInitialized(registry_, extension_, claims_, trustedForwarder, currency_, decimals_, baseURI_);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Issue
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerCore
    function issue(
        uint32 programme,
        IssueRequest calldata request
    ) external restricted whenNotPaused returns (uint256) {
        address issuer = _msgSender();
        _checkIssuer(issuer, programme);
        (IssueTerms memory t, uint16 year, uint8 period) = _issueTermsNow(programme);
        return _issue(programme, t, year, period, request, issuer);
    }

    /// @inheritdoc IVoucherLedgerCore
    function issueBatch(
        uint32 programme,
        IssueRequest[] calldata requests
    ) external restricted whenNotPaused returns (uint256[] memory ids) {
        address issuer = _msgSender();
        _checkIssuer(issuer, programme);
        uint256 n = requests.length;
        if (n == 0) revert VoucherLedgerBatchLength(0, 1);
        (IssueTerms memory t, uint16 year, uint8 period) = _issueTermsNow(programme);
        ids = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            ids[i] = _issue(programme, t, year, period, requests[i], issuer);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Redemption
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedgerCore
    function redeem(Consent calldata consent, bytes calldata signature) external restricted whenNotPaused {
        _redeem(consent, signature, _msgSender());
    }

    /// @inheritdoc IVoucherLedgerCore
    function redeemBatch(Consent[] calldata consents, bytes[] calldata signatures) external restricted whenNotPaused {
        uint256 n = consents.length;
        if (n == 0 || signatures.length != n) revert VoucherLedgerBatchLength(n, signatures.length);
        address supplier = _msgSender();
        for (uint256 i = 0; i < n; ++i) {
            _redeem(consents[i], signatures[i], supplier);
        }
    }


    // ----------------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------------


    /// @inheritdoc IVoucherLedgerCore
    function consentDigest(Consent calldata consent) public view returns (bytes32) {
        return _hashTypedDataV4(_hashConsent(consent));
    }

    /// @inheritdoc IVoucherLedgerCore
    function voucherId(uint32 programme, bytes32 applicationRef) public pure returns (uint256) {
        return (uint256(programme) << 224) | uint224(uint256(keccak256(abi.encode(programme, applicationRef))));
    }

    /// @inheritdoc IVoucherLedgerCore
    function invoiceKey(uint32 supplierEntity, bytes32 invoiceNumberHash) public pure returns (bytes32) {
        return _invoiceKeyOf(supplierEntity, invoiceNumberHash);
    }

    /// @inheritdoc IVoucherLedgerCore
    function extension() external view returns (address) {
        return _EXTENSION;
    }

    /// @inheritdoc IVoucherLedgerCore
    function claims() external view returns (address) {
        return _CLAIMS;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: issue
    // ----------------------------------------------------------------------------------------------------------------

    /// @dev The programme's issue terms now, with the fiscal year and its offset in the programme.
    function _issueTermsNow(uint32 programme) private view returns (IssueTerms memory t, uint16 year, uint8 period) {
        t = _issueTerms[programme];
        if (t.yearCount == 0) revert VoucherLedgerUnknownProgramme(programme);
        if (t.flags & LedgerFlags.ISSUE_PAUSED != 0) revert VoucherLedgerProgrammePaused(programme);
        uint256 y = LedgerCalendar.fiscalYear(block.timestamp);
        if (y < t.firstYear || y - t.firstYear >= t.yearCount) revert VoucherLedgerOutsidePeriods(programme, y);
        year = uint16(y);
        period = uint8(y - t.firstYear);
    }

    function _issue(
        uint32 programme,
        IssueTerms memory t,
        uint16 year,
        uint8 period,
        IssueRequest calldata request,
        address issuer
    ) private returns (uint256 id) {
        uint64 faceValue = request.faceValue;
        uint32 entity = _beneficiaryEntity(request.holder);
        if (faceValue == 0 || faceValue > _MAX_FACE_VALUE) {
            revert VoucherLedgerInvalidAmount(faceValue, _MAX_FACE_VALUE);
        }
        if (request.applicationRef == bytes32(0)) revert VoucherLedgerInvalidReference();
        id = voucherId(programme, request.applicationRef);
        if (_vouchers[id].status != VoucherStatus.None) revert VoucherLedgerVoucherExists(id);
        _spendBudget(programme, year, faceValue);
        _countToCompany(programme, t, entity, year, faceValue);
        Voucher memory v = Voucher({
            holder: request.holder,
            remaining: uint40(faceValue),
            expiresAt: _expiryOf(request.expiresAt, t),
            period: period,
            status: VoucherStatus.Active,
            flags: 0
        });
        _vouchers[id] = v;
        _emitIssued(id, programme, entity, request.applicationRef, v, year, issuer);
    }

    function _emitIssued(
        uint256 id,
        uint32 programme,
        uint32 entity,
        bytes32 applicationRef,
        Voucher memory v,
        uint16 year,
        address issuer
    ) private {
        emit VoucherIssued(id, programme, v.holder, entity, applicationRef, v.remaining, v.expiresAt, year, issuer);
        emit Locked(id);
        emit IERC1155.TransferSingle(issuer, address(0), v.holder, id, v.remaining);
        ERC1155Utils.checkOnERC1155Received(issuer, address(0), v.holder, id, v.remaining, "");
    }

    /// @dev The company of an active beneficiary address.
    function _beneficiaryEntity(address account) private view returns (uint32) {
        Account memory a = _accounts[account];
        if (a.roles & LedgerFlags.ROLE_BENEFICIARY == 0) revert VoucherLedgerNotBeneficiary(account);
        return a.entity;
    }

    /// @dev Takes `amount` out of what is left of the year's budget.
    function _spendBudget(uint32 programme, uint16 year, uint64 amount) private {
        Period storage p = _periods[programme][year];
        uint64 available = uint64(p.budget) - _committed(p);
        if (amount > available) revert VoucherLedgerBudgetExceeded(programme, year, amount, available);
        // Checked: what a year has issued can outgrow the budget when vouchers are revoked and issued again. Cannot
        // truncate: amount <= 2^40 - 1.
        p.issued += uint48(amount);
    }

    /// @dev Adds `amount` to the company's tally for the period, within the programme's cap and exclusivity.
    function _countToCompany(uint32 programme, IssueTerms memory t, uint32 entity, uint16 year, uint64 amount) private {
        bytes32 key = _tallyKeyOf(entity, programme, t);
        Tally memory current = _tallies[key];
        if (t.flags & LedgerFlags.ISSUE_EXCLUSIVE != 0 && current.programme != 0 && current.programme != programme) {
            revert VoucherLedgerExclusiveProgramme(entity, t.capGroup, current.programme);
        }
        uint16 capYear = t.flags & LedgerFlags.ISSUE_CAP_LIFETIME != 0 ? 0 : year;
        uint64 committed = current.year == capYear ? current.committed : 0;
        uint64 cap = t.capPerCompany;
        if (cap != 0 && (committed > cap || amount > cap - committed)) {
            revert VoucherLedgerCapExceeded(programme, entity, amount, committed > cap ? 0 : cap - committed);
        }
        // Cannot overflow: the tally is bounded by the year's issued total (or by the cap), a uint64.
        unchecked {
            committed += amount;
        }
        uint32 firstDay = current.firstDay == 0 ? uint32(LedgerCalendar.dayOf(block.timestamp)) : current.firstDay;
        _tallies[key] = Tally({
            programme: programme,
            year: capYear,
            committed: committed,
            firstDay: firstDay
        });
    }

    /// @dev The expiry to use: `expiresAt` if given, else now + the default validity (cut to what is allowed); never
    /// past the programme's longest validity nor its redemption window.
    function _expiryOf(uint64 expiresAt, IssueTerms memory t) private view returns (uint32) {
        uint256 latest = block.timestamp + t.maxValidity;
        if (latest > t.redeemUntil) latest = t.redeemUntil;
        uint256 expiry = expiresAt;
        if (expiry == 0) {
            expiry = block.timestamp + t.defaultValidity;
            if (expiry > latest) expiry = latest;
        }
        if (expiry <= block.timestamp || expiry > latest || expiry > type(uint32).max) {
            revert VoucherLedgerInvalidExpiry(expiresAt, uint64(block.timestamp) + 1, uint64(latest));
        }
        return uint32(expiry);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: redemption
    // ----------------------------------------------------------------------------------------------------------------

    function _redeem(Consent calldata c, bytes calldata signature, address caller) private {
        Voucher storage stored = _vouchers[c.voucherId];
        (Redemption memory r, Accreditation storage accreditation) = _checkRedemption(c, signature, caller, stored);
        uint64 amount = c.amount;
        // Cannot underflow: amount <= remaining (checked). Cannot overflow: what a supplier redeemed is bounded by what
        // its programmes issued, a uint64 per year.
        unchecked {
            r.remaining -= amount;
            accreditation.redeemed += amount;
        }
        if (r.remaining == 0) {
            stored.remaining = 0;
            stored.status = VoucherStatus.Redeemed;
        } else {
            stored.remaining = uint40(r.remaining);
        }
        _emitRedeemed(c, r, caller);
    }

    /// @dev Every check of a redemption, in the order {IVoucherLedgerCore-redeem} gives; records the invoice.
    function _checkRedemption(
        Consent calldata c,
        bytes calldata signature,
        address caller,
        Voucher storage stored
    ) private returns (Redemption memory r, Accreditation storage accreditation) {
        Voucher memory v = _redeemableVoucher(stored, c.voucherId, c.amount);
        r.holder = v.holder;
        r.remaining = v.remaining;
        r.programme = _programmeOf(c.voucherId);
        if (c.supplier != caller) revert VoucherLedgerWrongSupplier(c.supplier, caller);
        uint8 computeClass = c.computeClass;
        (r.supplierEntity, accreditation) = _accreditedSupplier(caller, r.programme, computeClass);
        RedemptionTerms memory t = _checkTerms(r.programme, computeClass, c);
        uint8 category;
        (r.beneficiaryEntity, category) = _consentingBeneficiary(v.holder, c, r.supplierEntity);
        _checkConsentAmount(r.programme, computeClass, category, t.ratios, c);
        if (c.invoiceNumberHash == bytes32(0)) revert VoucherLedgerInvalidInvoice();
        _recordInvoice(invoiceKey(r.supplierEntity, c.invoiceNumberHash), r, t.maxCombinedBps, c);
        if (t.entityWindowDays != 0) _checkEntityWindow(r.programme, t, r.beneficiaryEntity, c.serviceToDay);
        r.digest = _checkConsent(c, signature, v.holder);
    }

    /// @dev The consent's amount is within the programme's ratio of its invoice total.
    function _checkConsentAmount(
        uint32 programme,
        uint8 computeClass,
        uint8 category,
        uint112 ratios,
        Consent calldata c
    ) private pure {
        _checkRatio(programme, computeClass, category, ratios, c.amount, c.invoiceTotal);
    }



    /// @dev The programme's terms for the class, if a redemption with this consent counts under them now.
    function _checkTerms(
        uint32 programme,
        uint8 computeClass,
        Consent calldata c
    ) private view returns (RedemptionTerms memory t) {
        t = _redemptionTerms[programme][computeClass];
        uint256 flags = t.flags;
        uint256 wanted = LedgerFlags.REDEEM_PAYS_SUPPLIER;
        if (flags & (LedgerFlags.REDEEM_PAUSED | wanted) != wanted) {
            _refuseTerms(programme, computeClass, flags, LedgerFlags.REDEEM_PAYS_SUPPLIER);
        }
        if (block.timestamp < t.redeemFrom || block.timestamp >= t.redeemUntil) {
            revert VoucherLedgerOutsideWindow(programme, t.redeemFrom, t.redeemUntil);
        }
        uint32 contractDay = c.contractDay;
        if (contractDay < t.earliestContractDay) {
            revert VoucherLedgerContractTooEarly(programme, contractDay, t.earliestContractDay);
        }
        uint32 fromDay = c.serviceFromDay;
        uint32 toDay = c.serviceToDay;
        if (fromDay > toDay || toDay > type(uint16).max) revert VoucherLedgerInvalidServicePeriod(fromDay, toDay);
        // Read in any case: the event copies it, and reading validates it.
        uint64 electricityKwh = c.evidence.electricityKwh;
        uint256 needs = LedgerFlags.REDEEM_NEEDS_GPU_HOURS |
            LedgerFlags.REDEEM_NEEDS_ELECTRICITY |
            LedgerFlags.REDEEM_NEEDS_ASSESSMENT;
        if (flags & needs != 0) {
            _checkEvidence(programme, flags, c.gpuCentihours, electricityKwh, c.evidence.assessmentCommitment);
        }
    }


    /// @dev The holder's company and category, if it may consent: active, current epoch, unrelated to the supplier.
    function _consentingBeneficiary(
        address holder,
        Consent calldata c,
        uint32 supplierEntity
    ) private view returns (uint32 entity, uint8 category) {
        Account memory h = _accounts[holder];
        if (h.roles & LedgerFlags.ROLE_BENEFICIARY == 0) revert VoucherLedgerNotBeneficiary(holder);
        if (c.epoch != h.consentEpoch) revert VoucherLedgerConsentCancelled(holder, c.epoch, h.consentEpoch);
        if (!c.unrelated) revert VoucherLedgerUndeclaredRelation();
        entity = h.entity;
        // A company registered in both roles is its own supplier's closest relation.
        if (entity == supplierEntity || (h.related && _related[entity][supplierEntity])) {
            revert VoucherLedgerRelatedParties(entity, supplierEntity);
        }
        category = h.category;
    }

    /**
     * @dev Records the programme's payment of the invoice: the first one writes the invoice's terms; a later one
     * (another programme, stacking) must match them and keep the subsidy of all within the smallest combined share.
     */
    function _recordInvoice(bytes32 key, Redemption memory r, uint16 maxCombinedBps, Consent calldata c) private {
        if (c.invoiceTotal > type(uint40).max || c.gpuCentihours > type(uint40).max) {
            revert VoucherLedgerInvoiceMismatch(key);
        }
        uint32 programme = r.programme;
        Invoice storage stored = _invoices[key];
        if (stored.count == 0) {
            // The new invoice's word, packed as Solidity packs `Invoice` (members from the low-order end: total at bit
            // 0, subsidised 40, beneficiaryEntity 80, firstProgramme 112, minShareBps 144, count 160, computeClass 168,
            // serviceFromDay 176, serviceToDay 192, gpuCentihours 208, flags 248), and written at once: the member-wise
            // copy the compiler makes of a struct literal costs ten more writes. Cannot truncate: the total and the
            // GPU-hours were checked above, the amount is at most the total (the ratio), the days were checked.
            uint256 word = uint256(c.invoiceTotal) |
                (uint256(c.amount) << 40) |
                (uint256(r.beneficiaryEntity) << 80) |
                (uint256(programme) << 112) |
                (uint256(maxCombinedBps) << 144) |
                (uint256(1) << 160) |
                (uint256(c.computeClass) << 168) |
                (uint256(c.serviceFromDay) << 176) |
                (uint256(c.serviceToDay) << 192) |
                (uint256(c.gpuCentihours) << 208);
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                sstore(stored.slot, word)
            }
            return;
        }
        Invoice memory inv = stored;
        if (inv.flags & LedgerFlags.INVOICE_BUYER != 0) revert VoucherLedgerInvoiceClaimed(key);
        uint16 share = _checkStacking(key, r, maxCombinedBps, c, inv);
        if (inv.count == 1) _invoiceShares[key][inv.firstProgramme] = uint64(inv.subsidised);
        _invoiceShares[key][programme] = c.amount;
        // Cannot overflow: subsidised + amount <= total (the combined share), a uint40; count < 255 (checked).
        unchecked {
            inv.subsidised += uint40(c.amount);
            inv.count += 1;
        }
        inv.minShareBps = share;
        _writeInvoice(stored, inv);
    }

    /// @dev A second (or later) programme may pay the invoice; returns the combined share that now applies.
    function _checkStacking(
        bytes32 key,
        Redemption memory r,
        uint16 maxCombinedBps,
        Consent calldata c,
        Invoice memory inv
    ) private view returns (uint16 share) {
        uint32 programme = r.programme;
        if (inv.firstProgramme == programme || _invoiceShares[key][programme] != 0) {
            revert VoucherLedgerInvoiceUsed(key, programme);
        }
        if (inv.beneficiaryEntity != r.beneficiaryEntity) {
            revert VoucherLedgerInvoiceOtherBuyer(key, inv.beneficiaryEntity, r.beneficiaryEntity);
        }
        if (inv.minShareBps == 0 || maxCombinedBps == 0 || inv.count == type(uint8).max) {
            revert VoucherLedgerInvoiceNotStackable(key, programme);
        }
        if (
            inv.total != c.invoiceTotal ||
            inv.computeClass != c.computeClass ||
            inv.serviceFromDay != c.serviceFromDay ||
            inv.serviceToDay != c.serviceToDay ||
            inv.gpuCentihours != c.gpuCentihours
        ) revert VoucherLedgerInvoiceMismatch(key);
        share = maxCombinedBps < inv.minShareBps ? maxCombinedBps : inv.minShareBps;
        if ((uint256(inv.subsidised) + c.amount) * _MAX_BPS > uint256(inv.total) * share) {
            revert VoucherLedgerOverCombinedShare(key, uint64(inv.subsidised), c.amount, share);
        }
    }


    /**
     * @dev The consent's deadline and the holder's signature; returns the digest. ECDSA first, then ERC-1271, so that
     * a holder with a key costs no code lookup.
     */
    function _checkConsent(
        Consent calldata c,
        bytes calldata signature,
        address holder
    ) private view returns (bytes32 digest) {
        if (block.timestamp > c.deadline) revert VoucherLedgerConsentExpired(c.deadline, block.timestamp);
        uint256 latest = block.timestamp + _MAX_CONSENT_LIFETIME;
        if (c.deadline > latest) revert VoucherLedgerConsentTooLong(c.deadline, latest);
        digest = consentDigest(c);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && signer == holder) return digest;
        if (!SignatureChecker.isValidERC1271SignatureNowCalldata(holder, digest, signature)) {
            revert VoucherLedgerInvalidConsent(c.voucherId, holder);
        }
    }

    /**
     * @dev EIP-712 `hashStruct(consent)`, read straight from calldata: the consent is a static struct of 18 words,
     * its `evidence` (words 10-14) a static struct of five, so each member is one word where the struct sits. A word
     * with bits outside its type's width hashes differently from what any wallet signs, so it never verifies.
     */
    function _hashConsent(Consent calldata c) private pure returns (bytes32 structHash) {
        bytes32 evidenceTypehash = _EVIDENCE_TYPEHASH;
        bytes32 consentTypehash = _CONSENT_TYPEHASH;
        // Hashing the calldata in place saves ~1,000 gas a redemption.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, evidenceTypehash)
            calldatacopy(add(m, 0x20), add(c, 0x140), 0xa0)
            let evidenceHash := keccak256(m, 0xc0)
            mstore(m, consentTypehash)
            calldatacopy(add(m, 0x20), c, 0x140)
            mstore(add(m, 0x160), evidenceHash)
            calldatacopy(add(m, 0x180), add(c, 0x1e0), 0x60)
            structHash := keccak256(m, 0x1e0)
        }
    }

    /**
     * @dev Emits {VoucherRedeemed}, then ERC-1155 `TransferSingle` for the burn. The first's data is the ledger's four
     * words followed by the consent's words 1 to 14 (supplier … evidence), which in calldata are already the event's
     * ABI encoding, so they are copied as they are; every one of them was read, and so validated, by the checks.
     */
    function _emitRedeemed(Consent calldata c, Redemption memory r, address operator) private {
        bytes32 topic = VoucherRedeemed.selector;
        bytes32 transferTopic = IERC1155.TransferSingle.selector;
        uint256 id = c.voucherId;
        uint256 programme = r.programme;
        uint256 supplierEntity = r.supplierEntity;
        address holder = r.holder;
        uint256 beneficiaryEntity = r.beneficiaryEntity;
        bytes32 digest = r.digest;
        uint256 remaining = r.remaining;
        // The consent's calldata is the event's encoding: copied as is.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, holder)
            mstore(add(m, 0x20), beneficiaryEntity)
            mstore(add(m, 0x40), digest)
            mstore(add(m, 0x60), remaining)
            calldatacopy(add(m, 0x80), add(c, 0x20), 0x1c0)
            log4(m, 0x240, topic, id, programme, supplierEntity)
            // TransferSingle(operator, from = holder, to = 0, id, value = amount)
            mstore(m, id)
            mstore(add(m, 0x20), calldataload(add(c, 0x60)))
            log4(m, 0x40, transferTopic, operator, holder, 0)
        }
    }


    // ----------------------------------------------------------------------------------------------------------------
    // Plumbing
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Every function the core does not have runs in the claims module (the claims and clawbacks) or in the
     * extension (everything else), in this contract's storage, as OpenZeppelin's `Proxy._delegate` does it, without
     * taking ether.
     */
    // The fallback is the dispatch to the extension, nothing else.
    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        bytes4 selector = msg.sig;
        address module = selector == IVoucherLedgerClaims.submitClaim.selector ||
            selector == IVoucherLedgerClaims.approveClaim.selector ||
            selector == IVoucherLedgerClaims.rejectClaim.selector ||
            selector == IVoucherLedgerClaims.settleClaim.selector ||
            selector == IVoucherLedgerClaims.clawBackRedemption.selector ||
            selector == IVoucherLedgerClaims.clawBackClaim.selector ||
            selector == IVoucherLedgerClaims.attestationDigest.selector
            ? _CLAIMS
            : _EXTENSION;
        // A delegatecall that returns or reverts with what it got.
        // solhint-disable-next-line no-inline-assembly
        assembly {
            calldatacopy(0x00, 0x00, calldatasize())
            let result := delegatecall(gas(), module, 0x00, calldatasize(), 0x00, 0x00)
            returndatacopy(0x00, 0x00, returndatasize())
            switch result
            case 0 {
                revert(0x00, returndatasize())
            }
            default {
                return(0x00, returndatasize())
            }
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
