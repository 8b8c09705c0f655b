import type { Signer } from "ethers";

import { FORWARD_REQUEST_TYPES } from "../../service/domain/signing-v1.js";
import type { ERC2771Forwarder } from "../../types/ethers-contracts/index.js";

/** OpenZeppelin's `ForwardRequest` type: the client library's, the one data centers use. */
export { FORWARD_REQUEST_TYPES };

export interface ForwardRequestData {
  from: string;
  to: string;
  value: bigint;
  gas: bigint;
  deadline: bigint;
  data: string;
  signature: string;
}

/** A forward request from `signer` to call `to` with `data`, signed for `forwarder` with the signer's next nonce. */
export async function signForwardRequest(
  forwarder: ERC2771Forwarder,
  signer: Signer,
  to: string,
  data: string,
  deadline: bigint,
  gas = 500_000n,
): Promise<ForwardRequestData> {
  const from = await signer.getAddress();
  const domain = await forwarder.eip712Domain();
  const message = { from, to, value: 0n, gas, nonce: await forwarder.nonces(from), deadline, data };
  const signature = await signer.signTypedData(
    { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    FORWARD_REQUEST_TYPES,
    message,
  );
  return { from, to, value: 0n, gas, deadline, data, signature };
}
