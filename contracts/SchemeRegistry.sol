// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";

import {ISchemeRegistry} from "./ISchemeRegistry.sol";
import {IVoucherLedger} from "./IVoucherLedger.sol";
import {IVoucherLedgerTypes} from "./IVoucherLedgerTypes.sol";
import {LedgerFlags} from "./LedgerFlags.sol";

/**
 * @title SchemeRegistry
 * @notice The schemes' rules, governed. See {ISchemeRegistry}.
 * @dev Every change is `restricted` by the same AccessManager as the ledger, validated here, recorded in an event, and
 * written into the ledger's words (its `configure…` functions, which only this registry may call). What no money
 * operation reads (names, credit-code hashes, address lists, relation reasons, suspension reasons) stays here.
 */
contract SchemeRegistry is ISchemeRegistry, AccessManaged {
    uint8 private constant _MAX_ADDRESSES = 8;
    uint16 private constant _MAX_BPS = 10_000;

    struct ProgrammeRecord {
        Programme rules;
        bool paused;
        uint8[] classes; // the classes of its ratio table
        mapping(uint8 computeClass => uint112 ratios) ratios;
    }

    struct AddressRecord {
        uint32 entity;
        bool active;
    }

    IVoucherLedger private _ledger;
    mapping(uint8 id => string) private _classNames;
    mapping(uint8 id => string) private _categoryNames;
    uint32 private _programmeCount;
    mapping(uint32 id => ProgrammeRecord) private _programmes;
    uint32 private _entityCount;
    mapping(uint32 id => Entity) private _entities;
    mapping(bytes32 creditCodeHash => uint32 id) private _entityByCode;
    mapping(uint32 id => address[]) private _addresses;
    mapping(address account => AddressRecord) private _addressRecords;
    mapping(uint32 beneficiary => mapping(uint32 supplier => bytes32 reason)) private _relations;
    mapping(uint32 supplier => mapping(uint32 programme => Accreditation)) private _accreditations;
    mapping(uint32 supplier => uint32[] programmes) private _supplierProgrammes;
    mapping(address issuer => mapping(uint32 programme => bool)) private _issuers;

    /// @param initialAuthority The AccessManager that governs the registry and its ledger.
    constructor(address initialAuthority) AccessManaged(initialAuthority) {}

    // ----------------------------------------------------------------------------------------------------------------
    // Admin
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISchemeRegistry
    function setLedger(address ledger_) external restricted {
        if (address(_ledger) != address(0) || IVoucherLedger(ledger_).registry() != address(this)) {
            revert SchemeRegistryConnection(ledger_);
        }
        _ledger = IVoucherLedger(ledger_);
        emit LedgerConnected(ledger_, msg.sender);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Classes and categories
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISchemeRegistry
    function defineClass(uint8 id, string calldata name) external restricted {
        if (id == 0 || id > LedgerFlags.MAX_CLASS) revert SchemeRegistryUnknownClass(id);
        if (bytes(name).length == 0) revert SchemeRegistryEmptyName();
        _classNames[id] = name;
        emit ClassDefined(id, name, msg.sender);
    }

    /// @inheritdoc ISchemeRegistry
    function defineCategory(uint8 id, string calldata name) external restricted {
        if (id == 0 || id > LedgerFlags.MAX_CATEGORY) revert SchemeRegistryUnknownCategory(id);
        if (bytes(name).length == 0) revert SchemeRegistryEmptyName();
        _categoryNames[id] = name;
        emit CategoryDefined(id, name, msg.sender);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Programmes
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISchemeRegistry
    function registerProgramme(
        Programme calldata programme,
        Ratio[] calldata ratios
    ) external restricted returns (uint32 id) {
        _connected();
        _checkProgramme(programme);
        id = ++_programmeCount;
        ProgrammeRecord storage p = _programmes[id];
        p.rules = programme;
        emit ProgrammeRegistered(id, programme, msg.sender);
        _setRatios(id, p, ratios);
        _writeProgramme(id, p);
    }

    /// @inheritdoc ISchemeRegistry
    function updateProgramme(uint32 id, Programme calldata programme) external restricted {
        ProgrammeRecord storage p = _programme(id);
        Programme storage before = p.rules;
        if (programme.level != before.level) revert SchemeRegistryInvalidProgramme("level");
        if (programme.region != before.region) revert SchemeRegistryInvalidProgramme("region");
        if (programme.kind != before.kind) revert SchemeRegistryInvalidProgramme("kind");
        if (programme.firstYear != before.firstYear) revert SchemeRegistryInvalidProgramme("firstYear");
        if (programme.yearCount < before.yearCount) revert SchemeRegistryInvalidProgramme("yearCount");
        // How a company's tally is kept: changing it would forget the tally kept so far (a second cap in the period).
        if (programme.capLifetime != before.capLifetime) revert SchemeRegistryInvalidProgramme("capLifetime");
        if (programme.exclusive != before.exclusive) revert SchemeRegistryInvalidProgramme("exclusive");
        if (before.exclusive && programme.capGroup != before.capGroup) {
            revert SchemeRegistryInvalidProgramme("capGroup");
        }
        _checkProgramme(programme);
        _checkRatiosWithin(p, programme.maxCombinedBps);
        p.rules = programme;
        emit ProgrammeUpdated(id, programme, msg.sender);
        _writeProgramme(id, p);
    }

    /// @inheritdoc ISchemeRegistry
    function setRatios(uint32 id, Ratio[] calldata ratios) external restricted {
        ProgrammeRecord storage p = _programme(id);
        uint8[] memory before = p.classes;
        for (uint256 i = 0; i < before.length; ++i) delete p.ratios[before[i]];
        delete p.classes;
        _setRatios(id, p, ratios);
        // Classes that are no longer in the table are written with no ratio: they are not paid any more.
        for (uint256 i = 0; i < before.length; ++i) {
            if (p.ratios[before[i]] == 0) _writeRedemption(id, p, before[i]);
        }
        _writeProgramme(id, p);
    }

    /// @inheritdoc ISchemeRegistry
    function pauseProgramme(uint32 id, bytes32 reason) external restricted {
        ProgrammeRecord storage p = _programme(id);
        if (p.paused) revert SchemeRegistryPauseUnchanged(id, true);
        p.paused = true;
        emit ProgrammePaused(id, reason, msg.sender);
        _writeProgramme(id, p);
    }

    /// @inheritdoc ISchemeRegistry
    function resumeProgramme(uint32 id, bytes32 reason) external restricted {
        ProgrammeRecord storage p = _programme(id);
        if (!p.paused) revert SchemeRegistryPauseUnchanged(id, false);
        p.paused = false;
        emit ProgrammeResumed(id, reason, msg.sender);
        _writeProgramme(id, p);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Companies
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISchemeRegistry
    function registerEntity(
        bytes32 creditCodeHash,
        uint8 roles,
        uint8 category
    ) external restricted returns (uint32 id) {
        _connected();
        if (creditCodeHash == bytes32(0) || _entityByCode[creditCodeHash] != 0) {
            revert SchemeRegistryEntityExists(creditCodeHash, _entityByCode[creditCodeHash]);
        }
        _checkRoles(roles, category);
        id = ++_entityCount;
        _entities[id] = Entity({creditCodeHash: creditCodeHash, roles: roles, category: category, relations: 0});
        _entityByCode[creditCodeHash] = id;
        emit EntityRegistered(id, creditCodeHash, roles, category, msg.sender);
    }

    /// @inheritdoc ISchemeRegistry
    function setEntityCategory(uint32 entity, uint8 category, bytes32 reason) external restricted {
        Entity storage e = _entity(entity);
        _checkRoles(e.roles, category);
        e.category = category;
        emit EntityCategorySet(entity, category, reason, msg.sender);
        _writeAccounts(entity);
    }

    /// @inheritdoc ISchemeRegistry
    function addAddress(uint32 entity, address account, bytes32 reason) external restricted {
        Entity storage e = _entity(entity);
        AddressRecord storage a = _addressRecords[account];
        if (account == address(0) || (a.entity != 0 && a.entity != entity)) {
            revert SchemeRegistryAddressTaken(account, a.entity);
        }
        if (a.active) revert SchemeRegistryAddressUnchanged(account, true);
        if (_activeAddresses(entity) >= _MAX_ADDRESSES) revert SchemeRegistryTooManyAddresses(entity);
        if (a.entity == 0) _addresses[entity].push(account);
        a.entity = entity;
        a.active = true;
        emit AddressAdded(entity, account, reason, msg.sender);
        _ledger.configureAccount(account, entity, e.category, e.roles, e.relations != 0);
        if (e.roles & LedgerFlags.ROLE_SUPPLIER != 0) _writeAccreditationsOf(entity, account);
    }

    /// @inheritdoc ISchemeRegistry
    function removeAddress(address account, bytes32 reason) external restricted {
        AddressRecord storage a = _addressRecords[account];
        if (!a.active) revert SchemeRegistryAddressUnchanged(account, false);
        a.active = false;
        uint32 entity = a.entity;
        Entity storage e = _entities[entity];
        emit AddressRemoved(entity, account, reason, msg.sender);
        _ledger.configureAccount(account, entity, e.category, 0, e.relations != 0);
        if (e.roles & LedgerFlags.ROLE_SUPPLIER != 0) _writeAccreditationsOf(entity, account);
    }

    /// @inheritdoc ISchemeRegistry
    function recordRelation(uint32 beneficiary, uint32 supplier, bytes32 reason) external restricted {
        _checkPair(beneficiary, supplier);
        if (_relations[beneficiary][supplier] != bytes32(0)) {
            revert SchemeRegistryRelationUnchanged(beneficiary, supplier, true);
        }
        // A relation needs a reason: it is the record a regulator reads.
        bytes32 recorded = reason == bytes32(0) ? bytes32("related") : reason;
        _relations[beneficiary][supplier] = recorded;
        Entity storage e = _entities[beneficiary];
        e.relations += 1;
        emit RelationRecorded(beneficiary, supplier, recorded, msg.sender);
        _ledger.configureRelation(beneficiary, supplier, true);
        if (e.relations == 1) _writeAccounts(beneficiary);
    }

    /// @inheritdoc ISchemeRegistry
    function clearRelation(uint32 beneficiary, uint32 supplier, bytes32 reason) external restricted {
        _checkPair(beneficiary, supplier);
        if (_relations[beneficiary][supplier] == bytes32(0)) {
            revert SchemeRegistryRelationUnchanged(beneficiary, supplier, false);
        }
        delete _relations[beneficiary][supplier];
        Entity storage e = _entities[beneficiary];
        e.relations -= 1;
        emit RelationCleared(beneficiary, supplier, reason, msg.sender);
        _ledger.configureRelation(beneficiary, supplier, false);
        if (e.relations == 0) _writeAccounts(beneficiary);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Accreditation and issuers
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISchemeRegistry
    function accredit(
        uint32 supplier,
        uint32 programme,
        uint40 validFrom,
        uint40 validUntil,
        uint32 classes
    ) external restricted {
        _supplier(supplier);
        _programme(programme);
        if (validFrom >= validUntil || classes == 0 || !_classesDefined(classes)) {
            revert SchemeRegistryInvalidAccreditation(validFrom, validUntil, classes);
        }
        Accreditation storage a = _accreditations[supplier][programme];
        if (a.validUntil == 0) _supplierProgrammes[supplier].push(programme);
        bool wasSuspended = a.suspended;
        a.validFrom = validFrom;
        a.validUntil = validUntil;
        a.classes = classes;
        a.suspended = false;
        emit SupplierAccredited(supplier, programme, validFrom, validUntil, classes, msg.sender);
        if (wasSuspended) emit SupplierReinstated(supplier, programme, "reaccredited", msg.sender);
        _writeAccreditation(supplier, programme);
    }

    /// @inheritdoc ISchemeRegistry
    function suspend(uint32 supplier, uint32 programme, bytes32 reason) external restricted {
        Accreditation storage a = _existingAccreditation(supplier, programme);
        if (a.suspended) revert SchemeRegistrySuspensionUnchanged(supplier, programme, true);
        a.suspended = true;
        a.reason = reason;
        emit SupplierSuspended(supplier, programme, reason, msg.sender);
        _writeAccreditation(supplier, programme);
    }

    /// @inheritdoc ISchemeRegistry
    function reinstate(uint32 supplier, uint32 programme, bytes32 reason) external restricted {
        Accreditation storage a = _existingAccreditation(supplier, programme);
        if (!a.suspended) revert SchemeRegistrySuspensionUnchanged(supplier, programme, false);
        a.suspended = false;
        emit SupplierReinstated(supplier, programme, reason, msg.sender);
        _writeAccreditation(supplier, programme);
    }

    /// @inheritdoc ISchemeRegistry
    function bindIssuer(address issuer, uint32 programme) external restricted {
        _programme(programme);
        if (issuer == address(0) || _issuers[issuer][programme]) {
            revert SchemeRegistryIssuerUnchanged(issuer, programme, true);
        }
        _issuers[issuer][programme] = true;
        emit IssuerBound(issuer, programme, msg.sender);
        _ledger.configureIssuer(issuer, programme, true);
    }

    /// @inheritdoc ISchemeRegistry
    function unbindIssuer(address issuer, uint32 programme) external restricted {
        if (!_issuers[issuer][programme]) revert SchemeRegistryIssuerUnchanged(issuer, programme, false);
        _issuers[issuer][programme] = false;
        emit IssuerUnbound(issuer, programme, msg.sender);
        _ledger.configureIssuer(issuer, programme, false);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISchemeRegistry
    function ledger() external view returns (address) {
        return address(_ledger);
    }

    /// @inheritdoc ISchemeRegistry
    function className(uint8 id) external view returns (string memory) {
        return _classNames[id];
    }

    /// @inheritdoc ISchemeRegistry
    function categoryName(uint8 id) external view returns (string memory) {
        return _categoryNames[id];
    }

    /// @inheritdoc ISchemeRegistry
    function programmeCount() external view returns (uint32) {
        return _programmeCount;
    }

    /// @inheritdoc ISchemeRegistry
    function getProgramme(uint32 id) external view returns (Programme memory, bool, Ratio[] memory ratios) {
        ProgrammeRecord storage p = _programme(id);
        uint8[] storage classes = p.classes;
        uint256 n = 0;
        for (uint256 i = 0; i < classes.length; ++i) {
            for (uint8 c = 1; c <= LedgerFlags.MAX_CATEGORY; ++c) {
                if (LedgerFlags.ratioIn(p.ratios[classes[i]], c) != 0) ++n;
            }
        }
        ratios = new Ratio[](n);
        n = 0;
        for (uint256 i = 0; i < classes.length; ++i) {
            uint112 row = p.ratios[classes[i]];
            for (uint8 c = 1; c <= LedgerFlags.MAX_CATEGORY; ++c) {
                uint16 bps = LedgerFlags.ratioIn(row, c);
                if (bps != 0) ratios[n++] = Ratio({computeClass: classes[i], category: c, bps: bps});
            }
        }
        return (p.rules, p.paused, ratios);
    }

    /// @inheritdoc ISchemeRegistry
    function entityCount() external view returns (uint32) {
        return _entityCount;
    }

    /// @inheritdoc ISchemeRegistry
    function getEntity(uint32 id) external view returns (Entity memory) {
        return _entity(id);
    }

    /// @inheritdoc ISchemeRegistry
    function entityByCreditCode(bytes32 creditCodeHash) external view returns (uint32) {
        return _entityByCode[creditCodeHash];
    }

    /// @inheritdoc ISchemeRegistry
    function entityOf(address account) external view returns (uint32 entity, bool active) {
        AddressRecord storage a = _addressRecords[account];
        return (a.entity, a.active);
    }

    /// @inheritdoc ISchemeRegistry
    function addressesOf(uint32 entity) external view returns (address[] memory) {
        return _addresses[entity];
    }

    /// @inheritdoc ISchemeRegistry
    function relationOf(uint32 beneficiary, uint32 supplier) external view returns (bytes32) {
        return _relations[beneficiary][supplier];
    }

    /// @inheritdoc ISchemeRegistry
    function getAccreditation(uint32 supplier, uint32 programme) external view returns (Accreditation memory) {
        return _accreditations[supplier][programme];
    }

    /// @inheritdoc ISchemeRegistry
    function programmesOf(uint32 supplier) external view returns (uint32[] memory) {
        return _supplierProgrammes[supplier];
    }

    /// @inheritdoc ISchemeRegistry
    function isIssuer(address issuer, uint32 programme) external view returns (bool) {
        return _issuers[issuer][programme];
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: checks
    // ----------------------------------------------------------------------------------------------------------------

    function _connected() private view {
        if (address(_ledger) == address(0)) revert SchemeRegistryConnection(address(0));
    }

    function _checkProgramme(Programme calldata p) private pure {
        if (p.level == FundingLevel.None) revert SchemeRegistryInvalidProgramme("level");
        if (p.region == 0 || p.region > 999_999) revert SchemeRegistryInvalidProgramme("region");
        if (p.kind == ProgrammeKind.None) revert SchemeRegistryInvalidProgramme("kind");
        if (bytes(p.name).length == 0) revert SchemeRegistryInvalidProgramme("name");
        if (p.firstYear < 2000) revert SchemeRegistryInvalidProgramme("firstYear");
        if (p.yearCount == 0) revert SchemeRegistryInvalidProgramme("yearCount");
        // A voucher's expiry is a uint32 and no voucher outlives the window: a window past 2^32 - 1 could not be met.
        if (p.redeemFrom >= p.redeemUntil || p.redeemUntil > type(uint32).max) {
            revert SchemeRegistryInvalidProgramme("redeemUntil");
        }
        if (p.defaultValidity == 0) revert SchemeRegistryInvalidProgramme("defaultValidity");
        if (p.maxValidity < p.defaultValidity) revert SchemeRegistryInvalidProgramme("maxValidity");
        // A cap group is an exclusivity rule: a programme outside the rule in an exclusive group would escape it.
        if (p.exclusive != (p.capGroup != 0)) revert SchemeRegistryInvalidProgramme("capGroup");
        if (p.maxCombinedBps > _MAX_BPS) revert SchemeRegistryInvalidProgramme("maxCombinedBps");
        if (p.payees == 0 || p.payees > 3) revert SchemeRegistryInvalidProgramme("payees");
        if (p.payees & 2 != 0 && p.reviewWindow == 0) revert SchemeRegistryInvalidProgramme("reviewWindow");
    }

    function _checkRoles(uint8 roles, uint8 category) private view {
        if (roles == 0 || roles > (LedgerFlags.ROLE_BENEFICIARY | LedgerFlags.ROLE_SUPPLIER)) {
            revert SchemeRegistryInvalidRoles(roles, category);
        }
        if (roles & LedgerFlags.ROLE_BENEFICIARY != 0) {
            if (category == 0 || category > LedgerFlags.MAX_CATEGORY || bytes(_categoryNames[category]).length == 0) {
                revert SchemeRegistryInvalidRoles(roles, category);
            }
        } else if (category != 0) {
            revert SchemeRegistryInvalidRoles(roles, category);
        }
    }

    function _checkPair(uint32 beneficiary, uint32 supplier) private view {
        if (_entity(beneficiary).roles & LedgerFlags.ROLE_BENEFICIARY == 0) {
            revert SchemeRegistryWrongRole(beneficiary, LedgerFlags.ROLE_BENEFICIARY);
        }
        _supplier(supplier);
    }

    function _supplier(uint32 supplier) private view {
        if (_entity(supplier).roles & LedgerFlags.ROLE_SUPPLIER == 0) {
            revert SchemeRegistryWrongRole(supplier, LedgerFlags.ROLE_SUPPLIER);
        }
    }

    function _classesDefined(uint32 classes) private view returns (bool) {
        for (uint8 c = 1; c <= LedgerFlags.MAX_CLASS; ++c) {
            if ((classes >> (c - 1)) & 1 == 1 && bytes(_classNames[c]).length == 0) return false;
        }
        return true;
    }

    /// @dev Every ratio of the table stays within a (new) combined share.
    function _checkRatiosWithin(ProgrammeRecord storage p, uint16 maxCombinedBps) private view {
        if (maxCombinedBps == 0) return;
        uint8[] storage classes = p.classes;
        for (uint256 i = 0; i < classes.length; ++i) {
            uint112 row = p.ratios[classes[i]];
            for (uint8 c = 1; c <= LedgerFlags.MAX_CATEGORY; ++c) {
                uint16 bps = LedgerFlags.ratioIn(row, c);
                if (bps > maxCombinedBps) revert SchemeRegistryInvalidRatio(classes[i], c, bps);
            }
        }
    }

    function _programme(uint32 id) private view returns (ProgrammeRecord storage p) {
        if (id == 0 || id > _programmeCount) revert SchemeRegistryUnknownProgramme(id);
        p = _programmes[id];
    }

    function _entity(uint32 id) private view returns (Entity storage e) {
        if (id == 0 || id > _entityCount) revert SchemeRegistryUnknownEntity(id);
        e = _entities[id];
    }

    function _existingAccreditation(uint32 supplier, uint32 programme) private view returns (Accreditation storage a) {
        a = _accreditations[supplier][programme];
        if (a.validUntil == 0) revert SchemeRegistryNoAccreditation(supplier, programme);
    }

    function _activeAddresses(uint32 entity) private view returns (uint256 n) {
        address[] storage all = _addresses[entity];
        for (uint256 i = 0; i < all.length; ++i) {
            if (_addressRecords[all[i]].active) ++n;
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Internal: what the ledger reads
    // ----------------------------------------------------------------------------------------------------------------

    function _setRatios(uint32 id, ProgrammeRecord storage p, Ratio[] calldata ratios) private {
        uint16 combined = p.rules.maxCombinedBps;
        for (uint256 i = 0; i < ratios.length; ++i) {
            Ratio calldata r = ratios[i];
            uint8 c = r.computeClass;
            uint8 k = r.category;
            bool valid = c != 0 &&
                c <= LedgerFlags.MAX_CLASS &&
                bytes(_classNames[c]).length != 0 &&
                k != 0 &&
                k <= LedgerFlags.MAX_CATEGORY &&
                bytes(_categoryNames[k]).length != 0 &&
                r.bps != 0 &&
                r.bps <= _MAX_BPS &&
                (combined == 0 || r.bps <= combined);
            uint112 row = p.ratios[c];
            if (!valid || LedgerFlags.ratioIn(row, k) != 0) revert SchemeRegistryInvalidRatio(c, k, r.bps);
            if (row == 0) p.classes.push(c);
            p.ratios[c] = row | (uint112(r.bps) << (16 * (k - 1)));
        }
        emit RatiosSet(id, ratios, msg.sender);
    }

    /// @dev Writes the programme's issue terms and, for every class of its table, its redemption terms.
    function _writeProgramme(uint32 id, ProgrammeRecord storage p) private {
        Programme storage r = p.rules;
        uint8 flags = (p.paused ? LedgerFlags.ISSUE_PAUSED : 0) |
            (r.capLifetime ? LedgerFlags.ISSUE_CAP_LIFETIME : 0) |
            (r.exclusive ? LedgerFlags.ISSUE_EXCLUSIVE : 0);
        _ledger.configureProgramme(
            id,
            IVoucherLedgerTypes.IssueTerms({
                firstYear: r.firstYear,
                yearCount: r.yearCount,
                flags: flags,
                capGroup: r.capGroup,
                defaultValidity: r.defaultValidity,
                maxValidity: r.maxValidity,
                redeemUntil: r.redeemUntil,
                capPerCompany: r.capPerCompany
            }),
            r.reissueDelay
        );
        _ledger.configureClaims(
            id,
            IVoucherLedgerTypes.ClaimTerms({
                reviewWindow: r.reviewWindow,
                supplierFirstDays: r.supplierFirstDays,
                lapseApproves: r.lapseApproves
            })
        );
        uint8[] storage classes = p.classes;
        for (uint256 i = 0; i < classes.length; ++i) _writeRedemption(id, p, classes[i]);
    }

    function _writeRedemption(uint32 id, ProgrammeRecord storage p, uint8 computeClass) private {
        Programme storage r = p.rules;
        uint8 flags = (p.paused ? LedgerFlags.REDEEM_PAUSED : 0) |
            (r.kind == ProgrammeKind.Compute ? LedgerFlags.REDEEM_NEEDS_GPU_HOURS : 0) |
            (r.needsElectricity ? LedgerFlags.REDEEM_NEEDS_ELECTRICITY : 0) |
            (r.needsAssessment ? LedgerFlags.REDEEM_NEEDS_ASSESSMENT : 0) |
            (r.exclusive ? LedgerFlags.REDEEM_EXCLUSIVE : 0) |
            (r.payees & 1 != 0 ? LedgerFlags.REDEEM_PAYS_SUPPLIER : 0) |
            (r.payees & 2 != 0 ? LedgerFlags.REDEEM_PAYS_BUYER : 0);
        _ledger.configureRedemption(
            id,
            computeClass,
            IVoucherLedgerTypes.RedemptionTerms({
                redeemFrom: r.redeemFrom,
                redeemUntil: r.redeemUntil,
                earliestContractDay: r.earliestContractDay,
                maxCombinedBps: r.maxCombinedBps,
                entityWindowDays: r.entityWindowDays,
                flags: flags,
                ratios: p.ratios[computeClass]
            })
        );
    }

    /// @dev Writes every address of a company into the ledger (category, roles, whether it has relations).
    function _writeAccounts(uint32 entity) private {
        Entity storage e = _entities[entity];
        address[] storage all = _addresses[entity];
        bool related = e.relations != 0;
        for (uint256 i = 0; i < all.length; ++i) {
            uint8 roles = _addressRecords[all[i]].active ? e.roles : 0;
            _ledger.configureAccount(all[i], entity, e.category, roles, related);
        }
    }

    /// @dev Writes a supplier's accreditation for a programme to each of its addresses (suspended for removed ones).
    function _writeAccreditation(uint32 supplier, uint32 programme) private {
        address[] storage all = _addresses[supplier];
        for (uint256 i = 0; i < all.length; ++i) _writeAccreditationTo(supplier, programme, all[i]);
    }

    /// @dev Writes every accreditation of a supplier to one of its addresses.
    function _writeAccreditationsOf(uint32 supplier, address account) private {
        uint32[] storage programmes = _supplierProgrammes[supplier];
        for (uint256 i = 0; i < programmes.length; ++i) _writeAccreditationTo(supplier, programmes[i], account);
    }

    function _writeAccreditationTo(uint32 supplier, uint32 programme, address account) private {
        Accreditation storage a = _accreditations[supplier][programme];
        _ledger.configureAccreditation(
            account,
            programme,
            supplier,
            a.validFrom,
            a.validUntil,
            a.classes,
            a.suspended || !_addressRecords[account].active
        );
    }
}
