/**
 * Fails when the Solidity compiler reported any warning (or error) for this project's sources in the last build.
 * Hardhat 3 prints warnings but does not fail on them; we do. Run after `hardhat build --force` so that every
 * source is compiled and reported.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

interface SolcMessage {
  severity: string;
  type: string;
  formattedMessage?: string;
  message: string;
  sourceLocation?: { file: string };
}

const buildInfoDir = join(process.cwd(), "artifacts", "build-info");
const files = (await readdir(buildInfoDir)).filter((name) => name.endsWith(".output.json"));
if (files.length === 0) {
  console.error(`no build output in ${buildInfoDir}: run "npx hardhat build --force" first`);
  process.exit(2);
}
const problems: SolcMessage[] = [];
for (const file of files) {
  const output = JSON.parse(await readFile(join(buildInfoDir, file), "utf8")) as { output: { errors?: SolcMessage[] } };
  problems.push(...(output.output.errors ?? []));
}
for (const problem of problems) {
  console.error(problem.formattedMessage ?? `${problem.severity}: ${problem.message}`);
}
if (problems.length > 0) {
  console.error(`${problems.length} compiler warning(s) or error(s): warnings fail the build`);
  process.exit(1);
}
console.log(`no compiler warnings in ${files.length} build(s)`);
