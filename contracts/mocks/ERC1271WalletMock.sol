// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.34;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title ERC1271WalletMock
 * @notice A minimal contract wallet for tests: it holds ERC-1155 vouchers and accepts a signature made by its owner
 * key (ERC-1271), as a start-up's multisig or smart account would.
 */
contract ERC1271WalletMock is IERC1271, ERC1155Holder {
    address private immutable _OWNER;

    constructor(address owner) {
        _OWNER = owner;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == _OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
