export { createRelay, relayDepsFor, type Relay, type RelayDeps } from "./relay.js";
export { createRelayRouter, RELAY_DOCUMENTED, RELAY_ENDPOINTS, RELAY_ENDPOINTS_OF, relayDocumented, type RelayRouterDeps } from "./router.js";
export { type LedgerVersion, parseRedemption, type Redemption } from "./ledger.js";
export type { RelayConfig, RelaySettings } from "../internal/config.js";
export { migrateRelay, RELAY_MIGRATIONS } from "./migrations.js";
export { RelayProblem, RELAY_ERRORS, problemOf, relayProblemHandler } from "./errors.js";
