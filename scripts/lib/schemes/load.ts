import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { encodeBytes32String } from "ethers";
import type { z } from "zod";

import { dayNumber, instantOfDate } from "../../../service/domain/identity.js";
import { UserError } from "../admin/format.js";
import { type JsonPath, JsonTextError, parseJsonWithLines } from "./json-lines.js";
import {
  amountToFen,
  KINDS,
  LEVELS,
  percentToBps,
  type ProgrammeEntry,
  type SchemeFile,
  schemeFileSchema,
  type Vocabulary,
  vocabularySchema,
} from "./schema.js";

/** One mistake in a file: where (field path, line) and what. */
export interface SchemeIssue {
  path: JsonPath;
  line?: number;
  message: string;
}

/** A scheme or vocabulary file that is not valid: every mistake found, each naming its field and line. */
export class SchemeFileError extends UserError {
  constructor(
    readonly file: string,
    readonly issues: SchemeIssue[],
  ) {
    const shown = issues.slice(0, 20).map((i) => {
      const where = [i.line === undefined ? "" : `line ${i.line}`, i.path.length === 0 ? "" : formatPath(i.path)];
      return `  ${where.filter((w) => w !== "").join(", ") || "(the file)"}: ${i.message}`;
    });
    const more = issues.length > 20 ? [`  … and ${issues.length - 20} more`] : [];
    super(`${file} is not a valid scheme file (${issues.length} mistake${issues.length === 1 ? "" : "s"}):\n${[...shown, ...more].join("\n")}`);
  }
}

/** `programmes[0].ratios.domestic-compute` */
export function formatPath(path: JsonPath): string {
  if (path.length === 0) return "(the file)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** What the registry's `Programme` struct holds, as the file gives it. */
export interface ProgrammeRules {
  level: number;
  region: number;
  kind: number;
  name: string;
  firstYear: number;
  yearCount: number;
  redeemFrom: bigint;
  redeemUntil: bigint;
  earliestContractDay: number;
  defaultValidity: number;
  maxValidity: number;
  capPerCompany: bigint;
  capLifetime: boolean;
  capGroup: number;
  exclusive: boolean;
  maxCombinedBps: number;
  entityWindowDays: number;
  needsElectricity: boolean;
  needsAssessment: boolean;
  reissueDelay: number;
  payees: number;
  supplierFirstDays: number;
  reviewWindow: number;
  lapseApproves: boolean;
}

export interface RatioEntry {
  computeClass: number;
  category: number;
  bps: number;
}

export interface VocabularyRef {
  slug: string;
  id: number;
  zh: string;
  en: string;
  formerNames: string[];
}

export interface ResolvedProgramme {
  /** Its index in the file's `programmes`. */
  index: number;
  entry: ProgrammeEntry;
  /** How it is found on chain: level, region, kind, first fiscal year and name (or a former name). */
  key: string;
  rules: ProgrammeRules;
  /** The ratio table, ordered by class then category. */
  ratios: RatioEntry[];
  budgets: { year: number; budget: bigint; appropriation: string; appropriationText: string }[];
  issuers: string[];
}

export interface ResolvedScheme {
  source: string;
  file: SchemeFile;
  vocabulary: Vocabulary;
  programmes: ResolvedProgramme[];
  /** The classes and categories its ratio tables use. */
  classes: VocabularyRef[];
  categories: VocabularyRef[];
}

const DAY = 86_400;

/** A programme's stable key as text (what a person reads in messages, too). */
export function programmeKey(rules: Pick<ProgrammeRules, "level" | "region" | "kind" | "firstYear">, name: string): string {
  return `${LEVELS[rules.level - 1] ?? rules.level} ${rules.region} ${KINDS[rules.kind - 1] ?? rules.kind} ${rules.firstYear} "${name}"`;
}

function zodIssues(error: z.ZodError, input: unknown): SchemeIssue[] {
  const issues: SchemeIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) issues.push({ path: [...path, k], message: "is not a field of this object (a typo?)" });
    } else if (issue.code === "invalid_type" && valueAt(input, path) === undefined) {
      issues.push({ path, message: "is missing" });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}

function valueAt(input: unknown, path: JsonPath): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** Parses JSON text with line numbers; a syntax mistake becomes a {@link SchemeFileError}. */
function parseText(text: string, source: string) {
  try {
    return parseJsonWithLines(text);
  } catch (error) {
    if (error instanceof JsonTextError) throw new SchemeFileError(source, [{ path: [], line: error.line, message: error.message }]);
    throw error;
  }
}

function fail(source: string, issues: SchemeIssue[], lineOf?: (path: JsonPath) => number | undefined): never {
  const located = issues.map((i) => ({ ...i, line: i.line ?? lineOf?.(i.path) }));
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new SchemeFileError(source, located);
}

