// The counting pattern the data tests send and check: byte i of a stream is
// i & 0xff. The bulk app sends it, a sim peer's filler writes (write(n))
// continue it per fd, and the tests' JS producers build it with patternBytes,
// so a hole, a repeat or a reordering shows as the first byte off the pattern.
import { expect } from 'vitest';

/** `length` bytes of the pattern, from stream offset `offset`. */
export function patternBytes(length: number, offset = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (offset + i) & 0xff;
  return out;
}

/** The stream offset of the first byte of `chunk` (which starts at stream offset `offset`) that is off the pattern, or -1. */
export function firstPatternMismatch(chunk: Uint8Array, offset = 0): number {
  for (let i = 0; i < chunk.length; i++) {
    if (chunk[i] !== ((offset + i) & 0xff)) return offset + i;
  }
  return -1;
}

/** `bytes` is the whole stream: `length` bytes of the pattern. */
export function expectPattern(bytes: Uint8Array, length: number): void {
  expect(bytes.length).toBe(length);
  expect(firstPatternMismatch(bytes)).toBe(-1);
}
