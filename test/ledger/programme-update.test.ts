import { expect } from "chai";
import { network } from "hardhat";

import {
  CNY,
  deploySchemeFixture,
  FIXTURE_RATIOS,
  issueVoucher,
  now,
  type ProgrammeInput,
  programmeRules,
  type SchemeFixture,
} from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();

const fixture = () => deploySchemeFixture(ethers);

/** A programme like the fixture's with `rules`, with a budget this year and the fixture's issuer: its id. */
async function programmeWith(f: SchemeFixture, rules: Partial<ProgrammeInput>): Promise<bigint> {
  const r = f.registry.connect(f.governor);
  const t = await now(ethers);
  await (await r.registerProgramme(programmeRules(t, f.year, { name: "cap rules", ...rules }), FIXTURE_RATIOS)).wait();
  const id = await f.registry.programmeCount();
  await (await f.ledger.connect(f.governor).setBudget(id, f.year, 100_000_000n * CNY, ethers.encodeBytes32String("test"))).wait();
  await (await r.bindIssuer(f.issuer.address, id)).wait();
  return id;
}

describe("updating a programme's cap rules", function () {
  // How a company's tally is kept (per programme or per exclusive group, per fiscal year or over the programme's life)
  // cannot change once the programme is registered: the ledger would forget the tally kept under the old rule, and a
  // company could take its cap a second time in the same period.
  for (const [field, before, after] of [
    ["capLifetime", {}, { capLifetime: true }],
    ["capLifetime", { capLifetime: true }, { capLifetime: false }],
    ["exclusive", {}, { capGroup: 7, exclusive: true }],
    ["capGroup", { capGroup: 7, exclusive: true }, { capGroup: 8, exclusive: true }],
    ["capGroup", {}, { capGroup: 7 }],
    ["exclusive", { capGroup: 7, exclusive: true }, { capGroup: 7, exclusive: false }],
  ] as [string, Partial<ProgrammeInput>, Partial<ProgrammeInput>][]) {
    it(`refuses ${JSON.stringify(before)} → ${JSON.stringify(after)} (${field}): the company's cap still holds`, async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const id = await programmeWith(f, before);
      await issueVoucher(f, "CAP-1", 8_000_000n * CNY, f.holder.address, 0n, id);
      const t = await now(ethers);
      const update = f.registry.connect(f.governor).updateProgramme(id, programmeRules(t, f.year, { name: "cap rules", ...after }));
      await expect(update).to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidProgramme").withArgs(field);
      await expect(issueVoucher(f, "CAP-2", 8_000_000n * CNY, f.holder2.address, 0n, id))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(id, f.entities.startup, 8_000_000n * CNY, 0n);
    });
  }

  it("still takes changes to the cap's amount", async function () {
    const f = await networkHelpers.loadFixture(fixture);
    const id = await programmeWith(f, {});
    await issueVoucher(f, "CAP-1", 8_000_000n * CNY, f.holder.address, 0n, id);
    const t = await now(ethers);
    await (await f.registry.connect(f.governor).updateProgramme(id, programmeRules(t, f.year, { name: "cap rules", capPerCompany: 9_000_000n * CNY }))).wait();
    await issueVoucher(f, "CAP-2", 1_000_000n * CNY, f.holder2.address, 0n, id);
  });
});
