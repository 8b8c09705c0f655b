/**
 * JSON with line numbers: parses a JSON text as `JSON.parse` does, and records the line on which each value (by its
 * path) starts, so that an error about a field can say where the field is. It also refuses what `JSON.parse` lets
 * through silently: an object with the same key twice (the last one would win, and the file would not say what it
 * seems to say).
 */

export type JsonPath = readonly (string | number)[];

export class JsonTextError extends Error {
  override readonly name = "JsonTextError";
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export interface JsonWithLines {
  value: unknown;
  /** The line (1-based) where the value at `path` starts, or the nearest enclosing value's line. */
  lineOf: (path: JsonPath) => number | undefined;
}

const key = (path: JsonPath): string => JSON.stringify(path);

/** Parses `text`; throws a {@link JsonTextError} naming the line of the first mistake. */
export function parseJsonWithLines(text: string): JsonWithLines {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;

  const fail = (what: string): never => {
    throw new JsonTextError(what, line);
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === "\n") line++;
      else if (c !== " " && c !== "\t" && c !== "\r") return;
      i++;
    }
  };
  const near = () => (i < text.length ? JSON.stringify(text.slice(i, i + 12)) : "the end of the file");

  const stringToken = (): string => {
    const start = i;
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\n") fail("a string runs past the end of its line");
      i += text[i] === "\\" ? 2 : 1;
    }
    if (i >= text.length) fail("a string is not closed");
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail(`the string ${text.slice(start, i)} is not a valid JSON string (an escape or a control character)`);
    }
  };

  const value = (path: (string | number)[]): unknown => {
    space();
    lines.set(key(path), line);
    const c = text[i];
    if (c === "{") return object(path);
    if (c === "[") return array(path);
    if (c === '"') return stringToken();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (literal === null) return fail(`expected a value, found ${near()}`);
    i += literal[0].length;
    return JSON.parse(literal[0]) as unknown;
  };

  const object = (path: (string | number)[]): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    const seen = new Set<string>();
    i++; // {
    space();
    if (text[i] === "}") {
      i++;
      return result;
    }
    for (;;) {
      space();
      if (text[i] !== '"') fail(`expected a key in double quotes, found ${near()}`);
      const name = stringToken();
      if (seen.has(name)) fail(`the key "${name}" appears twice in the same object`);
      seen.add(name);
      space();
      if (text[i] !== ":") fail(`expected ":" after the key "${name}", found ${near()}`);
      i++;
      // Defined as an own property even for "__proto__", as JSON.parse does.
      Object.defineProperty(result, name, { value: value([...path, name]), enumerable: true, writable: true, configurable: true });
      space();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return result;
      }
      fail(`expected "," or "}" after the value of "${name}", found ${near()}`);
    }
  };

  const array = (path: (string | number)[]): unknown[] => {
    const result: unknown[] = [];
    i++; // [
    space();
    if (text[i] === "]") {
      i++;
      return result;
    }
    for (;;) {
      result.push(value([...path, result.length]));
      space();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return result;
      }
      fail(`expected "," or "]" after an element of a list, found ${near()}`);
    }
  };

  const parsed = value([]);
  space();
  if (i < text.length) fail(`unexpected text after the end of the JSON value: ${near()}`);
  return {
    value: parsed,
    lineOf: (path) => {
      for (let n = path.length; n >= 0; n--) {
        const found = lines.get(key(path.slice(0, n)));
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}
