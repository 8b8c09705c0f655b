/**
 * The service as the benchmarks start it: compiled to dist/ (`tsc -b tsconfig.build.json`, as `npm start` and
 * `npm run service` run it), or from its sources under tsx, for the comparison of start-up times.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

import { PROJECT_ROOT } from "../../../service/internal/paths.js";

let built = false;

/**
 * The compiled file of `source` (a path from the project's folder, e.g. "service/main.ts"), after bringing dist/ up to
 * date once per process: `tsc -b` rebuilds only what changed, so that a benchmark never runs stale JavaScript.
 */
export function compiled(source: string): string {
  if (!built) {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const result = spawnSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: PROJECT_ROOT, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`tsc -b tsconfig.build.json failed (exit ${result.status ?? result.signal})`);
    built = true;
  }
  return join(PROJECT_ROOT, "dist", source.replace(/\.ts$/, ".js"));
}

export type Runner = "compiled" | "tsx";

/** The arguments of `node` that run `source` (and then `args`) compiled or under tsx. */
export function nodeArgs(runner: Runner, source: string, args: string[] = []): string[] {
  return runner === "compiled" ? [compiled(source), ...args] : ["--import", "tsx", join(PROJECT_ROOT, source), ...args];
}
