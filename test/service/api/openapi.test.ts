import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { expect } from "chai";

import { ENDPOINTS } from "../../../service/api/endpoints/index.js";
import { buildOpenApi, type OpenApiDocument } from "../../../service/api/openapi.js";
import { RELAY_DOCUMENTED, RELAY_ENDPOINTS, relayDocumented } from "../../../service/relay/index.js";

type Operation = { operationId: string; security?: Record<string, string[]>[]; responses: Record<string, unknown> };

/** Runs Redocly CLI's `lint` with its recommended rules on a document; resolves with its JSON report. */
async function redoclyLint(document: OpenApiDocument): Promise<{ totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] }> {
  const cli = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");
  const dir = await mkdtemp(join(tmpdir(), "cvl-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(document));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [cli, "lint", file, "--extends", "recommended", "--format", "json"],
        // No telemetry and no update check: the machines reach no server but the npm registry.
        { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" }, maxBuffer: 16 * 1024 * 1024 },
        // lint exits 1 when it finds errors: the report on stdout says which.
        (error, out) => (out.trim().startsWith("{") ? resolve(out) : reject(error ?? new Error(`no report: ${out}`))),
      );
    });
    return JSON.parse(stdout) as Awaited<ReturnType<typeof redoclyLint>>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("api: the OpenAPI document of the audit API and the relay", function () {
  // Both ledgers' relay endpoints: a service documents its own ledger's (relayDocumented(version)); here all of them.
  const document = buildOpenApi(ENDPOINTS, "http://127.0.0.1:8080", [RELAY_DOCUMENTED, relayDocumented(2)]);
  const operation = (path: string, method: string) => (document.paths as Record<string, Record<string, Operation>>)[path]?.[method];

  it("documents every route of the audit API and of the relay, each public one with an empty security list", function () {
    for (const endpoint of [...ENDPOINTS, ...RELAY_ENDPOINTS]) {
      const op = operation(endpoint.path, endpoint.method);
      expect(op?.operationId, `${endpoint.method} ${endpoint.path}`).to.equal(endpoint.id);
      const expected = { public: [], token: [{ bearer: [] }], signature: [{ eip191: [] }] }[endpoint.auth];
      expect(op?.security, endpoint.id).to.deep.equal(expected);
    }
    expect(Object.keys(operation("/v1/redemptions", "post")!.responses)).to.include.members(["200", "202", "400", "409", "422", "503"]);
    expect(Object.keys(operation("/v2/redemptions", "post")!.responses)).to.include.members(["200", "202", "400", "409", "422", "503"]);
    // The list of v2 redemptions (the audit API's GET) and the relay's POST share their path.
    expect(operation("/v2/redemptions", "get")?.operationId).to.be.a("string");
    expect(document.info.license).to.deep.equal({ name: "Apache-2.0", identifier: "Apache-2.0" });
  });

  it("passes Redocly CLI's recommended rules without an error or a warning", async function () {
    const report = await redoclyLint(document);
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).to.deep.equal([]);
    expect(report.totals).to.include({ errors: 0, warnings: 0 });
  });
});
