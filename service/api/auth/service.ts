import { randomBytes } from "node:crypto";

import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import { SiweMessage } from "siwe";

import type { Logger } from "../../internal/logger.js";
import type { Queryable } from "../../store/database.js";
import type { ApiConfig } from "../../internal/config.js";
import { ApiError } from "../problem.js";
import { resolveAccess } from "./access.js";
import { createNonces, type Nonces } from "./nonces.js";
import { createTokens, type TokenClaims, type Tokens } from "../../internal/tokens.js";

export interface LoginResult {
  token: string;
  claims: TokenClaims;
}

export interface AuthService {
  nonces: Nonces;
  tokens: Tokens;
  /** Checks a SIWE message and its signature, spends its nonce, and issues a token. */
  login(message: string, signature: string, now?: Date): Promise<LoginResult>;
  /** Middleware of token endpoints: 401 without a valid token, 403 for an address with no role that reads. */
  authenticate: RequestHandler;
  /** Rate limits of token endpoints (per address and per token), after `authenticate`. */
  limitByCaller: RequestHandler[];
  /** Rate limit of the sign-in endpoints, per client IP. */
  limitByIp: RequestHandler;
  /** Per client IP, for the public disclosure (/public/…), which needs no token. */
  limitPublic: RequestHandler;
}

/**
 * Why a SIWE message's `uri` is refused, or undefined when it is on `origin` (the API's public origin). The URI must
 * parse as a WHATWG URL with no user info (`user@`), its origin (scheme, host, port) must equal `origin`, and it must
 * be written so: `<origin>` itself (scheme and host in any case) followed by nothing or a path, query or fragment.
 * The last rule refuses spellings that the URL parser maps to the origin but other readers of the message may not
 * (`http:host`, `127.1`, `0x7f.0.0.1`, `127.0.0.1.`, a port written `08080` or the default port written out).
 */
