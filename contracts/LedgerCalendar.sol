// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title LedgerCalendar
 * @notice Dates as the schemes use them: China Standard Time (UTC+8, no daylight saving), and the fiscal year, which in
 * China is the calendar year.
 */
library LedgerCalendar {
    uint256 private constant _CST_OFFSET = 8 hours;

    /// @notice The day number (days since 1970-01-01) of an instant, in China Standard Time.
    function dayOf(uint256 timestamp) internal pure returns (uint256) {
        return (timestamp + _CST_OFFSET) / 1 days;
    }

    /**
     * @notice The fiscal (calendar) year of an instant, in China Standard Time.
     * @dev Howard Hinnant's `civil_from_days`, year only (http://howardhinnant.github.io/date_algorithms.html).
     */
    function fiscalYear(uint256 timestamp) internal pure returns (uint256) {
        // Cannot overflow or underflow: the terms are bounded by the day number, and each subtraction takes away
        // less than what it is taken from (the algorithm's own invariants).
        unchecked {
            uint256 z = dayOf(timestamp) + 719_468;
            uint256 era = z / 146_097;
            uint256 doe = z - era * 146_097;
            uint256 yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            uint256 mp = (5 * doy + 2) / 153;
            uint256 year = yoe + era * 400;
            return mp >= 10 ? year + 1 : year;
        }
    }
}
