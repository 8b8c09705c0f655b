// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IComputeVoucher
 * @notice The public surface of the compute-voucher ledger: non-transferable ERC-1155 vouchers issued by city
 * issuers out of a city's appropriation and redeemed by accredited data centers against invoices that the holder
 * (the start-up) consented to with an EIP-712 signature.
 *
 * @dev Amounts are in the currency's minor unit (fen for CNY). A voucher's id is
 * `uint256(keccak256(abi.encode(city, applicationRef)))`, and the holder's ERC-1155 balance of that id is the
 * voucher's remaining value. Per city the ledger keeps the counters `issued`, `redeemed`, `revoked` and `expired`,
 * and always `issued == redeemed + revoked + expired + outstanding`, where `outstanding` is the sum of the
 * remaining values of the city's vouchers. Revoked and expired value returns to the city's budget; the budget is
 * the city's appropriation, so what is committed (`redeemed + outstanding`) never exceeds it.
 *
 * Every privileged function is `restricted` by an OpenZeppelin `AccessManager`, which says which role may call it
 * and with which execution delay. The roles in this project's deployment are GOVERNOR (the regulator), ISSUER
 * (a city's issuer, additionally bound to one city by {bindIssuer}) and AUDITOR (read access in the service).
 */
interface IComputeVoucher {
    /// @notice The life-cycle state of a voucher.
    enum VoucherStatus {
        None, // never issued
        Active, // issued, value left, may be redeemed until it expires
        Redeemed, // fully redeemed; the record stays
        Revoked, // revoked by its city's issuer or the governor; what was left went back to the budget
        Expired, // expired; what was left went back to the budget
        Reissued // replaced by a new voucher to a new holder (lost key); what was left moved to the new voucher
    }

    /// @notice A city's scheme parameters.
    struct City {
        string name;
        uint128 budget; // the appropriation, in minor units
        bytes32 appropriation; // reference to the budget act that appropriated it
        uint16 ratioBps; // share of an invoice a voucher may pay, in basis points (8000 = 80%)
        uint128 holderCap; // cumulative face value one holder may be issued by this city; 0 = no cap
        uint64 defaultValidity; // seconds from issue to expiry when an issue gives no expiry
    }

    /// @notice A city's counters, in minor units.
    struct CityCounters {
        uint128 issued;
        uint128 redeemed;
        uint128 revoked;
        uint128 expired;
        uint128 outstanding;
    }

    /// @notice A voucher's full record, as {getVoucher} returns it.
    struct VoucherRecord {
        uint32 city;
        address holder;
        VoucherStatus status;
        uint128 faceValue; // value at issue (or, for a re-issued voucher, the value moved to it)
        uint128 remaining; // the holder's balance of the voucher
        uint64 issuedAt;
        uint64 expiresAt;
        uint256 reissuedFrom; // the voucher this one replaced, or 0
        uint256 reissuedTo; // the voucher that replaced this one, or 0
    }

    /// @notice A data center's accreditation for one city. The accreditation is in force while
    /// `validFrom <= block.timestamp < validUntil` and it is not suspended.
    struct Accreditation {
        uint64 validFrom;
        uint64 validUntil;
        bool suspended;
        bytes32 reason; // reason code of the last suspension, or 0
    }

    /// @notice What an issuer asks for when issuing one voucher.
    struct IssueRequest {
        address holder;
        bytes32 applicationRef; // the city's reference of the approved application; with the city, the voucher id
        uint128 faceValue;
        uint64 expiresAt; // unix seconds; 0 = the city's default validity from now
    }

    /// @notice The holder's consent to one redemption, signed as EIP-712 typed data `Consent`.
    struct Consent {
        uint256 voucherId;
        address dataCenter;
        uint128 amount; // what the voucher pays, in minor units
        bytes32 invoiceHash; // hash of the invoice document; each invoice hash can be redeemed once, ever
        uint128 invoiceTotal; // the invoice's total, in minor units
        uint64 deadline; // unix seconds after which the consent is void
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice A city was registered.
     * @param city GB/T 2260 code of the city (310000 Shanghai).
     * @param name The city's name.
     * @param budget The appropriation, in minor units.
     * @param appropriation Reference to the budget act.
     * @param ratioBps Share of an invoice a voucher may pay, in basis points.
     * @param holderCap Cumulative face value per holder; 0 = no cap.
     * @param defaultValidity Default validity of a voucher, in seconds.
     * @param actor The account that registered it.
     */
    event CityRegistered(
        uint32 indexed city,
        string name,
        uint128 budget,
        bytes32 appropriation,
        uint16 ratioBps,
        uint128 holderCap,
        uint64 defaultValidity,
        address indexed actor
    );

    /**
     * @notice A city's budget was changed.
     * @param city The city.
     * @param budget The new budget, in minor units.
     * @param appropriation Reference to the budget act behind the new budget.
     * @param actor The account that changed it.
     */
    event CityBudgetSet(uint32 indexed city, uint128 budget, bytes32 appropriation, address indexed actor);

    /**
     * @notice A city's subsidy ratio was changed.
     * @param city The city.
     * @param ratioBps The new ratio, in basis points.
     * @param actor The account that changed it.
     */
    event CityRatioSet(uint32 indexed city, uint16 ratioBps, address indexed actor);

    /**
     * @notice A city's per-holder cap was changed.
     * @param city The city.
     * @param holderCap The new cap, in minor units; 0 = no cap.
     * @param actor The account that changed it.
     */
    event CityHolderCapSet(uint32 indexed city, uint128 holderCap, address indexed actor);

    /**
     * @notice A city's default validity was changed.
     * @param city The city.
     * @param defaultValidity The new default validity, in seconds.
     * @param actor The account that changed it.
     */
    event CityDefaultValiditySet(uint32 indexed city, uint64 defaultValidity, address indexed actor);

    /**
     * @notice An issuer was bound to a city.
     * @param issuer The issuer's account.
     * @param city The city it may now issue and revoke in.
     * @param actor The account that bound it.
     */
    event IssuerBound(address indexed issuer, uint32 indexed city, address indexed actor);

    /**
     * @notice An issuer was unbound from its city.
     * @param issuer The issuer's account.
     * @param city The city it was bound to.
     * @param actor The account that unbound it.
     */
    event IssuerUnbound(address indexed issuer, uint32 indexed city, address indexed actor);

    /**
     * @notice A data center was accredited for a city (or its accreditation window was replaced).
     * @param dataCenter The data center's account.
     * @param city The city.
     * @param validFrom Start of the accreditation, unix seconds.
     * @param validUntil End of the accreditation (exclusive), unix seconds.
     * @param actor The account that accredited it.
     */
    event DataCenterAccredited(
        address indexed dataCenter,
        uint32 indexed city,
        uint64 validFrom,
        uint64 validUntil,
        address indexed actor
    );

    /**
     * @notice A data center's accreditation for a city was suspended.
     * @param dataCenter The data center's account.
     * @param city The city.
     * @param reason Reason code (a short word as bytes32).
     * @param actor The account that suspended it.
     */
    event DataCenterSuspended(address indexed dataCenter, uint32 indexed city, bytes32 reason, address indexed actor);

    /**
     * @notice A data center's suspended accreditation for a city was reinstated.
     * @param dataCenter The data center's account.
     * @param city The city.
     * @param actor The account that reinstated it.
     */
    event DataCenterReinstated(address indexed dataCenter, uint32 indexed city, address indexed actor);

    /**
     * @notice A voucher was issued.
     * @param id The voucher id.
     * @param city The issuing city.
     * @param holder The start-up that holds it.
     * @param applicationRef The city's application reference it was issued for.
     * @param faceValue Its value, in minor units.
     * @param expiresAt Its expiry, unix seconds.
     * @param actor The issuer.
     */
    event VoucherIssued(
        uint256 indexed id,
        uint32 indexed city,
        address indexed holder,
        bytes32 applicationRef,
        uint128 faceValue,
        uint64 expiresAt,
        address actor
    );

    /**
     * @notice Voucher value was redeemed against an invoice.
     * @param id The voucher id.
     * @param city The voucher's city.
     * @param dataCenter The accredited data center that redeemed it.
     * @param holder The holder that consented.
     * @param invoiceHash The invoice's hash.
     * @param amount The value redeemed, in minor units.
     * @param invoiceTotal The invoice's total, in minor units.
     * @param remaining The voucher's value left after the redemption.
     */
    event VoucherRedeemed(
        uint256 indexed id,
        uint32 indexed city,
        address indexed dataCenter,
        address holder,
        bytes32 invoiceHash,
        uint128 amount,
        uint128 invoiceTotal,
        uint128 remaining
    );

    /**
     * @notice A voucher was revoked; its remaining value went back to the city's budget.
     * @param id The voucher id.
     * @param city The voucher's city.
     * @param holder The holder it was taken from.
     * @param amount The value burned, in minor units.
     * @param reason Reason code (a short word as bytes32).
     * @param actor The issuer or governor that revoked it.
     */
    event VoucherRevoked(
        uint256 indexed id,
        uint32 indexed city,
        address indexed holder,
        uint128 amount,
        bytes32 reason,
        address actor
    );

    /**
     * @notice An expired voucher was closed; its remaining value went back to the city's budget.
     * @param id The voucher id.
     * @param city The voucher's city.
     * @param holder The holder it was taken from.
     * @param amount The value burned, in minor units.
     * @param actor The account that closed it (anyone may).
     */
    event VoucherExpired(
        uint256 indexed id,
        uint32 indexed city,
        address indexed holder,
        uint128 amount,
        address actor
    );

    /**
     * @notice A voucher was replaced by a new one to a new holder (lost key); the remaining value moved to it.
     * @param id The old voucher's id.
     * @param newId The new voucher's id.
     * @param city The city of both.
     * @param oldHolder The old voucher's holder.
     * @param newHolder The new voucher's holder.
     * @param applicationRef The new voucher's application reference.
     * @param amount The value moved, in minor units (the new voucher's face value).
     * @param expiresAt The new voucher's expiry, unix seconds.
     * @param reason Reason code (a short word as bytes32).
     * @param actor The issuer or governor that re-issued it.
     */
    event VoucherReissued(
        uint256 indexed id,
        uint256 indexed newId,
        uint32 indexed city,
        address oldHolder,
        address newHolder,
        bytes32 applicationRef,
        uint128 amount,
        uint64 expiresAt,
        bytes32 reason,
        address actor
    );

    /**
     * @notice The metadata base URI was changed.
     * @param baseURI The new base URI; a voucher's URI is the base URI followed by its id in decimal.
     * @param actor The account that changed it.
     */
    event BaseURISet(string baseURI, address indexed actor);

    /**
     * @notice ERC-6268: a token id became non-transferable (emitted once, when a voucher is issued).
     * @param id The voucher id.
     */
    event Locked(uint256 id);

    /**
     * @notice ERC-6268: a token id became transferable. Never emitted: vouchers are never transferable.
     * @param id The voucher id.
     */
    event Unlocked(uint256 id);

    // ----------------------------------------------------------------------------------------------------------------
    // Errors (EIP-6093 style: contract name, reason, offending values)
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice Vouchers cannot be transferred.
    error ComputeVoucherNonTransferable(address from, address to, uint256 id);
    /// @notice Vouchers cannot be approved to an operator.
    error ComputeVoucherApprovalDisabled(address owner, address operator);
    /// @notice The city code is 0 or not a registered city.
    error ComputeVoucherUnknownCity(uint32 city);
    /// @notice The city is registered already.
    error ComputeVoucherCityExists(uint32 city);
    /// @notice The ratio is above 10000 basis points or zero.
    error ComputeVoucherInvalidRatio(uint16 ratioBps);
    /// @notice The default validity is zero.
    error ComputeVoucherInvalidValidity(uint64 validity);
    /// @notice A budget below what the city has already committed (redeemed + outstanding).
    error ComputeVoucherBudgetBelowCommitted(uint32 city, uint128 budget, uint256 committed);
    /// @notice Issuing would exceed the city's remaining budget.
    error ComputeVoucherBudgetExceeded(uint32 city, uint256 requested, uint256 available);
    /// @notice Issuing would exceed the holder's cap in the city.
    error ComputeVoucherHolderCapExceeded(uint32 city, address holder, uint256 requested, uint256 available);
    /// @notice The holder is the zero address.
    error ComputeVoucherInvalidHolder(address holder);
    /// @notice The amount is zero.
    error ComputeVoucherInvalidAmount(uint256 amount);
    /// @notice The expiry is not in the future.
    error ComputeVoucherInvalidExpiry(uint64 expiresAt, uint256 timestamp);
    /// @notice A voucher with this id exists already (the application was issued before).
    error ComputeVoucherExists(uint256 id);
    /// @notice No voucher with this id was ever issued.
    error ComputeVoucherUnknownVoucher(uint256 id);
    /// @notice The voucher is not active (fully redeemed, revoked, expired or re-issued).
    error ComputeVoucherInactive(uint256 id, VoucherStatus status);
    /// @notice The voucher has expired.
    error ComputeVoucherExpired(uint256 id, uint64 expiresAt);
    /// @notice The voucher has not expired yet.
    error ComputeVoucherNotExpired(uint256 id, uint64 expiresAt);
    /// @notice The issuer is not bound to the city it acts in.
    error ComputeVoucherIssuerNotInCity(address issuer, uint32 city);
    /// @notice The issuer is bound to a city already; unbind it first.
    error ComputeVoucherIssuerAlreadyBound(address issuer, uint32 city);
    /// @notice The data center's accreditation for the city is not in force now.
    error ComputeVoucherNotAccredited(address dataCenter, uint32 city);
    /// @notice The data center has no accreditation for the city at all.
    error ComputeVoucherNoAccreditation(address dataCenter, uint32 city);
    /// @notice The accreditation window is empty or the data center is the zero address.
    error ComputeVoucherInvalidAccreditation(address dataCenter, uint64 validFrom, uint64 validUntil);
    /// @notice The accreditation is suspended already, or (on reinstate) not suspended.
    error ComputeVoucherSuspensionUnchanged(address dataCenter, uint32 city, bool suspended);
    /// @notice The consent names another data center than the caller.
    error ComputeVoucherWrongDataCenter(address consented, address caller);
    /// @notice The consent's deadline has passed.
    error ComputeVoucherConsentExpired(uint64 deadline, uint256 timestamp);
    /// @notice The consent's signature is not the holder's.
    error ComputeVoucherInvalidConsent(uint256 id, address holder);
    /// @notice The invoice hash was redeemed before.
    error ComputeVoucherInvoiceUsed(bytes32 invoiceHash);
    /// @notice The amount is above the city's ratio of the invoice total.
    error ComputeVoucherOverRatio(uint256 amount, uint256 invoiceTotal, uint16 ratioBps);
    /// @notice The amount is above the voucher's remaining value.
    error ComputeVoucherInsufficientValue(uint256 id, uint256 amount, uint256 remaining);
    /// @notice Batch arrays differ in length, or a batch is empty.
    error ComputeVoucherBatchLength(uint256 expected, uint256 actual);

    // ----------------------------------------------------------------------------------------------------------------
    // Governor: cities, issuers, data centers, metadata
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Registers a city.
     * @dev Requirements:
     * - caller has the role the AccessManager assigns to this function (GOVERNOR);
     * - `city` is not 0 and not registered; `ratioBps` in 1..10000; `defaultValidity` not 0.
     * @param city GB/T 2260 code.
     * @param params The city's parameters.
     */
    function registerCity(uint32 city, City calldata params) external;

    /**
     * @notice Sets a city's budget and the appropriation reference behind it.
     * @dev Requirements: GOVERNOR; the city exists; `budget` is at least what the city has committed
     * (`redeemed + outstanding`).
     */
    function setCityBudget(uint32 city, uint128 budget, bytes32 appropriation) external;

    /**
     * @notice Sets a city's subsidy ratio, in basis points. Applies to redemptions from now on.
     * @dev Requirements: GOVERNOR; the city exists; `ratioBps` in 1..10000.
     */
    function setCityRatio(uint32 city, uint16 ratioBps) external;

    /**
     * @notice Sets a city's per-holder cap (cumulative face value issued to one holder; 0 = no cap).
     * @dev Requirements: GOVERNOR; the city exists. Applies to issues from now on.
     */
    function setCityHolderCap(uint32 city, uint128 holderCap) external;

    /**
     * @notice Sets a city's default voucher validity, in seconds.
     * @dev Requirements: GOVERNOR; the city exists; `defaultValidity` not 0.
     */
    function setCityDefaultValidity(uint32 city, uint64 defaultValidity) external;

    /**
     * @notice Binds an issuer account to a city: it may issue, revoke and re-issue there only.
     * @dev Requirements: GOVERNOR; the city exists; the issuer is not bound already. The account also needs the
     * ISSUER role in the AccessManager.
     */
    function bindIssuer(address issuer, uint32 city) external;

    /**
     * @notice Unbinds an issuer from its city.
     * @dev Requirements: GOVERNOR; the issuer is bound.
     */
    function unbindIssuer(address issuer) external;

    /**
     * @notice Accredits a data center for a city over `[validFrom, validUntil)`, replacing any earlier window and
     * lifting any suspension.
     * @dev Requirements: GOVERNOR; the city exists; `dataCenter` is not 0; `validFrom < validUntil`.
     */
    function accredit(address dataCenter, uint32 city, uint64 validFrom, uint64 validUntil) external;

    /**
     * @notice Suspends a data center's accreditation for a city, with a reason code.
     * @dev Requirements: GOVERNOR; the accreditation exists and is not suspended.
     */
    function suspend(address dataCenter, uint32 city, bytes32 reason) external;

    /**
     * @notice Lifts a data center's suspension for a city.
     * @dev Requirements: GOVERNOR; the accreditation exists and is suspended.
     */
    function reinstate(address dataCenter, uint32 city) external;

    /**
     * @notice Sets the metadata base URI.
     * @dev Requirements: GOVERNOR.
     */
    function setBaseURI(string calldata baseURI) external;

    /**
     * @notice Stops every state change but the governor's own (issue, redeem, issuer revoke and re-issue, expire).
     * @dev Requirements: GOVERNOR; not paused.
     */
    function pause() external;

    /**
     * @notice Lifts a pause.
     * @dev Requirements: GOVERNOR; paused.
     */
    function unpause() external;

    // ----------------------------------------------------------------------------------------------------------------
    // Issuers
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Issues one voucher in `city`; returns its id.
     * @dev Requirements:
     * - ISSUER, bound to `city`; not paused;
     * - holder not 0; face value not 0; expiry (if given) in the future;
     * - the application was not issued before in this city;
     * - within the city's remaining budget and the holder's cap.
     */
    function issue(uint32 city, IssueRequest calldata request) external returns (uint256 id);

    /**
     * @notice Issues several vouchers in `city`, all or none; returns their ids.
     * @dev Requirements: as {issue} for each, with budget and caps counted over the whole batch.
     */
    function issueBatch(uint32 city, IssueRequest[] calldata requests) external returns (uint256[] memory ids);

    /**
     * @notice Revokes a voucher of the caller's city: burns what is left and returns it to the budget.
     * @dev Requirements: ISSUER, bound to the voucher's city; not paused; the voucher is active.
     */
    function revoke(uint256 id, bytes32 reason) external;

    /**
     * @notice Revokes any voucher, also while paused.
     * @dev Requirements: GOVERNOR; the voucher is active.
     */
    function revokeByGovernor(uint256 id, bytes32 reason) external;

    /**
     * @notice Re-issues a voucher of the caller's city to a new holder (lost key): burns the old voucher and mints
     * its remaining value as a new voucher for `applicationRef`, linked both ways; returns the new id.
     * @dev Requirements: ISSUER, bound to the voucher's city; not paused; the voucher is active and not expired;
     * the new holder is not 0 and within the city's holder cap; the new id is unused; the new expiry (0 = keep the
     * old one) is in the future.
     */
    function reissue(
        uint256 id,
        address newHolder,
        bytes32 applicationRef,
        uint64 expiresAt,
        bytes32 reason
    ) external returns (uint256 newId);

    /**
     * @notice Re-issues any voucher, also while paused. See {reissue}.
     * @dev Requirements: GOVERNOR; as {reissue} otherwise.
     */
    function reissueByGovernor(
        uint256 id,
        address newHolder,
        bytes32 applicationRef,
        uint64 expiresAt,
        bytes32 reason
    ) external returns (uint256 newId);

    // ----------------------------------------------------------------------------------------------------------------
    // Anyone
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Closes an expired voucher: burns what is left and returns it to the city's budget.
     * @dev Requirements: not paused; the voucher is active and its expiry has passed.
     */
    function expire(uint256 id) external;

    /**
     * @notice Closes several expired vouchers. See {expire}.
     */
    function expireBatch(uint256[] calldata ids) external;

    // ----------------------------------------------------------------------------------------------------------------
    // Data centers
    // ----------------------------------------------------------------------------------------------------------------

    /**
     * @notice Redeems voucher value against an invoice, with the holder's consent. The caller (directly, or the
     * signer of a request relayed through the trusted ERC-2771 forwarder) is the data center.
     * @dev Requirements:
     * - not paused; the caller is the consent's data center and accredited for the voucher's city now;
     * - the consent's deadline has not passed; `signature` is the holder's (EOA or ERC-1271 wallet) over the
     *   EIP-712 `Consent`;
     * - the invoice hash was never redeemed; `amount` is not 0, at most the voucher's remaining value, and at most
     *   the city's ratio of the invoice total;
     * - the voucher is active and not expired.
     */
    function redeem(Consent calldata consent, bytes calldata signature) external;

    /**
     * @notice Redeems several consents, all or none. See {redeem}.
     */
    function redeemBatch(Consent[] calldata consents, bytes[] calldata signatures) external;

    // ----------------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------------

    /// @notice The ISO 4217 code of the currency vouchers are denominated in ("CNY").
    function currency() external view returns (string memory);

    /// @notice Digits of the currency's minor unit (2 for CNY: amounts are in fen).
    function decimals() external view returns (uint8);

    /// @notice The id of the voucher for `applicationRef` in `city`.
    function voucherId(uint32 city, bytes32 applicationRef) external pure returns (uint256);

    /// @notice A voucher's full record; reverts for an id never issued.
    function getVoucher(uint256 id) external view returns (VoucherRecord memory);

    /// @notice A city's parameters; reverts for an unknown city.
    function getCity(uint32 city) external view returns (City memory);

    /// @notice A city's counters (issued, redeemed, revoked, expired, outstanding); reverts for an unknown city.
    function getCityCounters(uint32 city) external view returns (CityCounters memory);

    /// @notice The codes of every registered city, in registration order.
    function cityCodes() external view returns (uint32[] memory);

    /// @notice Cumulative face value `city` has issued to `holder` (what its cap counts).
    function issuedTo(uint32 city, address holder) external view returns (uint128);

    /// @notice The city an issuer is bound to, or 0.
    function issuerCity(address issuer) external view returns (uint32);

    /// @notice A data center's accreditation for a city (all zero if never accredited).
    function getAccreditation(address dataCenter, uint32 city) external view returns (Accreditation memory);

    /// @notice Whether the data center's accreditation for the city is in force now.
    function isAccredited(address dataCenter, uint32 city) external view returns (bool);

    /// @notice Whether an invoice hash has been redeemed.
    function invoiceUsed(bytes32 invoiceHash) external view returns (bool);

    /// @notice The EIP-712 digest the holder signs for `consent`.
    function consentDigest(Consent calldata consent) external view returns (bytes32);
}