export function uriProblem(uri: string, origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `the URI must be an absolute URL on ${origin}`;
  }
  if (url.username !== "" || url.password !== "") return "the URI must not carry user info (user@)";
  if (url.origin !== origin) return `the URI must be on ${origin}, not ${url.origin}`;
  const rest = uri.slice(origin.length);
  if (uri.slice(0, origin.length).toLowerCase() !== origin || !(rest === "" || /^[/?#]/.test(rest))) {
    return `the URI must start with ${origin} as written there`;
  }
  return undefined;
}

export function createAuthService(deps: {
  config: ApiConfig;
  db: Queryable;
  chainId: number;
  logger: Logger;
  /**
   * Something that changes whenever the mirror commits (the in-process syncer's status object): roles looked up
   * under one value are reused until it changes. Undefined (a read-only replica): looked up on every request.
   */
  generation?: () => unknown;
}): AuthService {
  const { config } = deps;
  let secret: Buffer;
  if (config.authSecret === undefined) {
    secret = randomBytes(32);
    deps.logger.warn("AUTH_SECRET is not set: tokens are signed with a random key of this process and die with it");
  } else {
    secret = Buffer.from(config.authSecret, "utf8");
  }
  const tokens = createTokens({ secret, ttlSeconds: config.tokenTtlSeconds });
  const nonces = createNonces({ ttlMs: config.nonceTtlSeconds * 1000 });

  const refuse = (detail: string) => new ApiError("SIWE_INVALID", detail);
  const publicScheme = new URL(config.publicUrl).protocol.slice(0, -1);

  async function login(text: string, signature: string, now = new Date()): Promise<LoginResult> {
    let message: SiweMessage;
    try {
      message = new SiweMessage(text);
    } catch (error) {
      throw refuse(`the message is not an EIP-4361 message: ${String((error as Error)?.message ?? error).slice(0, 200)}`);
    }
    // Spend the nonce first: whatever happens next, this message cannot be tried again.
    if (!nonces.consume(message.nonce, now.getTime())) throw refuse("the nonce is unknown, used or expired");
    if (message.domain !== config.domain) throw refuse(`the domain must be ${config.domain}`);
    if (message.scheme !== undefined && message.scheme !== publicScheme) throw refuse(`the scheme must be ${publicScheme}`);
    const wrongUri = uriProblem(message.uri, config.publicUrl);
    if (wrongUri !== undefined) throw refuse(wrongUri);
    if (message.chainId !== deps.chainId) throw refuse(`the chain id must be ${deps.chainId}`);
    if (message.expirationTime === undefined) throw refuse("the message must have an expiration time");
    const issuedAt = Date.parse(message.issuedAt ?? "");
    const expires = Date.parse(message.expirationTime);
    if (!Number.isFinite(issuedAt) || !Number.isFinite(expires)) throw refuse("the message's times are not ISO 8601");
    if (expires - issuedAt > config.messageMaxAgeSeconds * 1000) {
      throw refuse(`the message may be valid for at most ${config.messageMaxAgeSeconds} s`);
    }
    if (issuedAt > now.getTime() + 60_000) throw refuse("the message is issued in the future");
    const result = await message.verify(
      {
        signature, domain: config.domain, nonce: message.nonce, time: now.toISOString(),
        ...(message.scheme === undefined ? {} : { scheme: publicScheme }),
      },
      { suppressExceptions: true },
    );
    if (!result.success) throw refuse(String(result.error?.type ?? "the signature does not match the address"));
    return tokens.issue(message.address, Math.floor(now.getTime() / 1000));
  }

  const cache = new Map<string, { generation: unknown; access: Awaited<ReturnType<typeof resolveAccess>> }>();
  const authenticate: RequestHandler = async (req, res, next) => {
    const header = req.get("authorization");
    if (header === undefined) throw new ApiError("UNAUTHENTICATED", "send Authorization: Bearer <token> (POST /v1/auth/login)", { headers: { "www-authenticate": "Bearer" } });
    const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header);
    const claims = match?.[1] === undefined ? undefined : tokens.verify(match[1]);
    if (claims === undefined) throw new ApiError("TOKEN_INVALID", undefined, { headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
    const generation = deps.generation?.();
    let access = generation === undefined ? undefined : cache.get(claims.address);
    if (access === undefined || access.generation !== generation) {
      access = { generation, access: await resolveAccess(deps.db, claims.address) };
      if (generation !== undefined) {
        if (cache.size > 10_000) cache.clear();
        cache.set(claims.address, access);
      }
    }
    res.locals.access = access.access;
    if (access.access.kind === "none") throw new ApiError("FORBIDDEN", `${claims.address} holds no role that may read the ledger`);
    res.locals.tokenId = claims.id;
    next();
  };

  const limited = (key: string): RequestHandler => (_req, _res, next) => {
    next(new ApiError("RATE_LIMITED", `too many requests for this ${key}`));
  };
  const common = { windowMs: config.rateLimit.windowMs, standardHeaders: "draft-8" as const, legacyHeaders: false };
  const limitByCaller = [
    rateLimit({ ...common, limit: config.rateLimit.perAddress, validate: false, keyGenerator: (_req, res) => `a:${res.locals.access!.address}`, handler: limited("address") }),
    rateLimit({ ...common, limit: config.rateLimit.perToken, validate: false, keyGenerator: (_req, res) => `t:${res.locals.tokenId}`, handler: limited("token") }),
  ];
  const limitByIp = rateLimit({ ...common, limit: config.rateLimit.authPerIp, validate: false, handler: limited("client") });
  // Its own counts: a busy public page does not lock its readers out of signing in.
  const limitPublic = rateLimit({ ...common, limit: config.rateLimit.publicPerIp, validate: false, handler: limited("client") });

  return { nonces, tokens, login, authenticate, limitByCaller, limitByIp, limitPublic };
}
