import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TaskArguments } from "hardhat/types/tasks";

import { UserError } from "../../lib/admin/format.js";
import { applyScheme, openSchemeChain, type SchemeChain } from "../../lib/schemes/apply.js";
import { loadSchemeFile, loadVocabulary, type ResolvedScheme, vocabularyPathFor } from "../../lib/schemes/load.js";
import { reportLines } from "../../lib/schemes/report.js";
import { locateV2 } from "../ledger-run.js";
import { chooseSigner, need, optional } from "../run.js";

/** The scheme files `--file` names: the file, or every `.json` of the folder but the vocabulary, in name order. */
export async function schemeFiles(path: string): Promise<string[]> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch {
    throw new UserError(`--file ${path}: there is no such file or folder`);
  }
  if (!isFolder) return [path];
  const names = (await readdir(path)).filter((n) => n.endsWith(".json") && n !== "vocabulary.json").sort();
  if (names.length === 0) throw new UserError(`--file ${path}: the folder has no scheme files (*.json)`);
  return names.map((n) => join(path, n));
}

/** Reads and validates every file before anything touches the chain. */
export async function loadSchemes(files: readonly string[], vocabularyPath?: string): Promise<ResolvedScheme[]> {
  const schemes: ResolvedScheme[] = [];
  for (const file of files) {
    schemes.push(await loadSchemeFile(file, await loadVocabulary(vocabularyPath ?? vocabularyPathFor(file))));
  }
  return schemes;
}

/** Applies each scheme in turn and prints what it found and did. */
export async function runSchemeApply(
  chain: SchemeChain,
  schemes: readonly ResolvedScheme[],
  dryRun: boolean,
  log: (line: string) => void,
): Promise<void> {
  const account = chain.signer === undefined ? "nobody (dry run)" : await chain.signer.getAddress();
  log(`Registry ${await chain.registry.getAddress()}, ledger ${await chain.ledger.getAddress()}, sending as ${account}`);
  for (const scheme of schemes) {
    const result = await applyScheme(chain, scheme, { dryRun });
    for (const line of reportLines(result, dryRun)) log(line);
  }
}

/** Where the task writes: the console, or a test's buffers. */
export interface Output {
  log: (line: string) => void;
  error: (line: string) => void;
}

/**
 * `npx hardhat scheme apply --file <file or folder> [--dry-run] [--ledger <address>] [--registry <address>]`: reads and
 * validates every file first, then connects (a dry run needs no key) and applies them in turn. Returns the exit code.
 */
export async function runSchemeApplyTask(args: TaskArguments, hre: HardhatRuntimeEnvironment, out: Output): Promise<number> {
  let close: (() => Promise<void>) | undefined;
  try {
    const dryRun = args.dryRun === true;
    const schemes = await loadSchemes(await schemeFiles(need(args, "file")), optional(args.vocabulary));
    const connection = await hre.network.create();
    close = () => connection.close();
    const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
    const { ledger: ledgerAddress, fromBlock } = await locateV2(connection, args, chainId);
    const runner = dryRun
      ? connection.ethers.provider
      : await chooseSigner(hre, connection, "GOVERNOR", chainId, optional(args.as) ?? "");
    const chain = await openSchemeChain({ runner, ledger: ledgerAddress, registry: optional(args.registry), fromBlock });
    await runSchemeApply(chain, schemes, dryRun, out.log);
    return 0;
  } catch (error) {
    out.error(`Error: ${error instanceof UserError ? error.message : (error as Error).message}`);
    return 1;
  } finally {
    await close?.();
  }
}

export async function schemeApply(args: TaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  const code = await runSchemeApplyTask(args, hre, { log: (l) => console.log(l), error: (l) => console.error(l) });
  if (code !== 0) process.exitCode = code;
}
