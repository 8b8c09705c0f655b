// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title ISchemeRegistry
 * @notice The rules of the compute-voucher schemes, as their governors keep them: compute classes and beneficiary
 * categories, programmes (one funding body's scheme: level, region, kind, fiscal years, redemption window, validity,
 * cap per company, stacking, ratios per class and category), companies with the addresses that act for them, related
 * parties, suppliers' accreditations, and which issuer runs which programme.
 *
 * @dev Companies are known on chain by a hash of their unified social credit code (README: "Companies"), never by
 * name; the names live off chain. The registry validates every change, records it in an event, and writes what issue
 * and redemption read into the {IVoucherLedger} it is connected to, so that those paths touch no other contract.
 * Days are day numbers (days since 1970-01-01, China Standard Time); instants are unix seconds.
 */
interface ISchemeRegistry {
    /// @notice Who funds a programme.
    enum FundingLevel {
        None,
        National,
        Province,
        City,
        District
    }

    /// @notice What a programme subsidises.
    enum ProgrammeKind {
        None,
        Compute, // 算力券: GPU rental; redemptions must carry metered GPU-hours
        Model, // 模型券
        TrainingData // 语料券
    }

    /// @notice A programme's rules.
    struct Programme {
        FundingLevel level;
        uint32 region; // GB/T 2260 code of the funding body's region (310000 Shanghai, 310104 Xuhui district)
        ProgrammeKind kind;
        string name;
        uint16 firstYear; // first fiscal year
        uint8 yearCount; // fiscal years, each with its own budget (Shenzhen: 2)
        uint40 redeemFrom; // redemptions count from…
        uint40 redeemUntil; // …until (exclusive); no voucher outlives it
        uint16 earliestContractDay; // contracts signed before this day are not eligible (Beijing: 2023-09-01); 0 = any
        uint32 defaultValidity; // seconds
        uint32 maxValidity; // seconds
        uint64 capPerCompany; // per company and cap period, in minor units; 0 = none
        bool capLifetime; // the cap counts over the programme's life ("per entity"), not per fiscal year
        uint32 capGroup; // programmes sharing an exclusivity rule (Beijing's municipal subsidies); 0 = none
        bool exclusive; // a company that takes this programme may take no other of its cap group
        uint16 maxCombinedBps; // an invoice's subsidy from all programmes together, at most; 0 = this one alone
        uint16 entityWindowDays; // service counts within this many days of the company's first voucher; 0 = any
        bool needsElectricity; // redemptions must carry metered electricity (Qingyang)
        bool needsAssessment; // redemptions must carry a third party's assessment (Qingyang)
        uint32 reissueDelay; // seconds an issuer's re-issue waits unless the governor approves it
        uint8 payees; // who is paid: 1 suppliers (they redeem), 2 buyers (they claim), 3 either, never both per invoice
        uint16 supplierFirstDays; // buyers may claim only this many days after the service ended (Qingyang)
        uint32 reviewWindow; // seconds an issuer has to decide a buyer's claim
        bool lapseApproves; // a claim not decided in its window is approved (true) or lapses (false)
    }

    /// @notice One entry of a ratio table.
    struct Ratio {
        uint8 computeClass;
        uint8 category;
        uint16 bps; // share of the invoice total, in basis points
    }

    /// @notice A company.
    struct Entity {
        bytes32 creditCodeHash;
        uint8 roles; // 1 beneficiary, 2 supplier (LedgerFlags.ROLE_*)
        uint8 category; // beneficiary category; 0 for a supplier only
        uint32 relations; // recorded relations with suppliers (as a beneficiary)
    }

    /// @notice A supplier's accreditation for a programme.
    struct Accreditation {
        uint40 validFrom;
        uint40 validUntil;
        uint32 classes; // bit (c - 1) set: compute class c
        bool suspended;
        bytes32 reason; // of the last suspension
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice The registry was connected to its ledger.
     * @param ledger The ledger.
     * @param actor The admin.
     */
    event LedgerConnected(address ledger, address actor);

    /**
     * @notice A compute class was defined or renamed.
     * @param id The class (1 to 32).
     * @param name Its name.
     * @param actor The governor.
     */
    event ClassDefined(uint8 indexed id, string name, address actor);

    /**
     * @notice A beneficiary category was defined or renamed.
     * @param id The category (1 to 7).
     * @param name Its name.
     * @param actor The governor.
     */
    event CategoryDefined(uint8 indexed id, string name, address actor);

