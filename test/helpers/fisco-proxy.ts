import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A JSON-RPC proxy in front of a real node (anvil) that answers as FISCO BCOS 3.x's web3 RPC does (../shared/CHAINS.md;
 * FISCO-BCOS bcos-rpc EthEndpoint.cpp): `eth_call`, `eth_getBalance` and `eth_getCode` ignore the block tag and read
 * the head (state overrides are dropped too); `eth_chainId` is 0x0 until the chain id is configured; there is no
 * `eth_feeHistory` and no `debug_*`; `eth_sendTransaction` answers an all-zero hash and `eth_sign` "0x00" without
 * doing anything. Everything else goes to the node as it is.
 */
export interface FiscoProxyOptions {
  /** Whether `web3_chain_id` is configured: then `eth_chainId` answers the node's own id; 0x0 until then. */
  chainIdConfigured?: boolean;
  /**
   * FISCO BCOS without `feature_evm_timestamp`: the chain's clock in milliseconds. The proxy moves the node's next block
   * to the current time in milliseconds and mines it, so that block headers and the EVM's `block.timestamp` both count
   * milliseconds from then on, as on such a chain.
   */
  millisecondTimestamps?: boolean;
}

export interface FiscoProxy {
  url: string;
  /** The requests the proxy answered itself or changed, by method (what a test can check the client avoided). */
  intercepted: Map<string, number>;
  /** Every request the proxy was sent, by method (what a test can check a client never asked). */
  requests: Map<string, number>;
  /** Configures the chain id (web3_chain_id): `eth_chainId` answers the node's own id from now on. */
  configureChainId(): void;
  close(): Promise<void>;
}

interface Request {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const ZERO_HASH = `0x${"0".repeat(64)}`;
/** The methods whose block tag FISCO BCOS ignores, and where the tag is. */
const TAG_IGNORED: Record<string, number> = { eth_call: 1, eth_getBalance: 1, eth_getCode: 1 };

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function forward(upstream: string, payload: unknown): Promise<unknown> {
  const response = await fetch(upstream, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
  });
  return response.json();
}

export async function startFiscoProxy(upstream: string, options: FiscoProxyOptions = {}): Promise<FiscoProxy> {
  let chainIdConfigured = options.chainIdConfigured ?? false;
  const intercepted = new Map<string, number>();
  const requests = new Map<string, number>();
  const count = (method: string) => intercepted.set(method, (intercepted.get(method) ?? 0) + 1);

  if (options.millisecondTimestamps === true) {
    await forward(upstream, { jsonrpc: "2.0", id: 1, method: "evm_setNextBlockTimestamp", params: [Date.now()] });
    await forward(upstream, { jsonrpc: "2.0", id: 2, method: "evm_mine", params: [] });
  }

  /** The answer to one request: made up here, or the node's to a rewritten request. */
  async function answer(request: Request): Promise<unknown> {
    const method = typeof request.method === "string" ? request.method : "";
    const params = Array.isArray(request.params) ? (request.params as unknown[]) : [];
    requests.set(method, (requests.get(method) ?? 0) + 1);
    const reply = (result: unknown) => ({ jsonrpc: "2.0", id: request.id, result });
    const missing = () => ({ jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } });
    if (method === "eth_chainId" && !chainIdConfigured) return count(method), reply("0x0");
    if (method === "eth_feeHistory" || method.startsWith("debug_")) return count(method), missing();
    if (method === "eth_sendTransaction") return count(method), reply(ZERO_HASH);
    if (method === "eth_sign") return count(method), reply("0x00");
    const tag = TAG_IGNORED[method];
    if (tag !== undefined) {
      if (params[tag] !== undefined && params[tag] !== "latest") count(method);
      return forward(upstream, { ...request, params: [...params.slice(0, tag), "latest"] });
    }
    return forward(upstream, request);
  }

  const server: Server = createServer((request, response) => {
    void (async () => {
      let payload: unknown;
      try {
        payload = JSON.parse(await body(request));
      } catch {
        response.writeHead(400).end();
        return;
      }
      const result = Array.isArray(payload)
        ? await Promise.all(payload.map((item) => answer(item as Request)))
        : await answer(payload as Request);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
    })().catch((error: unknown) => {
      response.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    intercepted,
    requests,
    configureChainId: () => {
      chainIdConfigured = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
