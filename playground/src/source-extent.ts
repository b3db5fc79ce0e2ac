// Where a reactor function starts and ends in its file, for the source
// panel (source-view.ts). Pure and DOM-free: the unit tests check every
// trace site against it.

/** A function's lines in its file: [first, last], 1-based, inclusive. */
export interface Extent {
  first: number;
  last: number;
}

// A definition starts at column 0 in the reactor's files (namespace bodies
// are not indented) and names its class: `void TcpConnection::Send(`.
const DEFINITION = /^(?![\s/#}])(?:[^;(]*?[\s*&])?[A-Za-z_]\w*::~?[A-Za-z_]\w*\s*\(/;

/**
 * The function around `line` of `lines`: from the definition above it to
 * its closing brace at column 0; a line outside any (an inline member in a
 * header) gets a few lines either side.
 */
export function functionExtent(lines: readonly string[], line: number): Extent {
  const at = Math.min(Math.max(line, 1), lines.length);
  let first = 0;
  for (let i = at; i >= 1; i--) {
    const text = lines[i - 1] as string;
    if (DEFINITION.test(text)) {
      first = i;
      break;
    }
    // Another function's end: `line` is in none.
    if (i < at && text === '}') break;
  }
  if (first > 0) {
    for (let i = Math.max(first, 1); i <= lines.length; i++) {
      if (lines[i - 1] === '}' && i >= at) return { first, last: i };
    }
  }
  return { first: Math.max(1, at - 6), last: Math.min(lines.length, at + 6) };
}
