import { z } from "zod";

import type { Config } from "../internal/config.js";
import { ConfigError } from "../internal/errors.js";

const int = (min: number) => z.coerce.number().int().min(min);

/** The API's own environment variables (the mirror's are in service/internal/config.ts). */
export const apiEnvSchema = z.object({
  API_HOST: z.string().min(1).default("127.0.0.1"),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    // zod runs this check even when the one above failed: it must not throw on a non-URL.
    .refine((value) => !URL.canParse(value) || (new URL(value).username === "" && new URL(value).password === ""), "must not contain user info (user@)")
    .optional(),
  AUTH_SECRET: z.string().min(32, "at least 32 characters").optional(),
  AUTH_TOKEN_TTL_SECONDS: int(10).max(86_400).default(900),
  AUTH_NONCE_TTL_SECONDS: int(10).max(3600).default(300),
  /** Longest a SIWE message may be valid for (expirationTime - issuedAt). */
  AUTH_MESSAGE_MAX_AGE_SECONDS: int(10).max(86_400).default(600),
  API_RATE_LIMIT_PER_ADDRESS: int(1).default(1200),
  API_RATE_LIMIT_PER_TOKEN: int(1).default(1200),
  API_RATE_LIMIT_AUTH_PER_IP: int(1).default(60),
  API_RATE_LIMIT_WINDOW_MS: int(1000).default(60_000),
  API_REQUEST_TIMEOUT_MS: int(100).default(10_000),
  API_STATEMENT_TIMEOUT_MS: int(100).default(5_000),
  API_BODY_LIMIT_BYTES: int(256).max(1_048_576).default(16_384),
  API_READY_MAX_LAG: int(0).default(2),
});

export interface ApiConfig {
  host: string;
  port: number;
  /** The origin of PUBLIC_URL (scheme, host, port): a SIWE message's `uri` must be on it. */
  publicUrl: string;
  /** The SIWE `domain` expected: the authority (host[:port]) of the public URL. */
  domain: string;
  authSecret: string | undefined;
  tokenTtlSeconds: number;
  nonceTtlSeconds: number;
  messageMaxAgeSeconds: number;
  rateLimit: { perAddress: number; perToken: number; authPerIp: number; windowMs: number };
  requestTimeoutMs: number;
  statementTimeoutMs: number;
  bodyLimitBytes: number;
  readyMaxLag: number;
  /** Check every response against its schema before sending (tests). */
  validateResponses: boolean;
}

/** Parses the API's keys; throws a {@link ConfigError} naming the first bad one. Empty strings count as unset. */
export function loadApiConfig(source: Record<string, string | undefined>, mirror: Pick<Config, "port">): ApiConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(apiEnvSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = apiEnvSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] === undefined ? "environment" : String(issue.path[0]);
    throw new ConfigError(`configuration: ${key} is invalid: ${issue?.message ?? "bad value"}`);
  }
  const env = parsed.data;
  const publicUrl = new URL(env.PUBLIC_URL ?? `http://127.0.0.1:${mirror.port}`);
  return {
    host: env.API_HOST,
    port: mirror.port,
    publicUrl: publicUrl.origin,
    domain: publicUrl.host,
    authSecret: env.AUTH_SECRET,
    tokenTtlSeconds: env.AUTH_TOKEN_TTL_SECONDS,
    nonceTtlSeconds: env.AUTH_NONCE_TTL_SECONDS,
    messageMaxAgeSeconds: env.AUTH_MESSAGE_MAX_AGE_SECONDS,
    rateLimit: {
      perAddress: env.API_RATE_LIMIT_PER_ADDRESS,
      perToken: env.API_RATE_LIMIT_PER_TOKEN,
      authPerIp: env.API_RATE_LIMIT_AUTH_PER_IP,
      windowMs: env.API_RATE_LIMIT_WINDOW_MS,
    },
    requestTimeoutMs: env.API_REQUEST_TIMEOUT_MS,
    statementTimeoutMs: env.API_STATEMENT_TIMEOUT_MS,
    bodyLimitBytes: env.API_BODY_LIMIT_BYTES,
    readyMaxLag: env.API_READY_MAX_LAG,
    validateResponses: source.API_VALIDATE_RESPONSES === "true",
  };
}
