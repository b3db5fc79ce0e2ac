// A connection of the reactor's server as JS handlers see it, the same object
// in the simulation and on the real server. Operations go to the stack that
// owns the reactor binding (through ConnectionOps: each stack has its own
// checks, error options and trace upkeep); state changes come from the
// reactor's app events (src/app-event-dispatcher.ts). What only one stack knows is
// data: the simulation names the peer on the other end, the real server
// cannot (peer null).
import { describeValue, invalidArg } from './errors.js';
import { RAW_NO_CONNECTION, RAW_SERVER_CLOSING, RAW_SHUTTING_DOWN } from './backends/raw-server.js';
import type { SimConnection } from './types.js';

/** What a connection asks of the stack that owns it. */
export interface ConnectionOps {
  /** True when all of the connection's output is in the kernel. */
  send(conn: Connection, data: Uint8Array): boolean;
  shutdown(conn: Connection): void;
  close(conn: Connection): void;
  /** Whether a send would be taken now (open, not shut down). */
  writable(conn: Connection): boolean;
}

const utf8 = new TextEncoder();

/**
 * A Uint8Array from any realm (a worker's, an iframe's, a vm context's):
 * `instanceof` would refuse those, though the bindings take them.
 */
function isUint8Array(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]';
}

export class Connection implements SimConnection {
  readonly id: number;
  /** The server-side fd while open. */
  readonly fd: number;
  /** The name of the peer on the other end when the stack knows it (the simulation's scripted peers); else null. */
  readonly peer: string | null;
  closed = false;
  closeReason: string | null = null;
  private readonly ops: ConnectionOps;

  constructor(ops: ConnectionOps, id: number, fd: number, peer: string | null) {
    this.ops = ops;
    this.id = id;
    this.fd = fd;
    this.peer = peer;
  }

  get writable(): boolean {
    return !this.closed && this.ops.writable(this);
  }

  send(data: Uint8Array | string): boolean {
    let bytes: Uint8Array;
    if (typeof data === 'string') bytes = utf8.encode(data);
    // instanceof first: the hot path (a handler echoing a message) stays one check.
    else if (data instanceof Uint8Array || isUint8Array(data)) bytes = data;
    else throw invalidArg('send', 'data', 'a Uint8Array or a string', data);
    return this.ops.send(this, bytes);
  }

  shutdown(): void {
    this.ops.shutdown(this);
  }

  close(): void {
    this.ops.close(this);
  }

  markClosed(reason: string): void {
    this.closed = true;
    this.closeReason = reason;
  }

  toString(): string {
    return `connection ${this.id}${this.peer ? ` (peer ${describeValue(this.peer)})` : ''}`;
  }
}

/** Why a closed connection refuses a call: 'is closed (peer-closed)', or 'is closed' before its reason is known. */
export function closedText(conn: Connection): string {
  return `is closed${conn.closeReason ? ` (${conn.closeReason})` : ''}`;
}

/**
 * Why the binding refused a send/shutdown/close on `conn` (its result
 * RAW_SHUTTING_DOWN or RAW_NO_CONNECTION), or null when it took the call.
 * Each stack wraps the text in its own ERR_CLOSED error.
 */
export function refusedText(conn: Connection, result: number): string | null {
  if (result === RAW_SHUTTING_DOWN) return 'is shutting down (shutdown() was called)';
  if (result === RAW_SERVER_CLOSING) {
    return "was shut down by the server's close() (it had read nothing for the quiet period and had sent everything); check conn.writable before sending";
  }
  if (result === RAW_NO_CONNECTION) return closedText(conn);
  return null;
}
