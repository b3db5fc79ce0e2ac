// The command line of a one-sample benchmark process (sim-speed.ts,
// explore-speed.ts): `--name value` pairs, and the engine every one takes.

/** The value after `--name`, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

/** `--engine native|wasm` (default native). */
export function engineArg(): 'native' | 'wasm' {
  const engine = arg('engine', 'native');
  if (engine !== 'native' && engine !== 'wasm') throw new Error(`--engine must be native or wasm, got ${engine}`);
  return engine;
}
