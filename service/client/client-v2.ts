import type { Signer } from "ethers";

import { type RedemptionClientOptions, serviceCaller, waitFor } from "./client.js";
import {
  type AcceptedV2,
  acceptedV2Schema,
  batchResultV2Schema,
  type BatchResultV2,
  type RedemptionBodyV2,
  type RequestViewV2,
  signingInfoV2Schema,
  type SigningInfoV2,
  statusV2Schema,
  toWireV2,
} from "../domain/redemption-wire-v2.js";

export interface SubmitResultV2 extends AcceptedV2 {
  /** True when the service answered with a request it already had (200), false when it queued this one (202). */
  existing: boolean;
}

/** The typed client of the ledger v2 redemption endpoints (`/v2/redemptions…`). */
export interface RedemptionClientV2 {
  /** The signing information; with the supplier's next forwarder nonce and the holder's consent epoch if named. */
  signingInfo(supplier?: string, holder?: string): Promise<SigningInfoV2>;
  submit(body: RedemptionBodyV2): Promise<SubmitResultV2>;
  submitBatch(bodies: RedemptionBodyV2[]): Promise<BatchResultV2["results"]>;
  /** A request's status, read with the supplier's signature (only its own requests are visible). */
  status(id: string, supplier: Signer): Promise<RequestViewV2>;
  /** Polls until the request is confirmed or failed (or `timeoutMs` passes, which throws). */
  wait(id: string, supplier: Signer, options?: { intervalMs?: number; timeoutMs?: number; final?: boolean }): Promise<RequestViewV2>;
}

export function createRedemptionClientV2(options: RedemptionClientOptions): RedemptionClientV2 {
  const { call, post, authorization } = serviceCaller(options);
  const client: RedemptionClientV2 = {
    async signingInfo(supplier, holder) {
      const query = new URLSearchParams({ ...(supplier === undefined ? {} : { dataCenter: supplier }), ...(holder === undefined ? {} : { holder }) });
      const q = query.size === 0 ? "" : `?${query.toString()}`;
      return signingInfoV2Schema.parse((await call(`/v2/redemptions/signing-info${q}`)).body);
    },
    async submit(body) {
      const { status, body: answer } = await post("/v2/redemptions", toWireV2(body));
      return { ...acceptedV2Schema.parse(answer), existing: status === 200 };
    },
    async submitBatch(bodies) {
      const { body } = await post("/v2/redemptions/batch", { redemptions: bodies.map(toWireV2) });
      return batchResultV2Schema.parse(body).results;
    },
    async status(id, supplier) {
      const { body } = await call(`/v2/redemptions/requests/${id}`, { headers: { authorization: await authorization(id, supplier) } });
      return statusV2Schema.parse(body);
    },
    wait: (id, supplier, waitOptions = {}) => waitFor(() => client.status(id, supplier), waitOptions),
  };
  return client;
}
