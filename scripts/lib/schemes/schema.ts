import { getAddress, isAddress } from "ethers";
import { z } from "zod";

/**
 * The format of a scheme file (`scripts/schemes/*.json`): one funding body's programmes, as its published rules give
 * them, and of the shared vocabulary (`scripts/schemes/vocabulary.json`) that maps the names the files use for compute
 * classes, beneficiary categories and exclusive groups to the registry's ids. README: "Schemes" describes every field.
 *
 * Conventions: amounts are CNY as strings with two decimals ("600000000.00"); ratios and shares are percentages as
 * strings with at most two decimals ("30", "12.5"), which are whole basis points; dates are ISO calendar dates in China
 * Standard Time (a day starts at 00:00 UTC+8); durations are whole days.
 */

export const SCHEME_FORMAT = "cvl-scheme/1";

const AMOUNT = /^(0|[1-9]\d*)\.\d{2}$/;
const PERCENT = /^(0|[1-9]\d{0,2})(\.\d{1,2})?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Basis points of a percentage string ("30" → 3000, "12.5" → 1250). */
export function percentToBps(text: string): number {
  const [whole, fraction = ""] = text.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** Minor units (fen) of an amount string ("600000000.00" → 60000000000n). */
export function amountToFen(text: string): bigint {
  return BigInt(text.replace(".", ""));
}

function isCalendarDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const back = new Date(Date.UTC(y, mo - 1, d));
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d;
}

const text = z.string({ error: "must be a string" }).trim().min(1, "must not be empty");

/** A name in Chinese and in English. */
const names = z.strictObject({ zh: text, en: text }, { error: 'must be an object { "zh": "…", "en": "…" }' });

const slug = z
  .string({ error: "must be a string" })
  .regex(SLUG, 'must be a name in lower-case letters, digits and "-" (domestic-compute)');

const amount = z
  .string({ error: 'must be an amount in CNY written as a string with two decimals, like "600000000.00"' })
  .regex(AMOUNT, 'must be an amount in CNY with two decimals and no separators, like "600000000.00"')
  .refine((v) => !AMOUNT.test(v) || amountToFen(v) < 2n ** 64n, "is too large (at most 184467440737095516.15)");

const percent = z
  .string({ error: 'must be a percentage written as a string, like "30" or "12.5"' })
  .regex(PERCENT, 'must be a percentage with at most two decimals, like "30" or "12.5"')
  .refine((v) => !PERCENT.test(v) || (percentToBps(v) > 0 && percentToBps(v) <= 10_000), "must be above 0 and at most 100");

const isoDate = z
  .string({ error: 'must be a date written as a string, like "2025-07-28"' })
  .refine(isCalendarDate, 'must be a calendar date like "2025-07-28"');

const wholeDays = (min: number, max: number) =>
  z
    .number({ error: "must be a whole number of days" })
    .int("must be a whole number of days")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** The most days a uint32 of seconds holds (validities, the re-issue delay). */
const MAX_SECONDS_DAYS = Math.floor((2 ** 32 - 1) / 86_400);

const reference = text.refine(
  (v) => Buffer.byteLength(v, "utf8") <= 31,
  "must be at most 31 bytes (it is stored as a bytes32 string)",
);

const address = z
  .string({ error: "must be an address written as a string" })
  .refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v), "must be an address: 0x and 40 hexadecimal digits")
  .refine((v) => !/^0x[0-9a-fA-F]{40}$/.test(v) || (isAddress(v) && getAddress(v) === v), "must be written with its checksum (mixed case, as ethers prints it)");

export const LEVELS = ["national", "province", "city", "district"] as const;
export const KINDS = ["compute", "model", "training-data"] as const;

/** The programme fields a file may mark as placeholders. */
export const PROGRAMME_FIELDS = [
  "kind",
  "name",
  "fiscalYears",
  "redemption",
  "earliestContractDate",
  "validity",
  "ratios",
  "cap",
  "exclusiveGroup",
  "combinedShare",
  "entityWindowDays",
  "evidence",
  "reissueDelayDays",
  "payment",
] as const;

