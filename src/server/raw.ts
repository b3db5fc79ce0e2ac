// The contract between createServer() and the addon's LinuxServer class
// (native/addon/linux_server_wrap.h). C-like, no validation beyond types:
// src/server/options.ts validates before anything gets here.
import { EdgeloopError } from '../errors.js';
import { addonPath, loadAddon } from '../backends/native.js';

/**
 * Results of send/shutdown/close: 0 (for send: all of the connection's output
 * is in the kernel), or one of these. RAW_QUEUED (send only): accepted, but
 * stop: output waits in the reactor's send_buf_, or the attempt found the
 * peer gone (its close event follows).
 */
export const RAW_QUEUED = 1;
export const RAW_NO_CONNECTION = -1;
export const RAW_SHUTTING_DOWN = -2;

/**
 * JS handlers' app events, called synchronously from inside the reactor
 * iteration (on Node's thread) where a built-in app's callback would run:
 * ('connection', id, fd), ('message', id, bytes), ('writeComplete', id),
 * ('highWaterMark', id, queuedBytes), ('close', id, reason). It must not throw.
 */
export type RawEventCallback = (type: string, conn: number, arg?: Uint8Array | number | string) => void;

export interface RawLinuxServer {
  /** '127.0.0.1:PORT' as getsockname reports it. */
  address(): string;
  send(conn: number, data: Uint8Array): number;
  shutdown(conn: number): number;
  close(conn: number, reason: string): number;
  /** JSON array of the reactor's syscall records and app records since the last drain. */
  drainTrace(): string;
  /** JSON: the counters (ServerStats without handlerErrors). */
  stats(): string;
  /** JSON: the reactor state (ServerSnapshot with numeric masks). */
  snapshot(): string;
  /** Closes the listening socket. */
  stopAccepting(): void;
  /** Shutdown() on every open connection. */
  shutdownAll(): void;
  /** Closes every open connection now with this reason. */
  closeAll(reason: string): void;
  /** Stops watching the epoll fd, closes everything, joins the threads. Further calls throw. */
  dispose(): void;
}

export type RawLinuxServerClass = new (
  optionsJson: string,
  threads: number,
  maxConnections: number,
  onEvent: RawEventCallback | null,
  /** False: no 'writeComplete' events (no handler takes them). Default true. */
  wantsWriteComplete?: boolean,
) => RawLinuxServer;

export function loadLinuxServer(): RawLinuxServerClass {
  const addon = loadAddon() as unknown as { LinuxServer?: unknown };
  if (typeof addon.LinuxServer !== 'function') {
    throw new EdgeloopError(
      'ERR_BACKEND',
      `native addon ${addonPath()} does not export class LinuxServer: rebuild it with npm run build:native`,
    );
  }
  return addon.LinuxServer as RawLinuxServerClass;
}
