#!/usr/bin/env bash
# The packed package as a user gets it, on a machine with no C++ compiler:
#   1. `npm pack` (prepack builds the prebuilt addon: scripts/prepack.mjs);
#   2. `npm install <tgz>` into an empty project with a PATH that has node,
#      npm, python3 and basic tools but no g++, cc, c++ or make: the install
#      must not compile; a wasm simulation runs, and a real server echoes over
#      127.0.0.1 with the addon loaded from prebuilds/;
#   3. the same tarball without prebuilds/ (a platform the package has no
#      prebuild for), installed the same way: the fallback compile fails, the
#      install still succeeds and says so in one line, the wasm simulation
#      runs and createServer() fails with ERR_BACKEND naming the command.
# npm fetches the dependencies from its cache when it can (--prefer-offline).
#
#   bash scripts/check-tarball.sh       (KEEP=1: keep the temporary projects, printed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/edgeloop-tarball.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# Settings of an outer npm (this script run from an npm script) stay out.
mapfile -t npm_vars < <(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/-u\n\1/p')
clean_env=(env "${npm_vars[@]}")

echo "check-tarball: npm pack (prepack builds the prebuilt addon)"
"${clean_env[@]}" npm pack --pack-destination "$work" --loglevel warn >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; exit 1; }
grep '^prepack:' "$work/pack.log" | sed 's/^/  /' || true
tgz=$(ls "$work"/edgeloop-*.tgz)
contents=$(tar tzf "$tgz")
grep -qx 'package/prebuilds/linux-x64/edgeloop.glibc.node' <<<"$contents" || { echo "check-tarball: FAIL: the tarball has no prebuilds/linux-x64/edgeloop.glibc.node"; exit 1; }
if grep -q '^package/build/' <<<"$contents"; then echo "check-tarball: FAIL: the tarball ships build/"; exit 1; fi
# The wasm module it ships is the committed one, byte for byte (the one
# wasm/check-reproducible.sh verifies), not a re-emit by tsc.
tar -xzf "$tgz" -O package/dist/wasm/edgeloop-sim.mjs | cmp -s - wasm/edgeloop-sim.mjs || { echo "check-tarball: FAIL: the tarball's dist/wasm/edgeloop-sim.mjs is not wasm/edgeloop-sim.mjs"; exit 1; }
echo "  $(basename "$tgz"): $(du -k "$tgz" | cut -f1) kB, $(wc -l <<<"$contents") files, prebuilds/linux-x64/edgeloop.glibc.node among them"

# A PATH with no compiler: node, npm and what npm and node-gyp's configure
# step use, nothing else (so the fallback compile fails the way it does on
# a machine without build-essential).
bin="$work/bin"
mkdir "$bin"
for t in node npm npx python3 sh bash env cat ls cp mv rm mkdir rmdir ln chmod touch sed grep tr cut head tail sort uniq wc find dirname basename readlink realpath uname tar gzip; do
  p=$(command -v "$t" || true)
  [ -n "$p" ] && ln -s "$p" "$bin/$t"
done
for t in g++ gcc cc c++ make; do
  if PATH="$bin" command -v "$t" >/dev/null 2>&1; then echo "check-tarball: FAIL: $t is on the compiler-less PATH"; exit 1; fi
done
echo "  the install PATH ($bin) has node, npm, python3 and coreutils; no g++, gcc, cc, c++ or make"
nocc=("${clean_env[@]}" "PATH=$bin")

# An empty project; installs with the install script's output shown.
install_into() { # DIR TGZ
  mkdir -p "$1"
  printf '{ "name": "edgeloop-tarball-check", "private": true, "type": "module" }\n' >"$1/package.json"
  (cd "$1" && "${nocc[@]}" npm install --prefer-offline --no-audit --no-fund --foreground-scripts --loglevel warn "$2") >"$1/install.log" 2>&1 || {
    cat "$1/install.log"
    echo "check-tarball: FAIL: npm install $(basename "$2") failed with no compiler on PATH"
    exit 1
  }
}

# The user's script: a wasm simulation, then (native) a real server's echo
# over 127.0.0.1, or (no-native) the error createServer() gives.
cat >"$work/check.mjs" <<'EOF'
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createServer, Simulation } from 'edgeloop';

const mode = process.argv[2];
const sim = await Simulation.create({ engine: 'wasm', family: 'tcp', app: 'echo', seed: 7 });
const c = sim.peer('c');
c.connect();
sim.run({ until: () => c.connection !== null, maxSteps: 50 });
c.write('hello, wasm');
sim.run({ until: () => c.receivedBytes >= 11, maxSteps: 50 });
const steps = sim.trace.records.length;
c.shutdown('WR');
sim.run({ until: () => c.eof, maxSteps: 50 });
if (c.text !== 'hello, wasm' || !c.eof) throw new Error(`wasm simulation: got ${JSON.stringify(c.text)}, eof ${c.eof}`);
console.log(`  wasm simulation: echo of 11 bytes over simulated tcp, peer saw EOF (${steps} trace records)`);
sim.dispose();

