/**
 * Finality on a local chain that mines only when a transaction comes (anvil's automine): while the last block with
 * transactions is fewer than `depth` blocks below the head, an empty block is mined every `intervalMs`. A record
 * therefore becomes final about `depth × intervalMs` after the last activity, and an idle chain stops growing `depth`
 * blocks after it (interval mining would add a block, and its saved state, every few seconds for ever).
 */
export interface FinalityKeeper {
  stop(): Promise<void>;
}

interface Block {
  number: string;
  transactions: unknown[];
}

/** Blocks read back at most per look: past that many new blocks, the head counts as active without reading them. */
const MAX_SCAN = 256;

export function keepFinalizing(options: { url: string; depth: number; intervalMs: number }): FinalityKeeper {
  const call = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as { result?: T; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const hasTransactions = async (n: number) =>
    ((await call<Block | null>("eth_getBlockByNumber", [`0x${n.toString(16)}`, false]))?.transactions.length ?? 0) > 0;

  /** The last block seen, and the last block with transactions among those seen (-Infinity: none within reach). */
  let seen: number | undefined;
  let lastActive = Number.NEGATIVE_INFINITY;
  async function look(): Promise<void> {
    const head = Number(await call<string>("eth_blockNumber"));
    // First look: only the last `depth` blocks can still be unfinal.
    const from = seen ?? head - options.depth;
    if (head - from > MAX_SCAN) lastActive = head;
    else for (let n = Math.max(from + 1, 0); n <= head; n++) if (await hasTransactions(n)) lastActive = n;
    seen = head;
    if (head - lastActive < options.depth) await call("evm_mine");
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      // A node that does not answer (stopping, busy) is asked again at the next interval.
      running = look().catch(() => undefined).finally(schedule);
    }, options.intervalMs);
  };
  if (options.depth > 0) schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