    /**
     * @notice A programme was registered.
     * @param id The programme.
     * @param programme Its rules.
     * @param actor The governor.
     */
    event ProgrammeRegistered(uint32 indexed id, Programme programme, address actor);

    /**
     * @notice A programme's rules changed.
     * @param id The programme.
     * @param programme Its rules now.
     * @param actor The governor.
     */
    event ProgrammeUpdated(uint32 indexed id, Programme programme, address actor);

    /**
     * @notice A programme's ratio table was replaced.
     * @param id The programme.
     * @param ratios The whole table; a class and category not in it are not paid.
     * @param actor The governor.
     */
    event RatiosSet(uint32 indexed id, Ratio[] ratios, address actor);

    /**
     * @notice A programme was paused: no issue, no redemption.
     * @param id The programme.
     * @param reason Reason code.
     * @param actor The guardian.
     */
    event ProgrammePaused(uint32 indexed id, bytes32 reason, address actor);

    /**
     * @notice A paused programme was resumed.
     * @param id The programme.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event ProgrammeResumed(uint32 indexed id, bytes32 reason, address actor);

    /**
     * @notice A company was registered.
     * @param id The company's number in the registry.
     * @param creditCodeHash The hash of its unified social credit code.
     * @param roles Beneficiary (1), supplier (2), or both.
     * @param category Its beneficiary category; 0 for a supplier only.
     * @param actor The governor.
     */
    event EntityRegistered(
        uint32 indexed id,
        bytes32 indexed creditCodeHash,
        uint8 roles,
        uint8 category,
        address actor
    );

    /**
     * @notice A company's beneficiary category changed (vouchers issued before keep theirs only until it does).
     * @param id The company.
     * @param category The new category.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event EntityCategorySet(uint32 indexed id, uint8 category, bytes32 reason, address actor);

    /**
     * @notice An address now acts for a company.
     * @param entity The company.
     * @param account The address.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event AddressAdded(uint32 indexed entity, address indexed account, bytes32 reason, address actor);

    /**
     * @notice An address no longer acts for its company (it stays the company's: it can never act for another).
     * @param entity The company.
     * @param account The address.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event AddressRemoved(uint32 indexed entity, address indexed account, bytes32 reason, address actor);

    /**
     * @notice A relation between a beneficiary and a supplier was recorded: no subsidy between them from now on.
     * @param beneficiary The beneficiary company.
     * @param supplier The supplier company.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event RelationRecorded(uint32 indexed beneficiary, uint32 indexed supplier, bytes32 reason, address actor);

    /**
     * @notice A recorded relation was cleared.
     * @param beneficiary The beneficiary company.
     * @param supplier The supplier company.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event RelationCleared(uint32 indexed beneficiary, uint32 indexed supplier, bytes32 reason, address actor);

    /**
     * @notice A supplier was accredited for a programme: the window and the classes replace any earlier ones, and a
     * suspension is lifted.
     * @param supplier The supplier company.
     * @param programme The programme.
     * @param validFrom From (unix seconds).
     * @param validUntil Until (exclusive).
     * @param classes The compute classes it may invoice (bit c - 1 for class c).
     * @param actor The governor.
     */
    event SupplierAccredited(
        uint32 indexed supplier,
        uint32 indexed programme,
        uint40 validFrom,
        uint40 validUntil,
        uint32 classes,
        address actor
    );

    /**
     * @notice A supplier's accreditation for a programme was suspended.
     * @param supplier The supplier company.
     * @param programme The programme.
     * @param reason Reason code.
     * @param actor The guardian.
     */
    event SupplierSuspended(uint32 indexed supplier, uint32 indexed programme, bytes32 reason, address actor);

    /**
     * @notice A suspension was lifted (by reinstatement, or by a new accreditation).
     * @param supplier The supplier company.
     * @param programme The programme.
     * @param reason Reason code.
     * @param actor The governor.
     */
    event SupplierReinstated(uint32 indexed supplier, uint32 indexed programme, bytes32 reason, address actor);

    /**
     * @notice An issuer may now issue under a programme.
     * @param issuer The issuer's address.
     * @param programme The programme.
     * @param actor The governor.
     */
    event IssuerBound(address indexed issuer, uint32 indexed programme, address actor);

    /**
     * @notice An issuer may no longer issue under a programme.
     * @param issuer The issuer's address.
     * @param programme The programme.
     * @param actor The governor.
     */
    event IssuerUnbound(address indexed issuer, uint32 indexed programme, address actor);

