/** How the dashboard shows the API's figures, written here independently of the page's Intl formatting. */

export type Language = "zh-CN" | "en";

/**
 * How the page shows an amount of the API (decimal yuan, two decimals): `¥1,234.50`; in Chinese from ¥1,000,000 on
 * in 万, rounded to two decimals (`¥60,000.00万`). Written here independently of the page's Intl formatting.
 */
export function shown(amount: string, language: Language = "zh-CN"): string {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? amount.slice(1) : amount).split(".");
  const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let text: string;
  if (language === "zh-CN" && BigInt(whole) >= 1_000_000n) {
    const cents = BigInt(`${whole}${fraction.padEnd(2, "0").slice(0, 2)}`);
    const hundredthsOfWan = (cents + 5_000n) / 10_000n;
    text = `¥${group(String(hundredthsOfWan / 100n))}.${String(hundredthsOfWan % 100n).padStart(2, "0")}万`;
  } else {
    text = `¥${group(whole)}.${fraction.padEnd(2, "0")}`;
  }
  return negative ? `-${text}` : text;
}

/** An instant as the page shows it: `2026-12-01 15:20`, Shanghai time (UTC+8, no daylight saving). */
export function shownTime(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
}
