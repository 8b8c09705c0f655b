import type { AddressInfo } from "node:net";

import { expect } from "chai";
import express from "express";

import { PROBLEM_TITLES_ZH_CN } from "../../../service/internal/problem-titles.js";
import { Problem, PROBLEM_CODES, problemMiddleware, PROBLEMS, type ProblemCode } from "../../../service/internal/problems.js";

describe("problem titles in Chinese when the request asks for it (Accept-Language)", function () {
  let server: ReturnType<ReturnType<typeof express>["listen"]>;
  let base: string;

  before(async function () {
    // The service's one error middleware, after a route that refuses with the code it is given.
    const app = express();
    app.get("/refuse/:code", (req) => {
      throw new Problem(req.params.code as ProblemCode, `refused as ${req.params.code}`);
    });
    app.use(problemMiddleware());
    server = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const refuse = async (code: ProblemCode, acceptLanguage?: string) => {
    const response = await fetch(`${base}/refuse/${code}`, { headers: acceptLanguage === undefined ? {} : { "accept-language": acceptLanguage } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };

  it("has a Chinese title for every code of the catalogue, in Chinese characters and unlike the English one", function () {
    expect(Object.keys(PROBLEM_TITLES_ZH_CN).sort()).to.deep.equal([...PROBLEM_CODES].sort());
    for (const code of PROBLEM_CODES) {
      expect(PROBLEM_TITLES_ZH_CN[code], code).to.match(/\p{Script=Han}/u);
      expect(PROBLEM_TITLES_ZH_CN[code], code).to.not.equal(PROBLEMS[code].title);
    }
  });

  it("answers every code with its Chinese title to Accept-Language: zh-CN, code, status and detail unchanged", async function () {
    for (const code of PROBLEM_CODES) {
      const zh = await refuse(code, "zh-CN");
      const en = await refuse(code);
      expect(zh.status, code).to.equal(PROBLEMS[code].status);
      expect(zh.body, code).to.deep.equal({ ...en.body, title: PROBLEM_TITLES_ZH_CN[code] });
      expect(en.body.title, code).to.equal(PROBLEMS[code].title);
      expect(zh.body.code, code).to.equal(code);
      expect(zh.headers.get("content-language"), code).to.equal("zh-CN");
      expect(en.headers.get("content-language"), code).to.equal("en");
      expect(zh.headers.get("vary"), code).to.match(/accept-language/i);
      expect(zh.headers.get("retry-after"), code).to.equal(en.headers.get("retry-after"));
    }
  });

  it("follows the request's preference: Chinese for zh and zh-CN first, English for English first, zh-TW, or another language", async function () {
    const cases: [string, "zh" | "en"][] = [
      ["zh-CN,zh;q=0.9,en;q=0.8", "zh"],
      ["zh", "zh"],
      ["en-US,en;q=0.9,zh-CN;q=0.5", "en"],
      ["en", "en"],
      ["zh-TW", "en"],
      ["fr-FR", "en"],
      ["*", "en"],
    ];
    for (const [header, want] of cases) {
      const { body } = await refuse("NOT_FOUND", header);
      expect(body.title, header).to.equal(want === "zh" ? PROBLEM_TITLES_ZH_CN.NOT_FOUND : PROBLEMS.NOT_FOUND.title);
    }
  });
});
