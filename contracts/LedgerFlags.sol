// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title LedgerFlags
 * @notice The bit flags and packed words that the registry writes and the ledger reads.
 */
library LedgerFlags {
    // Programme terms (ProgrammeTerms.flags)
    uint8 internal constant PROGRAMME_PAUSED = 1;
    uint8 internal constant PROGRAMME_CAP_LIFETIME = 2;
    uint8 internal constant PROGRAMME_EXCLUSIVE = 4;
    uint8 internal constant PROGRAMME_NEEDS_GPU_HOURS = 8;
    uint8 internal constant PROGRAMME_NEEDS_ELECTRICITY = 16;
    uint8 internal constant PROGRAMME_NEEDS_ASSESSMENT = 32;

    // Account roles (Account.roles)
    uint8 internal constant ROLE_BENEFICIARY = 1;
    uint8 internal constant ROLE_SUPPLIER = 2;

    // Voucher flags (Voucher.flags)
    uint8 internal constant VOUCHER_FROZEN = 1;
    uint8 internal constant VOUCHER_REISSUE_PENDING = 2;

    /// @notice The largest category a ratio row holds: 16 categories of 16 bits each.
    uint8 internal constant MAX_CATEGORY = 16;
    /// @notice The largest compute class an accreditation's class mask holds.
    uint8 internal constant MAX_CLASS = 32;

    /// @notice The ratio of `category` (1-based) in a packed row of 16-bit basis points; 0 when out of range.
    function ratioIn(uint256 row, uint8 category) internal pure returns (uint16) {
        if (category == 0 || category > MAX_CATEGORY) return 0;
        return uint16(row >> (16 * (category - 1)));
    }
}
