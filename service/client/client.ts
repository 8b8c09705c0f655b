import type { Signer } from "ethers";

import {
  acceptedSchema,
  type Accepted,
  batchResultSchema,
  type BatchResult,
  type Problem,
  problemSchema,
  readAuthMessage,
  type RedemptionBody,
  type RequestView,
  signingInfoSchema,
  type SigningInfo,
  statusSchema,
  toWire,
} from "../domain/redemption-wire.js";

/** A problem+json answer of the service, with its stable code (NOT_ACCREDITED, NONCE_GAP, …). */
export class RedemptionProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(`${problem.code}: ${problem.detail ?? problem.title}`);
    this.name = "RedemptionProblem";
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}

export interface RedemptionClientOptions {
  /** The service's base URL, e.g. `https://vouchers.example.gov.cn`. */
  baseUrl: string;
  fetch?: typeof fetch;
}

export interface SubmitResult extends Accepted {
  /**
   * True when the service answered with a request it already had (200): this same request sent before, whatever
   * became of it (`status` may be `failed`, with `code` and `reason`), or the invoice's live request. False when it
   * queued this one now (202).
   */
  existing: boolean;
}

export interface RedemptionClient {
  signingInfo(dataCenter?: string): Promise<SigningInfo>;
  submit(body: RedemptionBody): Promise<SubmitResult>;
  submitBatch(bodies: RedemptionBody[]): Promise<BatchResult["results"]>;
  /** A request's status, read with the data center's signature (only its own requests are visible). */
  status(id: string, dataCenter: Signer): Promise<RequestView>;
  /** Polls until the request is confirmed or failed (or `timeoutMs` passes, which throws). */
  wait(id: string, dataCenter: Signer, options?: { intervalMs?: number; timeoutMs?: number; final?: boolean }): Promise<RequestView>;
}

/** How a client calls the service: JSON in and out, a problem+json answer thrown as a {@link RedemptionProblem}. */
export interface ServiceCaller {
  call: (path: string, init?: RequestInit) => Promise<{ status: number; body: unknown }>;
  post: (path: string, body: unknown) => Promise<{ status: number; body: unknown }>;
  /** The `Authorization: EIP191 …` header with which `signer` reads its request `id`. */
  authorization: (id: string, signer: Signer) => Promise<string>;
}

/** The calls of the v1 and v2 clients alike. */
export function serviceCaller(options: RedemptionClientOptions): ServiceCaller {
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
    const response = await doFetch(`${base}${path}`, init);
    const text = await response.text();
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    if (!response.ok) {
      const problem = problemSchema.safeParse(body);
      throw new RedemptionProblem(
        problem.success ? problem.data : { type: "about:blank", title: response.statusText, status: response.status, code: "HTTP_ERROR", detail: text.slice(0, 200) },
      );
    }
    return { status: response.status, body };
  }
  return {
    call,
    post: (path, body) => call(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    async authorization(id, signer) {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = await signer.signMessage(readAuthMessage(id, timestamp));
      return `EIP191 ${await signer.getAddress()}.${timestamp}.${signature}`;
    },
  };
}

/** Polls `read` until the request is confirmed (final, if asked) or failed, or `timeoutMs` passes (which throws). */
export async function waitFor<V extends { id: string; status: string; final: boolean | null }>(
  read: () => Promise<V>,
  options: { intervalMs?: number; timeoutMs?: number; final?: boolean } = {},
): Promise<V> {
  const until = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const view = await read();
    if (view.status === "failed" || (view.status === "confirmed" && (!options.final || view.final === true))) return view;
    if (Date.now() > until) throw new Error(`request ${view.id} is still ${view.status} after waiting`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

/** The typed client of the redemption endpoints (ledger v1; client-v2.ts has ledger v2's). */
export function createRedemptionClient(options: RedemptionClientOptions): RedemptionClient {
  const { call, post, authorization } = serviceCaller(options);

  const client: RedemptionClient = {
    async signingInfo(dataCenter) {
      const query = dataCenter === undefined ? "" : `?dataCenter=${dataCenter}`;
      return signingInfoSchema.parse((await call(`/v1/redemptions/signing-info${query}`)).body);
    },
    async submit(body) {
      const { status, body: answer } = await post("/v1/redemptions", toWire(body));
      return { ...acceptedSchema.parse(answer), existing: status === 200 };
    },
    async submitBatch(bodies) {
      const { body } = await post("/v1/redemptions/batch", { redemptions: bodies.map(toWire) });
      return batchResultSchema.parse(body).results;
    },
    async status(id, dataCenter) {
      const { body } = await call(`/v1/redemptions/requests/${id}`, { headers: { authorization: await authorization(id, dataCenter) } });
      return statusSchema.parse(body);
    },
    wait: (id, dataCenter, waitOptions = {}) => waitFor(() => client.status(id, dataCenter), waitOptions),
  };
  return client;
}
