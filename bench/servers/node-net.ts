// Node's own net module, the baseline:
//   --app echo|bulk  --bytes N
// echo: socket.pipe(socket) with TCP_NODELAY; bulk: on connect, --bytes
// written with socket.write of large buffers (4 MiB, the same one each
// time), waiting for 'drain' whenever write() says to, then end().
import net from 'node:net';
import { args, pattern, serve } from './control.js';

const a = args();
const app = a.get('app') ?? 'echo';
const bytes = Number(a.get('bytes') ?? 0);
const CHUNK = 4 << 20;

function sendBulk(socket: net.Socket, total: number): void {
  const chunk = pattern(Math.min(CHUNK, Math.max(total, 1)));
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.end();
  };
  pump();
}

let connections = 0;
const server = net.createServer({ noDelay: true }, (socket) => {
  connections++;
  socket.on('close', () => connections--);
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  if (app === 'echo') socket.pipe(socket);
  else if (app === 'bulk') sendBulk(socket, bytes);
  else throw new Error(`unknown --app ${app}`);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as net.AddressInfo;
  serve(address.port, {
    stats: () => ({ connections }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
});
