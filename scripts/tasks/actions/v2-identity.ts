import { loadIdentityFile } from "../../lib/ledger/identity-load.js";
import { v2action } from "../ledger-run.js";
import { need } from "../run.js";

/** A thin action over scripts/lib/ledger/identity-load.ts. */
export const identityLoad = v2action("ISSUER", (ctx, a) =>
  loadIdentityFile(ctx, { file: need(a, "file"), service: need(a, "service"), dryRun: a.dryRun === true }),
);
