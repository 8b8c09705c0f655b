export { createApi, type Api, type ApiDeps } from "./app.js";
export type { ApiConfig } from "../internal/config.js";
export { migrateApi } from "./migrations.js";
export { answerParserRefusals, startHttpServer, type HttpServer } from "./server.js";
