import { type ContractTransactionResponse, decodeBytes32String, type Interface, type Provider, type Signer, ZeroHash } from "ethers";

import { roleName } from "../../../service/domain/roles.js";
import {
  AccessManager__factory,
  IVoucherLedger__factory,
  SchemeRegistry__factory,
  type IVoucherLedger,
  type SchemeRegistry,
} from "../../../types/ethers-contracts/index.js";
import { revertData } from "../admin/errors.js";
import { UserError, parseAddress } from "../admin/format.js";
import { cny, describeDifferences, describeRatios, describeRules } from "./describe.js";
import { programmeKey, type ProgrammeRules, type RatioEntry, type ResolvedProgramme, type ResolvedScheme, type VocabularyRef } from "./load.js";

/**
 * Applying a scheme file to the chain: what must change for the registry and the ledger to hold what the file says
 * (classes and categories, programmes and their ratio tables, budgets per fiscal year, issuer bindings), sent as
 * the fewest calls, in an order the contracts accept. What already holds is not sent again, so applying a file a
 * second time sends nothing. Everything is read and checked before the first transaction: a file the chain cannot
 * take (fewer fiscal years than on chain, a budget below what a year has committed, a class the chain names
 * otherwise) is refused whole.
 */

/** The contracts a scheme is applied to, and who sends (none for a dry run). */
export interface SchemeChain {
  registry: SchemeRegistry;
  ledger: IVoucherLedger;
  signer?: Signer;
  /** First block to search for the ledger's BudgetSet events (the deployment block; 0 when unknown). */
  fromBlock: number;
}

export type ChangeAction =
  | "defineClass"
  | "defineCategory"
  | "registerProgramme"
  | "updateProgramme"
  | "setRatios"
  | "setBudget"
  | "bindIssuer";

/** One call to send. */
export interface SchemeChange {
  action: ChangeAction;
  target: "registry" | "ledger";
  /** What it does, in words: CNY decimals, ISO dates. */
  description: string;
  /** The key of the programme it is about, if any. */
  programme?: string;
  /** Sends it; `ids` holds the programmes registered earlier in the same run, by key. */
  send: (ids: Map<string, bigint>) => Promise<ContractTransactionResponse>;
}

export interface ProgrammeState {
  key: string;
  /** Its id on chain; undefined until it is registered. */
  id: bigint | undefined;
  /** What the chain holds now, when it holds it: in words. */
  summary: string;
}

export interface SchemePlan {
  scheme: ResolvedScheme;
  programmes: ProgrammeState[];
  changes: SchemeChange[];
}

export interface ApplyResult extends SchemePlan {
  /** Hashes of the transactions sent, in order (none for a dry run or when nothing changes). */
  transactions: string[];
}

/**
 * Connects to the ledger at `ledger` and its registry (`registry` if given, which must be the ledger's), checking
 * that they are ledger v2, connected to each other, and in CNY with two decimals as scheme files are.
 */
export async function openSchemeChain(options: {
  runner: Signer | Provider;
  ledger: string;
  registry?: string;
  fromBlock?: number;
}): Promise<SchemeChain> {
  const { runner } = options;
  const provider = "getCode" in runner ? (runner) : (runner).provider;
  if (provider === null || provider === undefined) throw new Error("the signer has no provider");
  const ledgerAddress = parseAddress(options.ledger, true);
  if ((await provider.getCode(ledgerAddress)) === "0x") {
    throw new UserError(`there is no contract at ${ledgerAddress} on this network: is it the chain that was deployed to?`);
  }
  const ledger = IVoucherLedger__factory.connect(ledgerAddress, runner);
  let registryAddress: string;
  try {
    registryAddress = await ledger.registry();
  } catch {
    throw new UserError(`the contract at ${ledgerAddress} is not a ledger v2 (it names no scheme registry)`);
  }
  if (options.registry !== undefined && parseAddress(options.registry, true) !== registryAddress) {
    throw new UserError(`--registry ${options.registry} is not the ledger's registry: the ledger names ${registryAddress}`);
  }
  const registry = SchemeRegistry__factory.connect(registryAddress, runner);
  if ((await registry.ledger()) !== ledgerAddress) {
    throw new UserError(`the registry ${registryAddress} is not connected to the ledger ${ledgerAddress}`);
  }
  const [currency, decimals] = [await ledger.currency(), Number(await ledger.decimals())];
  if (currency !== "CNY" || decimals !== 2) {
    throw new UserError(`the ledger counts in ${currency} with ${decimals} decimals; scheme files are in CNY with 2`);
  }
  return {
    registry,
    ledger,
    signer: "getCode" in runner ? undefined : (runner),
    fromBlock: options.fromBlock ?? 0,
  };
}

