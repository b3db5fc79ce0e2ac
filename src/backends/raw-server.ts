// The contract between the TypeScript API and a compiled reactor binding:
// the addon's `Server` and the wasm module's `SimServer`, both constructed on
// an existing raw kernel object: new Server(rawKernel, optionsJson). Like
// RawKernel it is C-like and does no validation of its own beyond types;
// src/simulation/options.ts validates options before they get here.

/** Results of send/shutdown/close: 0, or one of these. */
export const RAW_NO_CONNECTION = -1;
export const RAW_SHUTTING_DOWN = -2;

export interface RawServer {
  /** The listening address as getsockname reports it ('@name' or '127.0.0.1:PORT'). */
  address(): string;
  /** One reactor iteration (epoll_wait with this timeout, callbacks, queued work): ready events, or -errno. */
  runOnce(timeoutMs: number): number;
  send(conn: number, data: Uint8Array): number;
  /** SHUT_WR once the connection's output has drained. */
  shutdown(conn: number): number;
  /** Closes now; `reason` is reported in the close event. */
  close(conn: number, reason: string): number;
  /** JSON array of the reactor's syscall records and app event records since the last drain. */
  drainTrace(): string;
  /** JSON array of app events since the last drain. */
  drainEvents(): string;
  /** The bytes of the message events since the last drain (app 'js' only), in order. */
  drainEventBytes(): Uint8Array;
  /** JSON: the reactor's state (epoll fd, connections with their buffers). */
  snapshot(): string;
  /** Closes every connection and the listener. Further calls throw. */
  dispose(): void;
}