if (mode === 'native') {
  const server = createServer({ host: '127.0.0.1', port: 0, app: 'echo' });
  const { port } = await server.listen();
  const echoed = await new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.end('hello, epoll'));
    s.on('data', (d) => (got += d));
    s.on('end', () => resolve(got));
    s.on('error', reject);
    setTimeout(() => reject(new Error('real server: no echo in 5 s')), 5000).unref();
  });
  await server.close();
  if (echoed !== 'hello, epoll') throw new Error(`real server: got ${JSON.stringify(echoed)}`);
  // Which addon this process loaded: the one shared object of ours it maps.
  const addons = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).filter((p) => p?.endsWith('.node')))];
  if (addons.length !== 1 || !addons[0].includes('/node_modules/edgeloop/prebuilds/linux-x64/')) {
    throw new Error(`real server: expected the prebuilt addon to be loaded, got ${addons.join(', ') || 'none'}`);
  }
  console.log(`  real server: echo of 12 bytes over 127.0.0.1:${port} (node:net client), addon ${addons[0].slice(addons[0].indexOf('node_modules/'))}`);
} else {
  try {
    await createServer({ host: '127.0.0.1', port: 0, app: 'echo' }).listen();
    throw new Error('createServer().listen() succeeded without an addon');
  } catch (e) {
    if (e.code !== 'ERR_BACKEND' || !e.message.includes('npm rebuild edgeloop') || !e.message.includes("engine: 'wasm'")) throw e;
    console.log(`  createServer(): ${e.code}: ${e.message}`);
  }
}
EOF

echo "check-tarball: 1. npm install $(basename "$tgz") into an empty project, no compiler on PATH"
app="$work/app"
install_into "$app" "$tgz"
[ -e "$app/node_modules/edgeloop/build" ] && { cat "$app/install.log"; echo "check-tarball: FAIL: the install compiled (node_modules/edgeloop/build exists) though a prebuild fits"; exit 1; }
echo "  installed; nothing compiled (no node_modules/edgeloop/build)"
cp "$work/check.mjs" "$app/"
(cd "$app" && "${nocc[@]}" node check.mjs native)

# A TypeScript user of the installed package (the repo's tsc, strict): the
# kernel API without casts; edgeloop/browser under moduleResolution node10
# (typesVersions) as under nodenext; and a browser bundle's view (the
# "browser" condition) has no createServer, so importing it there is a type
# error rather than a failure at bundle time.
tsc=("$root/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck --target es2022)
mkdir -p "$app/ts"
cat >"$app/ts/strict.ts" <<'EOF'
import { openKernel, must, EPOLLIN } from 'edgeloop';
import { Simulation } from 'edgeloop/browser';
export async function main(): Promise<number> {
  const k = await openKernel({ backend: 'sim', engine: 'wasm', seed: 1 });
  const [a, b] = k.strict.socketpair('unix');
  const ep = k.strict.epollCreate();
  k.strict.epollCtl(ep, 'ADD', b, EPOLLIN);
  must(k.write(a, 3), 'write');
  const ready = k.strict.epollWait(ep, 8, 0);
  const sim: Simulation = await Simulation.create({ engine: 'wasm', family: 'tcp', app: 'echo' });
  sim.dispose();
  return ready.length;
}
EOF
cat >"$app/ts/browser-bundle.ts" <<'EOF'
import { createServer } from 'edgeloop';
export const s = createServer;
EOF
(cd "$app" && "${tsc[@]}" --module nodenext --moduleResolution nodenext ts/strict.ts) || { echo "check-tarball: FAIL: strict TypeScript (nodenext) does not compile"; exit 1; }
(cd "$app" && "${tsc[@]}" --module esnext --moduleResolution node10 ts/strict.ts) || { echo "check-tarball: FAIL: moduleResolution node10 does not find edgeloop/browser"; exit 1; }
if out=$(cd "$app" && "${tsc[@]}" --module esnext --moduleResolution bundler --customConditions browser ts/browser-bundle.ts 2>&1); then
  echo "check-tarball: FAIL: createServer typechecks in a browser bundle (customConditions browser)"; exit 1
fi
grep -q "createServer" <<<"$out" || { echo "$out"; echo "check-tarball: FAIL: the browser bundle's type error does not name createServer"; exit 1; }
echo "  TypeScript (strict, no casts): compiles under nodenext and node10; createServer is a type error under the browser condition"

echo "check-tarball: 2. the same tarball without prebuilds/ (no prebuild fits), no compiler on PATH"
mkdir "$work/repack"
tar xzf "$tgz" -C "$work/repack"
rm -rf "$work/repack/package/prebuilds"
bare="$work/edgeloop-no-prebuild.tgz"
tar czf "$bare" -C "$work/repack" package
app2="$work/app-no-prebuild"
install_into "$app2" "$bare"
line=$(grep '^edgeloop: ' "$app2/install.log" || true)
if [ -z "$line" ] || ! grep -q 'npm rebuild edgeloop' <<<"$line"; then
  cat "$app2/install.log"
  echo "check-tarball: FAIL: the install did not say that the native part is unavailable and how to build it"
  exit 1
fi
echo "  install succeeded (exit 0); its install script said:"
echo "    $line"
cp "$work/check.mjs" "$app2/"
(cd "$app2" && "${nocc[@]}" node check.mjs no-native)

echo "check-tarball: ok in $((SECONDS - start)) s${KEEP:+ (kept: $work)}"
