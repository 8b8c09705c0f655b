import { z } from "zod";

import { resolveAccess } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { addressSchema, timeSchema } from "../format.js";

/** POST /v1/auth/login: a signed SIWE message for a short-lived bearer token. */
export const postAuthLogin = defineEndpoint({
  id: "postAuthLogin",
  method: "post",
  path: "/v1/auth/login",
  summary: "Sign in with a signed EIP-4361 message; returns a short-lived bearer token",
  description:
    "The message's domain, URI, chain id, nonce (from POST /v1/auth/nonce, usable once) and expiration time are " +
    "checked. The token only says who signed in: what it may read follows the address's roles on chain at each request.",
  tag: "Sign-in",
  auth: "public",
  body: z.strictObject({
    message: z.string().min(1).max(4096).meta({ description: "The EIP-4361 message, as signed" }),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte signature in 0x hex"),
  }),
  output: z
    .strictObject({
      token: z.string(),
      tokenType: z.literal("Bearer"),
      address: addressSchema,
      expiresAt: timeSchema,
      access: z.enum(["all", "city", "dataCenter", "programmes", "company", "none"]).meta({ description: "What the address may read now" }),
      city: z.number().int().nullable().meta({ description: "For an issuer: its city" }),
    })
    .meta({ id: "Session" }),
  errors: ["SIWE_INVALID", "INVALID_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
  async handle({ body }, ctx) {
    const { token, claims } = await ctx.auth.login(body.message, body.signature);
    const access = await resolveAccess(ctx.db, claims.address);
    return {
      token,
      tokenType: "Bearer" as const,
      address: claims.address,
      expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
      access: access.kind,
      city: access.kind === "city" ? access.city : null,
    };
  },
});
