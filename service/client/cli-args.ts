/**
 * What the client CLI's commands share (v1's in cli.ts, v2's in cli-v2.ts): usage errors, paths, keys from the
 * environment, and flags read as whole numbers and amounts.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";

import { Wallet } from "ethers";

import { checkAmountForm, parseAmount } from "./amount.js";

/** A mistake in how the CLI was called: exit code 2. */
export class UsageError extends Error {}

/** Paths are the person's: relative to where `npm run client` was typed (npm runs scripts in the package's folder). */
export const here = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);

export async function keyFrom(prefix: "HOLDER" | "DATA_CENTER" | "SUPPLIER"): Promise<Wallet> {
  const key = process.env[`${prefix}_PRIVATE_KEY`];
  if (key !== undefined && key !== "") {
    try {
      return new Wallet(key);
    } catch {
      throw new UsageError(`${prefix}_PRIVATE_KEY is not a private key`);
    }
  }
  const keystore = process.env[`${prefix}_KEYSTORE`];
  if (keystore !== undefined && keystore !== "") {
    const password = process.env[`${prefix}_KEYSTORE_PASSWORD`];
    if (password === undefined) throw new UsageError(`${prefix}_KEYSTORE_PASSWORD is required with ${prefix}_KEYSTORE`);
    const wallet = await Wallet.fromEncryptedJson(await readFile(here(keystore), "utf8"), password);
    return wallet as unknown as Wallet;
  }
  throw new UsageError(`set ${prefix}_PRIVATE_KEY, or ${prefix}_KEYSTORE and ${prefix}_KEYSTORE_PASSWORD`);
}

export type Values = Record<string, string | boolean | undefined>;

export function need(values: Values, flag: string): string {
  const value = values[flag];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${flag} is required (npm run client -- --help)`);
  return value;
}

export function integer(values: Values, flag: string): bigint {
  const value = need(values, flag);
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new UsageError(`--${flag} must be a whole number, not ${JSON.stringify(value)}`);
  return BigInt(value);
}

/** The amount of `--flag` in minor units; without `decimals`, only its form is checked (the service says them). */
export function amount(values: Values, flag: string, decimals: number): bigint;
export function amount(values: Values, flag: string): undefined;
export function amount(values: Values, flag: string, decimals?: number): bigint | undefined {
  try {
    if (decimals !== undefined) return parseAmount(need(values, flag), decimals);
    checkAmountForm(need(values, flag));
    return undefined;
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

export const stringify = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