type ProgrammeStruct = Awaited<ReturnType<SchemeRegistry["getProgramme"]>>[0];

function rulesOf(p: ProgrammeStruct): ProgrammeRules {
  return {
    level: Number(p.level),
    region: Number(p.region),
    kind: Number(p.kind),
    name: p.name,
    firstYear: Number(p.firstYear),
    yearCount: Number(p.yearCount),
    redeemFrom: p.redeemFrom,
    redeemUntil: p.redeemUntil,
    earliestContractDay: Number(p.earliestContractDay),
    defaultValidity: Number(p.defaultValidity),
    maxValidity: Number(p.maxValidity),
    capPerCompany: p.capPerCompany,
    capLifetime: p.capLifetime,
    capGroup: Number(p.capGroup),
    exclusive: p.exclusive,
    maxCombinedBps: Number(p.maxCombinedBps),
    entityWindowDays: Number(p.entityWindowDays),
    needsElectricity: p.needsElectricity,
    needsAssessment: p.needsAssessment,
    reissueDelay: Number(p.reissueDelay),
    payees: Number(p.payees),
    supplierFirstDays: Number(p.supplierFirstDays),
    reviewWindow: Number(p.reviewWindow),
    lapseApproves: p.lapseApproves,
  };
}

const sameRatios = (a: readonly RatioEntry[], b: readonly RatioEntry[]) =>
  a.length === b.length && a.every((r, i) => r.computeClass === b[i]!.computeClass && r.category === b[i]!.category && r.bps === b[i]!.bps);

const maxBps = (ratios: readonly RatioEntry[]) => ratios.reduce((m, r) => Math.max(m, r.bps), 0);

const readText = (code: string) => {
  if (code === ZeroHash) return "none";
  try {
    return `"${decodeBytes32String(code)}"`;
  } catch {
    return code;
  }
};

interface OnChain {
  id: bigint;
  rules: ProgrammeRules;
  paused: boolean;
  ratios: RatioEntry[];
}

async function readProgrammes(registry: SchemeRegistry): Promise<OnChain[]> {
  const count = Number(await registry.programmeCount());
  const all: OnChain[] = [];
  for (let id = 1n; id <= BigInt(count); id++) {
    const [rules, paused, ratios] = await registry.getProgramme(id);
    all.push({
      id,
      rules: rulesOf(rules),
      paused,
      ratios: ratios
        .map((r) => ({ computeClass: Number(r.computeClass), category: Number(r.category), bps: Number(r.bps) }))
        .sort((a, b) => a.computeClass - b.computeClass || a.category - b.category),
    });
  }
  return all;
}

/** The changes that define or rename the classes or categories the scheme uses. */
async function planVocabulary(
  chain: SchemeChain,
  what: "class" | "category",
  refs: readonly VocabularyRef[],
): Promise<SchemeChange[]> {
  const changes: SchemeChange[] = [];
  for (const ref of refs) {
    const current = what === "class" ? await chain.registry.className(ref.id) : await chain.registry.categoryName(ref.id);
    if (current === ref.zh) continue;
    if (current !== "" && !ref.formerNames.includes(current)) {
      throw new UserError(
        `${what} ${ref.id} is named "${current}" on chain, but the vocabulary names it "${ref.zh}" (${ref.slug}): ` +
          `the chain's list differs from vocabulary.json; list "${current}" in its formerNames to rename it`,
      );
    }
    const action = what === "class" ? "defineClass" : "defineCategory";
    changes.push({
      action,
      target: "registry",
      description:
        current === ""
          ? `define ${what} ${ref.id} "${ref.zh}" (${ref.slug}: ${ref.en})`
          : `rename ${what} ${ref.id} "${current}" → "${ref.zh}" (${ref.slug})`,
      send: () => (what === "class" ? chain.registry.defineClass(ref.id, ref.zh) : chain.registry.defineCategory(ref.id, ref.zh)),
    });
  }
  return changes;
}

/** The programme on chain that a file entry names, if any. */
function match(p: ResolvedProgramme, onChain: readonly OnChain[]): OnChain | undefined {
  const keys = new Set([p.entry.name.zh, ...p.entry.formerNames].map((name) => programmeKey(p.rules, name)));
  const found = onChain.filter((c) => keys.has(programmeKey(c.rules, c.rules.name)));
  if (found.length > 1) {
    throw new UserError(
      `programmes ${found.map((c) => `#${c.id}`).join(" and ")} all match ${p.key}: ` +
        "the chain holds the same programme twice, and the file cannot say which one it means",
    );
  }
  return found[0];
}

