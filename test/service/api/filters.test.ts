import { expect } from "chai";

import { createFilters, sql } from "../../../service/api/records.js";

describe("the lists' filters", function () {
  it("number each value as the next parameter and never rewrite the SQL text, a literal ? included", function () {
    const filters = createFilters();
    filters.add(sql`city = ${310000}`);
    filters.add(sql`args ? 'newId' AND (voucher_id = ${"7"}::numeric OR new_voucher_id = ${"7?"}::numeric)`);
    const page = filters.page("block_number, log_index", [12, 3], ["bigint", "bigint"], 50);
    expect(page.where).to.equal(
      "WHERE city = $1 AND args ? 'newId' AND (voucher_id = $2::numeric OR new_voucher_id = $3::numeric) AND " +
        "(block_number, log_index) > ($4::bigint, $5::bigint)",
    );
    expect(page.params).to.deep.equal([310000, "7", "7?", 12, 3, 50]);
    expect(page.limit).to.equal("$6");
  });
});