export const programmeSchema = z.strictObject({
  kind: z.enum(KINDS, { error: `must be one of ${KINDS.map((k) => `"${k}"`).join(", ")}` }),
  name: names,
  /** Names (zh) the programme had on chain before: a renamed programme is still found. */
  formerNames: z.array(text).default([]),
  fiscalYears: z
    .array(
      z.strictObject({
        year: z.number({ error: "must be a year" }).int("must be a year").min(2000, "must be 2000 or later").max(65_000),
        budget: amount,
        appropriation: reference,
      }),
    )
    .min(1, "must list at least one fiscal year")
    .max(255, "must list at most 255 fiscal years"),
  redemption: z.strictObject({ firstDay: isoDate, lastDay: isoDate }),
  earliestContractDate: isoDate.nullable(),
  validity: z.strictObject({ defaultDays: wholeDays(1, MAX_SECONDS_DAYS), maxDays: wholeDays(1, MAX_SECONDS_DAYS) }),
  /** Class name → category name → percentage of the invoice total. */
  ratios: z.record(slug, z.record(slug, percent)),
  cap: z
    .strictObject({
      perCompany: amount.refine((v) => !AMOUNT.test(v) || amountToFen(v) > 0n, 'must be above zero (write "cap": null for no cap)'),
      period: z.enum(["fiscal-year", "lifetime"], { error: 'must be "fiscal-year" or "lifetime"' }),
    })
    .nullable(),
  exclusiveGroup: slug.nullable(),
  combinedShare: percent.nullable(),
  entityWindowDays: wholeDays(1, 65_535).nullable(),
  evidence: z.strictObject({ electricity: z.boolean(), assessment: z.boolean() }),
  reissueDelayDays: wholeDays(1, MAX_SECONDS_DAYS),
  /**
   * Who is paid: suppliers (data centers redeem vouchers), buyers (start-ups claim after paying, with the supplier's
   * attestation; an issuer reviews within `reviewDays`, and a claim not decided then is approved or lapses by
   * `onLapse`), or either (never both for one invoice), with `suppliersFirstDays` during which only suppliers may.
   */
  payment: z
    .strictObject({
      payees: z.enum(["suppliers", "buyers", "either"], { error: 'must be "suppliers", "buyers" or "either"' }),
      suppliersFirstDays: wholeDays(0, 65_535).default(0),
      reviewDays: wholeDays(1, MAX_SECONDS_DAYS).nullable().default(null),
      onLapse: z.enum(["approve", "lapse"], { error: 'must be "approve" or "lapse"' }).default("lapse"),
    })
    .refine((p) => p.payees === "suppliers" || p.reviewDays !== null, { error: "reviewDays is needed when buyers are paid", path: ["reviewDays"] })
    .default({ payees: "suppliers", suppliersFirstDays: 0, reviewDays: null, onLapse: "lapse" }),
  issuers: z.array(address).default([]),
  /** Field → why its value is a placeholder (the published rules do not give it). */
  placeholders: z.partialRecord(z.enum(PROGRAMME_FIELDS, { error: "is not a programme field" }), text).default({}),
  notes: z.array(text).default([]),
});

export const schemeFileSchema = z.strictObject({
  format: z.literal(SCHEME_FORMAT, { error: `must be "${SCHEME_FORMAT}"` }),
  fundingBody: names,
  level: z.enum(LEVELS, { error: `must be one of ${LEVELS.map((k) => `"${k}"`).join(", ")}` }),
  region: z.strictObject({
    code: z
      .number({ error: "must be a six-digit GB/T 2260 code, as a number (310000)" })
      .int("must be a six-digit GB/T 2260 code")
      .min(100_000, "must be a six-digit GB/T 2260 code")
      .max(999_999, "must be a six-digit GB/T 2260 code"),
    zh: text,
    en: text,
  }),
  currency: z.literal("CNY", { error: 'must be "CNY"' }),
  sources: z
    .array(z.strictObject({ url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }), title: text, note: text.optional() }))
    .min(1, "must give at least one source"),
  notes: z.array(text).default([]),
  programmes: z.array(programmeSchema).min(1, "must list at least one programme"),
});

export type SchemeFile = z.infer<typeof schemeFileSchema>;
export type ProgrammeEntry = z.infer<typeof programmeSchema>;

const vocabularyEntry = (maxId: number) =>
  z.strictObject({
    id: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(maxId, `must be at most ${maxId}`),
    zh: text,
    en: text,
    /** Names (zh) the entry had on chain before: apply renames it. */
    formerNames: z.array(text).default([]),
  });

export const vocabularySchema = z.strictObject({
  format: z.literal(SCHEME_FORMAT, { error: `must be "${SCHEME_FORMAT}"` }),
  notes: z.array(text).default([]),
  classes: z.record(slug, vocabularyEntry(32).extend({ kind: z.enum(KINDS, { error: "must be a programme kind" }) })),
  categories: z.record(slug, vocabularyEntry(7)),
  exclusiveGroups: z.record(
    slug,
    z.strictObject({
      id: z.number({ error: "must be a number" }).int().min(1, "must be at least 1").max(2 ** 32 - 1, "must fit in 32 bits"),
      zh: text,
      en: text,
    }),
  ),
});

export type Vocabulary = z.infer<typeof vocabularySchema>;
