import type { ApplyResult } from "./apply.js";

/** What `scheme apply` prints for one file: the funding body, each programme's state, the changes, the outcome. */
export function reportLines(result: ApplyResult, dryRun: boolean): string[] {
  const { scheme, programmes, changes, transactions } = result;
  const f = scheme.file;
  const lines = [
    `${scheme.source}: ${f.fundingBody.zh} (${f.fundingBody.en}), ${f.level} ${f.region.code} ${f.region.zh} (${f.region.en})`,
  ];
  for (const [i, state] of programmes.entries()) {
    const entry = scheme.programmes[i]!.entry;
    lines.push(`  programme ${state.key} (${entry.name.en}): ${state.summary}`);
    const placeholders = Object.keys(entry.placeholders);
    if (placeholders.length > 0) lines.push(`    placeholders (see the file): ${placeholders.join(", ")}`);
  }
  if (changes.length === 0) {
    lines.push("  Nothing to change: the chain holds what the file says.");
    return lines;
  }
  lines.push(`  ${changes.length} change${changes.length === 1 ? "" : "s"}${dryRun ? " would be sent" : ""}:`);
  for (const [i, change] of changes.entries()) {
    lines.push(`    ${i + 1}. ${change.description}${transactions[i] === undefined ? "" : ` (${transactions[i]})`}`);
  }
  if (dryRun) {
    lines.push("  Dry run: nothing was sent.");
  } else {
    const ids = programmes.map((p) => `${p.key} is #${p.id}`).join(", ");
    lines.push(`  Sent ${transactions.length} transaction${transactions.length === 1 ? "" : "s"}; ${ids}.`);
  }
  return lines;
}
