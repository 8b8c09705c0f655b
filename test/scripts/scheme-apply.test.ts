import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import hre, { network } from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { applyScheme, openSchemeChain, planScheme } from "../../scripts/lib/schemes/apply.js";
import { parseSchemeFile, parseVocabulary } from "../../scripts/lib/schemes/load.js";
import { runSchemeApplyTask } from "../../scripts/tasks/actions/scheme.js";
import { CNY, deploySchemeFixture, issueVoucher } from "../helpers/scheme-fixture.js";
import { instantOfDate } from "../../service/domain/identity.js";
import {
  BEFORE_ALL_SCHEMES,
  deployAndApplySchemes,
  rejection,
  SCHEME_NAMES,
  SCHEMES_DIR,
  variant,
} from "../helpers/schemes.js";

const connection = await network.create({ override: { initialDate: BEFORE_ALL_SCHEMES } });
const { ethers, networkHelpers } = connection;

const applied = () => deployAndApplySchemes(ethers);
const fresh = () => deploySchemeFixture(ethers);

/** The Hardhat runtime, with its network connecting to this test's chain (which the task must not close). */
const hreOnTestChain: HardhatRuntimeEnvironment = Object.create(hre, {
  network: {
    value: Object.create(hre.network, {
      create: { value: async () => Object.create(connection, { close: { value: async () => undefined } }) },
    }),
  },
});

