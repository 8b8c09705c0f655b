// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title LedgerFlags
 * @notice The bit flags of the words that the registry writes and the ledger reads, and how a ratio is read from its
 * packed row.
 */
library LedgerFlags {
    // IssueTerms.flags
    uint8 internal constant ISSUE_PAUSED = 1;
    uint8 internal constant ISSUE_CAP_LIFETIME = 2;
    uint8 internal constant ISSUE_EXCLUSIVE = 4;

    // RedemptionTerms.flags
    uint8 internal constant REDEEM_PAUSED = 1;
    uint8 internal constant REDEEM_NEEDS_GPU_HOURS = 2;
    uint8 internal constant REDEEM_NEEDS_ELECTRICITY = 4;
    uint8 internal constant REDEEM_NEEDS_ASSESSMENT = 8;
    uint8 internal constant REDEEM_EXCLUSIVE = 16;
    uint8 internal constant REDEEM_PAYS_SUPPLIER = 32;
    uint8 internal constant REDEEM_PAYS_BUYER = 64;

    // Invoice.flags
    uint8 internal constant INVOICE_BUYER = 1;
    uint8 internal constant INVOICE_PENDING = 2;

    // Account.roles
    uint8 internal constant ROLE_BENEFICIARY = 1;
    uint8 internal constant ROLE_SUPPLIER = 2;

    // Voucher.flags
    uint8 internal constant VOUCHER_FROZEN = 1;
    uint8 internal constant VOUCHER_REISSUE_PENDING = 2;

    /// @notice The largest beneficiary category: a ratio row holds seven of 16 bits.
    uint8 internal constant MAX_CATEGORY = 7;
    /// @notice The largest compute class: an accreditation's class mask has 32 bits.
    uint8 internal constant MAX_CLASS = 32;

    /// @notice The ratio of `category` (1-based) in a packed row of 16-bit basis points; 0 when out of range.
    function ratioIn(uint112 ratios, uint8 category) internal pure returns (uint16) {
        if (category == 0 || category > MAX_CATEGORY) return 0;
        return uint16(ratios >> (16 * (category - 1)));
    }
}
