// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IVoucherLedgerTypes} from "./IVoucherLedgerTypes.sol";

/**
 * @title IVoucherLedgerClaims
 * @notice The ledger's buyers' claims (for programmes that reimburse the buyer: Beijing, Yangzhou, Qingyang) and the
 * clawbacks of improper subsidies. They are called at the ledger's address, which runs them by delegatecall in its
 * own storage; the module refuses to be called directly.
 */
interface IVoucherLedgerClaims is IVoucherLedgerTypes {
    /**
     * @notice A buyer claims voucher value against an invoice it has paid (for programmes that pay buyers); emits
     * {ClaimSubmitted} and `TransferSingle` (the claimed value leaves the holder's balance, held until an issuer
     * decides); returns the claim's id.
     * @dev The caller is the holder (directly or through the forwarder): the claim is its consent. Requirements, in
     * this order: the voucher as for {redeem}; the caller is its holder, and the attestation names it as the buyer; the
     * attestation's supplier address is accredited for the programme and the class; the programme's table has the
     * class, the programme is not paused, pays buyers, now is in its redemption window, the contract date is not before
     * its earliest, the service period is in order, the suppliers' first window after the service has passed, and the
     * evidence it requires is there; the holder is an active beneficiary address, declares the parties unrelated, the
     * two companies are not one and no relation is on record; the buyer paid the whole invoice; the amount is within
     * the ratio; the invoice number is not zero, and the invoice was not redeemed by its supplier, has no claim
     * pending, and was not claimed under this programme; stacking as for {redeem}; the entity window; the attestation
     * is signed by its supplier address (ECDSA, or ERC-1271).
     */
    function submitClaim(ClaimRequest calldata claim, bytes calldata attestationSignature) external returns (uint256);

    /// @notice The EIP-712 digest of a supplier's attestation.
    function attestationDigest(Attestation calldata attestation) external view returns (bytes32);

    /**
     * @notice Reverses (part of) a supplier's redemption found improper (a red-letter invoice, a related party,
     * fraud): the amount is no longer earned by the supplier (if it was paid, it is owed back: see the payment ledger)
     * and returns to the budget of the voucher's fiscal year; emits {RedemptionClawedBack} (the governor's).
     * @dev Requirements: the voucher's programme paid the supplier's invoice, and `amount` is positive, at most what it
     * paid and was not reversed yet, and at most what the voucher's year has committed. The voucher names the year;
     * that it paid this invoice is checked off chain, by the redemption event.
     */
    function clawBackRedemption(
        uint256 voucherId,
        uint32 supplierEntity,
        bytes32 invoiceNumberHash,
        uint64 amount,
        bytes32 reason
    ) external;

    /// @notice Reverses (part of) an approved claim, as {clawBackRedemption} for a buyer; emits {ClaimClawedBack}.
    function clawBackClaim(uint256 claimId, uint64 amount, bytes32 reason) external;

    /**
     * @notice Approves a pending claim within its review window (an issuer of its programme): the held value is burnt
     * and becomes payable to the buyer, and a voucher left with nothing is redeemed; emits {ClaimApproved}.
     */
    function approveClaim(uint256 claimId) external;

    /**
     * @notice Rejects a pending claim within its review window (an issuer of its programme): the held value goes back
     * to the voucher (to the budget if the voucher was revoked or expired meanwhile) and the invoice is free again for
     * this programme; emits {ClaimRejected}.
     */
    function rejectClaim(uint256 claimId, bytes32 reason) external;

    /// @notice Settles a pending claim whose review window has passed by its programme's rule: approves it or lets it
    /// lapse (as a rejection with the reason `lapsed`).
    function settleClaim(uint256 claimId) external;
}
