// edgeloop's own version, for `edgeloop --version`, the live view's hello
// and the reports that name the version that made them (explore's). Its own
// module below cli/ and server/, so either reads it without importing the
// other (a command table, a server).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from './backends/native.js';

/** The version in edgeloop's package.json (the one above this file, as the addon is found). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error("edgeloop's package.json has no version");
  return pkg.version;
}
