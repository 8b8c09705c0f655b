// @ts-check
/**
 * The page's languages: Chinese (zh-CN) by default, English as a switch the browser remembers. Words come from
 * i18next with the resource files in locales/; numbers, amounts and dates from Intl, for the page's language.
 */
import i18next from "i18next";

export const LANGUAGES = /** @type {const} */ (["zh-CN", "en"]);
/** @typedef {typeof LANGUAGES[number]} Language */
const LANGUAGE_KEY = "compute-voucher-ledger.language";
const TIME_ZONE = "Asia/Shanghai";
/** Amounts from 1,000,000 on are shown in 万 (ten thousands) in Chinese; the exact figure is in the title. */
const WAN_FROM = 1_000_000n;

/** The remembered language, else Chinese. @returns {Language} */
function rememberedLanguage() {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  return LANGUAGES.find((l) => l === stored) ?? "zh-CN";
}

/** Loads both resource files and starts i18next in the remembered language. */
export async function initI18n() {
  /** @type {Record<string, {translation: Record<string, unknown>}>} */
  const resources = {};
  await Promise.all(
    LANGUAGES.map(async (lng) => {
      const response = await fetch(`/dashboard/locales/${lng}.json`, { cache: "no-cache" });
      if (!response.ok) throw new Error(`locales/${lng}.json: HTTP ${response.status}`);
      resources[lng] = { translation: await response.json() };
    }),
  );
  await i18next.init({ lng: rememberedLanguage(), fallbackLng: "en", supportedLngs: [...LANGUAGES], resources, interpolation: { escapeValue: false } });
  document.documentElement.lang = language();
}

/** The page's language. @returns {Language} */
export const language = () => (i18next.language === "en" ? "en" : "zh-CN");

/** Switches the language (remembered in this browser). @param {Language} lng */
export async function setLanguage(lng) {
  localStorage.setItem(LANGUAGE_KEY, lng);
  await i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
}

/** A message of the catalogue. @param {string} key @param {Record<string, unknown>} [values] @returns {string} */
export const t = (key, values = {}) => /** @type {string} */ (i18next.t(key, /** @type {any} */ (values)));

/** Writes the words of the static page (elements with data-i18n, data-i18n-title, data-i18n-placeholder, data-i18n-aria-label). */
export function translateStatic() {
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.getAttribute("data-i18n") ?? "");
  for (const attr of ["title", "placeholder", "aria-label"]) {
    for (const el of document.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`) ?? ""));
  }
  document.title = t("app.title");
}

/** A whole number with the language's separators. @param {number | string | bigint} value */
export const integer = (value) => new Intl.NumberFormat(language()).format(/** @type {any} */ (value));

/** Moves the decimal point of a decimal string `places` to the left, exactly ("1234567.5", 4 → "123.45675"). @param {string} text @param {number} places */
function shiftLeft(text, places) {
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const padded = whole.padStart(places + 1, "0");
  const out = `${padded.slice(0, -places)}.${padded.slice(-places)}${fraction}`;
  return negative ? `-${out}` : out;
}

/**
 * An amount of the API (a decimal string in yuan) as the page shows it: `¥1,234.50`; in Chinese from ¥1,000,000
 * on in 万 (`¥123.45万`, rounded to two decimals). The exact figure is `exact` (for titles and exports).
 * @param {string | null | undefined} text
 * @returns {{shown: string, exact: string}}
 */
export function money(text) {
  if (text === null || text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return { shown: text ?? "—", exact: text ?? "" };
  const format = (/** @type {string} */ value) =>
    new Intl.NumberFormat(language(), { style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol", minimumFractionDigits: 2, maximumFractionDigits: 2 })
      .format(/** @type {any} */ (value));
  const exact = format(text);
  const whole = BigInt(text.split(".")[0] ?? "0");
  const large = (whole < 0n ? -whole : whole) >= WAN_FROM;
  return { shown: language() === "zh-CN" && large ? `${format(shiftLeft(text, 4))}万` : exact, exact };
}

/**
 * An instant as `2026-12-01 15:20`, in Shanghai's time zone whatever the browser's.
 * @param {string | number | null | undefined} instant  ISO text or milliseconds
 */
export function dateTime(instant) {
  if (instant === null || instant === undefined) return "—";
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return String(instant);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** A date as `2026-12-01` in Shanghai. @param {string | number} instant */
export const dateOnly = (instant) => dateTime(instant).slice(0, 10);