/** The changes one programme needs. */
async function planProgramme(chain: SchemeChain, scheme: ResolvedScheme, p: ResolvedProgramme, onChain: readonly OnChain[]) {
  const { registry, ledger } = chain;
  const vocabulary = scheme.vocabulary;
  const current = match(p, onChain);
  const changes: SchemeChange[] = [];
  const idOf = (ids: Map<string, bigint>): bigint => {
    const id = current?.id ?? ids.get(p.key);
    if (id === undefined) throw new Error(`programme ${p.key} was not registered`);
    return id;
  };
  const label = current === undefined ? `the new programme "${p.rules.name}"` : `programme #${current.id} "${p.rules.name}"`;
  if (current === undefined) {
    changes.push({
      action: "registerProgramme",
      target: "registry",
      programme: p.key,
      description:
        `register programme ${p.key} (${p.entry.name.en}): ${describeRules(p.rules)}; ` +
        `ratios ${describeRatios(p.ratios, vocabulary)}`,
      send: () => registry.registerProgramme(p.rules, p.ratios),
    });
  } else {
    if (p.rules.yearCount < current.rules.yearCount) {
      throw new UserError(
        `${p.key}: the file lists ${p.rules.yearCount} fiscal years, programme #${current.id} has ${current.rules.yearCount} ` +
          "on chain, and fiscal years cannot be taken away",
      );
    }
    const [was, now] = [current.rules, p.rules];
    if (was.capLifetime !== now.capLifetime || was.exclusive !== now.exclusive || (was.exclusive && was.capGroup !== now.capGroup)) {
      throw new UserError(
        `${p.key}: the file changes how programme #${current.id} counts a company's cap (cap.period or exclusiveGroup), ` +
          "which the registry refuses once a programme is registered (the tally kept so far would be forgotten): " +
          "give the new rules a programme of their own (another name or first year)",
      );
    }
    const differences = describeDifferences(current.rules, p.rules);
    const update: SchemeChange | undefined =
      differences.length === 0
        ? undefined
        : {
            action: "updateProgramme",
            target: "registry",
            programme: p.key,
            description: `update ${label}: ${differences.join("; ")}`,
            send: () => registry.updateProgramme(current.id, p.rules),
          };
    const ratios: SchemeChange | undefined = sameRatios(current.ratios, p.ratios)
      ? undefined
      : {
          action: "setRatios",
          target: "registry",
          programme: p.key,
          description: `set the ratios of ${label}: ${describeRatios(current.ratios, vocabulary)} → ${describeRatios(p.ratios, vocabulary)}`,
          send: () => registry.setRatios(current.id, p.ratios),
        };
    // The registry checks ratios against the combined share it holds, and a new share against the ratios it holds:
    // the new ratios go first when the present share takes them; when it does not, the new share goes first, and it
    // takes the present ratios (it is at least the new ratios, which are above the present share, which is at least
    // the present ratios).
    const c0 = current.rules.maxCombinedBps;
    const ratiosFirst = c0 === 0 || maxBps(p.ratios) <= c0;
    for (const change of ratiosFirst ? [ratios, update] : [update, ratios]) if (change !== undefined) changes.push(change);
  }
  for (const b of p.budgets) {
    let before = "";
    if (current !== undefined && b.year < current.rules.firstYear + current.rules.yearCount) {
      const period = await ledger.getPeriod(current.id, b.year);
      const committed = period.issued - period.revoked - period.expired;
      const events = await ledger.queryFilter(ledger.filters.BudgetSet(current.id, b.year), chain.fromBlock);
      const appropriation = events.at(-1)?.args.appropriation ?? ZeroHash;
      if (period.budget === b.budget && appropriation === b.appropriation) continue;
      if (b.budget < committed) {
        throw new UserError(
          `${p.key}: the budget for ${b.year} would be ${cny(b.budget)}, below the ${cny(committed)} the year has committed`,
        );
      }
      before = ` (now ${cny(period.budget)}, appropriation ${readText(appropriation)})`;
    }
    changes.push({
      action: "setBudget",
      target: "ledger",
      programme: p.key,
      description: `set the budget of ${label} for ${b.year}: ${cny(b.budget)}, appropriation "${b.appropriationText}"${before}`,
      send: (ids) => ledger.setBudget(idOf(ids), b.year, b.budget, b.appropriation),
    });
  }
  for (const issuer of p.issuers) {
    if (current !== undefined && (await registry.isIssuer(issuer, current.id))) continue;
    changes.push({
      action: "bindIssuer",
      target: "registry",
      programme: p.key,
      description: `bind issuer ${issuer} to ${label}`,
      send: (ids) => registry.bindIssuer(issuer, idOf(ids)),
    });
  }
  const summary =
    current === undefined
      ? "not on chain yet"
      : `programme #${current.id}${current.paused ? " (paused)" : ""}: ${describeRules(current.rules)}; ratios ${describeRatios(current.ratios, vocabulary)}`;
  return { state: { key: p.key, id: current?.id, summary }, changes };
}

