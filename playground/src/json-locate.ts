// Where each value of a JSON text is: a small parser that records, for every
// path (as validateScenario's `segments`), the line of the member's key or
// the array element, so an error can be shown next to its field. A syntax
// error is reported with its line and column.

export interface Where {
  line: number;
  col: number;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly where: Where,
  ) {
    super(`line ${where.line}, column ${where.col}: ${message}`);
  }
}

export function pathKey(segments: ReadonlyArray<string | number>): string {
  return JSON.stringify(segments);
}

/** Maps pathKey(segments) -> where that field starts. Throws JsonSyntaxError. */
export function locate(text: string): Map<string, Where> {
  const out = new Map<string, Where>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const where = (): Where => ({ line, col: i - lineStart + 1 });
  const fail = (msg: string): never => {
    throw new JsonSyntaxError(msg, where());
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') {
        line++;
        i++;
        lineStart = i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else break;
    }
  };
  const str = (): string => {
    if (text[i] !== '"') fail('expected a string in double quotes');
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      if (text[i] === '\n') fail('a string may not span lines');
      i++;
    }
    if (i >= text.length) fail('a string is not closed');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid escape in a string');
    }
  };
  const value = (path: Array<string | number>, depth: number): void => {
    if (depth > 200) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const at = where();
        const k = str();
        out.set(pathKey([...path, k]), at);
        ws();
        if (text[i] !== ':') fail(`expected ':' after the key "${k}"`);
        i++;
        value([...path, k], depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail("expected ',' or '}' after a value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let k = 0; ; k++) {
        ws();
        out.set(pathKey([...path, k]), where());
        value([...path, k], depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail("expected ',' or ']' after an element");
      }
    }
    if (c === '"') {
      str();
      return;
    }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail(c === undefined ? 'unexpected end of the text' : `unexpected ${JSON.stringify(c)}`);
    i += (m as RegExpExecArray)[0].length;
  };
  out.set(pathKey([]), { line: 1, col: 1 });
  value([], 0);
  ws();
  if (i < text.length) fail('unexpected text after the document');
  return out;
}

/** The line of `segments`, or of its nearest ancestor that exists in the text. */
export function lineOf(map: Map<string, Where>, segments: ReadonlyArray<string | number>): number {
  for (let n = segments.length; n >= 0; n--) {
    const w = map.get(pathKey(segments.slice(0, n)));
    if (w) return w.line;
  }
  return 1;
}
