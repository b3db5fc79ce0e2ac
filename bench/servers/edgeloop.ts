// An edgeloop server for the benchmarks, in its own process:
//   --app echo|discard|bulk|js-echo|js-mixed|js-stream  --threads N  --variant NAME  --bytes N  --chunk N
//   --memory-budget N  --high-water-mark N   (createServer's memoryBudget and highWaterMark; default theirs)
// echo/discard/bulk are the built-in C++ apps (bulk queues all --bytes at
// once); js-echo is onMessage -> send; js-mixed echoes, except that a
// message starting with 'G' is answered with --bytes of response (the
// slow-reader cell); js-stream sends --bytes in --chunk pieces (4 MiB) while
// send() returns true, going on at onWriteComplete (write() and 'drain').
import { createServer, type ServerConnection, type ServerHandlers, type ServerOptions } from '../../src/index.js';
import type { VariantName } from '../../src/types.js';
import { args, pattern, REQUEST_BYTE, serve } from './control.js';

const a = args();
const app = a.get('app') ?? 'echo';
const threads = Number(a.get('threads') ?? 0);
const bytes = Number(a.get('bytes') ?? 0);
const options: ServerOptions = { port: 0, threads };
if (a.has('variant')) options.variant = a.get('variant') as VariantName;
if (a.has('memory-budget')) options.memoryBudget = Number(a.get('memory-budget'));
if (a.has('high-water-mark')) options.highWaterMark = Number(a.get('high-water-mark'));

if (app === 'echo' || app === 'discard') {
  options.app = app;
} else if (app === 'bulk') {
  options.app = { bulk: bytes };
} else if (app === 'js-echo') {
  options.handlers = {
    onMessage(conn, data) {
      conn.send(data);
    },
  };
} else if (app === 'js-mixed') {
  const response = pattern(bytes);
  const handlers: ServerHandlers = {
    onMessage(conn, data) {
      if (data[0] === REQUEST_BYTE) conn.send(response);
      else conn.send(data);
    },
  };
  options.handlers = handlers;
} else if (app === 'js-stream') {
  // A large response the way Node's net writes one: chunks for as long as
  // send() says all of it is in the kernel (write() returning true), then
  // the next once it drained (onWriteComplete, Node's 'drain').
  const chunkBytes = Number(a.get('chunk') ?? 4 << 20);
  const chunk = pattern(Math.min(chunkBytes, Math.max(bytes, 1)));
  const sent = new Map<ServerConnection, number>();
  const pump = (conn: ServerConnection): void => {
    let done = sent.get(conn) ?? 0;
    while (done < bytes) {
      const n = Math.min(chunk.length, bytes - done);
      done += n;
      sent.set(conn, done);
      if (!conn.send(n === chunk.length ? chunk : chunk.subarray(0, n))) return;
    }
    sent.delete(conn);
    conn.shutdown(); // no onWriteComplete follows a shutdown()
  };
  options.handlers = {
    onConnection: pump,
    onWriteComplete: pump,
    onClose(conn) {
      sent.delete(conn);
    },
  };
} else {
  throw new Error(`unknown --app ${app}`);
}

const server = createServer(options);
const { port } = await server.listen();
serve(port, {
  stats: () => {
    const s = server.stats();
    return {
      connections: s.connectionsOpen,
      epollWaits: s.epollWaits,
      wakeups: s.wakeups,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      highWaterEvents: s.highWaterEvents,
      peakSendBuffer: s.peakSendBuffer,
      closeReasons: s.closeReasons,
      memory: s.memory,
    };
  },
  close: () => server.close({ timeoutMs: 0 }),
});
