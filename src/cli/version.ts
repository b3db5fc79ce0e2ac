// edgeloop's own version, for `edgeloop --version` and the reports that
// name the version that made them (explore's). Its own module, so a command
// can read it without importing the command table (main.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../backends/native.js';

/** The version in edgeloop's package.json (the one above this file, as the addon is found). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error("edgeloop's package.json has no version");
  return pkg.version;
}
