import { expect } from "chai";

import { en } from "../../scripts/lib/i18n/en.js";
import { localeLanguage, t } from "../../scripts/lib/i18n/index.js";
import { zhCN } from "../../scripts/lib/i18n/zh-CN.js";

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe("the admin tools' messages in English and Chinese", function () {
  it("has every message in both languages, with the same values to fill in", function () {
    expect(Object.keys(zhCN).sort()).to.deep.equal(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(zhCN[key as keyof typeof en]), key).to.deep.equal(placeholders(text));
    }
  });

  it("reads the language from LC_ALL, then LC_MESSAGES, then LANG", function () {
    expect(localeLanguage({ LANG: "zh_CN.UTF-8" })).to.equal("zh-CN");
    expect(localeLanguage({ LANG: "zh_TW.UTF-8" })).to.equal("zh-CN");
    expect(localeLanguage({ LANG: "zh" })).to.equal("zh-CN");
    expect(localeLanguage({ LANG: "en_US.UTF-8" })).to.equal("en");
    expect(localeLanguage({ LANG: "C.UTF-8" })).to.equal("en");
    expect(localeLanguage({})).to.equal("en");
    expect(localeLanguage({ LC_ALL: "en_US.UTF-8", LANG: "zh_CN.UTF-8" })).to.equal("en");
    expect(localeLanguage({ LC_MESSAGES: "zh_CN.UTF-8", LANG: "en_US.UTF-8" })).to.equal("zh-CN");
    expect(localeLanguage({ LC_ALL: "", LANG: "zh_CN.UTF-8" })).to.equal("zh-CN");
  });

  it("fills in the values as text, never escaped as HTML", function () {
    const saved = process.env.LANG;
    try {
      process.env.LANG = "en_US.UTF-8";
      expect(t("amount.negative", { value: "<-5>" })).to.equal('the amount "<-5>" is negative: it must be positive');
      process.env.LANG = "zh_CN.UTF-8";
      expect(t("amount.negative", { value: "<-5>" })).to.equal("金额“<-5>”为负数：金额必须为正数");
      expect(t("batch.overBudget", { total: "1,000.00 CNY", year: 2026, programme: 3, left: "0.00 CNY" })).to.equal(
        "本批共需 1,000.00 CNY；项目 3 的 2026 财年只剩 0.00 CNY",
      );
    } finally {
      if (saved === undefined) delete process.env.LANG;
      else process.env.LANG = saved;
    }
  });
});
