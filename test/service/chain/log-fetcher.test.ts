import { expect } from "chai";

import { createLogFetcher } from "../../../service/chain/logs.js";
import type { LogFilter, RawLog, Rpc } from "../../../service/chain/rpc.js";
import { RpcError } from "../../../service/internal/errors.js";
import { createLogger } from "../../../service/internal/logger.js";

/** A node with `perBlock` logs in every block that times out on any answer over `maxLogs` logs. */
function denseNode(perBlock: number, maxLogs: number): { rpc: Rpc; asked: [number, number][] } {
  const asked: [number, number][] = [];
  const rpc = {
    async getLogs(filter: LogFilter): Promise<RawLog[]> {
      const from = Number(filter.fromBlock);
      const to = Number(filter.toBlock);
      asked.push([from, to]);
      if ((to - from + 1) * perBlock > maxLogs) throw new RpcError("RPC request failed: The operation was aborted due to timeout");
      const logs: RawLog[] = [];
      for (let block = from; block <= to; block++) {
        for (let i = 0; i < perBlock; i++) {
          logs.push({ address: "0x0", topics: [], data: "0x", blockNumber: block, blockHash: `0x${block}`, transactionHash: "0x", transactionIndex: 0, logIndex: i, removed: false });
        }
      }
      return logs;
    },
  } as unknown as Rpc;
  return { rpc, asked };
}

describe("eth_getLogs ranges", function () {
  it("halves the range when the node times out on a large answer, and never skips a block", async function () {
    const { rpc, asked } = denseNode(1000, 8000);
    const fetcher = createLogFetcher({ rpc, addresses: [], initialRange: 2000, maxRange: 100_000, targetLogs: 5000, logger: createLogger({ level: "silent" }), attempts: 10 });
    const first = await fetcher.fetch(0, 99);
    // 100 blocks, 50, 25, 12, then 6 blocks (6,000 logs) come back.
    expect(asked.map(([from, to]) => to - from + 1)).to.deep.equal([100, 50, 25, 12, 6]);
    expect(first.to).to.equal(5);
    expect(first.logs.map((l) => l.blockNumber)).to.deep.equal([0, 1, 2, 3, 4, 5].flatMap((b) => Array<number>(1000).fill(b)));
    // The next range starts right after, at the width that worked (6,000 logs is above the target: 3 blocks).
    const second = await fetcher.fetch(first.to + 1, 99);
    expect(asked[asked.length - 1]).to.deep.equal([6, 8]);
    expect(second.to).to.equal(8);
  });

  it("gives up after its attempts when even one block times out, for the sync loop to retry later", async function () {
    const { rpc } = denseNode(1000, 500);
    const fetcher = createLogFetcher({ rpc, addresses: [], initialRange: 8, maxRange: 100, targetLogs: 5000, logger: createLogger({ level: "silent" }), attempts: 5 });
    let error: unknown;
    try {
      await fetcher.fetch(0, 99);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RpcError);
    expect(fetcher.range()).to.equal(1);
  });
});
