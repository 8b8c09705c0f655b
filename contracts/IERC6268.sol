// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IERC6268
 * @notice ERC-6268: untransferability indicator for ERC-1155 token ids.
 * @dev The ERC-165 interface id is the selector of {locked}, `0xb45a3c0e`. The events are declared in
 * {IComputeVoucher}, which carries every event of the ledger.
 */
interface IERC6268 {
    /**
     * @notice Whether a token id is non-transferable. Reverts for an id that does not exist.
     * @param id The token id.
     * @return True while the id cannot be transferred.
     */
    function locked(uint256 id) external view returns (bool);
}