    // ----------------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice The registry is not connected to a ledger yet, or already is.
    error SchemeRegistryConnection(address ledger);
    /// @notice A class id outside 1 to 32, or one not defined.
    error SchemeRegistryUnknownClass(uint8 id);
    /// @notice A category id outside 1 to 7, or one not defined.
    error SchemeRegistryUnknownCategory(uint8 id);
    /// @notice An empty name.
    error SchemeRegistryEmptyName();
    /// @notice No such programme.
    error SchemeRegistryUnknownProgramme(uint32 id);
    /// @notice A programme's rules do not hold together (`field` names the first that does not).
    error SchemeRegistryInvalidProgramme(string field);
    /// @notice A ratio entry is not valid (class, category, or a share of 0, above 100% or above the combined share).
    error SchemeRegistryInvalidRatio(uint8 computeClass, uint8 category, uint16 bps);
    /// @notice The programme is already paused, or not paused.
    error SchemeRegistryPauseUnchanged(uint32 id, bool paused);
    /// @notice A credit code hash of zero, or one registered already.
    error SchemeRegistryEntityExists(bytes32 creditCodeHash, uint32 id);
    /// @notice No such company.
    error SchemeRegistryUnknownEntity(uint32 id);
    /// @notice Roles must be beneficiary, supplier or both; a beneficiary needs a category.
    error SchemeRegistryInvalidRoles(uint8 roles, uint8 category);
    /// @notice The address acts, or acted, for another company, or is zero.
    error SchemeRegistryAddressTaken(address account, uint32 entity);
    /// @notice The address is already active for the company, or not active.
    error SchemeRegistryAddressUnchanged(address account, bool active);
    /// @notice A company has at most 8 active addresses.
    error SchemeRegistryTooManyAddresses(uint32 entity);
    /// @notice The relation is already recorded, or not recorded.
    error SchemeRegistryRelationUnchanged(uint32 beneficiary, uint32 supplier, bool recorded);
    /// @notice The company has not this role (1 beneficiary, 2 supplier).
    error SchemeRegistryWrongRole(uint32 entity, uint8 role);
    /// @notice An accreditation window that is empty, or classes that are none or not defined.
    error SchemeRegistryInvalidAccreditation(uint40 validFrom, uint40 validUntil, uint32 classes);
    /// @notice The supplier has no accreditation for the programme.
    error SchemeRegistryNoAccreditation(uint32 supplier, uint32 programme);
    /// @notice The accreditation is already suspended, or not suspended.
    error SchemeRegistrySuspensionUnchanged(uint32 supplier, uint32 programme, bool suspended);
    /// @notice The issuer is already bound to the programme, or not bound.
    error SchemeRegistryIssuerUnchanged(address issuer, uint32 programme, bool bound);

