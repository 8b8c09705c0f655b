// @ts-check
/** The audit API from the browser: bearer token in sessionStorage, problem details as errors, keyset paging, CSV. */

const TOKEN_KEY = "compute-voucher-ledger.token";

export const session = {
  /** @returns {string | null} */
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  /** @param {string} token */
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An error answer of the API (RFC 9457 problem details). */
export class ApiError extends Error {
  /** @param {number} status @param {{title?: string, detail?: string, code?: string}} problem */
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem.code;
  }
}

/** Called on a 401: the token is missing or has expired. */
let onUnauthenticated = () => {};
/** @param {() => void} handler */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

/** @param {string} path @param {Record<string, unknown>} [query] */
export function url(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** @param {Response} response */
async function problemOf(response) {
  try {
    return /** @type {{title?: string, detail?: string, code?: string}} */ (await response.json());
  } catch {
    return { title: `HTTP ${response.status}` };
  }
}

/**
 * GET (or POST with `body`) an API path with the bearer token; the JSON answer.
 * @param {string} path @param {Record<string, unknown>} [query] @param {{method?: string, body?: unknown, auth?: boolean}} [options]
 */
export async function request(path, query = {}, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (options.auth !== false && session.token !== null) headers.authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url(path, query), {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: "no-store",
  });
  if (!response.ok) {
    const error = new ApiError(response.status, await problemOf(response));
    if (response.status === 401 && options.auth !== false) onUnauthenticated();
    throw error;
  }
  return response.json();
}

/**
 * Up to `max` items of a list, page after page (1,000 a page); `truncated` when there were more.
 * @param {string} path @param {Record<string, unknown>} [query] @param {number} [max]
 * @returns {Promise<{items: any[], truncated: boolean}>}
 */
export async function collect(path, query = {}, max = 5000) {
  /** @type {any[]} */
  const items = [];
  /** @type {string | null} */
  let cursor = null;
  for (;;) {
    const limit = Math.min(1000, max - items.length + 1);
    const page = await request(path, { ...query, limit, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (items.length > max) return { items: items.slice(0, max), truncated: true };
    if (cursor === null) return { items, truncated: false };
    if (items.length === max) return { items, truncated: true };
  }
}

/**
 * Downloads a list as CSV (the whole result of `query`, as the API streams it) through a Blob link.
 * @param {string} path @param {Record<string, unknown>} query @param {string} filename
 */
export async function downloadCsv(path, query, filename) {
  const { cursor: _cursor, limit: _limit, ...rest } = query;
  const response = await fetch(url(path, { ...rest, format: "csv" }), {
    headers: { accept: "text/csv", authorization: `Bearer ${session.token ?? ""}` },
    cache: "no-store",
  });
  if (!response.ok) {
    if (response.status === 401) onUnauthenticated();
    throw new ApiError(response.status, await problemOf(response));
  }
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
