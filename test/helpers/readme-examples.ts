import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The marker line before a ```sh block of the README whose every command runs, in order, after `npm start`. */
export const MARKER = "<!-- example: after npm start -->";

export interface Example {
  /** The README line the command starts on (1-based). */
  line: number;
  command: string;
}

/** A marked block: its commands run in one shell, in order, as a person types them into one terminal. */
export interface ExampleBlock {
  line: number;
  commands: Example[];
}

/**
 * The README's marked blocks, in order, with their commands: each line (with its `\` continuations) that is not
 * blank or a comment. Throws if a marker is not followed by a ```sh block.
 */
export function readmeExamples(root: string): ExampleBlock[] {
  const lines = readFileSync(join(root, "README.md"), "utf8").split("\n");
  const blocks: ExampleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== MARKER) continue;
    if (lines[i + 1]?.trim() !== "```sh") throw new Error(`README.md:${i + 1}: "${MARKER}" must stand right before a \`\`\`sh block`);
    const examples: Example[] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim() !== "```"; j++) {
      const start = j;
      let command = lines[j]!;
      while (command.endsWith("\\") && j + 1 < lines.length) command = `${command.slice(0, -1)} ${lines[++j]!.trim()}`;
      if (command.trim() === "" || command.trim().startsWith("#")) continue;
      examples.push({ line: start + 1, command: command.trim() });
    }
    blocks.push({ line: i + 2, commands: examples });
    i = j;
  }
  return blocks;
}

/**
 * A bash script that runs a block's commands in order and, after each, prints `@@<exit code> <line>` on a line of its
 * own, so that every command's outcome can be read from the output.
 */
export function blockScript(block: ExampleBlock): string {
  return "exec 2>&1\n" + block.commands.map((c) => `${c.command}\nprintf '\\n@@%s %s\\n' "$?" ${c.line}\n`).join("");
}

/** The outcome of each command of a block, read from the output of {@link blockScript}. */
export function outcomes(output: string): { line: number; code: number; output: string }[] {
  const results: { line: number; code: number; output: string }[] = [];
  let text = "";
  for (const line of output.split("\n")) {
    const match = /^@@(\d+) (\d+)$/.exec(line);
    if (match === null) text += `${line}\n`;
    else {
      results.push({ code: Number(match[1]), line: Number(match[2]), output: text.trim() });
      text = "";
    }
  }
  return results;
}
