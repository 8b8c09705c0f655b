import { z } from "zod";

import { defineEndpoint } from "../endpoint.js";
import { timeSchema } from "../format.js";

/** POST /v1/auth/nonce: a one-time nonce for a Sign-In with Ethereum message, and what the message must say. */
export const postAuthNonce = defineEndpoint({
  id: "postAuthNonce",
  method: "post",
  path: "/v1/auth/nonce",
  summary: "A one-time nonce for a Sign-In with Ethereum (EIP-4361) message",
  tag: "Sign-in",
  auth: "public",
  output: z
    .strictObject({
      nonce: z.string(),
      expiresAt: timeSchema.meta({ description: "The nonce must be used before this" }),
      domain: z.string().meta({ description: "The message's `domain` must be exactly this" }),
      uri: z.string().meta({
        description: "The API's origin: the message's `uri` must be this origin, written so (scheme and host in any case), then any path; no user info",
      }),
      chainId: z.number().int().meta({ description: "The message's `chainId` must be this" }),
      maxValiditySeconds: z.number().int().meta({ description: "expirationTime − issuedAt may be at most this" }),
    })
    .meta({ id: "Nonce" }),
  status: 201,
  errors: [],
  async handle(_input, ctx) {
    const { nonce, expiresAt } = ctx.auth.nonces.issue();
    return {
      nonce,
      expiresAt: new Date(expiresAt).toISOString(),
      domain: ctx.config.domain,
      uri: ctx.config.publicUrl,
      chainId: ctx.target.chainId,
      maxValiditySeconds: ctx.config.messageMaxAgeSeconds,
    };
  },
});
