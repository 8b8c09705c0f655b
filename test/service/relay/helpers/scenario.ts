import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

import { id as keccakText, Wallet } from "ethers";

import { devAccountKey } from "../../../../service/internal/config.js";
import {
  createRedemptionClient,
  createRedemptionClientV2,
  domainOf,
  type RedemptionClient,
  type RedemptionClientV2,
  signConsent,
  signRedemption,
} from "../../../../service/client/index.js";
import type { RedemptionBody } from "../../../../service/domain/redemption-wire.js";
import { deployTestLedger, SHANGHAI, type TestLedger } from "../../helpers/ledger.js";
import { type BackendKind, mirrorEnv, newDatabase, type TestDatabase } from "../../helpers/mirror.js";
import { freePort, type LocalNode, type NodeKind, ROOT, rpcCall, startNode, stopChild } from "../../helpers/node.js";

export const FACE = 10n ** 12n;
const DAY = 86_400n;

/** A node with the test ledger, vouchers held by local wallets, and accredited data centers that hold no gas. */
export interface Scenario {
  node: LocalNode;
  t: TestLedger;
  db: TestDatabase;
  holders: Wallet[];
  vouchers: { id: bigint; holder: Wallet }[];
  dataCenters: Wallet[];
  /** The next forwarder nonce each data center will sign (the tests keep count). */
  nonces: Map<string, bigint>;
  stop(): Promise<void>;
}

async function wait(txs: Promise<{ wait(): Promise<unknown> }>[]): Promise<void> {
  for (const tx of await Promise.all(txs)) await tx.wait();
}

/**
 * Starts Hardhat's node (or `node`: anvil) with the test ledger, `vouchers` vouchers and `dataCenters` accredited data centers. With
 * `blockTimeMs`, the node mines a block that often (else on each transaction); the service's database is PGlite
 * unless `backend` says otherwise.
 */
