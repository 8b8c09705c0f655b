import { once } from "node:events";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import express from "express";
import { z } from "zod";

import { csvColumns, csvStringifier, streamCsv } from "../../../service/api/csv.js";
import { amountSchema } from "../../../service/api/format.js";

/** Everything the stringifier writes for these rows, as bytes. */
async function stringifyAll(columns: ReturnType<typeof csvColumns>, rows: unknown[][]): Promise<Buffer> {
  const csv = csvStringifier(columns);
  const chunks: Buffer[] = [];
  csv.on("data", (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
  for (const row of rows) csv.write(row);
  csv.end();
  await once(csv, "end");
  return Buffer.concat(chunks);
}

const item = z.strictObject({
  text: z.string().nullable(),
  amount: amountSchema.meta({ description: "an amount" }),
  count: z.number().int(),
  flag: z.boolean(),
  nested: z.strictObject({ total: amountSchema.nullable(), label: z.string() }),
  list: z.array(z.string()),
});

describe("CSV exports", function () {
  it("derives the columns from the schema, nested objects as a.b, integers and amounts as numeric", function () {
    expect(csvColumns(item)).to.deep.equal([
      { header: "text", path: ["text"], numeric: false },
      { header: "amount", path: ["amount"], numeric: true },
      { header: "count", path: ["count"], numeric: true },
      { header: "flag", path: ["flag"], numeric: false },
      { header: "nested.total", path: ["nested", "total"], numeric: true },
      { header: "nested.label", path: ["nested", "label"], numeric: false },
      { header: "list", path: ["list"], numeric: false },
    ]);
  });

  it("writes a BOM, then neutralises every text cell a spreadsheet would run as a formula, and leaves numbers alone", async function () {
    const columns = csvColumns(item);
    const hostile = [
      '=HYPERLINK("http://evil.example","x")', "+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx", "-1", "\uFF1D1+1", "\uFF0B1",
      "\uFF0D1", "\uFF20SUM(A1)",
    ];
    const rows = hostile.map((text, i) => [text, i % 2 === 0 ? "-1.00" : "1234.56", -i, i % 2 === 0, i === 0 ? null : "-0.01", text, [text]]);
    rows.push(["上海市算力券", "0.00", 0, false, "-2+3", "上海市算力券", []]);
    rows.push([null, "12.50", 7, true, null, "", []]);
    rows.push(["line\nbreak", "1.00", 1, true, null, "a\rb", ["\n"]]);
    const bytes = await stringifyAll(columns, rows);
    expect([...bytes.subarray(0, 3)], "a UTF-8 BOM first").to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString("utf8");
    expect(text.startsWith("text,amount,count,flag,nested.total,nested.label,list\r\n")).to.equal(true);
    expect(text.endsWith("\r\n")).to.equal(true);
    expect(bytes.includes(Buffer.from("上海市算力券", "utf8"))).to.equal(true);
    // Exact bytes of a few lines: RFC 4180 quoting around the prefixed text.
    expect(text).to.include(`"'=HYPERLINK(""http://evil.example"",""x"")",-1.00,0,true,,"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(text).to.include("'+1,1234.56,-1,false,-0.01,'+1,");
    expect(text).to.include(`"'\rx",1234.56,-5,false,-0.01,"'\rx","[""\\rx""]"\r\n`);

    const parsed = parseCsv(bytes, { bom: true });
    expect(parsed[0]).to.deep.equal(columns.map((c) => c.header));
    const expected = [
      ...hostile.map((t, i) => [`'${t}`, i % 2 === 0 ? "-1.00" : "1234.56", String(-i), String(i % 2 === 0), i === 0 ? "" : "-0.01", `'${t}`, JSON.stringify([t])]),
      // A numeric column holding something that is not a plain number is neutralised like text.
      ["上海市算力券", "0.00", "0", "false", "'-2+3", "上海市算力券", "[]"],
      ["", "12.50", "7", "true", "", "", "[]"],
      // A lone LF or CR inside a cell is quoted, so the row stays one row.
      ["line\nbreak", "1.00", "1", "true", "", "a\rb", '["\\n"]'],
    ];
    expect(parsed.slice(1)).to.deep.equal(expected);
  });

  it("writes the header alone for an empty list", async function () {
    const bytes = await stringifyAll(csvColumns(item), []);
    expect(bytes.toString("utf8")).to.equal("\uFEFFtext,amount,count,flag,nested.total,nested.label,list\r\n");
  });

  it("streams page after page, and stops reading pages when the client goes away", async function () {
    const columns = csvColumns(z.strictObject({ n: z.number().int(), label: z.string() }));
    let pages = 0;
    let finished!: Promise<unknown>;
    const app = express();
    app.get("/small", (_req, res) => {
      let left = 3;
      finished = streamCsv(res, "small", columns, async () => (left-- > 0 ? [{ n: left, label: `=page ${left}` }, { n: -left, label: "二" }] : undefined));
    });
    app.get("/endless", (_req, res) => {
      finished = streamCsv(res, "endless", columns, async () => {
        pages++;
        return Array.from({ length: 1000 }, (_, i) => ({ n: pages * 1000 + i, label: "x".repeat(200) }));
      });
    });
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const small = await fetch(`${url}/small`);
      expect(small.headers.get("content-type")).to.equal("text/csv; charset=utf-8");
      expect(small.headers.get("content-disposition")).to.equal('attachment; filename="small.csv"');
      const body = Buffer.from(await small.arrayBuffer()).toString("utf8");
      expect(body).to.equal("\uFEFFn,label\r\n2,'=page 2\r\n-2,二\r\n1,'=page 1\r\n-1,二\r\n0,'=page 0\r\n0,二\r\n");
      await finished;

      const controller = new AbortController();
      const endless = await fetch(`${url}/endless`, { signal: controller.signal });
      const reader = endless.body!.getReader();
      const { value } = await reader.read();
      expect(Buffer.from(value).subarray(0, 3).toString("utf8")).to.equal("\uFEFF");
      controller.abort();
      // The export ends (it would run forever if it kept reading pages) and does not fail.
      await finished;
      expect(pages).to.be.greaterThan(0);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
