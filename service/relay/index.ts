export { createRelay, relayDepsFor, type Relay, type RelayDeps } from "./relay.js";
export { createRelayRouter, RELAY_DOCUMENTED, RELAY_ENDPOINTS, type RelayRouterDeps } from "./router.js";
export type { RelayConfig, RelaySettings } from "../internal/config.js";
export { migrateRelay, RELAY_MIGRATIONS } from "./migrations.js";
export { RelayProblem, RELAY_ERRORS, problemOf, relayProblemHandler } from "./errors.js";
