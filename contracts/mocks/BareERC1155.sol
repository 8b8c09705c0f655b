// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/**
 * @title BareERC1155
 * @notice The gas baseline of the benchmark: OpenZeppelin's ERC-1155 with nothing but an open mint and burn.
 * @dev Never deploy this anywhere but a benchmark: anyone may mint and burn.
 */
contract BareERC1155 is ERC1155 {
    constructor() ERC1155("") {}

    /// @notice Mints `value` of `id` to `to`.
    function mint(address to, uint256 id, uint256 value) external {
        _mint(to, id, value, "");
    }

    /// @notice Burns `value` of `id` from `from`.
    function burn(address from, uint256 id, uint256 value) external {
        _burn(from, id, value);
    }
}
