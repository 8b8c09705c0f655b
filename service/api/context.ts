import type { Request, Response } from "express";

import type { ChainProfile } from "../chain/profile.js";
import type { Logger } from "../internal/logger.js";
import type { Queryable } from "../store/database.js";
import type { AnyVerifyReport } from "../verify/verify.js";
import type { Access } from "./auth/access.js";
import type { AuthService } from "./auth/service.js";
import type { ChainView } from "./chain-view.js";
import type { ApiConfig } from "../internal/config.js";
import type { Format } from "./format.js";
import type { ApiMetrics } from "./metrics.js";

export interface ApiTarget {
  chainId: number;
  ledger: string;
  accessManager: string;
  deploymentBlock: number;
  /** Ledger v2's other contracts (and the Safe that holds ADMIN), when the mirror follows v2. */
  v2?: { registry: string; payments: string; safe?: string };
}

/** What every handler may use: built once by createApi and handed down, never imported as a singleton. */
export interface ApiServices {
  config: ApiConfig;
  db: Queryable;
  format: Format;
  chain: ChainView;
  auth: AuthService;
  metrics: ApiMetrics;
  logger: Logger;
  target: ApiTarget;
  finalityDepth: number;
  /** What the chain's node can answer (service/chain/profile.ts). */
  profile: ChainProfile;
  /** Runs the verifier against this API's mirror (one run at a time; concurrent callers share it). */
  verify(): Promise<AnyVerifyReport>;
}

declare global {
  namespace Express {
    /** What the API's middleware leaves on `res.locals`: the caller's access, and the token's id (for rate limits). */
    interface Locals {
      access?: Access;
      tokenId?: string;
    }
  }
}

/** One request's context: the services, who is asking (for token endpoints), and the raw request/response. */
export interface RequestContext extends ApiServices {
  access: Access;
  req: Request;
  res: Response;
}