/** Validates a vocabulary (as parsed JSON); throws a {@link SchemeFileError}. */
export function vocabularyFromValue(value: unknown, source: string, lineOf?: (path: JsonPath) => number | undefined): Vocabulary {
  const parsed = vocabularySchema.safeParse(value);
  if (!parsed.success) fail(source, zodIssues(parsed.error, value), lineOf);
  const v = parsed.data;
  const issues: SchemeIssue[] = [];
  for (const list of ["classes", "categories", "exclusiveGroups"] as const) {
    const ids = new Map<number, string>();
    const zh = new Map<string, string>();
    for (const [slug, entry] of Object.entries(v[list])) {
      const other = ids.get(entry.id);
      if (other !== undefined) issues.push({ path: [list, slug, "id"], message: `is ${entry.id}, which "${other}" has already` });
      ids.set(entry.id, slug);
      const same = zh.get(entry.zh);
      if (same !== undefined) issues.push({ path: [list, slug, "zh"], message: `is "${entry.zh}", which "${same}" has already` });
      zh.set(entry.zh, slug);
    }
  }
  if (issues.length > 0) fail(source, issues, lineOf);
  return v;
}

/** Parses and validates a vocabulary file's text. */
export function parseVocabulary(text: string, source: string): Vocabulary {
  const { value, lineOf } = parseText(text, source);
  return vocabularyFromValue(value, source, lineOf);
}

