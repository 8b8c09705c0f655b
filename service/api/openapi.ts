import { createRequire } from "node:module";
import { dirname } from "node:path";

import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import express, { type Router } from "express";
import type { z } from "zod";

import type { AnyEndpoint } from "../internal/endpoint.js";
import { routeConfig } from "../internal/endpoint.js";
import { type ProblemCode, problemSchema } from "../internal/problems.js";
import { API_ALWAYS } from "./endpoint.js";

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

/**
 * Endpoints served by the same app and documented with the API's own (the redemption relay's): the codes each of
 * them can answer besides its own, and the schema of their problem details.
 */
export interface DocumentedEndpoints {
  endpoints: readonly AnyEndpoint[];
  always: readonly ProblemCode[];
  problemSchema: z.ZodType;
}

/**
 * The OpenAPI 3.1 document of every route the app serves, generated from the endpoints' zod schemas (the same ones
 * that validate): the audit API's, and those of `more` (the relay's, when this process relays).
 */
export function buildOpenApi(endpoints: readonly AnyEndpoint[], serverUrl: string, more: readonly DocumentedEndpoints[] = []): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A token from POST /v1/auth/login (Sign-In with Ethereum)",
  });
  registry.registerComponent("securitySchemes", "eip191", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "`EIP191 <address>.<unix seconds>.<signature>`: the data center's EIP-191 signature of " +
      "`compute-voucher-ledger: read redemption request <id> at <unix seconds>`, made within the last five minutes",
  });
  for (const endpoint of endpoints) registry.registerPath(routeConfig(endpoint, API_ALWAYS, problemSchema));
  for (const group of more) {
    for (const endpoint of group.endpoints) registry.registerPath(routeConfig(endpoint, group.always, group.problemSchema));
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Compute Voucher Ledger — audit API and redemption relay",
      version: "1.0.0",
      description:
        "Read-only audit API over the mirror of the compute-voucher ledger, and the redemption relay for data " +
        "centers. Amounts are decimal strings in the currency, addresses checksummed, times ISO 8601. Lists are " +
        "paginated by an opaque cursor and export CSV. Errors are RFC 9457 problem details with a stable `code`.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [{ url: serverUrl }],
  });
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Compute Voucher Ledger — audit API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });`;

/** `/docs`: Swagger UI served from the swagger-ui-dist package on disk (the machines have no internet). */
export function docsRouter(): Router {
  const require = createRequire(import.meta.url);
  const assets = dirname(require.resolve("swagger-ui-dist/package.json"));
  const router = express.Router();
  router.get("/docs", (_req, res) => {
    res.type("html").send(DOCS_PAGE);
  });
  router.get("/docs/init.js", (_req, res) => {
    res.type("application/javascript").send(DOCS_INIT);
  });
  router.use("/docs/assets", express.static(assets, { index: false, fallthrough: true, maxAge: "1h" }));
  return router;
}
