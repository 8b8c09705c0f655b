// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IERC1155MetadataURI} from "@openzeppelin/contracts/token/ERC1155/extensions/IERC1155MetadataURI.sol";

import {IERC6268} from "./IERC6268.sol";
import {IVoucherLedgerClaims} from "./IVoucherLedgerClaims.sol";
import {IVoucherLedgerCore} from "./IVoucherLedgerCore.sol";
import {IVoucherLedgerExtension} from "./IVoucherLedgerExtension.sol";

/**
 * @title IVoucherLedger
 * @notice Everything callable at the voucher ledger's address: the money side of the compute-voucher schemes.
 * Non-transferable ERC-1155 vouchers are issued under a programme to an address of a registered company, out of the
 * programme's budget for the fiscal year and within the company's cap, and redeemed by an accredited supplier (a data
 * center) against one of its invoices, with the holder's EIP-712 consent.
 *
 * @dev The ledger is three contracts at one address: the core ({IVoucherLedgerCore}: issue and redemption), and two
 * it runs by delegatecall in its own storage: the extension ({IVoucherLedgerExtension}: administration, lifecycle and
 * views) and the claims module ({IVoucherLedgerClaims}: buyers' claims and clawbacks). The frequent paths read only the
 * ledger's own storage, and each contract stays within EIP-170. The rules (programmes, companies, relations,
 * accreditations, issuers) are governed in the {ISchemeRegistry}, which writes the words issue and redemption read
 * through the `configure…` functions.
 *
 * Per programme: `issued == redeemed + revoked + expired + outstanding`, and per fiscal year
 * `issued - revoked - expired <= budget`. Per company and cap period: `issued - revoked - expired <= cap`.
 */
interface IVoucherLedger is
    IVoucherLedgerCore,
    IVoucherLedgerExtension,
    IVoucherLedgerClaims,
    IERC1155MetadataURI,
    IERC6268,
    IERC5267
{}
