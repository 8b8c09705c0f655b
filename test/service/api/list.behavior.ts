import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";

import type { Client } from "./helpers.js";

/** What a list's cases read when they run: the API's client and a token that may read the list. */
export interface ListSubject {
  client: Client;
  token: string;
}

type Page = { items: unknown[]; nextCursor: string | null };

const withQuery = (path: string, query: string) => `${path}${path.includes("?") ? "&" : "?"}${query}`;

/** Every page of `path` at `limit` rows a page, in order. */
async function pages(s: ListSubject, path: string, limit: number): Promise<Page[]> {
  const out: Page[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? `limit=${limit}` : `limit=${limit}&cursor=${cursor}`;
    const response = await s.client.get(withQuery(path, query), s.token);
    expect(response.status, `${path} at limit ${limit}: ${response.text}`).to.equal(200);
    const page = response.json as Page;
    out.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && out.length <= 10_000);
  return out;
}

/**
 * What every keyset-paged list of the API does (service/api/list.ts), whatever its rows: pages of any size walk the
 * same rows in the same order as one whole page, none twice and none skipped; a cursor is refused by every list but
 * its own, and one the API did not issue is refused; the page size is bounded; the CSV export holds the same rows.
 * `path` may carry a query (filters). The list must hold at least two rows for the paging case to mean anything.
 */
export function shouldBehaveLikeAKeysetList(subject: () => ListSubject, path: string, other: string): void {
  describe(`${path}, as every keyset list`, function () {
    it("walks, in pages of one and of two rows, the rows of one whole page, in the same order, none twice", async function () {
      const s = subject();
      const [whole] = await pages(s, path, 1000);
      expect(whole!.nextCursor, "the whole list fits one page of 1000").to.equal(null);
      expect(whole!.items.length, `${path} has at least two rows to page`).to.be.at.least(2);
      for (const limit of [1, 2]) {
        const walked = await pages(s, path, limit);
        expect(walked.every((p) => p.items.length <= limit), `no page of ${limit} holds more`).to.equal(true);
        expect(walked.flatMap((p) => p.items), `pages of ${limit}`).to.deep.equal(whole!.items);
      }
    });

    it("refuses, with INVALID_CURSOR, a cursor of another list and one it did not issue", async function () {
      const s = subject();
      const [first] = await pages(s, other, 1).then((all) => all.slice(0, 1));
      expect(first!.nextCursor, `${other} has a second page`).to.be.a("string");
      for (const cursor of [first!.nextCursor!, "bm9wZQ", Buffer.from(JSON.stringify(["x", [1]])).toString("base64url")]) {
        const response = await s.client.get(withQuery(path, `cursor=${cursor}`), s.token);
        expect(response.status, cursor).to.equal(400);
        expect(response.json.code, cursor).to.equal("INVALID_CURSOR");
      }
    });

    it("refuses a page size of 0 or above 1000, with VALIDATION_FAILED", async function () {
      const s = subject();
      for (const limit of ["0", "1001", "-1", "ten"]) {
        const response = await s.client.get(withQuery(path, `limit=${limit}`), s.token);
        expect(response.status, `limit=${limit}`).to.equal(400);
        expect(response.json.code, `limit=${limit}`).to.equal("VALIDATION_FAILED");
      }
    });

    it("exports as CSV one row per row of the JSON list, in the same order", async function () {
      const s = subject();
      const [whole] = await pages(s, path, 1000);
      const csv = await s.client.get(withQuery(path, "format=csv"), s.token);
      expect(csv.status).to.equal(200);
      expect(csv.headers.get("content-type")).to.match(/^text\/csv/);
      const rows: Record<string, string>[] = parseCsv(csv.text.replace(/^\uFEFF/, ""), { columns: true });
      expect(rows).to.have.length(whole!.items.length);
      const items = whole!.items as Record<string, unknown>[];
      // The first column of the export is the list's first field: the same value, row by row.
      const first = Object.keys(rows[0] ?? {})[0]!;
      expect(rows.map((r) => r[first])).to.deep.equal(items.map((i) => String(i[first] ?? "")));
    });
  });
}
