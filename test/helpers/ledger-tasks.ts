import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NewTaskActionFunction, TaskDefinition } from "hardhat/types/tasks";

import { adminTasks } from "../../scripts/tasks/index.js";

/**
 * Runs the real admin tasks, as registered in scripts/tasks/index.ts, against a test's in-process chain: the task's
 * own action with its options' defaults filled in as the CLI fills them, and a Hardhat runtime whose network
 * connects to the test's chain (which the task must not close). What the task printed and its exit code come back.
 */
export function taskRunner(hre: HardhatRuntimeEnvironment, connection: NetworkConnection) {
  const onTestChain: HardhatRuntimeEnvironment = Object.create(hre, {
    network: {
      value: Object.create(hre.network, {
        create: { value: async () => Object.create(connection, { close: { value: async () => undefined } }) },
      }),
    },
  });
  const byId = new Map<string, TaskDefinition>(adminTasks.map((t) => [t.id.join(" "), t]));
  return async function run(id: string, args: Record<string, unknown> = {}): Promise<{ code: number; out: string; err: string }> {
    const definition = byId.get(id) as (TaskDefinition & { options: Record<string, { defaultValue: unknown }>; action: () => Promise<{ default: NewTaskActionFunction }> }) | undefined;
    if (definition === undefined) throw new Error(`no task "${id}"`);
    const defaults = Object.fromEntries(Object.entries(definition.options).map(([name, o]) => [name, o.defaultValue]));
    for (const name of Object.keys(args)) if (!(name in defaults)) throw new Error(`task "${id}" has no option --${name}`);
    const action = (await definition.action()).default;
    const out: string[] = [];
    const err: string[] = [];
    const [log, error] = [console.log, console.error];
    console.log = (...parts: unknown[]) => out.push(parts.join(" "));
    console.error = (...parts: unknown[]) => err.push(parts.join(" "));
    const before = process.exitCode;
    process.exitCode = 0;
    try {
      await (action as (a: Record<string, unknown>, h: HardhatRuntimeEnvironment) => Promise<void>)({ ...defaults, ...args }, onTestChain);
    } finally {
      console.log = log;
      console.error = error;
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = before;
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
}
