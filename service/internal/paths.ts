import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project's folder (the one with package.json), found from this module's own place: the same whether the code
 * runs from its sources (`service/internal/paths.ts`, under tsx or Hardhat) or compiled (`dist/service/internal/
 * paths.js`, as `npm start` and `npm run service` run it). Files that are not code (Hardhat's artifacts, the
 * deployment records, the dashboard's page) are read from here, never next to the compiled output.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or any folder above it`);
  }
}

/** A path inside the project's folder. */
export const fromRoot = (...segments: string[]): string => join(PROJECT_ROOT, ...segments);
