// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IVoucherLedgerTypes} from "./IVoucherLedgerTypes.sol";

/**
 * @title IVoucherLedgerCore
 * @notice The ledger's frequent functions: issue and redemption, which the core contract runs itself. Everything
 * else at the ledger's address is in {IVoucherLedgerExtension}.
 *
 * @dev A voucher's id is `(uint256(programme) << 224) | uint224(uint256(keccak256(abi.encode(programme,
 * applicationRef))))`: the programme is in the id's top 32 bits, and issuing the same application twice reverts. The
 * holder's ERC-1155 balance of the id is the voucher's remaining value.
 */
interface IVoucherLedgerCore is IVoucherLedgerTypes {
    /**
     * @notice Issues one voucher; emits {VoucherIssued}, {Locked} and `TransferSingle`; returns its id.
     * @dev Requirements: the caller is bound to the programme, which is not paused, and now is in one of its fiscal
     * years; the holder is an active beneficiary address; the face value is positive and at most 2^40 - 1; the
     * reference is not zero and not issued before; the year's budget and the company's cap have room; in an exclusive
     * group, the company has taken no other programme of the group; the expiry is in the future, within the
     * programme's longest validity and its redemption window (a default validity is cut to fit).
     */
    function issue(uint32 programme, IssueRequest calldata request) external returns (uint256 id);

    /// @notice Issues many vouchers, all or none, as {issue}.
    function issueBatch(uint32 programme, IssueRequest[] calldata requests) external returns (uint256[] memory ids);

    /**
     * @notice Redeems voucher value against an invoice of the caller's company, with the holder's consent; emits
     * {VoucherRedeemed} and `TransferSingle`.
     * @dev Requirements, checked in this order: the voucher exists, is active, not frozen, has no re-issue pending, has
     * not expired and has the amount (not zero) left; the caller is the consent's supplier and its accreditation for
     * the programme is in force and covers the compute class; the programme's table has the class, the programme is not
     * paused, pays suppliers, now is in its redemption window, the contract date is not before its earliest, the
     * service period is in order and the evidence the programme requires is there; the holder is an active beneficiary
     * address, the consent is for its current epoch and declares the parties unrelated, the two companies are not one
     * and no relation between them is on record; the programme pays for the class and the holder's category, and the
     * amount is within its ratio of the invoice total; the invoice number is not zero; the invoice is not the buyer's
     * (claimed, or a claim on it pending); this programme has not paid the invoice, and if another has, both are
     * stackable, the terms match, and the subsidy of every programme together stays within the smallest combined share;
     * the service ends within the programme's window from the company's first voucher, where it has one; the consent's
     * deadline has not passed and is at most 90 days ahead; the signature is the holder's (ECDSA, or ERC-1271).
     */
    function redeem(Consent calldata consent, bytes calldata signature) external;

    /// @notice Redeems several, all or none, as {redeem}.
    function redeemBatch(Consent[] calldata consents, bytes[] calldata signatures) external;



    /// @notice The EIP-712 digest of a consent.
    function consentDigest(Consent calldata consent) external view returns (bytes32);

    /// @notice The id of a programme's application.
    function voucherId(uint32 programme, bytes32 applicationRef) external pure returns (uint256);

    /// @notice The key of an invoice: `keccak256(abi.encode(supplierEntity, invoiceNumberHash))`.
    function invoiceKey(uint32 supplierEntity, bytes32 invoiceNumberHash) external pure returns (bytes32);

    /// @notice The contract that runs the ledger's administration and views, by delegatecall from the ledger.
    function extension() external view returns (address);

    /// @notice The contract that runs the buyers' claims and the clawbacks, by delegatecall from the ledger.
    function claims() external view returns (address);
}
