// Where the running Node's own headers are, for node-gyp's --nodedir: the
// installation prefix of process.execPath when <prefix>/include/node has the
// headers of this very version (Debian's /usr, nvm's
// ~/.nvm/versions/node/vX, the official tarball, Docker's /usr/local).
// Otherwise undefined, and node-gyp finds headers its own way (it downloads
// them). Used by the install script (scripts/install-native.mjs), only when
// npm has no nodedir set, and by `npm pack`'s prebuild (scripts/prepack.mjs).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function localNodedir() {
  const prefix = resolve(dirname(process.execPath), '..');
  const include = join(prefix, 'include', 'node');
  for (const f of ['node_api.h', 'common.gypi', 'node_version.h']) {
    if (!existsSync(join(include, f))) return undefined;
  }
  const header = readFileSync(join(include, 'node_version.h'), 'utf8');
  const part = (name) => header.match(new RegExp(`^#define\\s+NODE_${name}_VERSION\\s+(\\d+)`, 'm'))?.[1];
  const version = ['MAJOR', 'MINOR', 'PATCH'].map(part).join('.');
  return version === process.versions.node ? prefix : undefined;
}
