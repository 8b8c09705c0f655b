import type { AnyEndpoint } from "../endpoint.js";
import { getAggregates } from "./get-aggregates.js";
import { getAggregatesV2 } from "./get-aggregates-v2.js";
import { getAlerts } from "./get-alerts.js";
import { getCity } from "./get-city.js";
import { getDataCenter } from "./get-data-center.js";
import { getVerify } from "./get-verify.js";
import { getProgramme } from "./get-programme.js";
import { getProgrammeReport } from "./get-programme-report.js";
import { getProgrammesReport } from "./get-programmes-report.js";
import { getBeneficiaryStatement, getSupplierStatement } from "./get-statements.js";
import { getVoucher } from "./get-voucher.js";
import { getVoucherV2 } from "./get-voucher-v2.js";
import { listAccessLog } from "./list-access-log.js";
import { listCities } from "./list-cities.js";
import { listCaps } from "./list-caps.js";
import { listClaims } from "./list-claims.js";
import { listCompanies } from "./list-companies.js";
import { listGovernanceOperations } from "./list-governance-operations.js";
import { listPayments } from "./list-payments.js";
import { listProgrammes } from "./list-programmes.js";
import { listRedemptionsV2 } from "./list-redemptions-v2.js";
import { listVouchersV2 } from "./list-vouchers-v2.js";
import { listDataCenters } from "./list-data-centers.js";
import { listEvents } from "./list-events.js";
import { listRedemptions } from "./list-redemptions.js";
import { listRoles } from "./list-roles.js";
import { listSafeTransactions } from "./list-safe-transactions.js";
import { listVouchers } from "./list-vouchers.js";
import { getHealth, getMetrics, getReady, getStatus } from "./ops.js";
import { postAuthLogin } from "./post-auth-login.js";
import { postAuthNonce } from "./post-auth-nonce.js";
import { postRegistry } from "./post-registry.js";
import { getPublicDisclosure, listPublicProgrammes } from "./public-disclosure.js";

/** Every endpoint of the API, in the order of the OpenAPI document. */
export const ENDPOINTS: readonly AnyEndpoint[] = [
  postAuthNonce, postAuthLogin,
  listCities, getCity, getAggregates,
  listVouchers, getVoucher,
  listRedemptions,
  listDataCenters, getDataCenter,
  listEvents,
  listRoles,
  listProgrammes, getProgramme, listCompanies, listVouchersV2, getVoucherV2, listRedemptionsV2, listClaims, listPayments,
  getProgrammeReport, getProgrammesReport, getAggregatesV2, listCaps, getSupplierStatement, getBeneficiaryStatement, getAlerts,
  postRegistry, listAccessLog,
  listPublicProgrammes, getPublicDisclosure,
  listGovernanceOperations, listSafeTransactions,
  getVerify,
  getHealth, getReady, getStatus, getMetrics,
];
