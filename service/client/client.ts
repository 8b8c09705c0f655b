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

/** The typed client of the redemption endpoints. */
export function createRedemptionClient(options: RedemptionClientOptions): RedemptionClient {
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
  const post = (path: string, body: unknown) =>
    call(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

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
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = await dataCenter.signMessage(readAuthMessage(id, timestamp));
      const address = await dataCenter.getAddress();
      const { body } = await call(`/v1/redemptions/requests/${id}`, {
        headers: { authorization: `EIP191 ${address}.${timestamp}.${signature}` },
      });
      return statusSchema.parse(body);
    },
    async wait(id, dataCenter, waitOptions = {}) {
      const until = Date.now() + (waitOptions.timeoutMs ?? 120_000);
      for (;;) {
        const view = await client.status(id, dataCenter);
        if (view.status === "failed" || (view.status === "confirmed" && (!waitOptions.final || view.final === true))) return view;
        if (Date.now() > until) throw new Error(`request ${id} is still ${view.status} after waiting`);
        await new Promise((resolve) => setTimeout(resolve, waitOptions.intervalMs ?? 500));
      }
    },
  };
  return client;
}
