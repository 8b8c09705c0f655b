import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TaskArguments } from "hardhat/types/tasks";

import { type ChainProbe, eip1193Send, httpSend, missing, probeChain, type RpcSend } from "../../../service/chain/probe.js";
import { optional } from "../run.js";

const MARK = { yes: "ok     ", no: "LACKS  ", unknown: "UNKNOWN" } as const;

/** The operator's checklist: one line per check, then the verdict. */
export function checklist(probe: ChainProbe, where: string): string[] {
  const lines = [
    `${where}: chain ${probe.chainId}, block ${probe.head}, ${probe.clientVersion ?? "client version not given (web3_clientVersion)"}`,
    "",
    "Needed by the ledger:",
  ];
  const line = (check: ChainProbe["checks"][number]) => `  ${MARK[check.support]} ${check.label}: ${check.detail}`;
  lines.push(...probe.checks.filter((c) => c.required).map(line), "", "Good to know (the service adapts, or the ledger does not use it):");
  lines.push(...probe.checks.filter((c) => !c.required).map(line), "");
  const lacking = missing(probe);
  lines.push(
    lacking.length === 0
      ? "Verdict: supported. The ledger can be deployed here."
      : `Verdict: NOT supported (${lacking.map((c) => c.label).join("; ")}). A deployment here is refused.`,
  );
  return lines;
}

/**
 * `npx hardhat chain check`: reads the node of --network (or --url) and prints what it supports and what it lacks.
 * Exit code 1 when the ledger cannot be deployed there.
 */
export async function chainCheck(args: TaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  const url = optional(args.url);
  let send: RpcSend;
  let where: string;
  let close = async () => {};
  const name = hre.globalOptions.network ?? "default";
  const config = hre.config.networks[name];
  if (url !== undefined) {
    send = httpSend(url);
    where = url;
  } else if (config?.type === "http") {
    // Straight to the node: no connection, so no deployer key is needed, and past Hardhat's own handling of eth_sign
    // and eth_sendTransaction for the accounts a network configures.
    const node = await config.url.get();
    send = httpSend(node);
    where = `--network ${name} at ${node}`;
  } else {
    const connection = await hre.network.create();
    close = () => connection.close();
    send = eip1193Send(connection.provider);
    where = `--network ${connection.networkName} (in-process)`;
  }
  try {
    const probe = await probeChain(send);
    for (const text of checklist(probe, where)) console.log(text);
    if (missing(probe).length > 0) process.exitCode = 1;
  } catch (error) {
    console.error(`Error: cannot read the node at ${where}: ${(error as Error).message.split("\n")[0]}`);
    process.exitCode = 1;
  } finally {
    await close();
  }
}
