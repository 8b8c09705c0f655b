import { z } from "zod";

/**
 * The calendar of the aggregates' periods (GET /v1/aggregates, GET /v2/aggregates): China's (UTC+8 all year, no
 * daylight saving), as the dashboard shows dates; days and months named as the API writes them.
 */
export const AGGREGATE_TIME_ZONE = "Asia/Shanghai" as const;
export const OFFSET_SECONDS = 8 * 3600;
/** The most periods one answer covers (a year of days, or 30 years of months). */
export const MAX_PERIODS = 366;

export const INTERVALS = ["day", "month"] as const;
export type Interval = (typeof INTERVALS)[number];

export const dayInput = z.iso.date().meta({ description: "A calendar day in Asia/Shanghai, YYYY-MM-DD" });

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
/** The YYYY-MM-DD date of a day number. */
export const dayText = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** Every period label from `from` to `to` (inclusive days), in order; one past the most is enough for the refusal. */
export function periodsOf(interval: Interval, from: string, to: string): string[] {
  const out: string[] = [];
  if (interval === "day") {
    const last = Math.min(dayNumber(to), dayNumber(from) + MAX_PERIODS);
    for (let d = dayNumber(from); d <= last; d += 1) out.push(dayText(d));
    return out;
  }
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const last = to.slice(0, 7);
  for (;;) {
    const label = `${pad(y, 4)}-${pad(m)}`;
    out.push(label);
    if (label >= last || out.length > MAX_PERIODS) return out;
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
}

/** The first day of the month `months` months before the month of `date`. */
export function monthsBefore(date: string, months: number): string {
  const n = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 - months;
  return `${pad(Math.floor(n / 12), 4)}-${pad((n % 12) + 1)}-01`;
}

/** Today in Asia/Shanghai. */
export const today = (): string => dayText(Math.floor((Date.now() / 1000 + OFFSET_SECONDS) / 86_400));
