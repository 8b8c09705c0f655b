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
import {ERC165, IERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IERC6268} from "./IERC6268.sol";
import {IVoucherLedger} from "./IVoucherLedger.sol";
import {LedgerCalendar} from "./LedgerCalendar.sol";
import {LedgerFlags} from "./LedgerFlags.sol";

/**
 * @title VoucherLedger
 * @notice The voucher ledger. See {IVoucherLedger}.
 * @dev Governed by an OpenZeppelin `AccessManager` (every external function that changes state, redemption and
 * expiry included, is `restricted`, so closing the ledger in the AccessManager stops everything) and relayable
 * through an OpenZeppelin `ERC2771Forwarder`. A voucher is one storage word that holds its remaining value, so the
 * ERC-1155 balance is read from it ({balanceOf}) and mint and burn emit `TransferSingle` themselves; OpenZeppelin's
 * balance table stays empty and {_update}, its transfer hook, refuses every transfer.
 *
 * `Pausable` comes right after `AccessManaged` in the inheritance list, so that its flag shares the storage word of
 * the authority's address, which every `restricted` call reads anyway.
 */
contract VoucherLedger is
    IVoucherLedger,
    IERC6268,
    IERC1155MetadataURI,
    ERC165,
    AccessManaged,
    Pausable,
    ERC2771Context,
    EIP712
{
    using Strings for uint256;

    /// @dev What a redemption's checks found, for its effects and its event.
    struct Redemption {
        uint32 programme;
        uint32 supplierEntity;
        uint32 beneficiaryEntity;
        address holder;
        uint64 remaining;
        bytes32 digest;
    }

    struct PendingReissue {
        address to;
        uint40 executableAt;
        bytes32 reason;
    }

    uint16 private constant _MAX_BPS = 10_000;
    uint64 private constant _MAX_FACE_VALUE = type(uint40).max;
    uint256 private constant _MAX_CONSENT_LIFETIME = 90 days;

    string private constant _EVIDENCE_TYPE =
        "Evidence(bytes32 contractCommitment,bytes32 invoiceCommitment,bytes32 paymentCommitment,uint64 electricityKwh,bytes32 assessmentCommitment)";
    bytes32 private constant _EVIDENCE_TYPEHASH = keccak256(bytes(_EVIDENCE_TYPE));
    bytes32 private constant _CONSENT_TYPEHASH =
        keccak256(
            abi.encodePacked(
                "Consent(uint256 voucherId,address supplier,bytes32 invoiceNumberHash,uint64 amount,uint64 invoiceTotal,",
                "uint8 computeClass,uint32 serviceFromDay,uint32 serviceToDay,uint64 gpuCentihours,uint32 contractDay,",
                "Evidence evidence,bool unrelated,uint32 epoch,uint64 deadline)",
                _EVIDENCE_TYPE
            )
        );

    address private immutable _REGISTRY;
    uint8 private immutable _DECIMALS;
    string private _currency;
    string private _baseURI;

    mapping(uint256 id => Voucher) private _vouchers;
    mapping(uint256 id => PendingReissue) private _reissues;
    mapping(uint32 programme => ProgrammeTerms) private _terms;
    mapping(uint32 programme => ProgrammeLimits) private _limits;
    mapping(uint32 programme => mapping(uint8 computeClass => uint256 row)) private _ratios;
    mapping(uint32 programme => mapping(uint16 year => Period)) private _periods;
    mapping(address account => Account) private _accounts;
    mapping(uint32 supplierEntity => mapping(uint32 programme => Accreditation)) private _accreditations;
    mapping(uint32 programme => uint32[] supplierEntities) private _suppliers;
    mapping(uint32 beneficiaryEntity => mapping(uint32 supplierEntity => bool)) private _related;
    mapping(address issuer => mapping(uint32 programme => bool)) private _issuers;
    mapping(bytes32 tallyKey => Tally) private _tallies;
    mapping(bytes32 invoiceKey => Invoice) private _invoices;
    mapping(bytes32 invoiceKey => mapping(uint32 programme => uint64 amount)) private _invoiceShares;

    /// @dev The `configure…` functions are the registry's alone.
    modifier onlyRegistry() {
        if (msg.sender != _REGISTRY) revert VoucherLedgerNotRegistry(msg.sender);
        _;
    }

    /**
     * @param initialAuthority The AccessManager that governs this ledger.
     * @param registry_ The scheme registry, the only account that may write the ledger's rules.
     * @param trustedForwarder The ERC-2771 forwarder whose relayed calls are trusted.
     * @param currency_ ISO 4217 code of the currency ("CNY").
     * @param decimals_ Digits of the currency's minor unit (2 for CNY).
     * @param baseURI_ Metadata base URI.
     */
    constructor(
        address initialAuthority,
        address registry_,
        address trustedForwarder,
        string memory currency_,
        uint8 decimals_,
        string memory baseURI_
    ) AccessManaged(initialAuthority) ERC2771Context(trustedForwarder) EIP712("VoucherLedger", "2") {
        _REGISTRY = registry_;
        _currency = currency_;
        _DECIMALS = decimals_;
        _baseURI = baseURI_;
        emit LedgerInitialized(registry_, trustedForwarder, currency_, decimals_, baseURI_);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Configuration (the registry only)
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedger
    function configureProgramme(
        uint32 programme,
        ProgrammeTerms calldata terms,
        ProgrammeLimits calldata limits
    ) external onlyRegistry {
        _terms[programme] = terms;
        _limits[programme] = limits;
    }

    /// @inheritdoc IVoucherLedger
    function configureRatios(uint32 programme, uint8 computeClass, uint256 row) external onlyRegistry {
        _ratios[programme][computeClass] = row;
    }

    /// @inheritdoc IVoucherLedger
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

    /// @inheritdoc IVoucherLedger
    function configureAccreditation(
        uint32 supplierEntity,
        uint32 programme,
        uint40 validFrom,
        uint40 validUntil,
        uint32 classes,
        bool suspended
    ) external onlyRegistry {
        Accreditation storage a = _accreditations[supplierEntity][programme];
        if (a.validUntil == 0) _suppliers[programme].push(supplierEntity);
        a.validFrom = validFrom;
        a.validUntil = validUntil;
        a.classes = classes;
        a.suspended = suspended;
    }

    /// @inheritdoc IVoucherLedger
    function configureRelation(uint32 beneficiaryEntity, uint32 supplierEntity, bool related) external onlyRegistry {
        _related[beneficiaryEntity][supplierEntity] = related;
    }

    /// @inheritdoc IVoucherLedger
    function configureIssuer(address issuer, uint32 programme, bool bound) external onlyRegistry {
        _issuers[issuer][programme] = bound;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Governor and guardian
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedger
    function setBudget(uint32 programme, uint16 year, uint64 budget, bytes32 appropriation) external restricted {
        ProgrammeTerms memory t = _programme(programme);
        _periodIndex(programme, t, year);
        Period storage p = _periods[programme][year];
        uint64 committed = _committed(p);
        if (budget < committed) revert VoucherLedgerBudgetBelowCommitted(programme, year, budget, committed);
        p.budget = budget;
        emit BudgetSet(programme, year, budget, appropriation, _msgSender());
    }

    /// @inheritdoc IVoucherLedger
    function setBaseURI(string calldata baseURI) external restricted {
        _baseURI = baseURI;
        emit BaseURISet(baseURI, _msgSender());
    }

    /// @inheritdoc IVoucherLedger
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IVoucherLedger
    function unpause() external restricted {
        _unpause();
    }

    /// @inheritdoc IVoucherLedger
    function freeze(uint256 id, bytes32 reason) external restricted {
        Voucher storage v = _activeVoucher(id);
        if (v.flags & LedgerFlags.VOUCHER_FROZEN != 0) revert VoucherLedgerFrozen(id);
        v.flags |= LedgerFlags.VOUCHER_FROZEN;
        emit VoucherFrozen(id, reason, _msgSender());
    }

    /// @inheritdoc IVoucherLedger
    function unfreeze(uint256 id, bytes32 reason) external restricted {
        Voucher storage v = _existingVoucher(id);
        if (v.flags & LedgerFlags.VOUCHER_FROZEN == 0) revert VoucherLedgerNotFrozen(id);
        v.flags &= ~LedgerFlags.VOUCHER_FROZEN;
        emit VoucherUnfrozen(id, reason, _msgSender());
    }

    /// @inheritdoc IVoucherLedger
    function revokeByGovernor(uint256 id, bytes32 reason) external restricted {
        _revoke(id, reason, _msgSender());
    }

    /// @inheritdoc IVoucherLedger
    function approveReissue(uint256 id) external restricted whenNotPaused {
        address governor = _msgSender();
        _reissue(id, governor, governor);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Issuers
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedger
    function issue(uint32 programme, IssueRequest calldata request) external restricted whenNotPaused returns (uint256) {
        address issuer = _msgSender();
        _checkIssuer(issuer, programme);
        (ProgrammeTerms memory t, uint16 year, uint8 period) = _issueTerms(programme);
        return _issue(programme, t, year, period, request, issuer);
    }

    /// @inheritdoc IVoucherLedger
    function issueBatch(
        uint32 programme,
        IssueRequest[] calldata requests
    ) external restricted whenNotPaused returns (uint256[] memory ids) {
        address issuer = _msgSender();
        _checkIssuer(issuer, programme);
        uint256 n = requests.length;
        if (n == 0) revert VoucherLedgerBatchLength(0, 1);
        (ProgrammeTerms memory t, uint16 year, uint8 period) = _issueTerms(programme);
        ids = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            ids[i] = _issue(programme, t, year, period, requests[i], issuer);
        }
    }

    /// @inheritdoc IVoucherLedger
    function revoke(uint256 id, bytes32 reason) external restricted whenNotPaused {
        address issuer = _msgSender();
        _checkIssuer(issuer, _programmeOf(id));
        _revoke(id, reason, issuer);
    }

    /// @inheritdoc IVoucherLedger
    function requestReissue(uint256 id, address to, bytes32 reason) external restricted whenNotPaused {
        address issuer = _msgSender();
        uint32 programme = _programmeOf(id);
        _checkIssuer(issuer, programme);
        Voucher storage v = _activeVoucher(id);
        _checkMovable(id, v);
        _checkSameCompany(v.holder, to);
        uint40 executableAt = uint40(block.timestamp) + _limits[programme].reissueDelay;
        _reissues[id] = PendingReissue({to: to, executableAt: executableAt, reason: reason});
        v.flags |= LedgerFlags.VOUCHER_REISSUE_PENDING;
        emit ReissueRequested(id, v.holder, to, executableAt, reason, issuer);
    }

    /// @inheritdoc IVoucherLedger
    function executeReissue(uint256 id) external restricted whenNotPaused {
        address issuer = _msgSender();
        _checkIssuer(issuer, _programmeOf(id));
        uint40 executableAt = _reissues[id].executableAt;
        if (block.timestamp < executableAt) revert VoucherLedgerReissueNotReady(id, executableAt);
        _reissue(id, address(0), issuer);
    }

    /// @inheritdoc IVoucherLedger
    function cancelReissue(uint256 id, bytes32 reason) external restricted {
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

    /// @inheritdoc IVoucherLedger
    function expire(uint256 id) external restricted whenNotPaused {
        Voucher storage v = _activeVoucher(id);
        if (block.timestamp < v.expiresAt) revert VoucherLedgerNotExpired(id, v.expiresAt);
        _expire(id, v, _msgSender());
    }

    /// @inheritdoc IVoucherLedger
    function expireBatch(uint256[] calldata ids) external restricted whenNotPaused returns (uint256 expired) {
        uint256 n = ids.length;
        if (n == 0) revert VoucherLedgerBatchLength(0, 1);
        address actor = _msgSender();
        for (uint256 i = 0; i < n; ++i) {
            Voucher storage v = _vouchers[ids[i]];
            if (v.status != VoucherStatus.Active || block.timestamp < v.expiresAt) continue;
            _expire(ids[i], v, actor);
            // Cannot overflow: at most `n` vouchers are counted.
            unchecked {
                ++expired;
            }
        }
    }

    /// @inheritdoc IVoucherLedger
    function cancelConsents() external restricted {
        address holder = _msgSender();
        Account storage a = _accounts[holder];
        uint32 epoch = a.consentEpoch + 1;
        a.consentEpoch = epoch;
        emit ConsentsCancelled(holder, epoch);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Suppliers
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IVoucherLedger
    function redeem(Consent calldata consent, bytes calldata signature) external restricted whenNotPaused {
        _redeem(consent, signature, _msgSender());
    }

    /// @inheritdoc IVoucherLedger
    function redeemBatch(
        Consent[] calldata consents,
        bytes[] calldata signatures
    ) external restricted whenNotPaused {
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

    /// @inheritdoc IVoucherLedger
    function registry() external view returns (address) {
        return _REGISTRY;
    }

    /// @inheritdoc IVoucherLedger
    function currency() external view returns (string memory) {
        return _currency;
    }

    /// @inheritdoc IVoucherLedger
    function decimals() external view returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc IVoucherLedger
    function voucherId(uint32 programme, bytes32 applicationRef) public pure returns (uint256) {
        return (uint256(programme) << 224) | uint224(uint256(keccak256(abi.encode(programme, applicationRef))));
    }

    /// @inheritdoc IVoucherLedger
    function invoiceKey(uint32 supplierEntity, bytes32 invoiceNumberHash) public pure returns (bytes32) {
        return keccak256(abi.encode(supplierEntity, invoiceNumberHash));
    }

    /// @inheritdoc IVoucherLedger
    function getVoucher(uint256 id) external view returns (Voucher memory) {
        return _existingVoucher(id);
    }

    /// @inheritdoc IVoucherLedger
    function pendingReissue(uint256 id) external view returns (address to, uint40 executableAt, bytes32 reason) {
        PendingReissue storage r = _reissues[id];
        return (r.to, r.executableAt, r.reason);
    }

    /// @inheritdoc IVoucherLedger
    function getProgramme(uint32 programme) external view returns (ProgrammeTerms memory, ProgrammeLimits memory) {
        return (_terms[programme], _limits[programme]);
    }

    /// @inheritdoc IVoucherLedger
    function ratioOf(uint32 programme, uint8 computeClass, uint8 category) public view returns (uint16) {
        return LedgerFlags.ratioIn(_ratios[programme][computeClass], category);
    }

    /// @inheritdoc IVoucherLedger
    function getPeriod(uint32 programme, uint16 year) external view returns (Period memory) {
        return _periods[programme][year];
    }

    /// @inheritdoc IVoucherLedger
    function getAccount(address account) external view returns (Account memory) {
        return _accounts[account];
    }

    /// @inheritdoc IVoucherLedger
    function getAccreditation(uint32 supplierEntity, uint32 programme) external view returns (Accreditation memory) {
        return _accreditations[supplierEntity][programme];
    }

    /// @inheritdoc IVoucherLedger
    function isAccredited(uint32 supplierEntity, uint32 programme) external view returns (bool) {
        return _inForce(_accreditations[supplierEntity][programme]);
    }

    /// @inheritdoc IVoucherLedger
    function suppliersOf(uint32 programme) external view returns (uint32[] memory) {
        return _suppliers[programme];
    }

    /// @inheritdoc IVoucherLedger
    function isRelated(uint32 beneficiaryEntity, uint32 supplierEntity) external view returns (bool) {
        return _related[beneficiaryEntity][supplierEntity];
    }

    /// @inheritdoc IVoucherLedger
    function isIssuer(address issuer, uint32 programme) external view returns (bool) {
        return _issuers[issuer][programme];
    }

    /// @inheritdoc IVoucherLedger
    function getTally(uint32 entity, uint32 programme) external view returns (Tally memory) {
        return _tallies[_tallyKey(entity, programme, _terms[programme])];
    }

    /// @inheritdoc IVoucherLedger
    function getInvoice(bytes32 invoiceKey_) external view returns (Invoice memory) {
        return _invoices[invoiceKey_];
    }

    /// @inheritdoc IVoucherLedger
    function invoicePaidBy(bytes32 invoiceKey_, uint32 programme) external view returns (uint64) {
        Invoice storage inv = _invoices[invoiceKey_];
        if (inv.count == 1) return inv.firstProgramme == programme ? uint64(inv.subsidised) : 0;
        return _invoiceShares[invoiceKey_][programme];
    }

    /// @inheritdoc IVoucherLedger
    function programmeCounters(
        uint32 programme
    ) external view returns (uint64 issued, uint64 redeemed, uint64 revoked, uint64 expired, uint64 outstanding) {
        ProgrammeTerms storage t = _terms[programme];
        uint16 first = t.firstYear;
        uint16 yearCount = t.yearCount;
        for (uint16 y = 0; y < yearCount; ++y) {
            Period storage p = _periods[programme][first + y];
            issued += p.issued;
            revoked += p.revoked;
            expired += p.expired;
        }
        uint32[] storage suppliers = _suppliers[programme];
        for (uint256 i = 0; i < suppliers.length; ++i) {
            redeemed += _accreditations[suppliers[i]][programme].redeemed;
        }
        outstanding = issued - redeemed - revoked - expired;
    }

    /// @inheritdoc IVoucherLedger
    function consentDigest(Consent calldata consent) public view returns (bytes32) {
        Evidence calldata e = consent.evidence;
        bytes32 evidenceHash = keccak256(
            abi.encode(
                _EVIDENCE_TYPEHASH,
                e.contractCommitment,
                e.invoiceCommitment,
                e.paymentCommitment,
                e.electricityKwh,
                e.assessmentCommitment
            )
        );
        // Encoded in two halves: the struct has more members than one `abi.encode` can take on the stack.
        bytes memory head = abi.encode(
            _CONSENT_TYPEHASH,
            consent.voucherId,
            consent.supplier,
            consent.invoiceNumberHash,
            consent.amount,
            consent.invoiceTotal,
            consent.computeClass,
            consent.serviceFromDay
        );
        bytes memory tail = abi.encode(
            consent.serviceToDay,
            consent.gpuCentihours,
            consent.contractDay,
            evidenceHash,
            consent.unrelated,
            consent.epoch,
            consent.deadline
        );
        return _hashTypedDataV4(keccak256(bytes.concat(head, tail)));
    }

    /// @notice The voucher's remaining value if `account` holds it, else 0 (ERC-1155).
    function balanceOf(address account, uint256 id) public view returns (uint256) {
        Voucher storage v = _vouchers[id];
        return v.holder == account ? v.remaining : 0;
    }

    /// @notice The balances of `accounts[i]` of `ids[i]` (ERC-1155).
    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids) external view returns (uint256[] memory) {
        if (accounts.length != ids.length) revert VoucherLedgerBatchLength(accounts.length, ids.length);
        uint256[] memory balances = new uint256[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) balances[i] = balanceOf(accounts[i], ids[i]);
        return balances;
    }

    /// @notice Always false: vouchers have no operators (ERC-1155).
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

    /// @inheritdoc IERC6268
    function locked(uint256 id) external view returns (bool) {
        _existingVoucher(id);
        return true;
    }

    /// @notice The metadata URI of a voucher: the base URI followed by the id in decimal.
    function uri(uint256 id) external view returns (string memory) {
        return string.concat(_baseURI, id.toString());
    }

    /// @notice ERC-165: ERC-1155, its metadata extension, ERC-6268 and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) public view override(ERC165, IERC165) returns (bool) {
        return
            interfaceId == type(IERC1155).interfaceId ||
            interfaceId == type(IERC1155MetadataURI).interfaceId ||
            interfaceId == type(IERC6268).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: issue
    // ----------------------------------------------------------------------------------------------------------------

    /// @dev The programme's terms for an issue now, with the fiscal year and its offset.
    function _issueTerms(uint32 programme) private view returns (ProgrammeTerms memory t, uint16 year, uint8 period) {
        t = _programme(programme);
        if (t.flags & LedgerFlags.PROGRAMME_PAUSED != 0) revert VoucherLedgerProgrammePaused(programme);
        uint256 y = LedgerCalendar.fiscalYear(block.timestamp);
        period = _periodIndex(programme, t, y);
        year = uint16(y);
    }

    function _issue(
        uint32 programme,
        ProgrammeTerms memory t,
        uint16 year,
        uint8 period,
        IssueRequest calldata request,
        address issuer
    ) private returns (uint256 id) {
        uint64 faceValue = request.faceValue;
        uint32 entity = _beneficiaryEntity(request.holder);
        if (faceValue == 0 || faceValue > _MAX_FACE_VALUE) revert VoucherLedgerInvalidAmount(faceValue, _MAX_FACE_VALUE);
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
        emit TransferSingle(issuer, address(0), v.holder, id, v.remaining);
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
        uint64 available = p.budget - _committed(p);
        if (amount > available) revert VoucherLedgerBudgetExceeded(programme, year, amount, available);
        // Cannot overflow: issued - revoked - expired stays within the budget, a uint64.
        unchecked {
            p.issued += amount;
        }
    }

    /// @dev Adds `amount` to the company's tally for the period, within the programme's cap and exclusivity.
    function _countToCompany(uint32 programme, ProgrammeTerms memory t, uint32 entity, uint16 year, uint64 amount) private {
        Tally storage tally = _tallies[_tallyKey(entity, programme, t)];
        Tally memory current = tally;
        if (t.flags & LedgerFlags.PROGRAMME_EXCLUSIVE != 0 && current.programme != 0 && current.programme != programme) {
            revert VoucherLedgerExclusiveProgramme(entity, t.capGroup, current.programme);
        }
        uint16 capYear = t.flags & LedgerFlags.PROGRAMME_CAP_LIFETIME != 0 ? 0 : year;
        uint64 committed = current.year == capYear ? current.committed : 0;
        uint64 cap = _limits[programme].capPerCompany;
        if (cap != 0 && (committed > cap || amount > cap - committed)) {
            revert VoucherLedgerCapExceeded(programme, entity, amount, committed > cap ? 0 : cap - committed);
        }
        tally.programme = programme;
        tally.year = capYear;
        // Cannot overflow: the tally is bounded by the year's issued total (or by the cap), a uint64.
        unchecked {
            tally.committed = committed + amount;
        }
        if (current.firstDay == 0) tally.firstDay = uint32(LedgerCalendar.dayOf(block.timestamp));
    }

    /// @dev The expiry to use: `expiresAt` if given, else now + the default validity (but no later than allowed);
    /// never past the programme's longest validity nor its redemption window.
    function _expiryOf(uint64 expiresAt, ProgrammeTerms memory t) private view returns (uint32) {
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
        Redemption memory r = _checkRedemption(c, signature, caller);
        // Cannot underflow: amount <= remaining (checked). Cannot overflow: what a supplier redeemed is bounded by what
        // its programmes issued, a uint64 per year.
        unchecked {
            r.remaining -= c.amount;
            _accreditations[r.supplierEntity][r.programme].redeemed += c.amount;
        }
        Voucher storage stored = _vouchers[c.voucherId];
        stored.remaining = uint40(r.remaining);
        if (r.remaining == 0) stored.status = VoucherStatus.Redeemed;
        emit VoucherRedeemed(
            c.voucherId,
            r.programme,
            r.supplierEntity,
            r.holder,
            r.beneficiaryEntity,
            r.digest,
            r.remaining,
            c
        );
        emit TransferSingle(caller, r.holder, address(0), c.voucherId, c.amount);
    }

    /// @dev Every check of a redemption, in the order {IVoucherLedger-redeem} gives; records the invoice.
    function _checkRedemption(
        Consent calldata c,
        bytes calldata signature,
        address caller
    ) private returns (Redemption memory r) {
        Voucher memory v = _redeemableVoucher(c.voucherId, c.amount);
        r.holder = v.holder;
        r.remaining = v.remaining;
        r.programme = _programmeOf(c.voucherId);
        if (c.supplier != caller) revert VoucherLedgerWrongSupplier(c.supplier, caller);
        r.supplierEntity = _accreditedSupplier(caller, r.programme, c.computeClass);
        ProgrammeTerms memory t = _redemptionTerms(r.programme, c);
        uint8 category;
        (r.beneficiaryEntity, category) = _consentingBeneficiary(v.holder, c, r.supplierEntity);
        _checkRatio(r.programme, c, category);
        _recordInvoice(invoiceKey(r.supplierEntity, _nonZeroInvoice(c.invoiceNumberHash)), r.programme, t, c);
        if (t.entityWindowDays != 0) _checkEntityWindow(r.programme, t, r.beneficiaryEntity, c.serviceToDay);
        r.digest = _checkConsent(c, signature, v.holder);
    }

    /// @dev The voucher, if it is active, not frozen, not moving, not expired and has `amount` left.
    function _redeemableVoucher(uint256 id, uint64 amount) private view returns (Voucher memory v) {
        v = _vouchers[id];
        if (v.status != VoucherStatus.Active) {
            if (v.status == VoucherStatus.None) revert VoucherLedgerUnknownVoucher(id);
            revert VoucherLedgerInactive(id, v.status);
        }
        _checkMovable(id, v);
        if (block.timestamp >= v.expiresAt) revert VoucherLedgerExpired(id, v.expiresAt);
        if (amount == 0) revert VoucherLedgerInvalidAmount(0, v.remaining);
        if (amount > v.remaining) revert VoucherLedgerInsufficientValue(id, amount, v.remaining);
    }

    /// @dev The programme's terms, if a redemption with this consent counts under them now.
    function _redemptionTerms(uint32 programme, Consent calldata c) private view returns (ProgrammeTerms memory t) {
        t = _terms[programme];
        uint8 flags = t.flags;
        if (flags & LedgerFlags.PROGRAMME_PAUSED != 0) revert VoucherLedgerProgrammePaused(programme);
        if (block.timestamp < t.redeemFrom || block.timestamp >= t.redeemUntil) {
            revert VoucherLedgerOutsideWindow(programme, t.redeemFrom, t.redeemUntil);
        }
        if (c.contractDay < t.earliestContractDay) {
            revert VoucherLedgerContractTooEarly(programme, c.contractDay, t.earliestContractDay);
        }
        if (c.serviceFromDay > c.serviceToDay || c.serviceToDay > type(uint16).max) {
            revert VoucherLedgerInvalidServicePeriod(c.serviceFromDay, c.serviceToDay);
        }
        if (flags & LedgerFlags.PROGRAMME_NEEDS_GPU_HOURS != 0 && c.gpuCentihours == 0) {
            revert VoucherLedgerEvidenceMissing(programme, 1);
        }
        if (flags & LedgerFlags.PROGRAMME_NEEDS_ELECTRICITY != 0 && c.evidence.electricityKwh == 0) {
            revert VoucherLedgerEvidenceMissing(programme, 2);
        }
        if (flags & LedgerFlags.PROGRAMME_NEEDS_ASSESSMENT != 0 && c.evidence.assessmentCommitment == bytes32(0)) {
            revert VoucherLedgerEvidenceMissing(programme, 3);
        }
    }

    /// @dev The caller's company, if it is an active supplier accredited for the programme and the class.
    function _accreditedSupplier(
        address caller,
        uint32 programme,
        uint8 computeClass
    ) private view returns (uint32 entity) {
        Account memory s = _accounts[caller];
        if (s.roles & LedgerFlags.ROLE_SUPPLIER == 0) revert VoucherLedgerNotSupplier(caller);
        entity = s.entity;
        Accreditation memory a = _accreditations[entity][programme];
        if (!_inForce(a)) revert VoucherLedgerNotAccredited(entity, programme);
        if (computeClass == 0 || computeClass > 32 || (a.classes >> (computeClass - 1)) & 1 == 0) {
            revert VoucherLedgerClassNotAccredited(entity, programme, computeClass);
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
        if (h.related && _related[entity][supplierEntity]) revert VoucherLedgerRelatedParties(entity, supplierEntity);
        category = h.category;
    }

    /// @dev The amount is within the programme's ratio of the invoice total for the class and category.
    function _checkRatio(uint32 programme, Consent calldata c, uint8 category) private view {
        uint16 ratioBps = LedgerFlags.ratioIn(_ratios[programme][c.computeClass], category);
        if (ratioBps == 0) revert VoucherLedgerIneligible(programme, c.computeClass, category);
        if (uint256(c.amount) * _MAX_BPS > uint256(c.invoiceTotal) * ratioBps) {
            revert VoucherLedgerOverRatio(c.amount, c.invoiceTotal, ratioBps);
        }
    }

    function _nonZeroInvoice(bytes32 invoiceNumberHash) private pure returns (bytes32) {
        if (invoiceNumberHash == bytes32(0)) revert VoucherLedgerInvalidInvoice();
        return invoiceNumberHash;
    }

    /**
     * @dev Records the programme's payment of the invoice: the first one writes the invoice's terms, a later one
     * (another programme, stacking) must match them and keep the subsidy of all within the smallest combined share.
     */
    function _recordInvoice(bytes32 key, uint32 programme, ProgrammeTerms memory t, Consent calldata c) private {
        Invoice storage stored = _invoices[key];
        Invoice memory inv = stored;
        if (c.invoiceTotal > type(uint56).max || c.gpuCentihours > type(uint40).max) {
            revert VoucherLedgerInvoiceMismatch(key);
        }
        if (inv.count == 0) {
            stored.total = uint56(c.invoiceTotal);
            stored.subsidised = uint56(c.amount);
            stored.firstProgramme = programme;
            stored.minShareBps = t.maxCombinedBps;
            stored.count = 1;
            stored.computeClass = c.computeClass;
            stored.serviceFromDay = uint16(c.serviceFromDay);
            stored.serviceToDay = uint16(c.serviceToDay);
            stored.gpuCentihours = uint40(c.gpuCentihours);
            return;
        }
        _checkStacking(key, programme, t, c, inv);
        if (inv.count == 1) _invoiceShares[key][inv.firstProgramme] = uint64(inv.subsidised);
        _invoiceShares[key][programme] = c.amount;
        // Cannot overflow: subsidised + amount <= total (checked by the combined share), a uint56; and count < 255.
        unchecked {
            stored.subsidised = inv.subsidised + uint56(c.amount);
            stored.count = inv.count + 1;
        }
        if (t.maxCombinedBps < inv.minShareBps) stored.minShareBps = t.maxCombinedBps;
    }

    function _checkStacking(
        bytes32 key,
        uint32 programme,
        ProgrammeTerms memory t,
        Consent calldata c,
        Invoice memory inv
    ) private view {
        if (inv.firstProgramme == programme || _invoiceShares[key][programme] != 0) {
            revert VoucherLedgerInvoiceUsed(key, programme);
        }
        if (inv.minShareBps == 0 || t.maxCombinedBps == 0 || inv.count == type(uint8).max) {
            revert VoucherLedgerInvoiceNotStackable(key, programme);
        }
        if (
            inv.total != c.invoiceTotal ||
            inv.computeClass != c.computeClass ||
            inv.serviceFromDay != c.serviceFromDay ||
            inv.serviceToDay != c.serviceToDay ||
            inv.gpuCentihours != c.gpuCentihours
        ) revert VoucherLedgerInvoiceMismatch(key);
        uint16 share = t.maxCombinedBps < inv.minShareBps ? t.maxCombinedBps : inv.minShareBps;
        if ((uint256(inv.subsidised) + c.amount) * _MAX_BPS > uint256(inv.total) * share) {
            revert VoucherLedgerOverCombinedShare(key, uint64(inv.subsidised), c.amount, share);
        }
    }

    /// @dev The service ends within the programme's window from the company's first voucher in it.
    function _checkEntityWindow(uint32 programme, ProgrammeTerms memory t, uint32 entity, uint32 serviceToDay) private view {
        uint32 lastDay = _tallies[_tallyKey(entity, programme, t)].firstDay + t.entityWindowDays - 1;
        if (serviceToDay > lastDay) revert VoucherLedgerOutsideEntityWindow(programme, entity, serviceToDay, lastDay);
    }

    /// @dev The consent's deadline and the holder's signature; returns the digest. ECDSA first, then ERC-1271, so that
    /// a holder with a key costs no code lookup.
    function _checkConsent(Consent calldata c, bytes calldata signature, address holder) private view returns (bytes32 digest) {
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

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: revoke, expire, re-issue
    // ----------------------------------------------------------------------------------------------------------------

    function _revoke(uint256 id, bytes32 reason, address actor) private {
        _close(id, _activeVoucher(id), VoucherStatus.Revoked, reason, actor);
    }

    function _expire(uint256 id, Voucher storage v, address actor) private {
        _close(id, v, VoucherStatus.Expired, bytes32(0), actor);
    }

    /**
     * @dev Closes an active voucher as revoked or expired: burns what is left, returns it to the budget of its year
     * and takes it off the company's tally.
     */
    function _close(uint256 id, Voucher storage v, VoucherStatus status, bytes32 reason, address actor) private {
        uint32 programme = _programmeOf(id);
        ProgrammeTerms memory t = _terms[programme];
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
        // Cannot overflow: revoked + expired <= issued, a uint64.
        unchecked {
            if (status == VoucherStatus.Revoked) p.revoked += amount;
            else p.expired += amount;
        }
        _uncountFromCompany(_accounts[holder].entity, programme, t, year, amount);
        if (status == VoucherStatus.Revoked) emit VoucherRevoked(id, programme, holder, amount, reason, actor);
        else emit VoucherExpired(id, programme, holder, amount, actor);
        emit TransferSingle(actor, holder, address(0), id, amount);
    }

    /// @dev Takes `amount` off the company's tally, if the tally still counts the voucher's cap period.
    function _uncountFromCompany(uint32 entity, uint32 programme, ProgrammeTerms memory t, uint16 year, uint64 amount) private {
        Tally storage tally = _tallies[_tallyKey(entity, programme, t)];
        uint16 capYear = t.flags & LedgerFlags.PROGRAMME_CAP_LIFETIME != 0 ? 0 : year;
        if (tally.year != capYear) return;
        uint64 committed = tally.committed;
        tally.committed = committed > amount ? committed - amount : 0;
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
        emit TransferSingle(actor, from, address(0), id, amount);
        emit TransferSingle(actor, address(0), to, id, amount);
        ERC1155Utils.checkOnERC1155Received(actor, address(0), to, id, amount, "");
    }

    function _checkMovable(uint256 id, Voucher memory v) private pure {
        if (v.flags & LedgerFlags.VOUCHER_FROZEN != 0) revert VoucherLedgerFrozen(id);
        if (v.flags & LedgerFlags.VOUCHER_REISSUE_PENDING != 0) revert VoucherLedgerReissuePending(id);
    }

    /// @dev `to` is another active beneficiary address of the company `from` acts (or acted) for.
    function _checkSameCompany(address from, address to) private view {
        Account memory t = _accounts[to];
        if (
            to == from ||
            t.roles & LedgerFlags.ROLE_BENEFICIARY == 0 ||
            t.entity == 0 ||
            t.entity != _accounts[from].entity
        ) revert VoucherLedgerNotSameCompany(from, to);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: lookups
    // ----------------------------------------------------------------------------------------------------------------

    function _checkIssuer(address issuer, uint32 programme) private view {
        if (!_issuers[issuer][programme]) revert VoucherLedgerIssuerNotBound(issuer, programme);
    }

    function _programme(uint32 programme) private view returns (ProgrammeTerms memory t) {
        t = _terms[programme];
        if (t.yearCount == 0) revert VoucherLedgerUnknownProgramme(programme);
    }

    /// @dev The offset of fiscal year `year` in the programme, if it is one of its years.
    function _periodIndex(uint32 programme, ProgrammeTerms memory t, uint256 year) private pure returns (uint8) {
        if (year < t.firstYear || year - t.firstYear >= t.yearCount) revert VoucherLedgerOutsidePeriods(programme, year);
        return uint8(year - t.firstYear);
    }

    function _programmeOf(uint256 id) private pure returns (uint32) {
        return uint32(id >> 224);
    }

    function _existingVoucher(uint256 id) private view returns (Voucher storage v) {
        v = _vouchers[id];
        if (v.status == VoucherStatus.None) revert VoucherLedgerUnknownVoucher(id);
    }

    function _activeVoucher(uint256 id) private view returns (Voucher storage v) {
        v = _existingVoucher(id);
        if (v.status != VoucherStatus.Active) revert VoucherLedgerInactive(id, v.status);
    }

    function _inForce(Accreditation memory a) private view returns (bool) {
        return !a.suspended && a.validFrom <= block.timestamp && block.timestamp < a.validUntil;
    }

    /// @dev The tally of a company for a programme: per programme, or per cap group when the group is exclusive.
    function _tallyKey(uint32 entity, uint32 programme, ProgrammeTerms memory t) private pure returns (bytes32) {
        return
            t.flags & LedgerFlags.PROGRAMME_EXCLUSIVE != 0
                ? keccak256(abi.encode(entity, t.capGroup, true))
                : keccak256(abi.encode(entity, programme, false));
    }

    /// @dev What a fiscal year has committed out of its budget: issued - revoked - expired.
    function _committed(Period storage p) private view returns (uint64) {
        return p.issued - p.revoked - p.expired;
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
