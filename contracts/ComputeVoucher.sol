// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IComputeVoucher} from "./IComputeVoucher.sol";
import {IERC6268} from "./IERC6268.sol";

/**
 * @title ComputeVoucher
 * @notice The compute-voucher ledger. See {IComputeVoucher}.
 * @dev Governed by an OpenZeppelin `AccessManager` (every privileged function is `restricted`) and relayable through
 * an OpenZeppelin `ERC2771Forwarder` (the caller is `_msgSender()`). The ERC-1155 balance of a voucher id is its
 * remaining value; {_update} forbids every movement but mint and burn.
 */
contract ComputeVoucher is IComputeVoucher, IERC6268, ERC1155, AccessManaged, ERC2771Context, EIP712, Pausable {
    using Strings for uint256;

    /// @dev Slot A of a voucher: everything a redemption checks, in one full word (a full word is written without
    /// being read first).
    struct VoucherData {
        address holder;
        uint32 city;
        uint56 expiresAt;
        VoucherStatus status;
    }

    /// @dev Slot B of a voucher: what only the record view needs, also one full word.
    struct VoucherInfo {
        uint128 faceValue;
        uint128 issuedAt;
    }

    /// @dev A city's parameters and counters, laid out so that issue and redeem touch few words.
    struct CityData {
        uint128 budget;
        uint128 holderCap;
        bytes32 appropriation;
        uint16 ratioBps;
        uint64 defaultValidity;
        bool registered;
        uint128 issued;
        uint128 redeemed;
        uint128 revoked;
        uint128 expired;
    }

    uint16 private constant _MAX_BPS = 10_000;

    bytes32 private constant _CONSENT_TYPEHASH =
        keccak256(
            "Consent(uint256 voucherId,address dataCenter,uint128 amount,bytes32 invoiceHash,"
            "uint128 invoiceTotal,uint64 deadline)"
        );

    uint8 private immutable _DECIMALS;
    string private _currency;
    string private _baseURI;

    mapping(uint256 id => VoucherData) private _vouchers;
    mapping(uint256 id => VoucherInfo) private _voucherInfo;
    mapping(uint256 id => uint256 newId) private _reissuedTo;
    mapping(uint256 id => uint256 oldId) private _reissuedFrom;
    mapping(uint32 city => CityData) private _cities;
    mapping(uint32 city => string) private _cityNames;
    uint32[] private _cityCodes;
    mapping(uint32 city => mapping(address holder => uint128)) private _issuedTo;
    mapping(address issuer => uint32 city) private _issuerCity;
    mapping(address dataCenter => mapping(uint32 city => Accreditation)) private _accreditations;
    mapping(bytes32 invoiceHash => bool) private _invoiceUsed;

    /**
     * @param initialAuthority The AccessManager that governs this ledger.
     * @param trustedForwarder The ERC-2771 forwarder whose relayed calls are trusted.
     * @param currency_ ISO 4217 code of the currency ("CNY").
     * @param decimals_ Digits of the currency's minor unit (2 for CNY).
     * @param baseURI_ Metadata base URI.
     */
    constructor(
        address initialAuthority,
        address trustedForwarder,
        string memory currency_,
        uint8 decimals_,
        string memory baseURI_
    ) ERC1155("") AccessManaged(initialAuthority) ERC2771Context(trustedForwarder) EIP712("ComputeVoucher", "1") {
        _currency = currency_;
        _DECIMALS = decimals_;
        _baseURI = baseURI_;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Governor
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeVoucher
    function registerCity(uint32 city, City calldata params) external restricted {
        if (city == 0) revert ComputeVoucherUnknownCity(city);
        CityData storage c = _cities[city];
        if (c.registered) revert ComputeVoucherCityExists(city);
        _checkRatio(params.ratioBps);
        _checkValidity(params.defaultValidity);
        c.registered = true;
        c.budget = params.budget;
        c.appropriation = params.appropriation;
        c.ratioBps = params.ratioBps;
        c.holderCap = params.holderCap;
        c.defaultValidity = params.defaultValidity;
        _cityNames[city] = params.name;
        _cityCodes.push(city);
        emit CityRegistered(
            city,
            params.name,
            params.budget,
            params.appropriation,
            params.ratioBps,
            params.holderCap,
            params.defaultValidity,
            _msgSender()
        );
    }

    /// @inheritdoc IComputeVoucher
    function setCityBudget(uint32 city, uint128 budget, bytes32 appropriation) external restricted {
        CityData storage c = _city(city);
        uint256 committed = _committed(c);
        if (budget < committed) revert ComputeVoucherBudgetBelowCommitted(city, budget, committed);
        c.budget = budget;
        c.appropriation = appropriation;
        emit CityBudgetSet(city, budget, appropriation, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function setCityRatio(uint32 city, uint16 ratioBps) external restricted {
        CityData storage c = _city(city);
        _checkRatio(ratioBps);
        c.ratioBps = ratioBps;
        emit CityRatioSet(city, ratioBps, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function setCityHolderCap(uint32 city, uint128 holderCap) external restricted {
        _city(city).holderCap = holderCap;
        emit CityHolderCapSet(city, holderCap, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function setCityDefaultValidity(uint32 city, uint64 defaultValidity) external restricted {
        CityData storage c = _city(city);
        _checkValidity(defaultValidity);
        c.defaultValidity = defaultValidity;
        emit CityDefaultValiditySet(city, defaultValidity, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function bindIssuer(address issuer, uint32 city) external restricted {
        _city(city);
        uint32 bound = _issuerCity[issuer];
        if (bound != 0) revert ComputeVoucherIssuerAlreadyBound(issuer, bound);
        _issuerCity[issuer] = city;
        emit IssuerBound(issuer, city, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function unbindIssuer(address issuer) external restricted {
        uint32 bound = _issuerCity[issuer];
        if (bound == 0) revert ComputeVoucherIssuerNotInCity(issuer, 0);
        delete _issuerCity[issuer];
        emit IssuerUnbound(issuer, bound, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function accredit(address dataCenter, uint32 city, uint64 validFrom, uint64 validUntil) external restricted {
        _city(city);
        if (dataCenter == address(0) || validFrom >= validUntil) {
            revert ComputeVoucherInvalidAccreditation(dataCenter, validFrom, validUntil);
        }
        _accreditations[dataCenter][city] = Accreditation({
            validFrom: validFrom,
            validUntil: validUntil,
            suspended: false,
            reason: bytes32(0)
        });
        emit DataCenterAccredited(dataCenter, city, validFrom, validUntil, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function suspend(address dataCenter, uint32 city, bytes32 reason) external restricted {
        Accreditation storage a = _existingAccreditation(dataCenter, city);
        if (a.suspended) revert ComputeVoucherSuspensionUnchanged(dataCenter, city, true);
        a.suspended = true;
        a.reason = reason;
        emit DataCenterSuspended(dataCenter, city, reason, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function reinstate(address dataCenter, uint32 city) external restricted {
        Accreditation storage a = _existingAccreditation(dataCenter, city);
        if (!a.suspended) revert ComputeVoucherSuspensionUnchanged(dataCenter, city, false);
        a.suspended = false;
        emit DataCenterReinstated(dataCenter, city, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function setBaseURI(string calldata baseURI) external restricted {
        _baseURI = baseURI;
        emit BaseURISet(baseURI, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IComputeVoucher
    function unpause() external restricted {
        _unpause();
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Issuers
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeVoucher
    function issue(uint32 city, IssueRequest calldata request) external restricted whenNotPaused returns (uint256) {
        CityData storage c = _city(city);
        address issuer = _msgSender();
        _checkIssuerIn(issuer, city);
        return _issue(c, city, request, issuer);
    }

    /// @inheritdoc IComputeVoucher
    function issueBatch(
        uint32 city,
        IssueRequest[] calldata requests
    ) external restricted whenNotPaused returns (uint256[] memory ids) {
        CityData storage c = _city(city);
        address issuer = _msgSender();
        _checkIssuerIn(issuer, city);
        uint256 n = requests.length;
        if (n == 0) revert ComputeVoucherBatchLength(1, 0);
        ids = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            ids[i] = _issue(c, city, requests[i], issuer);
        }
    }

    /// @inheritdoc IComputeVoucher
    function revoke(uint256 id, bytes32 reason) external restricted whenNotPaused {
        address issuer = _msgSender();
        _checkIssuerIn(issuer, _existingVoucher(id).city);
        _revoke(id, reason, issuer);
    }

    /// @inheritdoc IComputeVoucher
    function revokeByGovernor(uint256 id, bytes32 reason) external restricted {
        _revoke(id, reason, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function reissue(
        uint256 id,
        address newHolder,
        bytes32 applicationRef,
        uint64 expiresAt,
        bytes32 reason
    ) external restricted whenNotPaused returns (uint256) {
        address issuer = _msgSender();
        _checkIssuerIn(issuer, _existingVoucher(id).city);
        return _reissue(id, newHolder, applicationRef, expiresAt, reason, issuer);
    }

    /// @inheritdoc IComputeVoucher
    function reissueByGovernor(
        uint256 id,
        address newHolder,
        bytes32 applicationRef,
        uint64 expiresAt,
        bytes32 reason
    ) external restricted returns (uint256) {
        return _reissue(id, newHolder, applicationRef, expiresAt, reason, _msgSender());
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeVoucher
    function expire(uint256 id) external whenNotPaused {
        _expire(id, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function expireBatch(uint256[] calldata ids) external whenNotPaused {
        uint256 n = ids.length;
        if (n == 0) revert ComputeVoucherBatchLength(1, 0);
        address actor = _msgSender();
        for (uint256 i = 0; i < n; ++i) {
            _expire(ids[i], actor);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Data centers
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeVoucher
    function redeem(Consent calldata consent, bytes calldata signature) external whenNotPaused {
        _redeem(consent, signature, _msgSender());
    }

    /// @inheritdoc IComputeVoucher
    function redeemBatch(Consent[] calldata consents, bytes[] calldata signatures) external whenNotPaused {
        uint256 n = consents.length;
        if (n == 0 || signatures.length != n) revert ComputeVoucherBatchLength(n, signatures.length);
        address dataCenter = _msgSender();
        for (uint256 i = 0; i < n; ++i) {
            _redeem(consents[i], signatures[i], dataCenter);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IComputeVoucher
    function currency() external view returns (string memory) {
        return _currency;
    }

    /// @inheritdoc IComputeVoucher
    function decimals() external view returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc IComputeVoucher
    function voucherId(uint32 city, bytes32 applicationRef) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(city, applicationRef)));
    }

    /// @inheritdoc IComputeVoucher
    function getVoucher(uint256 id) external view returns (VoucherRecord memory) {
        VoucherData memory v = _existingVoucher(id);
        VoucherInfo memory info = _voucherInfo[id];
        return
            VoucherRecord({
                city: v.city,
                holder: v.holder,
                status: v.status,
                faceValue: info.faceValue,
                remaining: uint128(balanceOf(v.holder, id)),
                issuedAt: uint64(info.issuedAt),
                expiresAt: v.expiresAt,
                reissuedFrom: _reissuedFrom[id],
                reissuedTo: _reissuedTo[id]
            });
    }

    /// @inheritdoc IComputeVoucher
    function getCity(uint32 city) external view returns (City memory) {
        CityData storage c = _city(city);
        return
            City({
                name: _cityNames[city],
                budget: c.budget,
                appropriation: c.appropriation,
                ratioBps: c.ratioBps,
                holderCap: c.holderCap,
                defaultValidity: c.defaultValidity
            });
    }

    /// @inheritdoc IComputeVoucher
    function getCityCounters(uint32 city) external view returns (CityCounters memory) {
        CityData storage c = _city(city);
        return
            CityCounters({
                issued: c.issued,
                redeemed: c.redeemed,
                revoked: c.revoked,
                expired: c.expired,
                outstanding: _outstanding(c)
            });
    }

    /// @inheritdoc IComputeVoucher
    function cityCodes() external view returns (uint32[] memory) {
        return _cityCodes;
    }

    /// @inheritdoc IComputeVoucher
    function issuedTo(uint32 city, address holder) external view returns (uint128) {
        return _issuedTo[city][holder];
    }

    /// @inheritdoc IComputeVoucher
    function issuerCity(address issuer) external view returns (uint32) {
        return _issuerCity[issuer];
    }

    /// @inheritdoc IComputeVoucher
    function getAccreditation(address dataCenter, uint32 city) external view returns (Accreditation memory) {
        return _accreditations[dataCenter][city];
    }

    /// @inheritdoc IComputeVoucher
    function isAccredited(address dataCenter, uint32 city) public view returns (bool) {
        Accreditation storage a = _accreditations[dataCenter][city];
        return !a.suspended && a.validFrom <= block.timestamp && block.timestamp < a.validUntil;
    }

    /// @inheritdoc IComputeVoucher
    function invoiceUsed(bytes32 invoiceHash) external view returns (bool) {
        return _invoiceUsed[invoiceHash];
    }

    /// @inheritdoc IComputeVoucher
    function consentDigest(Consent calldata consent) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        _CONSENT_TYPEHASH,
                        consent.voucherId,
                        consent.dataCenter,
                        consent.amount,
                        consent.invoiceHash,
                        consent.invoiceTotal,
                        consent.deadline
                    )
                )
            );
    }

    /// @inheritdoc IERC6268
    function locked(uint256 id) external view returns (bool) {
        _existingVoucher(id);
        return true;
    }

    /// @notice The metadata URI of a voucher: the base URI followed by the id in decimal.
    function uri(uint256 id) public view override returns (string memory) {
        return string.concat(_baseURI, id.toString());
    }

    /// @notice ERC-165: ERC-1155, its metadata extension, ERC-6268 and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC6268).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @notice Always reverts: vouchers cannot be approved to an operator.
    function setApprovalForAll(address operator, bool) public view override {
        revert ComputeVoucherApprovalDisabled(_msgSender(), operator);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------------------

    function _issue(
        CityData storage c,
        uint32 city,
        IssueRequest calldata request,
        address issuer
    ) private returns (uint256 id) {
        address holder = request.holder;
        uint128 faceValue = request.faceValue;
        if (holder == address(0)) revert ComputeVoucherInvalidHolder(holder);
        if (faceValue == 0) revert ComputeVoucherInvalidAmount(faceValue);
        uint64 expiresAt = _expiryOf(request.expiresAt, c.defaultValidity);
        id = voucherId(city, request.applicationRef);
        if (_vouchers[id].status != VoucherStatus.None) revert ComputeVoucherExists(id);

        uint256 available = c.budget - _committed(c);
        if (faceValue > available) revert ComputeVoucherBudgetExceeded(city, faceValue, available);
        _countToHolder(c, city, holder, faceValue);

        _vouchers[id] = VoucherData({
            holder: holder,
            city: city,
            expiresAt: uint56(expiresAt),
            status: VoucherStatus.Active
        });
        _voucherInfo[id] = VoucherInfo({faceValue: faceValue, issuedAt: uint128(block.timestamp)});
        // Cannot overflow: issued - revoked - expired <= budget <= type(uint128).max after this issue.
        unchecked {
            c.issued += faceValue;
        }
        emit VoucherIssued(id, city, holder, request.applicationRef, faceValue, expiresAt, issuer);
        emit Locked(id);
        _mint(holder, id, faceValue, "");
    }

    function _redeem(Consent calldata consent, bytes calldata signature, address dataCenter) private {
        (VoucherData memory v, uint256 remaining) = _checkRedemption(consent, signature, dataCenter);
        uint256 id = consent.voucherId;
        uint128 amount = consent.amount;
        _invoiceUsed[consent.invoiceHash] = true;
        // Cannot overflow or underflow: redeemed <= issued, which fits in uint128, and amount <= remaining.
        unchecked {
            _cities[v.city].redeemed += amount;
            remaining -= amount;
        }
        if (remaining == 0) _vouchers[id].status = VoucherStatus.Redeemed;
        _burn(v.holder, id, amount);
        emit VoucherRedeemed(
            id,
            v.city,
            dataCenter,
            v.holder,
            consent.invoiceHash,
            amount,
            consent.invoiceTotal,
            uint128(remaining)
        );
    }

    /// @dev Every check of a redemption; returns the voucher and its remaining value.
    function _checkRedemption(
        Consent calldata consent,
        bytes calldata signature,
        address dataCenter
    ) private view returns (VoucherData memory v, uint256 remaining) {
        uint256 id = consent.voucherId;
        v = _existingVoucher(id);
        if (consent.dataCenter != dataCenter) revert ComputeVoucherWrongDataCenter(consent.dataCenter, dataCenter);
        if (!isAccredited(dataCenter, v.city)) revert ComputeVoucherNotAccredited(dataCenter, v.city);
        if (block.timestamp > consent.deadline) revert ComputeVoucherConsentExpired(consent.deadline, block.timestamp);
        if (v.status != VoucherStatus.Active) revert ComputeVoucherInactive(id, v.status);
        if (block.timestamp >= v.expiresAt) revert ComputeVoucherExpired(id, v.expiresAt);
        if (_invoiceUsed[consent.invoiceHash]) revert ComputeVoucherInvoiceUsed(consent.invoiceHash);
        _checkAmount(consent, _cities[v.city].ratioBps);
        remaining = balanceOf(v.holder, id);
        if (consent.amount > remaining) revert ComputeVoucherInsufficientValue(id, consent.amount, remaining);
        if (!SignatureChecker.isValidSignatureNowCalldata(v.holder, consentDigest(consent), signature)) {
            revert ComputeVoucherInvalidConsent(id, v.holder);
        }
    }

    /// @dev The amount is not zero and at most the ratio of the invoice total.
    function _checkAmount(Consent calldata consent, uint16 ratioBps) private pure {
        uint128 amount = consent.amount;
        if (amount == 0) revert ComputeVoucherInvalidAmount(0);
        if (uint256(amount) * _MAX_BPS > uint256(consent.invoiceTotal) * ratioBps) {
            revert ComputeVoucherOverRatio(amount, consent.invoiceTotal, ratioBps);
        }
    }

    function _revoke(uint256 id, bytes32 reason, address actor) private {
        (VoucherData memory v, uint128 amount) = _close(id, VoucherStatus.Revoked);
        // Cannot overflow: revoked <= issued, which fits in uint128.
        unchecked {
            _cities[v.city].revoked += amount;
        }
        emit VoucherRevoked(id, v.city, v.holder, amount, reason, actor);
    }

    function _expire(uint256 id, address actor) private {
        VoucherData memory v = _existingVoucher(id);
        if (block.timestamp < v.expiresAt) revert ComputeVoucherNotExpired(id, v.expiresAt);
        (, uint128 amount) = _close(id, VoucherStatus.Expired);
        // Cannot overflow: expired <= issued, which fits in uint128.
        unchecked {
            _cities[v.city].expired += amount;
        }
        emit VoucherExpired(id, v.city, v.holder, amount, actor);
    }

    function _reissue(
        uint256 id,
        address newHolder,
        bytes32 applicationRef,
        uint64 expiresAt,
        bytes32 reason,
        address actor
    ) private returns (uint256 newId) {
        VoucherData memory v = _existingVoucher(id);
        if (block.timestamp >= v.expiresAt) revert ComputeVoucherExpired(id, v.expiresAt);
        if (newHolder == address(0)) revert ComputeVoucherInvalidHolder(newHolder);
        newId = voucherId(v.city, applicationRef);
        if (_vouchers[newId].status != VoucherStatus.None) revert ComputeVoucherExists(newId);
        uint64 newExpiry = expiresAt == 0 ? v.expiresAt : _expiryOf(expiresAt, 0);
        (, uint128 amount) = _close(id, VoucherStatus.Reissued);
        CityData storage c = _cities[v.city];
        _countToHolder(c, v.city, newHolder, amount);

        _vouchers[newId] = VoucherData({
            holder: newHolder,
            city: v.city,
            expiresAt: uint56(newExpiry),
            status: VoucherStatus.Active
        });
        _voucherInfo[newId] = VoucherInfo({faceValue: amount, issuedAt: uint128(block.timestamp)});
        _reissuedTo[id] = newId;
        _reissuedFrom[newId] = id;
        emit VoucherReissued(id, newId, v.city, v.holder, newHolder, applicationRef, amount, newExpiry, reason, actor);
        emit Locked(newId);
        _mint(newHolder, newId, amount, "");
    }

    /// @dev Marks an active voucher `status` and burns what is left of it; returns the voucher and the amount.
    function _close(uint256 id, VoucherStatus status) private returns (VoucherData memory v, uint128 amount) {
        v = _existingVoucher(id);
        if (v.status != VoucherStatus.Active) revert ComputeVoucherInactive(id, v.status);
        amount = uint128(balanceOf(v.holder, id));
        _vouchers[id].status = status;
        _burn(v.holder, id, amount);
    }

    /// @dev Adds `amount` to what `city` has issued to `holder`, within the city's holder cap.
    function _countToHolder(CityData storage c, uint32 city, address holder, uint128 amount) private {
        uint128 already = _issuedTo[city][holder];
        uint128 cap = c.holderCap;
        if (cap != 0 && (already > cap || amount > cap - already)) {
            revert ComputeVoucherHolderCapExceeded(city, holder, amount, already > cap ? 0 : cap - already);
        }
        // Cannot overflow: the sum is bounded by the city's issued total (or by the cap), both uint128.
        unchecked {
            _issuedTo[city][holder] = already + amount;
        }
    }

    /// @dev The expiry to use: `expiresAt` if given (it must be in the future), else now + `defaultValidity`.
    function _expiryOf(uint64 expiresAt, uint64 defaultValidity) private view returns (uint64) {
        if (expiresAt == 0) return uint64(block.timestamp) + defaultValidity;
        if (expiresAt <= block.timestamp || expiresAt > type(uint56).max) {
            revert ComputeVoucherInvalidExpiry(expiresAt, block.timestamp);
        }
        return expiresAt;
    }

    function _checkIssuerIn(address issuer, uint32 city) private view {
        if (_issuerCity[issuer] != city) revert ComputeVoucherIssuerNotInCity(issuer, city);
    }

    function _checkRatio(uint16 ratioBps) private pure {
        if (ratioBps == 0 || ratioBps > _MAX_BPS) revert ComputeVoucherInvalidRatio(ratioBps);
    }

    function _checkValidity(uint64 validity) private pure {
        if (validity == 0) revert ComputeVoucherInvalidValidity(validity);
    }

    function _city(uint32 city) private view returns (CityData storage c) {
        c = _cities[city];
        if (!c.registered) revert ComputeVoucherUnknownCity(city);
    }

    function _existingVoucher(uint256 id) private view returns (VoucherData memory v) {
        v = _vouchers[id];
        if (v.status == VoucherStatus.None) revert ComputeVoucherUnknownVoucher(id);
    }

    function _existingAccreditation(address dataCenter, uint32 city) private view returns (Accreditation storage a) {
        a = _accreditations[dataCenter][city];
        if (a.validUntil == 0) revert ComputeVoucherNoAccreditation(dataCenter, city);
    }

    /// @dev What the city has committed out of its budget: redeemed plus outstanding.
    function _committed(CityData storage c) private view returns (uint256) {
        return uint256(c.issued) - c.revoked - c.expired;
    }

    function _outstanding(CityData storage c) private view returns (uint128) {
        return c.issued - c.redeemed - c.revoked - c.expired;
    }

    /// @dev Vouchers only ever move from nothing (mint) or to nothing (burn).
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) {
            revert ComputeVoucherNonTransferable(from, to, ids.length == 0 ? 0 : ids[0]);
        }
        super._update(from, to, ids, values);
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
