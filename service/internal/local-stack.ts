import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { z } from "zod";

/**
 * What `npm start` keeps in its data folder besides the chain and the mirror, so that other commands on this machine
 * (`npm start -- --token`, `npm run verify`) find the running stack without any configuration:
 *
 * - `stack.json`: the running stack (its pid, the service's and the chain's URLs, the deployment file), written at
 *   start and removed on the way out;
 * - `auth-secret`: the key of the audit API's tokens (mode 0600), made once, so that a token outlives a restart;
 * - `service.log`: the service's JSON log lines.
 */
export const stackStateSchema = z.object({
  pid: z.number().int().positive(),
  /** False while the chain, the demo and the service are still being set up. */
  ready: z.boolean(),
  serviceUrl: z.url(),
  rpcUrl: z.url(),
  chainId: z.number().int(),
  deploymentFile: z.string().min(1),
  /** The ledger its chain holds (LEDGER_VERSION); absent in the record of a stack from before ledger v2 was its default. */
  ledgerVersion: z.union([z.literal(1), z.literal(2)]).optional(),
  /** The demo auditor, for whom the local stack's commands mint tokens. */
  auditor: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  tokenTtlSeconds: z.number().int().positive(),
  startedAt: z.string(),
});
export type StackState = z.infer<typeof stackStateSchema>;

export function localStackFiles(dataDir: string) {
  return {
    state: join(dataDir, "stack.json"),
    secret: join(dataDir, "auth-secret"),
    serviceLog: join(dataDir, "service.log"),
    writerLock: join(dataDir, "writer.lock"),
  };
}

/** Whether process `pid` is alive (one of another user counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The stack recorded in `dataDir`, if its `npm start` is still alive; undefined if none (or a stale record). */
export async function readStackState(dataDir: string): Promise<StackState | undefined> {
  let text: string;
  try {
    text = await readFile(localStackFiles(dataDir).state, "utf8");
  } catch {
    return undefined;
  }
  let parsed;
  try {
    parsed = stackStateSchema.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  return parsed.success && isAlive(parsed.data.pid) ? parsed.data : undefined;
}

export async function writeStackState(dataDir: string, state: StackState): Promise<void> {
  const path = localStackFiles(dataDir).state;
  await writeFile(`${path}.new`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${path}.new`, path);
}

/** Removes the record if it is this process's. */
export async function removeStackState(dataDir: string, pid = process.pid): Promise<void> {
  const path = localStackFiles(dataDir).state;
  let recorded: unknown;
  try {
    recorded = (JSON.parse(await readFile(path, "utf8")) as { pid?: unknown }).pid;
  } catch {
    return;
  }
  if (recorded === pid) await unlink(path).catch(() => undefined);
}

/** The pid in the data folder's writer lock, if that process is alive. */
export async function lockHolder(dataDir: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(localStackFiles(dataDir).writerLock, "utf8").catch(() => ""), 10);
  return Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}