    // ----------------------------------------------------------------------------------------------------------------
    // Functions
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice Connects the registry to its ledger, once (the admin). The ledger must name this registry. (It is not
    /// named `connect`: ethers contracts have a method of that name.)
    function setLedger(address ledger) external;

    /// @notice Defines or renames compute class `id` (1 to 32); emits {ClassDefined}.
    function defineClass(uint8 id, string calldata name) external;

    /// @notice Defines or renames beneficiary category `id` (1 to 7); emits {CategoryDefined}.
    function defineCategory(uint8 id, string calldata name) external;

    /**
     * @notice Registers a programme with its ratio table; emits {ProgrammeRegistered} and {RatiosSet}; returns its id.
     * @dev Requirements: level, kind and region are given, the name is not empty; at least one fiscal year; the
     * redemption window is not empty and ends by 2^32 - 1 (the last expiry a voucher holds); validity positive and not
     * above the longest; a cap group for an exclusive programme, and none for another; a combined share at most 100%;
     * every ratio for a defined class and category, positive, at most 100% and at most the combined share (where there
     * is one).
     */
    function registerProgramme(Programme calldata programme, Ratio[] calldata ratios) external returns (uint32 id);

    /**
     * @notice Changes a programme's rules; emits {ProgrammeUpdated}. Level, region, kind and first year cannot change,
     * nor how a company's tally is kept (`capLifetime`, `exclusive`, and `capGroup` of an exclusive programme: the
     * ledger would forget the tally kept so far), and the fiscal years cannot become fewer. Takes effect for issues and
     * redemptions from now on.
     */
    function updateProgramme(uint32 id, Programme calldata programme) external;

    /// @notice Replaces a programme's ratio table; emits {RatiosSet}.
    function setRatios(uint32 id, Ratio[] calldata ratios) external;

    /// @notice Pauses a programme (the guardian's, no delay); emits {ProgrammePaused}.
    function pauseProgramme(uint32 id, bytes32 reason) external;

    /// @notice Resumes a paused programme (the governor's); emits {ProgrammeResumed}.
    function resumeProgramme(uint32 id, bytes32 reason) external;

    /**
     * @notice Registers a company by the hash of its credit code; emits {EntityRegistered}; returns its number.
     * @dev Requirements: the hash is not zero and not registered; roles are 1, 2 or 3; a beneficiary has a defined
     * category.
     */
    function registerEntity(bytes32 creditCodeHash, uint8 roles, uint8 category) external returns (uint32 id);

    /// @notice Changes a beneficiary's category; emits {EntityCategorySet}.
    function setEntityCategory(uint32 entity, uint8 category, bytes32 reason) external;

    /**
     * @notice Lets an address act for a company (at most 8 at a time); emits {AddressAdded}.
     * @dev An address belongs to one company for ever: one that acted for another is refused; one removed from this
     * company may be added back.
     */
    function addAddress(uint32 entity, address account, bytes32 reason) external;

    /// @notice Stops an address acting for its company; emits {AddressRemoved}. Its vouchers wait for a re-issue.
    function removeAddress(address account, bytes32 reason) external;

    /// @notice Records a relation between a beneficiary and a supplier; emits {RelationRecorded}.
    function recordRelation(uint32 beneficiary, uint32 supplier, bytes32 reason) external;

    /// @notice Clears a recorded relation; emits {RelationCleared}.
    function clearRelation(uint32 beneficiary, uint32 supplier, bytes32 reason) external;

    /**
     * @notice Accredits a supplier for a programme over `[validFrom, validUntil)` for `classes`, replacing an earlier
     * accreditation and lifting a suspension; emits {SupplierAccredited} (and {SupplierReinstated} if it was
     * suspended).
     */
    function accredit(uint32 supplier, uint32 programme, uint40 validFrom, uint40 validUntil, uint32 classes) external;

    /// @notice Suspends a supplier's accreditation (the guardian's, no delay); emits {SupplierSuspended}.
    function suspend(uint32 supplier, uint32 programme, bytes32 reason) external;

    /// @notice Lifts a suspension (the governor's); emits {SupplierReinstated}.
    function reinstate(uint32 supplier, uint32 programme, bytes32 reason) external;

    /// @notice Lets an issuer issue under a programme; emits {IssuerBound}.
    function bindIssuer(address issuer, uint32 programme) external;

    /// @notice Stops an issuer issuing under a programme; emits {IssuerUnbound}.
    function unbindIssuer(address issuer, uint32 programme) external;

    // ----------------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice The ledger the registry writes to (0 until connected).
    function ledger() external view returns (address);

    /// @notice The name of a compute class ("" if not defined).
    function className(uint8 id) external view returns (string memory);

    /// @notice The name of a beneficiary category ("" if not defined).
    function categoryName(uint8 id) external view returns (string memory);

    /// @notice How many programmes there are; their ids are 1 to this.
    function programmeCount() external view returns (uint32);

    /// @notice A programme's rules, whether it is paused, and its ratio table.
    function getProgramme(uint32 id) external view returns (Programme memory, bool paused, Ratio[] memory ratios);

    /// @notice How many companies there are; their numbers are 1 to this.
    function entityCount() external view returns (uint32);

    /// @notice A company.
    function getEntity(uint32 id) external view returns (Entity memory);

    /// @notice The company registered with this credit code hash (0 if none).
    function entityByCreditCode(bytes32 creditCodeHash) external view returns (uint32);

    /// @notice The company an address acts (or acted) for, and whether it acts for it now.
    function entityOf(address account) external view returns (uint32 entity, bool active);

    /// @notice Every address that ever acted for a company, in the order they were added.
    function addressesOf(uint32 entity) external view returns (address[] memory);

    /// @notice The reason of a recorded relation (0 if none).
    function relationOf(uint32 beneficiary, uint32 supplier) external view returns (bytes32);

    /// @notice A supplier's accreditation for a programme.
    function getAccreditation(uint32 supplier, uint32 programme) external view returns (Accreditation memory);

    /// @notice The programmes a supplier was ever accredited for.
    function programmesOf(uint32 supplier) external view returns (uint32[] memory);

    /// @notice Whether an issuer is bound to a programme.
    function isIssuer(address issuer, uint32 programme) external view returns (bool);
}
