import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { link, readFile, stat, unlink, writeFile } from "node:fs/promises";

import { getAddress } from "ethers";
import { z } from "zod";

/**
 * Short-lived bearer tokens: `v1.<payload>.<signature>`, the payload base64url JSON `{ sub, iat, exp, jti }` and
 * the signature HMAC-SHA256 over it. A token says who signed in, nothing more: what it may read is looked up in
 * the mirror on every request, so a role revoked on chain applies at once. Here, below the API, because the API
 * checks them and `npm run verify` signs one to ask the local stack's service.
 */
export interface TokenClaims {
  address: string;
  issuedAt: number;
  expiresAt: number;
  id: string;
}

export interface Tokens {
  issue(address: string, now?: number): { token: string; claims: TokenClaims };
  /** The claims of a valid, unexpired token, or undefined. */
  verify(token: string, now?: number): TokenClaims | undefined;
}

const claimsSchema = z.strictObject({
  sub: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().max(64),
});

export function createTokens(options: { secret: Buffer; ttlSeconds: number }): Tokens {
  const sign = (payload: string) => createHmac("sha256", options.secret).update(`v1.${payload}`).digest();
  return {
    issue(address, now = Math.floor(Date.now() / 1000)) {
      const claims = { sub: getAddress(address), iat: now, exp: now + options.ttlSeconds, jti: randomBytes(12).toString("base64url") };
      const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
      return {
        token: `v1.${payload}.${sign(payload).toString("base64url")}`,
        claims: { address: claims.sub, issuedAt: claims.iat, expiresAt: claims.exp, id: claims.jti },
      };
    },
    verify(token, now = Math.floor(Date.now() / 1000)) {
      const parts = token.split(".");
      if (parts.length !== 3 || parts[0] !== "v1" || token.length > 1024) return undefined;
      const [, payload = "", signature = ""] = parts;
      const expected = sign(payload);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let claims;
      try {
        claims = claimsSchema.parse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
      } catch {
        return undefined;
      }
      if (claims.exp <= now) return undefined;
      return { address: getAddress(claims.sub), issuedAt: claims.iat, expiresAt: claims.exp, id: claims.jti };
    },
  };
}

/**
 * The token secret kept in a file (the local stack keeps it in its data folder, so that a token outlives a restart):
 * read it if the file exists, else create it once with 32 random bytes (hex) and mode 0600. A file that others may
 * read, or that holds too short a secret, is refused ({@link readSecretFile}) with a message that says what to do.
 */
export async function loadOrCreateSecret(path: string): Promise<string> {
  // Written whole to a file of this process, then linked into place: a reader never sees a half-written secret, and
  // of two processes starting at once, one makes the secret and both use it.
  const draft = `${path}.${process.pid}.new`;
  await unlink(draft).catch(() => undefined);
  await writeFile(draft, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
  return readSecretFile(path);
}

/** The token secret in `path`, refused if others may read the file or the secret is too short. */
export async function readSecretFile(path: string): Promise<string> {
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`the token secret ${path} may be read by others (mode ${mode.toString(8)}): run "chmod 600 ${path}", or delete it to make a new one`);
  }
  const secret = (await readFile(path, "utf8")).trim();
  if (secret.length < 32) throw new Error(`the token secret ${path} is shorter than 32 characters: delete it to make a new one`);
  return secret;
}

/** The HMAC key of a secret given as text (AUTH_SECRET, or the file above): its UTF-8 bytes. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret, "utf8");
}
