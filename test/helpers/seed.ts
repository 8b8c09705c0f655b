import { execFileSync } from "node:child_process";

/** The seed when neither FC_SEED nor a commit is there to choose one. */
const FALLBACK_SEED = 20_261_201;

/**
 * The seed of a property test. `FC_SEED=<n>` replays a run and `FC_SEED=random` draws a fresh one; otherwise the seed
 * is read from the commit under test (the first 31 bits of HEAD's hash), so that a run here and CI's run of the same
 * commit go through the same sequences, while every new commit explores others. A failure prints the seed (and the
 * path) that reproduce it.
 */
export function propertySeed(): number {
  const given = process.env.FC_SEED;
  if (given === "random") return Math.floor(Math.random() * 0x8000_0000);
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", not ${JSON.stringify(given)}`);
    return seed;
  }
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return Number.parseInt(head.slice(0, 8), 16) & 0x7fff_ffff;
  } catch {
    // not a git checkout: the fixed seed
  }
  return FALLBACK_SEED;
}