export async function setUp(options: { vouchers: number; dataCenters: number; blockTimeMs?: number; backend?: BackendKind; node?: NodeKind }): Promise<Scenario> {
  const node = await startNode(options.node ?? "hardhat");
  try {
    const t = await deployTestLedger(node.url);
    const holders = [...Array(options.vouchers).keys()].map(() => Wallet.createRandom() as unknown as Wallet);
    const refs = holders.map((_, i) => keccakText(`APP-relay-${i}`));
    const issuer = t.ledger.connect(t.signers.shanghaiIssuer);
    await wait([issuer.issueBatch(SHANGHAI, holders.map((h, i) => ({ holder: h.address, applicationRef: refs[i]!, faceValue: FACE, expiresAt: 0n })))]);
    const vouchers = await Promise.all(holders.map(async (holder, i) => ({ id: await t.ledger.voucherId(SHANGHAI, refs[i]!), holder })));
    const dataCenters = [...Array(options.dataCenters).keys()].map(() => Wallet.createRandom() as unknown as Wallet);
    const now = BigInt((await t.provider.getBlock("latest"))!.timestamp);
    const governor = t.ledger.connect(t.signers.governor);
    for (const dc of dataCenters) await (await governor.accredit(dc.address, SHANGHAI, now - 10n, now + 3650n * DAY)).wait();
    if (options.blockTimeMs !== undefined) {
      await rpcCall(node.url, "evm_setAutomine", [false]);
      await rpcCall(node.url, "evm_setIntervalMining", [options.blockTimeMs]);
    }
    const db = await newDatabase(options.backend ?? "pglite");
    return {
      node, t, db, holders, vouchers, dataCenters,
      nonces: new Map(dataCenters.map((dc) => [dc.address, 0n])),
      async stop() {
        await node.stop();
        await db.drop();
      },
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

let invoices = 0;
export function invoiceHash(label = "INV"): string {
  return keccakText(`${label}-${process.pid}-${Date.now()}-${invoices++}`);
}

export interface BodyOptions {
  amount?: bigint;
  invoiceTotal?: bigint;
  invoice?: string;
  consentDeadline?: bigint;
  requestDeadline?: bigint;
  /** Another signer for the consent (a forged consent). */
  consentSigner?: Wallet;
  /** Another data center named in the consent. */
  consentDataCenter?: string;
  nonce?: bigint;
}

/** A signed redemption body, as the client library builds it: the holder's consent, the data center's request. */
export async function body(s: Scenario, client: RedemptionClient, voucher: number, dc: Wallet, o: BodyOptions = {}): Promise<RedemptionBody> {
  const info = await client.signingInfo();
  const now = BigInt((await s.t.provider.getBlock("latest"))!.timestamp);
  const v = s.vouchers[voucher]!;
  const amount = o.amount ?? 1000n;
  const signed = await signConsent(o.consentSigner ?? v.holder, domainOf(info.consentDomain), {
    voucherId: v.id,
    dataCenter: o.consentDataCenter ?? dc.address,
    amount,
    invoiceHash: o.invoice ?? invoiceHash(),
    invoiceTotal: o.invoiceTotal ?? amount * 2n,
    deadline: o.consentDeadline ?? now + DAY,
  });
  const nonce = o.nonce ?? s.nonces.get(dc.address)!;
  if (o.nonce === undefined) s.nonces.set(dc.address, nonce + 1n);
  return signRedemption(dc, signed, {
    ledger: info.ledger,
    forwarderDomain: domainOf(info.forwarderDomain),
    nonce,
    deadline: o.requestDeadline ?? now + DAY,
  });
}

export interface Service {
  url: string;
  client: RedemptionClient;
  /** The client of the ledger v2 endpoints (a service whose mirror follows v2). */
  clientV2: RedemptionClientV2;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Relayer accounts the tests use (Hardhat's dev accounts 17 and 18; 0–9 belong to the test ledger). */
export const TEST_RELAYER_KEYS = [devAccountKey(17), devAccountKey(18)];

/** Starts the service (mirror + relay) as a child process on a free port and waits until it serves. */
export async function startService(s: Scenario, env: Record<string, string> = {}): Promise<Service> {
  return startServiceWith(await mirrorEnv(s.node.url, s.t, s.db), env);
}

/**
 * Starts the service with a mirror's environment (v1's `mirrorEnv`, or v2's `mirrorEnvV2`), on a free port, with the
 * test relayers and two confirmations for finality.
 */
export async function startServiceWith(mirror: Record<string, string>, env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  // The scenario's own database only: a DATABASE_URL inherited from the shell (CI sets one) would point the child at
  // a shared PostgreSQL schema that may hold another run's checkpoint.
  const { DATABASE_URL: _url, DATABASE_SCHEMA: _schema, ...inherited } = process.env;
  const fullEnv = {
    ...inherited,
    ...mirror,
    PORT: String(port),
    FINALITY_DEPTH: "2",
    LOG_LEVEL: process.env.RELAY_TEST_LOG_LEVEL ?? "warn",
    RELAYER_KEYS: TEST_RELAYER_KEYS.join(","),
    RELAY_POLL_MS: "50",
    ...env,
  };
  // node itself (with tsx as a loader), not the tsx wrapper: a SIGKILL must reach the process that serves.
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "server.ts")], {
    cwd: ROOT,
    env: fullEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const append = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stderr.on("data", append);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${out}`)), 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      append(chunk);
      if (out.includes('"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited with ${code}: ${out}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    client: createRedemptionClient({ baseUrl: url }),
    clientV2: createRedemptionClientV2({ baseUrl: url }),
    child,
    output: () => out,
    stop: (signal = "SIGTERM") => stopChild(child, signal),
  };
}

/** The service's read-outs for tests. */
export async function readOut<T>(service: Service, path: string): Promise<T> {
  const response = await fetch(`${service.url}${path}`);
  return (await response.json()) as T;
}

/** Polls `fn` until it returns a value that is not undefined (bounded). */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
