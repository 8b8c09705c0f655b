import { createRequire } from "node:module";
import { dirname } from "node:path";

import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import express, { type Router } from "express";

import { type AnyEndpoint, routeConfig } from "./endpoint.js";

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

/** The OpenAPI 3.1 document, generated from the endpoints' zod schemas (the same ones that validate). */
export function buildOpenApi(endpoints: readonly AnyEndpoint[], serverUrl: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A token from POST /v1/auth/login (Sign-In with Ethereum)",
  });
  for (const endpoint of endpoints) registry.registerPath(routeConfig(endpoint));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Compute Voucher Ledger — audit API",
      version: "1.0.0",
      description:
        "Read-only audit API over the mirror of the compute-voucher ledger. Amounts are decimal strings in the " +
        "currency, addresses checksummed, times ISO 8601. Lists are paginated by an opaque cursor and export CSV. " +
        "Errors are RFC 9457 problem details with a stable `code`.",
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
