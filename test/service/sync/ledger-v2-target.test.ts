import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { readV2Deployment, type V2Deployment, writeV2Deployment } from "../../../service/domain/deployment.js";
import { createRpc } from "../../../service/chain/rpc.js";
import { loadConfig } from "../../../service/internal/config.js";
import { ConfigError, WrongChainError } from "../../../service/internal/errors.js";
import { resolveTarget } from "../../../service/mirror.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";

describe("sync: which ledger v2 the mirror follows", function () {
  let node: LocalNode;
  let dir: string;
  let record: V2Deployment;

  before(async function () {
    node = await startNode("anvil");
    dir = await mkdtemp(join(tmpdir(), "cvl-v2-target-"));
    const block = await rpcCall<{ hash: string }>(node.url, "eth_getBlockByNumber", ["0x0", false]);
    const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
    record = {
      chainId: 31337, ledger: a(1), registry: a(2), payments: a(3), accessManager: a(4), forwarder: a(5),
      deploymentBlock: 0, deploymentBlockHash: block.hash, deployedAt: new Date(0).toISOString(),
    };
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
    await node?.stop();
  });

  const env = (extra: Record<string, string>) => loadConfig({ RPC_URL: node.url, LEDGER_VERSION: "2", ...extra }).mirror;
  const rpc = () => createRpc({ url: node.url, timeoutMs: 5000 });

  it("reads the ledger, registry, payment ledger and AccessManager from the v2 deployment record", async function () {
    const path = join(dir, "ok.json");
    await writeV2Deployment(record, path);
    expect(await readV2Deployment(path)).to.deep.equal(record);
    const target = await resolveTarget(env({ DEPLOYMENT_FILE: path }), rpc(), 31337);
    expect(target).to.deep.equal({
      chainId: 31337, ledger: record.ledger, accessManager: record.accessManager, deploymentBlock: 0,
      v2: { registry: record.registry, payments: record.payments },
    });
    // With the Safe that holds ADMIN, the mirror follows it too.
    const withSafe = join(dir, "safe.json");
    await writeV2Deployment({ ...record, safe: "0x0000000000000000000000000000000000000006" }, withSafe);
    expect((await resolveTarget(env({ DEPLOYMENT_FILE: withSafe }), rpc(), 31337)).v2).to.deep.equal({
      registry: record.registry, payments: record.payments, safe: "0x0000000000000000000000000000000000000006",
    });
    expect(loadConfig({ RPC_URL: node.url }).mirror.ledgerVersion, "v1 by default").to.equal(1);
  });

  it("refuses LEDGER_ADDRESS with LEDGER_VERSION=2, a record that misses a field, and one of another chain", async function () {
    const byAddress = await resolveTarget(env({ LEDGER_ADDRESS: record.ledger, DEPLOYMENT_BLOCK: "0" }), rpc(), 31337).catch((e: unknown) => e);
    expect(byAddress).to.be.instanceOf(ConfigError);
    expect((byAddress as Error).message).to.match(/DEPLOYMENT_FILE/);

    const partial = join(dir, "partial.json");
    const { payments: _payments, ...rest } = record;
    await writeFile(partial, JSON.stringify(rest));
    const missing = await resolveTarget(env({ DEPLOYMENT_FILE: partial }), rpc(), 31337).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(ConfigError);
    expect((missing as Error).message).to.match(/invalid at "payments"/);

    const other = join(dir, "other.json");
    await writeV2Deployment({ ...record, deploymentBlockHash: `0x${"ab".repeat(32)}` }, other);
    const wrong = await resolveTarget(env({ DEPLOYMENT_FILE: other }), rpc(), 31337).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(WrongChainError);
    expect((wrong as Error).message).to.match(/another chain with the same id 31337/);

    expect(() => loadConfig({ RPC_URL: node.url, LEDGER_VERSION: "3" })).to.throw(/LEDGER_VERSION is invalid/);
  });
});
