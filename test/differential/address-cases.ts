// Addresses on a host whose only interface is lo (the sim's model; `npm test`
// runs Linux in a namespace of its own with only lo up): the wildcard, other
// loopback addresses and the source Linux picks for them, 0.0.0.0 as a
// destination, addresses that are not this host's, and SO_REUSEADDR /
// SO_REUSEPORT as getsockopt reports them (accept inherits them).
// Nothing here sends a packet anywhere but loopback.
import { isErrno } from '../../src/index.js';
import { only } from './lib.js';
import type { DifferentialCase, Observer } from './observer.js';

/** Accepts one connection as `name` and records its local address. */
function acceptAndName(obs: Observer, l: number, name: string): void {
  const s = obs.accept(`accept ${name}`, l, name);
  if (typeof s === 'number') obs.sockname(`getsockname ${name}`, s);
}

export const addressCases: DifferentialCase[] = [
  only(
    'tcp',
    'addresses-loopback-host',
    'a wildcard listener; 127.0.0.2 and 0.0.0.0 as destinations (the source Linux picks); a bound source; addresses no route reaches; one not this host\'s',
    (k, obs) => {
      const l = obs.socket('l');
      obs.eq('bind l 0.0.0.0:0', k.bind(l, '0.0.0.0:0'));
      obs.eq('listen l', k.listen(l, 16));
      obs.sockname('getsockname l', l);
      const name = k.getsockname(l);
      if (isErrno(name)) {
        obs.must('getsockname l', name);
        return;
      }
      const port = name.slice(name.lastIndexOf(':') + 1);

      // Another loopback address: the client's source is lo's preferred one, 127.0.0.1.
      const c1 = obs.socket('c1');
      obs.connect('connect c1 to 127.0.0.2', c1, `127.0.0.2:${port}`);
      obs.settle();
      obs.sockname('getsockname c1', c1);
      acceptAndName(obs, l, 's1');

      // 0.0.0.0 as a destination is this host: 127.0.0.1 from an unbound socket...
      const c2 = obs.socket('c2');
      obs.connect('connect c2 to 0.0.0.0', c2, `0.0.0.0:${port}`);
      obs.settle();
      obs.sockname('getsockname c2', c2);
      acceptAndName(obs, l, 's2');

      // ...and the bound address from a bound one.
      const c3 = obs.socket('c3');
      obs.eq('bind c3 127.0.0.5:0', k.bind(c3, '127.0.0.5:0'));
      obs.connect('connect c3 to 0.0.0.0', c3, `0.0.0.0:${port}`);
      obs.settle();
      obs.sockname('getsockname c3', c3);
      acceptAndName(obs, l, 's3');

      // lo's broadcast address and a multicast one: routes TCP refuses.
      const c4 = obs.socket('c4');
      obs.connect('connect c4 to 127.255.255.255', c4, `127.255.255.255:${port}`);
      obs.connect('connect c4 to 224.0.0.1', c4, `224.0.0.1:${port}`);
      obs.sockname('getsockname c4 (no port taken)', c4);
      obs.soError('SO_ERROR c4', c4);

      // Not an address of this host.
      const x = obs.socket('x');
      obs.eq('bind x 10.0.0.1:0', k.bind(x, '10.0.0.1:0'));
      obs.sockname('getsockname x', x);
      obs.eq('bind x 127.0.0.1:0 after', k.bind(x, '127.0.0.1:0'));
    },
  ),
  only('tcp', 'reuse-options', 'SO_REUSEADDR and SO_REUSEPORT: set, reported, inherited by accept; SO_REUSEPORT refused on AF_UNIX', (k, obs) => {
    const l = obs.socket('l');
    obs.eq('getsockopt l SO_REUSEADDR (unset)', k.getsockopt(l, 'SO_REUSEADDR'));
    obs.eq('getsockopt l SO_REUSEPORT (unset)', k.getsockopt(l, 'SO_REUSEPORT'));
    obs.eq('setsockopt l SO_REUSEADDR 1', k.setsockopt(l, 'SO_REUSEADDR', 1));
    obs.eq('setsockopt l SO_REUSEPORT 7', k.setsockopt(l, 'SO_REUSEPORT', 7));
    obs.eq('getsockopt l SO_REUSEADDR', k.getsockopt(l, 'SO_REUSEADDR'));
    obs.eq('getsockopt l SO_REUSEPORT (a flag: 1)', k.getsockopt(l, 'SO_REUSEPORT'));
    obs.eq('bind l', k.bind(l, '127.0.0.1:0'));
    obs.eq('listen l', k.listen(l, 4));
    const addr = k.getsockname(l) as string;
    const c = obs.socket('c');
    obs.connect('connect c', c, addr);
    obs.settle();
    obs.eq('getsockopt c SO_REUSEADDR', k.getsockopt(c, 'SO_REUSEADDR'));
    const s = obs.accept('accept s', l, 's');
    if (typeof s === 'number') {
      obs.eq('getsockopt s SO_REUSEADDR (inherited)', k.getsockopt(s, 'SO_REUSEADDR'));
      obs.eq('getsockopt s SO_REUSEPORT (inherited)', k.getsockopt(s, 'SO_REUSEPORT'));
    }
    obs.eq('setsockopt l SO_REUSEADDR 0', k.setsockopt(l, 'SO_REUSEADDR', 0));
    obs.eq('getsockopt l SO_REUSEADDR cleared', k.getsockopt(l, 'SO_REUSEADDR'));
    const u = obs.socket('u', 'unix');
    obs.eq('setsockopt u SO_REUSEADDR 1', k.setsockopt(u, 'SO_REUSEADDR', 1));
    obs.eq('getsockopt u SO_REUSEADDR', k.getsockopt(u, 'SO_REUSEADDR'));
    obs.eq('setsockopt u SO_REUSEPORT 1', k.setsockopt(u, 'SO_REUSEPORT', 1));
    obs.eq('getsockopt u SO_REUSEPORT', k.getsockopt(u, 'SO_REUSEPORT'));
  }),
];
