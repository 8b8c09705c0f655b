import i18next, { type TFunction } from "i18next";

import { en, type MessageKey } from "./en.js";
import { zhCN } from "./zh-CN.js";

/**
 * The admin tools' messages in the language of the environment: Chinese (zh-CN) where the locale says so
 * (LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them: zh_CN.UTF-8, zh_CN, zh), English otherwise. Message
 * keys and their English text are in en.ts, their Chinese in zh-CN.ts; i18next fills in the values.
 */

export type { MessageKey };
export type Language = "zh-CN" | "en";

const messages = i18next.createInstance();
// Resources are in memory: initialised at once, synchronously.
void messages.init({
  initAsync: false,
  resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
  lng: "en",
  fallbackLng: "en",
  // Messages are plain text for a terminal or a report, never HTML; keys hold dots, not namespaces.
  interpolation: { escapeValue: false },
  keySeparator: false,
  nsSeparator: false,
});

/** The language of the environment's locale (LC_ALL, LC_MESSAGES, LANG). */
export function localeLanguage(env: NodeJS.ProcessEnv = process.env): Language {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((value) => value !== undefined && value !== "") ?? "";
  return /^zh([_-]|$)/i.test(locale) ? "zh-CN" : "en";
}

const fixed = new Map<Language, TFunction>();

/** The message `key` with `values` filled in, in the environment's language (read at each call). */
export function t(key: MessageKey, values: Record<string, string | number | bigint> = {}): string {
  const language = localeLanguage();
  let translate = fixed.get(language);
  if (translate === undefined) {
    translate = messages.getFixedT(language);
    fixed.set(language, translate);
  }
  const strings = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
  return translate(key, strings);
}