/** Reads the chain and works out what applying `scheme` would send. Sends nothing. */
export async function planScheme(chain: SchemeChain, scheme: ResolvedScheme): Promise<SchemePlan> {
  const changes = [
    ...(await planVocabulary(chain, "class", scheme.classes)),
    ...(await planVocabulary(chain, "category", scheme.categories)),
  ];
  const onChain = await readProgrammes(chain.registry);
  const programmes: ProgrammeState[] = [];
  for (const p of scheme.programmes) {
    const planned = await planProgramme(chain, scheme, p, onChain);
    programmes.push(planned.state);
    changes.push(...planned.changes);
  }
  return { scheme, programmes, changes };
}

const INTERFACES: Interface[] = [
  SchemeRegistry__factory.createInterface(),
  IVoucherLedger__factory.createInterface(),
  AccessManager__factory.createInterface(),
];

/** A failed call in words: the contract's custom error with its arguments, or the node's message. */
export function explainRevert(error: unknown): string {
  const data = revertData(error);
  if (data !== undefined) {
    for (const iface of INTERFACES) {
      const parsed = iface.parseError(data);
      if (parsed !== null) return `${parsed.name}(${parsed.args.toArray().map(String).join(", ")})`;
    }
  }
  return (error as { shortMessage?: string }).shortMessage ?? String(error);
}

/** Refuses, before anything is sent, when the signer may not make every call of the plan at once. */
async function checkPermissions(chain: SchemeChain, signer: Signer, changes: readonly SchemeChange[]): Promise<void> {
  const manager = AccessManager__factory.connect(await chain.registry.authority(), signer);
  const account = await signer.getAddress();
  const targets = { registry: chain.registry, ledger: chain.ledger };
  const refused: string[] = [];
  for (const key of new Set(changes.map((c) => `${c.target}:${c.action}`))) {
    const [target, action] = key.split(":") as ["registry" | "ledger", ChangeAction];
    const contract = targets[target];
    const address = await contract.getAddress();
    const selector = (contract.interface as unknown as Interface).getFunction(action)!.selector;
    const [immediate, delay] = await manager.canCall(account, address, selector);
    if (immediate) continue;
    const role = roleName(await manager.getTargetFunctionRole(address, selector));
    refused.push(
      delay > 0n
        ? `${action} (the ${role} role of ${account} has an execution delay of ${delay} s: schedule it in the AccessManager)`
        : `${action} (it needs the ${role} role)`,
    );
  }
  if (refused.length > 0) {
    throw new UserError(`${account} may not send these at once, so nothing was sent: ${refused.join("; ")}`);
  }
}

/**
 * Applies a scheme: plans it (see {@link planScheme}); unless `dryRun`, checks that the signer may send every call at
 * once and sends them in order, waiting for each. A failure part-way names the step; what was sent before it stays,
 * and running the file again sends only what is still missing.
 */
export async function applyScheme(
  chain: SchemeChain,
  scheme: ResolvedScheme,
  options: { dryRun?: boolean; log?: (line: string) => void } = {},
): Promise<ApplyResult> {
  const plan = await planScheme(chain, scheme);
  const transactions: string[] = [];
  if (options.dryRun === true || plan.changes.length === 0) return { ...plan, transactions };
  const signer = chain.signer;
  if (signer === undefined) throw new UserError("no account to send with: connect the chain with a signer, or make it a dry run");
  await checkPermissions(chain, signer, plan.changes);
  const ids = new Map<string, bigint>();
  for (const [i, change] of plan.changes.entries()) {
    let tx: ContractTransactionResponse;
    try {
      tx = await change.send(ids);
      const receipt = await tx.wait();
      if (change.action === "registerProgramme" && change.programme !== undefined) {
        const event = receipt?.logs
          .map((log) => chain.registry.interface.parseLog(log))
          .find((parsed) => parsed?.name === "ProgrammeRegistered");
        if (event === undefined || event === null) throw new Error("the registration's receipt has no ProgrammeRegistered event");
        const id = event.args.id as bigint;
        ids.set(change.programme, id);
        const state = plan.programmes.find((s) => s.key === change.programme);
        if (state !== undefined) state.id = id;
      }
    } catch (error) {
      throw new UserError(
        `change ${i + 1} of ${plan.changes.length} failed (${change.description}): ${explainRevert(error)}; ` +
          `${i === 0 ? "nothing was sent" : `the ${i} before it were sent`}, and applying the file again sends what is missing`,
      );
    }
    transactions.push(tx.hash);
    options.log?.(`${i + 1}. ${change.description}: sent in ${tx.hash}`);
  }
  return { ...plan, transactions };
}
