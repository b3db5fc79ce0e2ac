// Strict TypeScript without casts: `must()` and `kernel.strict` give each
// call's success type and throw an ErrnoError (code: the errno name, as
// Node's system errors) where the kernel API returns an errno name. The
// contract itself is unchanged: the plain calls still return the name.
import { describe, expect, expectTypeOf, it } from 'vitest';

import { EdgeloopError, EPOLLIN, ErrnoError, must, openKernel, type EpollEventRecord } from '../src/index.js';
import { BACKENDS, optionsFor } from './helpers/backends.js';

describe.each(BACKENDS)('strict kernel calls (%s)', (backend) => {
  it('give the value on success, with its success type', async () => {
    const k = await openKernel(optionsFor(backend));
    try {
      const [a, b] = k.strict.socketpair('unix');
      expectTypeOf(a).toEqualTypeOf<number>();
      const ep = k.strict.epollCreate();
      expectTypeOf(ep).toEqualTypeOf<number>();
      expect(k.strict.epollCtl(ep, 'ADD', b, EPOLLIN)).toBe(0);
      expect(k.strict.write(a, new TextEncoder().encode('hi'))).toBe(2);
      const ready = k.strict.epollWait(ep, 4, 0);
      expectTypeOf(ready).toEqualTypeOf<EpollEventRecord[]>();
      expect(ready.length).toBe(1);
      const bytes = must(k.read(b, 16), 'read');
      expectTypeOf(bytes).toEqualTypeOf<Uint8Array>();
      expect(new TextDecoder().decode(bytes)).toBe('hi');
    } finally {
      k.dispose();
    }
  });

  it('throw ErrnoError carrying the errno as code, where the plain call returns it', async () => {
    const k = await openKernel(optionsFor(backend));
    try {
      const [, b] = k.strict.socketpair('unix');
      expect(k.read(b, 16)).toBe('EAGAIN');
      let caught: unknown = null;
      try {
        k.strict.read(b, 16);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ErrnoError);
      expect(caught).toBeInstanceOf(EdgeloopError);
      expect(caught).toMatchObject({ code: 'EAGAIN', errno: 'EAGAIN', syscall: 'read', message: 'read(): EAGAIN' });
      expect(() => must(k.close(9999), 'close')).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
      // Misuse of the API is still ERR_INVALID_ARG, thrown by either.
      expect(() => k.strict.read(b, -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    } finally {
      k.dispose();
    }
  });
});
