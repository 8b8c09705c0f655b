import type { Signer } from "ethers";

import type { ERC2771Forwarder } from "../../types/ethers-contracts/index.js";

export const FORWARD_REQUEST_TYPES = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
};

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