export async function loadVocabulary(path: string): Promise<Vocabulary> {
  return parseVocabulary(await readText(path), path);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The vocabulary a scheme file uses by default: `vocabulary.json` beside it. */
export function vocabularyPathFor(schemePath: string): string {
  return join(dirname(schemePath), "vocabulary.json");
}

/**
 * Validates a scheme file (as parsed JSON) against the schema and the vocabulary, and resolves it into what the
 * registry and the ledger hold. Throws a {@link SchemeFileError} listing every mistake.
 */
export function schemeFromValue(
  value: unknown,
  vocabulary: Vocabulary,
  source: string,
  lineOf?: (path: JsonPath) => number | undefined,
): ResolvedScheme {
  const parsed = schemeFileSchema.safeParse(value);
  if (!parsed.success) fail(source, zodIssues(parsed.error, value), lineOf);
  const file = parsed.data;
  const issues: SchemeIssue[] = [];
  const level = LEVELS.indexOf(file.level) + 1;
  const code = file.region.code;
  const regionRule: Record<SchemeFile["level"], [boolean, string]> = {
    national: [code === 100_000, "must be 100000 for a national programme"],
    province: [code % 10_000 === 0, "must be a province's code (ending in 0000) for a province programme"],
    city: [code % 100 === 0, "must be a city's code (ending in 00) for a city programme"],
    district: [code % 100 !== 0, "must be a district's code (not ending in 00) for a district programme"],
  };
  const [regionOk, regionMessage] = regionRule[file.level];
  if (!regionOk) issues.push({ path: ["region", "code"], message: regionMessage });

  const classes = new Map<string, VocabularyRef>();
  const categories = new Map<string, VocabularyRef>();
  const keys = new Map<string, number>();
  const programmes: ResolvedProgramme[] = [];
  file.programmes.forEach((entry, index) => {
    const at = (...path: (string | number)[]) => ["programmes", index, ...path];
    const years = entry.fiscalYears;
    years.forEach((y, i) => {
      if (i > 0 && y.year !== years[i - 1]!.year + 1) {
        issues.push({ path: at("fiscalYears", i, "year"), message: `must be ${years[i - 1]!.year + 1}: fiscal years run on without gaps` });
      }
    });
    const firstYear = years[0]!.year;
    const lastYear = years[years.length - 1]!.year;
    const { firstDay, lastDay } = entry.redemption;
    if (lastDay < firstDay) issues.push({ path: at("redemption", "lastDay"), message: `is before redemption.firstDay (${firstDay})` });
    if (lastDay < `${firstYear}-01-01`) {
      issues.push({ path: at("redemption", "lastDay"), message: `is before the first fiscal year (${firstYear}) begins: no voucher could be redeemed` });
    }
    if (firstDay > `${lastYear}-12-31`) {
      issues.push({ path: at("redemption", "firstDay"), message: `is after the last fiscal year (${lastYear}) ends` });
    }
    if (entry.validity.defaultDays > entry.validity.maxDays) {
      issues.push({ path: at("validity", "defaultDays"), message: `is above validity.maxDays (${entry.validity.maxDays})` });
    }
    const combinedBps = entry.combinedShare === null ? 0 : percentToBps(entry.combinedShare);
    const ratios: RatioEntry[] = [];
    for (const [classSlug, row] of Object.entries(entry.ratios)) {
      if (Object.keys(row).length === 0) issues.push({ path: at("ratios", classSlug), message: "lists no category" });
      const c = vocabulary.classes[classSlug];
      if (c === undefined) {
        issues.push({ path: at("ratios", classSlug), message: `is not a class of the vocabulary (${Object.keys(vocabulary.classes).join(", ")})` });
        continue;
      }
      if (c.kind !== entry.kind) {
        issues.push({ path: at("ratios", classSlug), message: `is a class of ${c.kind} programmes, and this programme is ${entry.kind}` });
      }
      classes.set(classSlug, { slug: classSlug, ...c });
      for (const [categorySlug, share] of Object.entries(row)) {
        const k = vocabulary.categories[categorySlug];
        if (k === undefined) {
          issues.push({
            path: at("ratios", classSlug, categorySlug),
            message: `is not a category of the vocabulary (${Object.keys(vocabulary.categories).join(", ")})`,
          });
          continue;
        }
        categories.set(categorySlug, { slug: categorySlug, ...k });
        const bps = percentToBps(share);
        if (combinedBps !== 0 && bps > combinedBps) {
          issues.push({ path: at("ratios", classSlug, categorySlug), message: `is ${share}%, above the combined share (${entry.combinedShare}%)` });
        }
        ratios.push({ computeClass: c.id, category: k.id, bps });
      }
    }
    if (Object.keys(entry.ratios).length === 0) {
      issues.push({ path: at("ratios"), message: "must give at least one ratio: a programme that pays nothing is a mistake" });
    }
    ratios.sort((a, b) => a.computeClass - b.computeClass || a.category - b.category);
    let capGroup = 0;
    if (entry.exclusiveGroup !== null) {
      const g = vocabulary.exclusiveGroups[entry.exclusiveGroup];
      if (g === undefined) {
        issues.push({
          path: at("exclusiveGroup"),
          message: `is not an exclusive group of the vocabulary (${Object.keys(vocabulary.exclusiveGroups).join(", ") || "none"})`,
        });
      } else capGroup = g.id;
    }
    const seen = new Set<string>();
    entry.issuers.forEach((issuer, i) => {
      if (seen.has(issuer)) issues.push({ path: at("issuers", i), message: `lists ${issuer} a second time` });
      seen.add(issuer);
    });
    const kind = KINDS.indexOf(entry.kind) + 1;
    const rules: ProgrammeRules = {
      level,
      region: code,
      kind,
      name: entry.name.zh,
      firstYear,
      yearCount: years.length,
      redeemFrom: instantOfDate(firstDay),
      redeemUntil: instantOfDate(lastDay) + BigInt(DAY),
      earliestContractDay: entry.earliestContractDate === null ? 0 : dayNumber(entry.earliestContractDate),
      defaultValidity: entry.validity.defaultDays * DAY,
      maxValidity: entry.validity.maxDays * DAY,
      capPerCompany: entry.cap === null ? 0n : amountToFen(entry.cap.perCompany),
      capLifetime: entry.cap?.period === "lifetime",
      capGroup,
      exclusive: entry.exclusiveGroup !== null,
      maxCombinedBps: combinedBps,
      entityWindowDays: entry.entityWindowDays ?? 0,
      needsElectricity: entry.evidence.electricity,
      needsAssessment: entry.evidence.assessment,
      reissueDelay: entry.reissueDelayDays * DAY,
      payees: { suppliers: 1, buyers: 2, either: 3 }[entry.payment.payees],
      supplierFirstDays: entry.payment.suppliersFirstDays,
      reviewWindow: (entry.payment.reviewDays ?? 0) * DAY,
      lapseApproves: entry.payment.onLapse === "approve",
    };
    if (rules.earliestContractDay > 65_535) {
      issues.push({ path: at("earliestContractDate"), message: "is too far ahead (after 2149-06-06)" });
    }
    const key = programmeKey(rules, entry.name.zh);
    for (const name of [entry.name.zh, ...entry.formerNames]) {
      const k = programmeKey(rules, name);
      const other = keys.get(k);
      if (other !== undefined) {
        issues.push({ path: at("name", "zh"), message: `names the same programme as programmes[${other}] (same kind, first year and name)` });
      }
      keys.set(k, index);
    }
    programmes.push({
      index,
      entry,
      key,
      rules,
      ratios,
      budgets: years.map((y) => ({
        year: y.year,
        budget: amountToFen(y.budget),
        appropriation: encodeBytes32String(y.appropriation),
        appropriationText: y.appropriation,
      })),
      issuers: entry.issuers,
    });
  });
  if (issues.length > 0) fail(source, issues, lineOf);
  const byId = (a: VocabularyRef, b: VocabularyRef) => a.id - b.id;
  return { source, file, vocabulary, programmes, classes: [...classes.values()].sort(byId), categories: [...categories.values()].sort(byId) };
}

/** Parses and validates a scheme file's text against a vocabulary. */
export function parseSchemeFile(text: string, source: string, vocabulary: Vocabulary): ResolvedScheme {
  const { value, lineOf } = parseText(text, source);
  return schemeFromValue(value, vocabulary, source, lineOf);
}

/** Reads a scheme file, with the vocabulary given or the one beside it. */
export async function loadSchemeFile(path: string, vocabulary?: Vocabulary): Promise<ResolvedScheme> {
  const v = vocabulary ?? (await loadVocabulary(vocabularyPathFor(path)));
  return parseSchemeFile(await readText(path), path, v);
}