/** Runs `scheme apply` with `args` (as the CLI passes them); its exit code and what it printed. */
async function task(args: Record<string, unknown>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSchemeApplyTask(
    { file: "", ledger: "", registry: "", vocabulary: "", as: "", dryRun: false, ...args },
    hreOnTestChain,
    { log: (l) => out.push(l), error: (l) => err.push(l) },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const vocabularyText = () => readFile(join(SCHEMES_DIR, "vocabulary.json"), "utf8");
const schemeText = (name: string) => readFile(join(SCHEMES_DIR, `${name}.json`), "utf8");

describe("scheme apply", function () {
  describe("the task", function () {
    it("lists in a dry run what it would send, in CNY decimals and ISO dates, and sends nothing", async function () {
      const f = await networkHelpers.loadFixture(fresh);
      const block = await ethers.provider.getBlockNumber();
      const { code, out, err } = await task({ file: join(SCHEMES_DIR, "hangzhou.json"), ledger: await f.ledger.getAddress(), dryRun: true });
      expect(err).to.equal("");
      expect(code).to.equal(0);
      expect(out).to.contain("sending as nobody (dry run)");
      expect(out).to.contain('programme city 330100 compute 2024 "杭州市算力券" (Hangzhou compute vouchers): not on chain yet');
      expect(out).to.contain("placeholders (see the file): fiscalYears, redemption, validity, combinedShare, reissueDelayDays");
      expect(out).to.contain("4 changes would be sent:");
      expect(out).to.contain("redemption from 2024-07-23; redemption through 2027-12-31");
      expect(out).to.contain("cap per company 8000000.00 CNY; cap period fiscal year");
      expect(out).to.contain("ratios domestic-compute/start-up 30%, domestic-compute/other-company 30%, other-compute/start-up 20%");
      expect(out).to.contain('set the budget of the new programme "杭州市算力券" for 2026: 250000000.00 CNY, appropriation "PLACEHOLDER-HZ-2026"');
      expect(out).to.contain("Dry run: nothing was sent.");
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("applies every file of a folder as the governor, and finds nothing to change the second time", async function () {
      const f = await networkHelpers.loadFixture(fresh);
      // As the governor's unlocked account: under `hardhat test`, the keystore has no LEDGER_GOVERNOR_KEY to fall back on.
      const args = { file: SCHEMES_DIR, ledger: await f.ledger.getAddress(), registry: await f.registry.getAddress(), as: f.governor.address };
      const first = await task(args);
      expect(first.err).to.equal("");
      expect(first.out).to.contain(`sending as ${f.governor.address}`);
      expect(first.out.match(/Sent \d+ transactions/g)).to.have.length(SCHEME_NAMES.length);
      expect(first.out).to.contain('define class 3 "大模型服务" (model-service');
      const block = await ethers.provider.getBlockNumber();
      const second = await task(args);
      expect(second.code).to.equal(0);
      expect(second.out.match(/Nothing to change: the chain holds what the file says\./g)).to.have.length(SCHEME_NAMES.length);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a folder with one broken file whole: exit code 1, the field and its line named, nothing sent", async function () {
      const f = await networkHelpers.loadFixture(fresh);
      const dir = await mkdtemp(join(tmpdir(), "schemes-"));
      try {
        await writeFile(join(dir, "vocabulary.json"), await vocabularyText());
        await writeFile(join(dir, "a.json"), await schemeText("beijing"));
        const text = await schemeText("shenzhen");
        await writeFile(join(dir, "b.json"), text.replace('"60", "other-company"', '"60", "other-compnay"'));
        const line = text.split("\n").findIndex((l) => l.includes('"60", "other-company"')) + 1;
        const block = await ethers.provider.getBlockNumber();
        const { code, err } = await task({ file: dir, ledger: await f.ledger.getAddress() });
        expect(code).to.equal(1);
        expect(err).to.contain(`${join(dir, "b.json")} is not a valid scheme file (1 mistake):`);
        expect(err).to.contain(`line ${line}, programmes[0].ratios.domestic-compute.other-compnay: is not a category of the vocabulary`);
        expect(await ethers.provider.getBlockNumber()).to.equal(block);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("refuses an account without the governor's role before sending anything", async function () {
      const f = await networkHelpers.loadFixture(fresh);
      const block = await ethers.provider.getBlockNumber();
      const { code, err } = await task({ file: join(SCHEMES_DIR, "hangzhou.json"), ledger: await f.ledger.getAddress(), as: f.stranger.address });
      expect(code).to.equal(1);
      expect(err).to.contain(`${f.stranger.address} may not send these at once, so nothing was sent`);
      expect(err).to.contain("registerProgramme (it needs the GOVERNOR role)");
      expect(err).to.contain("setBudget (it needs the GOVERNOR role)");
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a registry that is not the ledger's, and a contract that is not a ledger v2", async function () {
      const f = await networkHelpers.loadFixture(fresh);
      const file = join(SCHEMES_DIR, "hangzhou.json");
      const wrong = await task({ file, ledger: await f.ledger.getAddress(), registry: f.stranger.address, dryRun: true });
      expect(wrong.err).to.contain("is not the ledger's registry: the ledger names");
      const notLedger = await task({ file, ledger: await f.manager.getAddress(), dryRun: true });
      expect(notLedger.err).to.contain("is not a ledger v2");
    });
  });

  describe("changes to a file already applied", function () {
    it("sends only what differs: the rules, the ratio table and the budget of a new fiscal year", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const changed = variant(s.schemes.hangzhou, (file) => {
        const p = file.programmes[0]!;
        p.cap = { perCompany: "9000000.00", period: "fiscal-year" };
        p.ratios["other-compute"]!["start-up"] = "25";
        p.fiscalYears.push({ year: 2027, budget: "250000000.00", appropriation: "HZ-2027" });
      });
      const result = await applyScheme(s.chain, changed);
      expect(result.changes.map((c) => c.action)).to.deep.equal(["setRatios", "updateProgramme", "setBudget"]);
      expect(result.changes[1]!.description).to.contain("fiscal years 2024–2026 → 2024–2027; cap per company 8000000.00 CNY → 9000000.00 CNY");
      expect(result.changes[2]!.description).to.contain('for 2027: 250000000.00 CNY, appropriation "HZ-2027"');
      expect(await s.f.ledger.ratioOf(s.programmes.hangzhou, 2, 1)).to.equal(2500n);
      expect((await s.f.ledger.getPeriod(s.programmes.hangzhou, 2027)).budget).to.equal(250_000_000n * CNY);
      expect((await planScheme(s.chain, changed)).changes).to.deep.equal([]);
    });

    it("orders ratios and a combined share so that the registry takes them, lowering or raising", async function () {
      const s = await networkHelpers.loadFixture(applied);
      // Lowering the share below the present ratios: the ratios go first.
      const lower = variant(s.schemes["shanghai-xuhui"], (file) => {
        const p = file.programmes[0]!;
        p.combinedShare = "50";
        p.ratios = { "domestic-compute": { "start-up": "40" }, "other-compute": { "start-up": "40" } };
      });
      expect((await applyScheme(s.chain, lower)).changes.map((c) => c.action)).to.deep.equal(["setRatios", "updateProgramme"]);
      // Raising the ratios above the present share: the share goes first.
      const higher = variant(s.schemes.henan, (file) => {
        const p = file.programmes[0]!;
        p.combinedShare = "40";
        p.ratios = { "domestic-compute": { "start-up": "30", "other-company": "30" } };
      });
      expect((await applyScheme(s.chain, higher)).changes.map((c) => c.action)).to.deep.equal(["updateProgramme", "setRatios"]);
      for (const scheme of [lower, higher]) expect((await planScheme(s.chain, scheme)).changes).to.deep.equal([]);
      expect(await s.f.ledger.ratioOf(s.programmes.henan, 2, 1)).to.equal(0n);
    });

    it("finds a renamed programme by its former name and renames it", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const count = await s.f.registry.programmeCount();
      const renamed = variant(s.schemes.chengdu, (file) => {
        const p = file.programmes[0]!;
        p.formerNames = [p.name.zh];
        p.name = { zh: "成都市算力券", en: "Chengdu compute vouchers" };
      });
      const result = await applyScheme(s.chain, renamed);
      expect(result.changes.map((c) => c.description)).to.deep.equal([
        `update programme #${s.programmes.chengdu} "成都市算力券": name "成都市算力券（2025年）" → "成都市算力券"`,
      ]);
      expect(await s.f.registry.programmeCount()).to.equal(count);
    });

    it("records a new appropriation for an unchanged budget, and refuses a budget below what a year has committed", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const reference = variant(s.schemes.chengdu, (file) => (file.programmes[0]!.fiscalYears[0]!.appropriation = "CD-2025-AI"));
      const result = await applyScheme(s.chain, reference);
      expect(result.changes.map((c) => c.description)).to.deep.equal([
        `set the budget of programme #${s.programmes.chengdu} "成都市算力券（2025年）" for 2025: 100000000.00 CNY, ` +
          'appropriation "CD-2025-AI" (now 100000000.00 CNY, appropriation "PLACEHOLDER-CD-2025")',
      ]);
      await networkHelpers.time.increaseTo(instantOfDate("2026-03-01"));
      await issueVoucher(s.f, "CD-1", 3_000_000n * CNY, s.f.holder.address, 0n, s.programmes.chengdu);
      const below = variant(s.schemes.chengdu, (file) => (file.programmes[0]!.fiscalYears[1]!.budget = "2999999.99"));
      const block = await ethers.provider.getBlockNumber();
      expect((await rejection(applyScheme(s.chain, below))).message).to.contain(
        "the budget for 2026 would be 2999999.99 CNY, below the 3000000.00 CNY the year has committed",
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses to change how a company's cap is counted, before sending anything", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const lifetime = variant(s.schemes.chengdu, (file) => {
        const p = file.programmes[0]!;
        p.cap = { perCompany: "6000000.00", period: "lifetime" };
        p.validity.defaultDays = 300;
      });
      const block = await ethers.provider.getBlockNumber();
      expect((await rejection(applyScheme(s.chain, lifetime))).message).to.match(/changes how programme #\d+ counts a company's cap/);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a chain whose class of the same id has another name, unless the vocabulary lists it as former", async function () {
      const f = await networkHelpers.loadFixture(fresh);
      await (await f.registry.connect(f.governor).defineClass(3, "模型")).wait();
      const text = await schemeText("shanghai");
      const vocabulary = parseVocabulary(await vocabularyText(), "vocabulary.json");
      const chain = await openSchemeChain({ runner: f.governor, ledger: await f.ledger.getAddress() });
      const error = await rejection(applyScheme(chain, parseSchemeFile(text, "shanghai.json", vocabulary)));
      expect(error.message).to.contain('class 3 is named "模型" on chain, but the vocabulary names it "大模型服务" (model-service)');
      vocabulary.classes["model-service"]!.formerNames = ["模型"];
      const result = await applyScheme(chain, parseSchemeFile(text, "shanghai.json", vocabulary));
      expect(result.changes[0]!.description).to.equal('rename class 3 "模型" → "大模型服务" (model-service)');
      expect(await f.registry.className(3)).to.equal("大模型服务");
    });

    it("refuses to guess when the chain holds the same programme twice", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const { rules, ratios } = s.schemes.shenzhen.programmes[0]!;
      await (await s.f.registry.connect(s.f.governor).registerProgramme(rules, ratios)).wait();
      expect((await rejection(planScheme(s.chain, s.schemes.shenzhen))).message).to.match(
        /programmes #\d+ and #\d+ all match city 440300 compute 2025 "深圳市训力券"/,
      );
    });
  });

  describe("the file format", function () {
    const check = async (name: string, edit: (text: string) => string) => {
      const vocabulary = parseVocabulary(await vocabularyText(), "vocabulary.json");
      return rejection((async () => parseSchemeFile(edit(await schemeText(name)), `${name}.json`, vocabulary))());
    };

    it("names the line of a JSON mistake, and refuses a key given twice", async function () {
      expect((await check("hangzhou", (t) => t.replace('"kind": "compute",', '"kind": "compute",,'))).message).to.match(
        /hangzhou\.json is not a valid scheme file \(1 mistake\):\n {2}line 19: expected a key in double quotes/,
      );
      expect((await check("hangzhou", (t) => t.replace('"exclusiveGroup": null,', '"exclusiveGroup": null, "cap": null,'))).message).to.match(
        /line \d+: the key "cap" appears twice in the same object/,
      );
    });

    it("names every field that is missing, unknown or malformed", async function () {
      const error = await check("beijing", (t) =>
        t
          .replace('"reissueDelayDays": 3,', "")
          .replace('"kind": "compute",', '"kind": "compute", "knd": "model",')
          .replace('"earliestContractDate": "2023-09-01"', '"earliestContractDate": "2023-09-31"')
          .replace('"perCompany": "2000000.00"', '"perCompany": "2000000"'),
      );
      expect(error.message).to.contain("(4 mistakes)");
      expect(error.message).to.match(/line \d+, programmes\[0\]\.knd: is not a field of this object/);
      expect(error.message).to.match(/line \d+, programmes\[0\]\.reissueDelayDays: is missing/);
      expect(error.message).to.match(/line \d+, programmes\[0\]\.earliestContractDate: must be a calendar date/);
      expect(error.message).to.match(/line \d+, programmes\[0\]\.cap\.perCompany: must be an amount in CNY with two decimals/);
    });

    it("refuses rules that do not hold together", async function () {
      const error = await check("henan", (t) =>
        t
          .replace('"code": 410000', '"code": 410100')
          .replace('"year": 2026', '"year": 2027')
          .replace('"domestic-compute": { "start-up": "10"', '"domestic-compute": { "start-up": "25"')
          .replace('"other-compute": {', '"model-service": {')
          .replace('"exclusiveGroup": null', '"exclusiveGroup": "henan-compute"'),
      );
      for (const text of [
        "region.code: must be a province's code (ending in 0000) for a province programme",
        "programmes[0].fiscalYears[1].year: must be 2026: fiscal years run on without gaps",
        "programmes[0].ratios.domestic-compute.start-up: is 25%, above the combined share (20%)",
        "programmes[0].ratios.model-service: is a class of model programmes, and this programme is compute",
        "programmes[0].exclusiveGroup: is not an exclusive group of the vocabulary (beijing-municipal-compute)",
      ]) {
        expect(error.message).to.contain(text);
      }
    });
  });
});
