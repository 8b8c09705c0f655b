import { readFileSync } from "node:fs";

import { fromRoot } from "../../../service/internal/paths.js";
import { UserError } from "../admin/format.js";
import type { LedgerContext } from "./context.js";

/**
 * Compute classes and beneficiary categories by what people call them: the registry's id, the name the registry
 * holds (国产算力), or the name scheme files use (domestic-compute, from scripts/schemes/vocabulary.json).
 */

/** Read from the project's folder, so that it is found compiled (dist/, as npm start runs) as from the sources. */
export const VOCABULARY = fromRoot("scripts", "schemes", "vocabulary.json");

type List = "classes" | "categories";
const LIMIT: Record<List, number> = { classes: 32, categories: 7 };

function vocabularyIds(list: List): Map<string, number> {
  try {
    const parsed = JSON.parse(readFileSync(VOCABULARY, "utf8")) as Record<List, Record<string, { id: number }>>;
    return new Map(Object.entries(parsed[list] ?? {}).map(([slug, entry]) => [slug, entry.id]));
  } catch {
    return new Map();
  }
}

async function nameOf(ctx: LedgerContext, list: List, id: number): Promise<string> {
  return list === "classes" ? ctx.registry.className(id) : ctx.registry.categoryName(id);
}

async function resolve(ctx: LedgerContext, list: List, text: string): Promise<number> {
  const what = list === "classes" ? "compute class" : "beneficiary category";
  const value = text.trim();
  let id: number | undefined;
  if (/^\d+$/.test(value)) id = Number(value);
  else id = vocabularyIds(list).get(value.toLowerCase());
  if (id === undefined) {
    for (let i = 1; i <= LIMIT[list] && id === undefined; i++) if ((await nameOf(ctx, list, i)) === value) id = i;
  }
  if (id === undefined || id < 1 || id > LIMIT[list]) {
    throw new UserError(`"${value}" is not a ${what}: give its id (1 to ${LIMIT[list]}), its name on chain or its name in vocabulary.json`);
  }
  if ((await nameOf(ctx, list, id)) === "") throw new UserError(`${what} ${id} is not defined in the registry`);
  return id;
}

/** A compute class's id. */
export const resolveClass = (ctx: LedgerContext, text: string) => resolve(ctx, "classes", text);
/** A beneficiary category's id. */
export const resolveCategory = (ctx: LedgerContext, text: string) => resolve(ctx, "categories", text);

/** Compute classes as a bit set (bit c - 1 for class c), from a comma-separated list. */
export async function resolveClasses(ctx: LedgerContext, text: string): Promise<number> {
  let bits = 0;
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) bits |= 1 << ((await resolveClass(ctx, part)) - 1);
  if (bits === 0) throw new UserError("--classes is empty: name at least one compute class");
  return bits >>> 0;
}

/** "1 国产算力" for a class, or "—" for 0. */
export async function describeClass(ctx: LedgerContext, id: number): Promise<string> {
  return id === 0 ? "—" : `${id} ${await ctx.registry.className(id)}`;
}

export async function describeCategory(ctx: LedgerContext, id: number): Promise<string> {
  return id === 0 ? "—" : `${id} ${await ctx.registry.categoryName(id)}`;
}

/** The classes of a bit set, described. */
export async function describeClasses(ctx: LedgerContext, bits: number): Promise<string> {
  const out: string[] = [];
  for (let c = 1; c <= 32; c++) if ((bits >>> (c - 1)) & 1) out.push(await describeClass(ctx, c));
  return out.length === 0 ? "none" : out.join(", ");
}
