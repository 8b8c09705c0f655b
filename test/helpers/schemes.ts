import { join } from "node:path";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import { instantOfDate } from "../../service/domain/identity.js";
import { type ApplyResult, applyScheme, openSchemeChain, type SchemeChain } from "../../scripts/lib/schemes/apply.js";
import { loadSchemeFile, loadVocabulary, type ResolvedScheme, schemeFromValue } from "../../scripts/lib/schemes/load.js";
import type { SchemeFile } from "../../scripts/lib/schemes/schema.js";
import { deploySchemeFixture, type SchemeFixture } from "./scheme-fixture.js";

/** The scheme files of the repository, and the chain date before all of them (the Beijing programme starts 2023-09-01). */
export const SCHEMES_DIR = join(process.cwd(), "scripts", "schemes");
export const SCHEME_NAMES = [
  "beijing",
  "chengdu",
  "hangzhou",
  "henan",
  "henan-zhengzhou",
  "qingyang",
  "shanghai",
  "shanghai-xuhui",
  "shenzhen",
] as const;
export type SchemeName = (typeof SCHEME_NAMES)[number];
export const BEFORE_ALL_SCHEMES = "2023-08-01T00:00:00+08:00";

export async function loadRepositorySchemes(): Promise<Record<SchemeName, ResolvedScheme>> {
  const vocabulary = await loadVocabulary(join(SCHEMES_DIR, "vocabulary.json"));
  const entries = await Promise.all(
    SCHEME_NAMES.map(async (name) => [name, await loadSchemeFile(join(SCHEMES_DIR, `${name}.json`), vocabulary)] as const),
  );
  return Object.fromEntries(entries) as Record<SchemeName, ResolvedScheme>;
}

/** A scheme changed by `edit` (on a copy of its file), validated again as a file would be. */
export function variant(scheme: ResolvedScheme, edit: (file: SchemeFile) => void, source = `${scheme.source} (variant)`): ResolvedScheme {
  const file = structuredClone(scheme.file);
  edit(file);
  return schemeFromValue(file, scheme.vocabulary, source);
}

/** The scheme with `issuers` listed in each of its programmes. */
export function withIssuers(scheme: ResolvedScheme, issuers: string[]): ResolvedScheme {
  return variant(scheme, (file) => file.programmes.forEach((p) => (p.issuers = issuers)), `${scheme.source} (with issuers)`);
}

export interface AppliedSchemes {
  f: SchemeFixture;
  /** The registry and ledger as the governor sees them. */
  chain: SchemeChain;
  schemes: Record<SchemeName, ResolvedScheme>;
  /** What applying each file first did. */
  first: Record<SchemeName, ApplyResult>;
  /** The programmes' ids. */
  programmes: {
    beijing: bigint;
    chengdu: bigint;
    hangzhou: bigint;
    henan: bigint;
    zhengzhou: bigint;
    qingyang: bigint;
    shanghai: bigint;
    shanghaiModel: bigint;
    shanghaiData: bigint;
    xuhui: bigint;
    shenzhen: bigint;
  };
}

/**
 * The scheme fixture, with every scheme file of the repository applied by the governor, then again with the fixture's
 * issuer listed, and the fixture's supplier accredited for every programme of them (all classes, 2023 to 2029).
 */
export async function deployAndApplySchemes(ethers: HardhatEthers): Promise<AppliedSchemes> {
  const f = await deploySchemeFixture(ethers);
  const chain = await openSchemeChain({ runner: f.governor, ledger: await f.ledger.getAddress() });
  const schemes = await loadRepositorySchemes();
  const first = {} as Record<SchemeName, ApplyResult>;
  for (const name of SCHEME_NAMES) first[name] = await applyScheme(chain, schemes[name]);
  for (const name of SCHEME_NAMES) await applyScheme(chain, withIssuers(schemes[name], [f.issuer.address]));
  const id = (name: SchemeName, index = 0) => first[name].programmes[index]!.id!;
  const programmes = {
    beijing: id("beijing"),
    chengdu: id("chengdu"),
    hangzhou: id("hangzhou"),
    henan: id("henan"),
    zhengzhou: id("henan-zhengzhou"),
    qingyang: id("qingyang"),
    shanghai: id("shanghai", 0),
    shanghaiModel: id("shanghai", 1),
    shanghaiData: id("shanghai", 2),
    xuhui: id("shanghai-xuhui"),
    shenzhen: id("shenzhen"),
  };
  const r = f.registry.connect(f.governor);
  for (const programme of Object.values(programmes)) {
    await (await r.accredit(f.entities.supplier, programme, instantOfDate("2023-01-01"), instantOfDate("2030-01-01"), 0b1111)).wait();
  }
  return { f, chain, schemes, first, programmes };
}

/** The error a promise is rejected with (it must be rejected). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}
